"""Long short-term memory cell (Hochreiter & Schmidhuber 1997, with a forget gate).

Equations, for one step (row vectors, batch-first as in the public API)::

    a_t = x_t W_x + h_{t-1} W_h + b            pre-activations of all four gates, (B, 4H)
    i_t = σ(a_t[i])                            input gate
    f_t = σ(a_t[f])                            forget gate
    o_t = σ(a_t[o])                            output gate
    g_t = tanh(a_t[g])                         candidate
    c_t = f_t * c_{t-1} + i_t * g_t            cell state
    h_t = o_t * tanh(c_t)                      hidden state

Gate blocks are stored in the order i, f, o, g along the 4H axis (the three sigmoids are one
contiguous block). Inside the time loop the arrays are feature-major, (4H, B) per step, so every
gate block is contiguous; the per-step product is a_t^T = W_h^T h_{t-1}^T + (x_t W_x + b)^T.
``x_t W_x + b`` for all steps was computed before the loop by the model.

One tanh covers all four gates: σ(a) = (1 + tanh(a/2)) / 2, so the sigmoid blocks of the
pre-activation are built halved (``input_scale`` on the input side, a halved copy of W_h made once
per pass on the recurrent side) and ``u_t = tanh(a_t')`` gives g_t directly and i, f, o as
(1 + u) / 2.

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1)::

    do_t = dh_t * tanh(c_t)
    dc_t = dc_next + dh_t * o_t * (1 - tanh(c_t)^2)     o_t (1 - tanh(c_t)^2) = o_t - h_t tanh(c_t)
    di_t = dc_t * g_t;   df_t = dc_t * c_{t-1};   dg_t = dc_t * i_t
    da_t[i,f,o] = d[i,f,o]_t * s * (1 - s)     s = the gate's sigmoid value
    da_t[g] = dg_t * (1 - g_t^2)
    dc_next = dc_t * f_t                       (to step t-1)
    dh_next = da_t W_h^T                       (to step t-1)
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace
from rnnviz.core.types import StateSpec


class LSTMCell:
    """The LSTM cell; the model owns the parameters and calls ``forward``/``backward``."""

    name = "lstm"
    G = 4  # gate blocks in W_x, W_h, b
    carried = ("h", "c")
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

    def __init__(self, hidden: int, nonlinearity: str = "tanh") -> None:
        self.H = hidden

    def extra_params(self) -> list[tuple[str, tuple[int, ...]]]:
        return []

    def input_scale(self, dtype: np.dtype) -> np.ndarray:
        """(4H,) factors the model applies to x_t W_x + b: 1/2 on the sigmoid blocks i, f, o."""
        s = np.ones(4 * self.H, dtype)
        s[: 3 * self.H] = 0.5
        return s

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence.

        Parameters
        ----------
        p : dict
            Parameter views ("W_h" (H, 4H)).
        ax : ndarray
            (4H, T, B) input projections x_t W_x + b for every step, as columns.
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
        GH, T, B = ax.shape
        H = self.H
        dt = ax.dtype
        hs = ws.empty((T + 1, H, B), dt)  # h_0..h_T
        cs = ws.empty((T + 1, H, B), dt)  # c_0..c_T
        tcs = ws.empty((T, H, B), dt)  # tanh(c_t)
        hs[0] = state0["h"]
        cs[0] = state0["c"]
        acts = ws.empty((T, GH, B), dt)  # (T, 4H, B): pre-activations, then gate values in place
        H3 = 3 * H
        W_hT = (p["W_h"] * self.input_scale(dt)).T  # (4H, H), sigmoid blocks halved
        ig = np.empty((H, B), dt)  # (H, B)
        for t in range(T):
            a = acts[t]  # (4H, B)
            np.matmul(W_hT, hs[t], out=a)
            a += ax[:, t]  # a_t' = (x_t W_x + b + h_{t-1} W_h) * input_scale
            np.tanh(a, out=a)  # u_t = tanh(a_t'): g_t, and 2σ - 1 for i, f, o
            s = a[:H3]  # (3H, B)
            s *= 0.5
            s += 0.5  # i_t, f_t, o_t = (1 + u_t) / 2
            i_t, f_t, o_t, g_t = a[:H], a[H : 2 * H], a[2 * H : H3], a[H3:]
            c_t = cs[t + 1]  # (H, B)
            np.multiply(f_t, cs[t], out=c_t)
            np.multiply(i_t, g_t, out=ig)
            c_t += ig
            h_t = hs[t + 1]  # (H, B)
            if t in clamps:
                for state, unit, value in clamps[t]:
                    if state == "c":
                        c_t[unit] = value
            np.tanh(c_t, out=tcs[t])
            np.multiply(o_t, tcs[t], out=h_t)
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
            "i": acts[:, :H].transpose(2, 0, 1),
            "f": acts[:, H : 2 * H].transpose(2, 0, 1),
            "o": acts[:, 2 * H : 3 * H].transpose(2, 0, 1),
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
            Only propagate the step T-1 head gradient (for ||dL_T/dh_t||); no gate gradients kept.

        Returns
        -------
        dict
            "dax" = "dah" (T, 4H, B) pre-activation gradients, "dhs" (T, H, B), "dcs" (T, H, B),
            "dstate0" {"h", "c"} -> (H, B).
        """
        hs, cs, acts, tcs = cache["hs"], cache["cs"], cache["acts"], cache["tcs"]
        T, GH, B = acts.shape
        H = self.H
        H3 = 3 * H
        dt = acts.dtype
        W_h = p["W_h"]  # (H, 4H)
        das = ws.empty((1 if last_only else T, GH, B), dt)
        dhs = ws.empty((T, H, B), dt)
        dcs = ws.empty((T, H, B), dt)
        dh_next = np.array(dfinal["h"], dtype=dt)  # (H, B)
        dc_next = np.array(dfinal["c"], dtype=dt)  # (H, B)
        tmp = np.empty((H, B), dt)
        tmp4 = np.empty((GH, B), dt)
        for t in range(T - 1, -1, -1):
            dh = dhs[t]  # (H, B)
            if last_only:
                if t == T - 1:
                    np.add(dhy[t], dh_next, out=dh)
                else:
                    dh[...] = dh_next
            else:
                np.add(dhy[t], dh_next, out=dh)
            if t in clamps:
                for state, unit, _ in clamps[t]:
                    if state == "h":
                        dh[unit] = 0.0
            a = acts[t]  # (4H, B)
            i_t, f_t, o_t, g_t = a[:H], a[H : 2 * H], a[2 * H : H3], a[H3:]
            tc = tcs[t]  # (H, B)
            da = das[0 if last_only else t]  # (4H, B)
            da_i, da_f, da_o, da_g = da[:H], da[H : 2 * H], da[2 * H : H3], da[H3:]
            np.multiply(dh, tc, out=da_o)  # do_t = dh_t * tanh(c_t)
            np.multiply(hs[t + 1], tc, out=tmp)
            np.subtract(o_t, tmp, out=tmp)  # o_t (1 - tanh(c_t)^2) = o_t - h_t tanh(c_t)
            tmp *= dh
            dc = dcs[t]  # (H, B)
            np.add(dc_next, tmp, out=dc)  # dc_t = dc_next + dh_t * o_t * (1 - tanh(c_t)^2)
            if t in clamps:
                for state, unit, _ in clamps[t]:
                    if state == "c":
                        dc[unit] = 0.0
            np.multiply(dc, g_t, out=da_i)  # di_t = dc_t * g_t
            np.multiply(dc, cs[t], out=da_f)  # df_t = dc_t * c_{t-1}
            np.multiply(dc, i_t, out=da_g)  # dg_t = dc_t * i_t
            np.multiply(dc, f_t, out=dc_next)  # dc_next = dc_t * f_t
            np.multiply(a, a, out=tmp4)  # (4H, B)
            np.subtract(a[:H3], tmp4[:H3], out=tmp4[:H3])  # s (1 - s) for i, f, o
            np.subtract(1.0, tmp4[H3:], out=tmp4[H3:])  # 1 - g_t^2
            da *= tmp4  # da_t[i,f,o] = d * s (1 - s);  da_t[g] = dg_t (1 - g_t^2)
            np.matmul(W_h, da, out=dh_next)  # dh_next = da_t W_h^T, (H, B)
        out = {"dhs": dhs, "dcs": dcs, "dstate0": {"h": dh_next, "c": dc_next}}
        if not last_only:
            out["dax"] = das
            out["dah"] = das
        return out
