"""Gated recurrent unit (Cho et al. 2014) in PyTorch's convention (reset applied after W_hn).

Equations, for one step (row vectors, batch-first as in the public API)::

    ax_t = x_t W_x + b                         input side of all three blocks, (B, 3H)
    ah_t = h_{t-1} W_h                         hidden side of all three blocks, (B, 3H)
    r_t = σ(ax_t[r] + ah_t[r])                 reset gate
    z_t = σ(ax_t[z] + ah_t[z])                 update gate
    hn_t = ah_t[n] + b_hn                      hidden part of the candidate
    n_t = tanh(ax_t[n] + r_t * hn_t)           candidate
    h_t = (1 - z_t) * n_t + z_t * h_{t-1}      hidden state

Blocks are stored in the order r, z, n along the 3H axis. Inside the time loop the arrays are
feature-major, (3H, B) per step, so every block is contiguous. ``ax_t`` for all steps was
computed before the loop by the model (one GEMM, or a row gather for tokens), with its r, z
blocks halved (``input_scale``) so that σ costs one tanh: σ(a) = (1 + tanh(a/2)) / 2.

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1)::

    dn_t = dh_t * (1 - z_t);   dz_t = dh_t * (h_{t-1} - n_t)
    dax_t[n] = dn_t * (1 - n_t^2)
    dr_t = dax_t[n] * hn_t
    dax_t[r] = dah_t[r] = dr_t * r_t * (1 - r_t)
    dax_t[z] = dah_t[z] = dz_t * z_t * (1 - z_t)
    dah_t[n] = dhn_t = dax_t[n] * r_t           (also the gradient of b_hn)
    dh_next = dh_t * z_t + dah_t W_h^T         (to step t-1)
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace
from rnnviz.core.types import StateSpec


class GRUCell:
    """The GRU cell; the model owns the parameters and calls ``forward``/``backward``."""

    name = "gru"
    G = 3
    # Floats per time step and sequence that a training step keeps, in units of H: forward ax
    # (3), acts (3), h_t, hn_t and the h copy the head reads; backward dL/dh from the head (rows
    # and columns), dax and dah (3 each), dh_t, and both as columns (3 each) (see
    # rnnviz.core.memory).
    STEP_FLOATS = 24
    carried = ("h",)
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

    def __init__(self, hidden: int, nonlinearity: str = "tanh") -> None:
        self.H = hidden
        self._scales: dict[np.dtype, np.ndarray] = {}  # input_scale per dtype (read-only)

    def extra_params(self) -> list[tuple[str, tuple[int, ...]]]:
        return [("b_hn", (self.H,))]

    def input_scale(self, dtype: np.dtype) -> np.ndarray:
        """(3H,) factors the model applies to ax_t: 1/2 on the sigmoid blocks r, z.

        σ(a) = (1 + tanh(a/2)) / 2: with the r, z blocks of ax_t and of W_h halved, the gates
        cost one tanh and two in-place updates.
        """
        key = np.dtype(dtype)
        s = self._scales.get(key)
        if s is None:
            s = self._scales[key] = np.ones(3 * self.H, key)
            s[: 2 * self.H] = 0.5
        return s

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence over ax (3H, T, B) = x_t W_x + b for every step, as columns.

        Returns the cache "hs" (T+1, H, B), "acts" (T, 3H, B), "hns" (T, H, B).
        """
        GH, T, B = ax.shape
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
            np.add(ax[:H2, t], ah[:H2], out=s)  # halved pre-activations of r, z
            np.tanh(s, out=s)
            s *= 0.5
            s += 0.5  # r_t, z_t = σ(ax_t + ah_t) = (1 + tanh(halved)) / 2
            r_t, z_t, n_t = a[:H], a[H:H2], a[H2:]
            hn = hns[t]  # (H, B)
            np.add(ah[H2:], b_hn, out=hn)  # hn_t = ah_t[n] + b_hn
            np.multiply(r_t, hn, out=n_t)
            n_t += ax[H2:, t]
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
