"""Vanilla (Elman) recurrent cell: min-char-rnn's tanh cell, or the binary-addition sigmoid cell.

Equations, for one step (row vectors, batch-first as in the public API)::

    a_t = x_t W_x + h_{t-1} W_h + b            pre-activation, (B, H)
    h_t = φ(a_t)                               φ = tanh or σ

Inside the time loop the arrays are feature-major, (H, B) per step:
a_t^T = W_h^T h_{t-1}^T + (x_t W_x + b)^T.
``x_t W_x + b`` for all steps was computed before the loop by the model.

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1)::

    da_t = dh_t * φ'(a_t)                      tanh: 1 - h_t^2;  σ: h_t * (1 - h_t)
    dh_next = da_t W_h^T                       (to step t-1)
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace, sigmoid_
from rnnviz.core.types import StateSpec


class RNNCell:
    """The vanilla RNN cell; the model owns the parameters and calls ``forward``/``backward``."""

    name = "rnn"
    G = 1
    # Floats per time step and sequence that a training step keeps, in units of H: forward ax,
    # h_t and the h copy the head reads; backward dL/dh from the head (rows and columns), da_t,
    # dh_t and da_t as columns (see rnnviz.core.memory).
    STEP_FLOATS = 8
    carried = ("h",)

    def __init__(self, hidden: int, nonlinearity: str = "tanh") -> None:
        self.H = hidden
        self.nonlinearity = nonlinearity
        if nonlinearity == "tanh":
            spec = StateSpec(
                "h", "hidden state h", -1.0, 1.0, "the network's memory: tanh of input plus past"
            )
        else:
            spec = StateSpec(
                "h", "hidden state h", 0.0, 1.0, "the network's memory: sigmoid of input plus past"
            )
        self.specs = (spec,)

    def extra_params(self) -> list[tuple[str, tuple[int, ...]]]:
        return []

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence over ax (H, T, B) = x_t W_x + b for every step, as columns.

        Returns the cache "hs" (T+1, H, B).
        """
        H, T, B = ax.shape
        hs = ws.empty((T + 1, H, B), ax.dtype)  # h_0..h_T
        hs[0] = state0["h"]
        W_hT = p["W_h"].T  # (H, H)
        tanh = self.nonlinearity == "tanh"
        for t in range(T):
            h_t = hs[t + 1]  # (H, B)
            np.matmul(W_hT, hs[t], out=h_t)
            h_t += ax[:, t]  # a_t
            if tanh:
                np.tanh(h_t, out=h_t)  # h_t = tanh(a_t)
            else:
                sigmoid_(h_t)  # h_t = σ(a_t)
            if t in clamps:
                for _, unit, value in clamps[t]:
                    h_t[unit] = value
        return {"hs": hs}

    def states(self, cache: dict) -> dict[str, np.ndarray]:
        return {"h": cache["hs"][1:].transpose(2, 0, 1)}

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
        """Back-propagate through time; see LSTMCell.backward for the arguments."""
        hs = cache["hs"]
        T = hs.shape[0] - 1
        _, H, B = hs.shape
        dt = hs.dtype
        W_h = p["W_h"]  # (H, H)
        das = ws.empty((T if not last_only else 1, H, B), dt)
        dhs = ws.empty((T, H, B), dt)
        dh_next = np.array(dfinal["h"], dtype=dt)  # (H, B)
        tmp = np.empty((H, B), dt)
        tanh = self.nonlinearity == "tanh"
        for t in range(T - 1, -1, -1):
            dh = dhs[t]  # (H, B)
            if not last_only or t == T - 1:
                np.add(dhy[t], dh_next, out=dh)
            else:
                dh[...] = dh_next
            if t in clamps:
                for _, unit, _ in clamps[t]:
                    dh[unit] = 0.0
            h_t = hs[t + 1]  # (H, B)
            da = das[0 if last_only else t]  # (H, B)
            if tanh:
                np.multiply(h_t, h_t, out=tmp)
                np.subtract(1.0, tmp, out=tmp)  # 1 - h_t^2
            else:
                np.multiply(h_t, h_t, out=tmp)
                np.subtract(h_t, tmp, out=tmp)  # h_t (1 - h_t)
            np.multiply(dh, tmp, out=da)
            np.matmul(W_h, da, out=dh_next)  # dh_next = da_t W_h^T, (H, B)
        out = {"dstates": {"h": dhs}, "dstate0": {"h": dh_next}}
        if not last_only:
            out["dax"] = das
            out["dah"] = das
        return out
