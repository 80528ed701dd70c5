"""Long short-term memory cell (Hochreiter & Schmidhuber 1997, with a forget gate).

One step, the textbook way (``step_reference``; row vectors, batch-first, all (B, H))::

    a_i = x_t W_xi + h_{t-1} W_hi + b_i;   i_t = σ(a_i)          input gate
    a_f = x_t W_xf + h_{t-1} W_hf + b_f;   f_t = σ(a_f)          forget gate
    a_o = x_t W_xo + h_{t-1} W_ho + b_o;   o_t = σ(a_o)          output gate
    a_g = x_t W_xg + h_{t-1} W_hg + b_g;   g_t = tanh(a_g)       candidate
    c_t = f_t * c_{t-1} + i_t * g_t                              cell state
    h_t = o_t * tanh(c_t)                                        hidden state

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1) and dc_next the
gradient arriving at c_t from step t+1::

    do_t = dh_t * tanh(c_t)
    dc_t = dc_next + dh_t * k_t                k_t = o_t (1 - tanh(c_t)^2) = o_t - h_t tanh(c_t)
    di_t = dc_t * g_t;   df_t = dc_t * c_{t-1};   dg_t = dc_t * i_t
    dc_next = dc_t * f_t                       (to step t-1)
    da_o = do_t * s_o;  da_i = di_t * s_i;  da_f = df_t * s_f;  da_g = dg_t * s_g
                                               s = σ (1 - σ) for o, i, f;  s_g = 1 - g_t^2
    dh_next = Σ_k da_k W_hk^T                  (to step t-1), k = o, i, f, g
    dW_xk += x_t^T da_k;   dW_hk += h_{t-1}^T da_k;   db_k += Σ_batch da_k

Fused layout: the four gate blocks are stored side by side in the order o, i, f, g along the 4H
axis of W_x (I, 4H), W_h (H, 4H) and b (4H,) (``GATES``): W_x = [W_xo W_xi W_xf W_xg], and
a_t = x_t W_x + h_{t-1} W_h + b = [a_o a_i a_f a_g], one product per step for all gates. The three
sigmoid gates are one contiguous block, and so are the three blocks that the cell-state gradient
feeds. Inside the time loop the arrays are feature-major, (4H, B) per step, so every gate block is
contiguous; the per-step product is a_t^T = W_h^T h_{t-1}^T + (x_t W_x + b)^T, where
``x_t W_x + b`` for all steps was computed before the loop by the model.

One tanh covers all four gates: σ(a) = (1 + tanh(a/2)) / 2, so the sigmoid blocks of the
pre-activation are built halved (``input_scale`` on the input side, a halved copy of W_h made once
per pass on the recurrent side) and ``u_t = tanh(a_t')`` gives g_t directly and o, i, f as
(1 + u) / 2.

Everything in the backward pass that does not depend on the incoming gradient is computed for a
block of steps at once (all of them for small batches): k_t, s_t = [s_o, s_i, s_f, s_g],
q_t = tanh(c_t) s_o and the stacked factors e_t = [g_t s_i, c_{t-1} s_f, i_t s_g, f_t]. Each step
then costs six array operations::

    dh_t = dhy_t + dh_next
    da_o = dh_t * q_t                           = do_t * s_o
    dc_t = dc_next + dh_t * k_t
    [da_i, da_f, da_g, dc_next] = dc_t * e_t    (one broadcast product)
    dh_next = da_t W_h^T                        da_t = [da_o da_i da_f da_g]
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace
from rnnviz.core.cell import Cell, Diagram, DiagramNode, sigma
from rnnviz.core.types import StateSpec


def _gate(k: str, f: str) -> str:
    """Display equation of gate ``k`` with activation ``f``: "f_t = σ(x_t·W_xf + ...)"."""
    return f"{k}_t = {f}(x_t·W_x{k} + h_{{t−1}}·W_h{k} + b_{k})"


class LSTMCell(Cell):
    """The LSTM cell; the model owns the parameters and calls ``forward``/``backward``."""

    name = "lstm"
    title = "LSTM"
    GATES = ("o", "i", "f", "g")  # block order along the 4H axis
    HALVED = ("o", "i", "f")  # the sigmoid gates: σ(a) = (1 + tanh(a/2)) / 2
    carried = ("h", "c")
    forget_gate = "f"
    ax_layout = "tgb"  # the model hands forward the input part as (T, 4H, B)
    TORCH_MODULE = "LSTM"
    # Floats per time step and sequence that a training step keeps, in units of H: forward acts
    # (4), h_t, c_t, tanh(c_t) and the h copy the head reads; backward dL/dh from the head,
    # work (da_t and dc_next, 5), dh_t, dc_t and da_t as columns (4) (see rnnviz.core.memory).
    STEP_FLOATS = 20
    CHUNK_BYTES = 1 << 19  # backward factors are prepared for this many bytes of gates at once
    specs = (
        StateSpec(
            "h",
            "hidden state h",
            -1.0,
            1.0,
            "what the cell shows the output layer and the next step",
        ),
        StateSpec(
            "c", "cell state c", None, None, "the memory: kept by f, written by i*g, unbounded"
        ),
        StateSpec("i", "input gate i", 0.0, 1.0, "how much of the candidate g is written into c"),
        StateSpec("f", "forget gate f", 0.0, 1.0, "how much of the old cell state c is kept"),
        StateSpec("o", "output gate o", 0.0, 1.0, "how much of tanh(c) is shown as h"),
        StateSpec("g", "candidate g", -1.0, 1.0, "the new content proposed for the cell state"),
    )
    diagram = Diagram(
        nodes=(
            DiagramNode("c_prev", "c_{t−1}", "", "input", (0, 0)),
            DiagramNode("h_prev", "h_{t−1}", "", "input", (0, 2)),
            DiagramNode("x", "x_t", "", "input", (0, 3)),
            DiagramNode("f", "f_t", _gate("f", "σ"), "gate", (1, 0), pre="a_f"),
            DiagramNode("i", "i_t", _gate("i", "σ"), "gate", (1, 1), pre="a_i"),
            DiagramNode("g", "g_t", _gate("g", "tanh"), "candidate", (1, 2), pre="a_g"),
            DiagramNode("o", "o_t", _gate("o", "σ"), "gate", (1, 3), pre="a_o"),
            DiagramNode("c", "c_t", "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t", "state", (2, 0)),
            DiagramNode("h", "h_t", "h_t = o_t ⊙ tanh(c_t)", "output", (3, 3)),
        ),
        edges=(
            *((src, k) for src in ("x", "h_prev") for k in ("f", "i", "g", "o")),
            ("c_prev", "c"),
            ("f", "c"),
            ("i", "c"),
            ("g", "c"),
            ("c", "h"),
            ("o", "h"),
        ),
    )

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence.

        Parameters
        ----------
        p : dict
            Parameter views ("W_h" (H, 4H)).
        ax : ndarray
            (T, 4H, B) input projections x_t W_x + b for every step, as columns. It becomes the
            "acts" array of the cache (overwritten in place).
        state0 : dict
            "h", "c" -> (H, B) feature-major initial state.
        clamps : dict
            t -> list of (state, unit, value) interventions.

        Returns
        -------
        dict
            The cache: "hs" (T+1, H, B), "cs" (T+1, H, B), "acts" (T, 4H, B), "tcs" (T, H, B).

        Notes
        -----
        ``ax`` arrives multiplied by ``input_scale`` (the sigmoid blocks halved).
        """
        T, GH, B = ax.shape
        H = self.H
        dt = ax.dtype
        hs = ws.empty((T + 1, H, B), dt)  # h_0..h_T
        cs = ws.empty((T + 1, H, B), dt)  # c_0..c_T
        tcs = ws.empty((T, H, B), dt)  # tanh(c_t)
        hs[0] = state0["h"]
        cs[0] = state0["c"]
        acts = ax  # (T, 4H, B): input part, pre-activations, then gate values, all in place
        H3 = 3 * H
        # C order: the per-step product is faster with a row-major (4H, H) matrix than with the
        # transposed view of W_h.
        W_hT = np.multiply(p["W_h"].T, self.input_scale(dt)[:, None], order="C")  # (4H, H)
        ig = np.empty((H, B), dt)  # (H, B)
        ah = np.empty((GH, B), dt)  # (4H, B) recurrent part h_{t-1} W_h
        matmul, tanh, multiply = np.matmul, np.tanh, np.multiply
        # Per-step views come from iterating the arrays (cheaper than indexing at batch 1).
        steps = zip(  # noqa: B905 - all have T rows
            acts,  # a_t (4H, B)
            acts[:, :H3],  # o, i, f block (3H, B)
            acts[:, :H],  # o_t
            acts[:, H : 2 * H],  # i_t
            acts[:, 2 * H : H3],  # f_t
            acts[:, H3:],  # g_t
            hs[:-1],  # h_{t-1}
            hs[1:],  # h_t
            cs[:-1],  # c_{t-1}
            cs[1:],  # c_t
            tcs,  # tanh(c_t)
        )
        for t, (a, s, o_t, i_t, f_t, g_t, h_prev, h_t, c_prev, c_t, tc) in enumerate(steps):
            matmul(W_hT, h_prev, out=ah)
            a += ah  # a_t' = (x_t W_x + b + h_{t-1} W_h) * input_scale
            tanh(a, out=a)  # u_t = tanh(a_t'): g_t, and 2σ - 1 for o, i, f
            s *= 0.5
            s += 0.5  # o_t, i_t, f_t = (1 + u_t) / 2
            multiply(f_t, c_prev, out=c_t)
            multiply(i_t, g_t, out=ig)
            c_t += ig  # c_t = f_t * c_{t-1} + i_t * g_t
            if t in clamps:
                for state, unit, value in clamps[t]:
                    if state == "c":
                        c_t[unit] = value
            tanh(c_t, out=tc)
            multiply(o_t, tc, out=h_t)  # h_t = o_t * tanh(c_t)
            if t in clamps:
                for state, unit, value in clamps[t]:
                    if state == "h":
                        h_t[unit] = value
        return {"hs": hs, "cs": cs, "acts": acts, "tcs": tcs}

    def states(self, cache: dict) -> dict[str, np.ndarray]:
        """name -> (B, T, H) views of the cache."""
        H = self.H
        acts = cache["acts"]
        return {
            "h": cache["hs"][1:].transpose(2, 0, 1),
            "c": cache["cs"][1:].transpose(2, 0, 1),
            "i": acts[:, H : 2 * H].transpose(2, 0, 1),
            "f": acts[:, 2 * H : 3 * H].transpose(2, 0, 1),
            "o": acts[:, :H].transpose(2, 0, 1),
            "g": acts[:, 3 * H :].transpose(2, 0, 1),
        }

    def final(self, cache: dict) -> dict[str, np.ndarray]:
        return {"h": cache["hs"][-1], "c": cache["cs"][-1]}

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
        """Back-propagate through time.

        Parameters
        ----------
        dhy : ndarray
            (T, H, B) dL/dh_t coming from the head.
        dfinal : dict
            "h", "c" -> (H, B) gradient arriving at the final state (zeros if none).
        last_only : bool
            Only propagate the step T-1 head gradient (for ||dL_T/dh_t||); no gate gradients
            returned.

        Returns
        -------
        dict
            "dax" = "dah" (T, 4H, B) pre-activation gradients, "dstates" {"h", "c"} -> (T, H, B)
            dL/dh_t and dL/dc_t for every step, "dstate0" {"h", "c"} -> (H, B).
        """
        hs, cs, acts, tcs = cache["hs"], cache["cs"], cache["acts"], cache["tcs"]
        T, GH, B = acts.shape
        H = self.H
        H3 = 3 * H
        dt = acts.dtype
        W_h = p["W_h"]  # (H, 4H)
        # Step-independent factors are computed for a chunk of steps at a time: few calls when
        # steps are small (batch 1), cache-sized blocks when they are large.
        n = max(1, min(T, self.CHUNK_BYTES // (GH * B * dt.itemsize)))
        s_c = np.empty((n, GH, B), dt)  # s_t: σ(1-σ) for o, i, f; 1 - g^2 for g
        k_c = np.empty((n, H, B), dt)  # k_t = o_t - h_t tanh(c_t)
        q_c = np.empty((n, H, B), dt)  # q_t = tanh(c_t) s_o
        e_c = np.empty((n, 4, H, B), dt)  # e_t = [g_t s_i, c_{t-1} s_f, i_t s_g, f_t]
        # work[t] = [da_t (o, i, f, g), dc_next]: di, df, dg and dc_next come from one product.
        work = ws.empty((T, 5 * H, B), dt)
        dhs = ws.empty((T, H, B), dt)
        dcs = ws.empty((T, H, B), dt)
        dh_next = np.array(dfinal["h"], dtype=dt)  # (H, B)
        dc_next = np.array(dfinal["c"], dtype=dt)  # (H, B)
        multiply, matmul = np.multiply, np.matmul
        rev = slice(None, None, -1)
        steps = zip(  # noqa: B905 - all have T rows; per-step views, last step first
            range(T - 1, -1, -1),
            dhy[rev],  # dL/dh_t from the head (H, B)
            dhs[rev],  # dh_t
            dcs[rev],  # dc_t
            work[rev, :H],  # da_t[o]
            work[:, H:].reshape(T, 4, H, B)[rev],  # [da_t[i], da_t[f], da_t[g], dc_next] (a view)
            work[rev, :GH],  # da_t (4H, B)
            work[rev, GH:],  # dc_next
        )
        lo = T
        for t, dhy_t, dh, dc, da_o, d4, da, dc_prev in steps:
            if t < lo:  # factors for steps lo..t
                lo = max(0, t + 1 - n)
                m = t + 1 - lo
                a_c = acts[lo : t + 1]  # (m, 4H, B)
                s, k, q, e = s_c[:m], k_c[:m], q_c[:m], e_c[:m]
                tc = tcs[lo : t + 1]  # (m, H, B) tanh(c_t)
                np.multiply(a_c, a_c, out=s)
                np.subtract(a_c[:, :H3], s[:, :H3], out=s[:, :H3])
                np.subtract(1.0, s[:, H3:], out=s[:, H3:])  # s_t
                np.multiply(hs[lo + 1 : t + 2], tc, out=k)
                np.subtract(a_c[:, :H], k, out=k)  # k_t = o_t - h_t tanh(c_t)
                np.multiply(tc, s[:, :H], out=q)  # q_t = tanh(c_t) s_o
                np.multiply(a_c[:, H3:], s[:, H : 2 * H], out=e[:, 0])  # g_t s_i
                np.multiply(cs[lo : t + 1], s[:, 2 * H : H3], out=e[:, 1])  # c_{t-1} s_f
                np.multiply(a_c[:, H : 2 * H], s[:, H3:], out=e[:, 2])  # i_t s_g
                e[:, 3] = a_c[:, 2 * H : H3]  # f_t
            j = t - lo
            if not last_only or t == T - 1:
                np.add(dhy_t, dh_next, out=dh)
            else:
                dh[...] = dh_next
            if t in clamps:
                for state, unit, _ in clamps[t]:
                    if state == "h":
                        dh[unit] = 0.0
            multiply(dh, q[j], out=da_o)  # da_t[o] = dh_t * q_t
            multiply(dh, k[j], out=dc)
            dc += dc_next  # dc_t = dc_next + dh_t * k_t
            if t in clamps:
                for state, unit, _ in clamps[t]:
                    if state == "c":
                        dc[unit] = 0.0
            multiply(dc, e[j], out=d4)  # [da_t[i], da_t[f], da_t[g], dc_next] = dc_t * e_t
            dc_next = dc_prev  # (H, B), to step t-1
            matmul(W_h, da, out=dh_next)  # dh_next = da_t W_h^T, (H, B)
        out = {
            "dstates": {"h": dhs, "c": dcs},
            "dstate0": {"h": dh_next, "c": np.array(dc_next)},
        }
        if not last_only:
            das = work[:, :GH]  # (T, 4H, B)
            out["dax"] = das
            out["dah"] = das
        return out

    # --- the textbook step ----------------------------------------------------------------------
    def step_reference(
        self, q: dict[str, np.ndarray], x_t: np.ndarray, *prev: np.ndarray
    ) -> dict[str, np.ndarray]:
        """One step as in the module docstring: x_t (B, I), h_{t-1} and c_{t-1} (B, H), float64."""
        h_prev, c_prev = prev
        a_i = x_t @ q["W_xi"] + h_prev @ q["W_hi"] + q["b_i"]  # (B, H)
        a_f = x_t @ q["W_xf"] + h_prev @ q["W_hf"] + q["b_f"]  # (B, H)
        a_o = x_t @ q["W_xo"] + h_prev @ q["W_ho"] + q["b_o"]  # (B, H)
        a_g = x_t @ q["W_xg"] + h_prev @ q["W_hg"] + q["b_g"]  # (B, H)
        i_t = sigma(a_i)  # (B, H) input gate
        f_t = sigma(a_f)  # (B, H) forget gate
        o_t = sigma(a_o)  # (B, H) output gate
        g_t = np.tanh(a_g)  # (B, H) candidate
        c_t = f_t * c_prev + i_t * g_t  # (B, H) cell state
        h_t = o_t * np.tanh(c_t)  # (B, H) hidden state
        return {
            "x": x_t,
            "h_prev": h_prev,
            "c_prev": c_prev,
            "a_i": a_i,
            "a_f": a_f,
            "a_o": a_o,
            "a_g": a_g,
            "i": i_t,
            "f": f_t,
            "o": o_t,
            "g": g_t,
            "c": c_t,
            "h": h_t,
        }

    def backward_reference(
        self,
        q: dict[str, np.ndarray],
        step: dict[str, np.ndarray],
        d: dict[str, np.ndarray],
        weights: bool = True,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The module docstring's backward for one step: dh_t = d["h"], dc_next = d["c"]
        (dW_xk, dW_hk only if ``weights``)."""
        i_t, f_t, o_t, g_t, c_t = (step[k] for k in ("i", "f", "o", "g", "c"))  # (B, H) each
        dh_t, dc_next = d["h"], d["c"]  # (B, H)
        tanh_c = np.tanh(c_t)  # (B, H)
        do_t = dh_t * tanh_c  # (B, H)
        dc_t = dc_next + dh_t * o_t * (1.0 - tanh_c * tanh_c)  # (B, H)
        di_t, df_t, dg_t = dc_t * g_t, dc_t * step["c_prev"], dc_t * i_t  # (B, H) each
        da = {
            "o": do_t * o_t * (1.0 - o_t),  # da_o (B, H)
            "i": di_t * i_t * (1.0 - i_t),  # da_i
            "f": df_t * f_t * (1.0 - f_t),  # da_f
            "g": dg_t * (1.0 - g_t * g_t),  # da_g
        }
        grads: dict[str, np.ndarray] = {}
        for k, da_k in da.items():
            if weights:
                grads[f"W_x{k}"] = step["x"].T @ da_k  # (I, H)
                grads[f"W_h{k}"] = step["h_prev"].T @ da_k  # (H, H)
            grads[f"b_{k}"] = da_k.sum(axis=0)  # (H,)
        dh_next = sum(da_k @ q[f"W_h{k}"].T for k, da_k in da.items())  # (B, H)
        return grads, {"h": dh_next, "c": dc_t * f_t}  # dc_next = dc_t * f_t
