"""Vanilla (Elman) recurrent cell: min-char-rnn's tanh cell, or the binary-addition sigmoid cell.

One step, the textbook way (``step_reference``; row vectors, batch-first)::

    a_h = x_t W_xh + h_{t-1} W_hh + b_h        pre-activation, (B, H)
    h_t = φ(a_h)                               φ = tanh or σ (``nonlinearity``)

Backward, for one step, with dh_t = dL/dh_t (from the head and from step t+1)::

    da_h = dh_t * φ'(a_h)                      tanh: 1 - h_t^2;  σ: h_t * (1 - h_t)
    dh_next = da_h W_hh^T                      (to step t-1)
    dW_xh += x_t^T da_h;   dW_hh += h_{t-1}^T da_h;   db_h += Σ_batch da_h

Fused layout: one gate block, "h": W_x = W_xh (I, H), W_h = W_hh (H, H), b = b_h (H,). Inside the
time loop the arrays are feature-major, (H, B) per step: a_h^T = W_hh^T h_{t-1}^T + (x_t W_xh +
b_h)^T, where ``x_t W_xh + b_h`` for all steps was computed before the loop by the model.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import Workspace, sigmoid_
from rnnviz.core.cell import Cell, Diagram, DiagramNode, sigma
from rnnviz.core.types import StateSpec


class RNNCell(Cell):
    """The vanilla RNN cell, h_t = φ(x_t W_xh + h_{t-1} W_hh + b_h) with φ = tanh or σ."""

    name = "rnn"
    title = "Vanilla RNN"
    GATES = ("h",)
    nonlinearities = ("tanh", "sigmoid")
    TORCH_MODULE = "RNN"
    # Floats per time step and sequence that a training step keeps, in units of H: forward ax,
    # h_t and the h copy the head reads; backward dL/dh from the head (rows and columns), da_t,
    # dh_t and da_t as columns (see rnnviz.core.memory).
    STEP_FLOATS = 8

    def __init__(self, hidden: int, nonlinearity: str = "tanh") -> None:
        super().__init__(hidden)
        self.nonlinearity = nonlinearity
        self._tanh = nonlinearity == "tanh"
        phi = "tanh" if self._tanh else "σ"
        lo = -1.0 if self._tanh else 0.0
        meaning = f"the network's memory: {'tanh' if self._tanh else 'sigmoid'} of input plus past"
        self._specs = (StateSpec("h", "hidden state h", lo, 1.0, meaning),)
        self._diagram = Diagram(
            nodes=(
                DiagramNode("h_prev", "h_{t−1}", "", "input", (0, 0)),
                DiagramNode("x", "x_t", "", "input", (0, 2)),
                # between its two inputs, with the prediction read from it above (the view)
                DiagramNode(
                    "h",
                    "h_t",
                    f"h_t = {phi}(x_t·W_xh + h_{{t−1}}·W_hh + b_h)",
                    "output",
                    (1, 1),
                    pre="a_h",
                ),
            ),
            edges=(("h_prev", "h"), ("x", "h")),
        )

    @classmethod
    def build(cls, hidden: int, nonlinearity: str) -> RNNCell:
        return cls(hidden, nonlinearity)

    @property
    def specs(self) -> tuple[StateSpec, ...]:
        return self._specs

    @property
    def diagram(self) -> Diagram:
        return self._diagram

    # --- the fast batched loop ------------------------------------------------------------------
    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence over ax (H, T, B) = x_t W_xh + b_h for every step, as columns.

        Returns the cache "hs" (T+1, H, B).
        """
        H, T, B = ax.shape
        hs = ws.empty((T + 1, H, B), ax.dtype)  # h_0..h_T
        hs[0] = state0["h"]
        W_hT = p["W_h"].T  # (H, H) W_hh^T
        tanh = self._tanh
        for t in range(T):
            h_t = hs[t + 1]  # (H, B)
            np.matmul(W_hT, hs[t], out=h_t)
            h_t += ax[:, t]  # a_h
            if tanh:
                np.tanh(h_t, out=h_t)  # h_t = tanh(a_h)
            else:
                sigmoid_(h_t)  # h_t = σ(a_h)
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
        """Back-propagate through time (see Cell.backward)."""
        hs = cache["hs"]
        T = hs.shape[0] - 1
        _, H, B = hs.shape
        dt = hs.dtype
        W_h = p["W_h"]  # (H, H) W_hh
        das = ws.empty((T if not last_only else 1, H, B), dt)
        dhs = ws.empty((T, H, B), dt)
        dh_next = np.array(dfinal["h"], dtype=dt)  # (H, B)
        tmp = np.empty((H, B), dt)
        tanh = self._tanh
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
            da = das[0 if last_only else t]  # (H, B) da_h
            if tanh:
                np.multiply(h_t, h_t, out=tmp)
                np.subtract(1.0, tmp, out=tmp)  # 1 - h_t^2
            else:
                np.multiply(h_t, h_t, out=tmp)
                np.subtract(h_t, tmp, out=tmp)  # h_t (1 - h_t)
            np.multiply(dh, tmp, out=da)
            np.matmul(W_h, da, out=dh_next)  # dh_next = da_h W_hh^T, (H, B)
        out = {"dstates": {"h": dhs}, "dstate0": {"h": dh_next}}
        if not last_only:
            out["dax"] = das
            out["dah"] = das
        return out

    # --- the textbook step ----------------------------------------------------------------------
    def step_reference(
        self, q: dict[str, np.ndarray], x_t: np.ndarray, *prev: np.ndarray
    ) -> dict[str, np.ndarray]:
        """One step as in the module docstring: x_t (B, I), h_{t-1} (B, H), float64."""
        (h_prev,) = prev
        a_h = x_t @ q["W_xh"] + h_prev @ q["W_hh"] + q["b_h"]  # (B, H)
        h_t = np.tanh(a_h) if self._tanh else sigma(a_h)  # (B, H)
        return {"x": x_t, "h_prev": h_prev, "a_h": a_h, "h": h_t}

    def backward_reference(
        self,
        q: dict[str, np.ndarray],
        step: dict[str, np.ndarray],
        d: dict[str, np.ndarray],
        weights: bool = True,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """One step of the module docstring's backward, with dh_t = d["h"] (B, H) (dW_xh, dW_hh
        only if ``weights``)."""
        h_t, dh_t = step["h"], d["h"]  # (B, H)
        dphi = 1.0 - h_t * h_t if self._tanh else h_t * (1.0 - h_t)  # φ'(a_h), (B, H)
        da_h = dh_t * dphi  # (B, H)
        grads = {"b_h": da_h.sum(axis=0)}  # (H,)
        if weights:
            grads["W_xh"] = step["x"].T @ da_h  # (I, H)
            grads["W_hh"] = step["h_prev"].T @ da_h  # (H, H)
        return grads, {"h": da_h @ q["W_hh"].T}  # dh_next (B, H)
