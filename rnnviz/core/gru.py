"""Gated recurrent unit (Cho et al. 2014) in PyTorch's convention (reset applied after W_hn).

One step, the textbook way (``step_reference``; row vectors, batch-first, all (B, H))::

    a_r = x_t W_xr + b_r + h_{t-1} W_hr;   r_t = σ(a_r)            reset gate
    a_z = x_t W_xz + b_z + h_{t-1} W_hz;   z_t = σ(a_z)            update gate
    hn_t = h_{t-1} W_hn + b_hn                                     hidden part of the candidate
    a_n = x_t W_xn + b_n + r_t * hn_t;     n_t = tanh(a_n)         candidate
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}                          hidden state

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1)::

    dn_t = dh_t * (1 - z_t);   dz_t = dh_t * (h_{t-1} - n_t)
    da_n = dn_t * (1 - n_t^2)
    dr_t = da_n * hn_t
    da_r = dr_t * r_t * (1 - r_t);   da_z = dz_t * z_t * (1 - z_t)
    dhn_t = da_n * r_t                          (the gradient of b_hn too)
    dh_next = dh_t * z_t + da_r W_hr^T + da_z W_hz^T + dhn_t W_hn^T      (to step t-1)
    dW_xk += x_t^T da_k, db_k += Σ_batch da_k (k = r, z, n);   dW_hk += h_{t-1}^T da_k (k = r, z);
    dW_hn += h_{t-1}^T dhn_t;   db_hn += Σ_batch dhn_t

Fused layout: the blocks are stored in the order r, z, n along the 3H axis of W_x (I, 3H), W_h
(H, 3H) and b (3H,) (``GATES``), plus b_hn (H,). Per step the engine computes

    ax_t = x_t W_x + b = [ax_t[r], ax_t[z], ax_t[n]]       input side of all three blocks, (B, 3H)
    ah_t = h_{t-1} W_h = [ah_t[r], ah_t[z], ah_t[n]]       hidden side, (B, 3H)

so a_r = ax_t[r] + ah_t[r], a_z = ax_t[z] + ah_t[z], hn_t = ah_t[n] + b_hn, a_n = ax_t[n] + r_t *
hn_t; its gradients are dax_t = [da_r, da_z, da_n] and dah_t = [da_r, da_z, dhn_t]. Inside the
time loop the arrays are feature-major, (3H, B) per step, so every block is contiguous. ``ax_t``
for all steps was computed before the loop by the model (one GEMM, or a row gather for tokens),
with its r, z blocks halved (``input_scale``) so that σ costs one tanh: σ(a) = (1 + tanh(a/2)) / 2.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace
from rnnviz.core.cell import Cell, Diagram, DiagramNode, sigma
from rnnviz.core.types import StateSpec


class GRUCell(Cell):
    """The GRU cell; the model owns the parameters and calls ``forward``/``backward``."""

    name = "gru"
    title = "GRU"
    GATES = ("r", "z", "n")  # block order along the 3H axis
    HALVED = ("r", "z")  # the sigmoid gates: σ(a) = (1 + tanh(a/2)) / 2
    EXTRA_BIASES = (("b_hn", ("n",), "hidden"),)  # hn_t = h_{t-1} W_hn + b_hn
    # The model hands forward the input part step-major, (T, 3H, B), each step's block
    # contiguous: read as (3H, T, B), each step's 3H rows of B values lay T*B apart. Pairs on
    # the shared 2-core machine (load average ~14): training 1.10-1.17x the tokens per second
    # (medians of 4, all four sizes), tracing 0.94-0.96x the CPU time.
    ax_layout = "tgb"
    TORCH_MODULE = "GRU"
    # Floats per time step and sequence that a training step keeps, in units of H: forward ax
    # (3), acts (3), h_t, hn_t and the h copy the head reads; backward dL/dh from the head (rows
    # and columns), dax and dah (3 each), dh_t, and both as columns (3 each) (see
    # rnnviz.core.memory).
    STEP_FLOATS = 24
    specs = (
        StateSpec(
            "h", "hidden state h", -1.0, 1.0, "the memory: a blend of the old h and the candidate n"
        ),
        StateSpec(
            "r", "reset gate r", 0.0, 1.0, "how much of the old h the candidate n may look at"
        ),
        StateSpec(
            "z",
            "update gate z",
            0.0,
            1.0,
            "how much of the old h is kept (1 = keep, 0 = replace by n)",
        ),
        StateSpec("n", "candidate n", -1.0, 1.0, "the new content proposed for h"),
    )

    diagram = Diagram(
        nodes=(
            DiagramNode("h_prev", "h_{t−1}", "", "input", (0, 0)),
            DiagramNode("x", "x_t", "", "input", (0, 2)),
            DiagramNode(
                "z", "z_t", "z_t = σ(x_t·W_xz + b_z + h_{t−1}·W_hz)", "gate", (1, 0), pre="a_z"
            ),
            DiagramNode(
                "r", "r_t", "r_t = σ(x_t·W_xr + b_r + h_{t−1}·W_hr)", "gate", (1, 1), pre="a_r"
            ),
            DiagramNode(
                "n",
                "n_t",
                "n_t = tanh(x_t·W_xn + b_n + r_t ⊙ (h_{t−1}·W_hn + b_hn))",
                "candidate",
                (2, 1),
                pre="a_n",
            ),
            DiagramNode("h", "h_t", "h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1}", "output", (3, 0)),
        ),
        edges=(
            *((src, k) for src in ("x", "h_prev") for k in ("z", "r", "n")),
            ("r", "n"),
            ("z", "h"),
            ("n", "h"),
            ("h_prev", "h"),
        ),
    )

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence over ax (T, 3H, B) = x_t W_x + b for every step, as columns.

        Returns the cache "hs" (T+1, H, B), "acts" (T, 3H, B), "hns" (T, H, B).
        """
        T, GH, B = ax.shape
        H = self.H
        H2 = 2 * H
        dt = ax.dtype
        hs = ws.empty((T + 1, H, B), dt)  # h_0..h_T
        hns = ws.empty((T, H, B), dt)  # hn_t = ah_t[n] + b_hn
        hs[0] = state0["h"]
        acts = ws.empty((T, GH, B), dt)  # (T, 3H, B): r, z, n per step
        W_hT = (p["W_h"] * self.input_scale(dt)).T  # (3H, H), r and z blocks halved
        b_hn = p["b_hn"][:, None]  # (H, 1)
        ah = np.empty((GH, B), dt)  # (3H, B)
        tmp = np.empty((H, B), dt)
        for t in range(T):
            a = acts[t]  # (3H, B)
            h_prev = hs[t]  # (H, B)
            np.matmul(W_hT, h_prev, out=ah)  # ah_t
            s = a[:H2]  # (2H, B)
            ax_t = ax[t]  # (3H, B)
            np.add(ax_t[:H2], ah[:H2], out=s)  # halved pre-activations of r, z
            np.tanh(s, out=s)
            s *= 0.5
            s += 0.5  # r_t, z_t = σ(ax_t + ah_t) = (1 + tanh(halved)) / 2
            r_t, z_t, n_t = a[:H], a[H:H2], a[H2:]
            hn = hns[t]  # (H, B)
            np.add(ah[H2:], b_hn, out=hn)  # hn_t = ah_t[n] + b_hn
            np.multiply(r_t, hn, out=n_t)
            n_t += ax_t[H2:]
            np.tanh(n_t, out=n_t)  # n_t = tanh(ax_t[n] + r_t * hn_t)
            h_t = hs[t + 1]  # (H, B)
            np.subtract(h_prev, n_t, out=tmp)
            tmp *= z_t
            np.add(n_t, tmp, out=h_t)  # h_t = n_t + z_t * (h_{t-1} - n_t)
            if t in clamps:
                for _, unit, value in clamps[t]:
                    h_t[unit] = value
        return {"hs": hs, "acts": acts, "hns": hns}

    def states(self, cache: dict) -> dict[str, np.ndarray]:
        H = self.H
        acts = cache["acts"]
        return {
            "h": cache["hs"][1:].transpose(2, 0, 1),
            "r": acts[:, :H].transpose(2, 0, 1),
            "z": acts[:, H : 2 * H].transpose(2, 0, 1),
            "n": acts[:, 2 * H :].transpose(2, 0, 1),
        }

    def final(self, cache: dict) -> dict[str, np.ndarray]:
        return {"h": cache["hs"][-1]}

    def backward(
        self,
        p: dict,
        cache: dict,
        dhy: np.ndarray,
        dfinal: dict,
        clamps: dict,
        ws: Workspace,
        last_only: bool = False,
    ) -> dict:
        """Back-propagate through time; see LSTMCell.backward for the arguments.

        Returns "dax" (T, 3H, B) input-side and "dah" (T, 3H, B) hidden-side pre-activation
        gradients.
        """
        hs, acts, hns = cache["hs"], cache["acts"], cache["hns"]
        T, GH, B = acts.shape
        H = self.H
        H2 = 2 * H
        dt = acts.dtype
        W_h = p["W_h"]  # (H, 3H)
        n_keep = 1 if last_only else T
        dax = ws.empty((n_keep, GH, B), dt)
        dah = ws.empty((n_keep, GH, B), dt)
        dhs = ws.empty((T, H, B), dt)
        dh_next = np.array(dfinal["h"], dtype=dt)  # (H, B)
        tmp = np.empty((H, B), dt)
        tmp2 = np.empty((H2, B), dt)
        for t in range(T - 1, -1, -1):
            dh = dhs[t]  # (H, B)
            if not last_only or t == T - 1:
                np.add(dhy[t], dh_next, out=dh)
            else:
                dh[...] = dh_next
            if t in clamps:
                for _, unit, _ in clamps[t]:
                    dh[unit] = 0.0
            a = acts[t]  # (3H, B)
            r_t, z_t, n_t = a[:H], a[H:H2], a[H2:]
            h_prev = hs[t]  # (H, B)
            k = 0 if last_only else t
            dx, dhh = dax[k], dah[k]  # (3H, B)
            dax_r, dax_z, dax_n = dx[:H], dx[H:H2], dx[H2:]
            np.subtract(h_prev, n_t, out=dax_z)
            dax_z *= dh  # dz_t = dh_t * (h_{t-1} - n_t)
            np.multiply(n_t, n_t, out=tmp)
            np.subtract(1.0, tmp, out=tmp)  # 1 - n_t^2
            np.multiply(dh, z_t, out=dax_n)
            np.subtract(dh, dax_n, out=dax_n)  # dn_t = dh_t * (1 - z_t)
            dax_n *= tmp  # dax_t[n]
            np.multiply(dax_n, hns[t], out=dax_r)  # dr_t
            s = a[:H2]  # (2H, B) r_t, z_t
            np.multiply(s, s, out=tmp2)
            np.subtract(s, tmp2, out=tmp2)  # s (1 - s)
            dx[:H2] *= tmp2
            dhh[:H2] = dx[:H2]
            np.multiply(dax_n, r_t, out=dhh[H2:])  # dah_t[n] = dax_t[n] * r_t
            np.matmul(W_h, dhh, out=tmp)
            np.multiply(dh, z_t, out=dh_next)
            dh_next += tmp  # dh_next = dh_t * z_t + dah_t W_h^T
        out = {"dstates": {"h": dhs}, "dstate0": {"h": dh_next}}
        if not last_only:
            out["dax"] = dax
            out["dah"] = dah
        return out

    # --- the textbook step ----------------------------------------------------------------------
    def step_reference(
        self, q: dict[str, np.ndarray], x_t: np.ndarray, *prev: np.ndarray
    ) -> dict[str, np.ndarray]:
        """One step as in the module docstring: x_t (B, I), h_{t-1} (B, H), float64."""
        (h_prev,) = prev
        a_r = x_t @ q["W_xr"] + q["b_r"] + h_prev @ q["W_hr"]  # (B, H)
        a_z = x_t @ q["W_xz"] + q["b_z"] + h_prev @ q["W_hz"]  # (B, H)
        r_t = sigma(a_r)  # (B, H) reset gate
        z_t = sigma(a_z)  # (B, H) update gate
        hn_t = h_prev @ q["W_hn"] + q["b_hn"]  # (B, H)
        a_n = x_t @ q["W_xn"] + q["b_n"] + r_t * hn_t  # (B, H)
        n_t = np.tanh(a_n)  # (B, H) candidate
        h_t = (1.0 - z_t) * n_t + z_t * h_prev  # (B, H) hidden state
        return {
            "x": x_t,
            "h_prev": h_prev,
            "a_r": a_r,
            "a_z": a_z,
            "hn": hn_t,
            "a_n": a_n,
            "r": r_t,
            "z": z_t,
            "n": n_t,
            "h": h_t,
        }

    def backward_reference(
        self,
        q: dict[str, np.ndarray],
        step: dict[str, np.ndarray],
        d: dict[str, np.ndarray],
        weights: bool = True,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The module docstring's backward for one step, with dh_t = d["h"] (B, H) (dW_xk,
        dW_hk only if ``weights``)."""
        r_t, z_t, n_t, hn_t = step["r"], step["z"], step["n"], step["hn"]  # (B, H) each
        x_t, h_prev, dh_t = step["x"], step["h_prev"], d["h"]
        dn_t = dh_t * (1.0 - z_t)  # (B, H)
        dz_t = dh_t * (h_prev - n_t)  # (B, H)
        da_n = dn_t * (1.0 - n_t * n_t)  # (B, H)
        dr_t = da_n * hn_t  # (B, H)
        da_r = dr_t * r_t * (1.0 - r_t)  # (B, H)
        da_z = dz_t * z_t * (1.0 - z_t)  # (B, H)
        dhn_t = da_n * r_t  # (B, H)
        grads = {
            "b_r": da_r.sum(axis=0),  # (H,)
            "b_z": da_z.sum(axis=0),
            "b_n": da_n.sum(axis=0),
            "b_hn": dhn_t.sum(axis=0),
        }
        if weights:
            grads.update(
                W_xr=x_t.T @ da_r,  # (I, H)
                W_xz=x_t.T @ da_z,
                W_xn=x_t.T @ da_n,
                W_hr=h_prev.T @ da_r,  # (H, H)
                W_hz=h_prev.T @ da_z,
                W_hn=h_prev.T @ dhn_t,
            )
        dh_next = dh_t * z_t + da_r @ q["W_hr"].T + da_z @ q["W_hz"].T + dhn_t @ q["W_hn"].T
        return grads, {"h": dh_next}  # (B, H)
