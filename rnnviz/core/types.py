"""The data that leaves the engine: state declarations, forward traces and gradient flow.

These are plain frozen dataclasses of NumPy arrays so they can be copied into a Snapshot,
saved, and drawn without touching the model again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The state every cell carries first and the output layer reads: the hidden state h. The
#: last-step signal ||dL_T/dh_t|| is traced back along it.
OUTPUT_STATE = "h"


@dataclass(frozen=True)
class StateSpec:
    """One array a cell declares, e.g. the LSTM forget gate.

    Views draw whatever a cell declares: adding a cell adds no GUI code.

    Attributes
    ----------
    name : str
        Key in ``Trace.states`` ("h", "c", "i", "f", "o", "g", "r", "z", "n").
    label : str
        Human label, e.g. "forget gate f".
    lo, hi : float or None
        Fixed value range, e.g. (0, 1) for a sigmoid gate, (-1, 1) for tanh.
        ``None`` means unbounded: views use a symmetric range around zero.
    meaning : str
        One line for a student: what this array does.
    """

    name: str
    label: str
    lo: float | None
    hi: float | None
    meaning: str

    @property
    def scale(self) -> str:
        """Colour scale kind: "sequential" (0..1), "diverging" (-1..1) or "symmetric" (auto)."""
        if self.lo is None or self.hi is None:
            return "symmetric"
        return "sequential" if self.lo >= 0 else "diverging"


@dataclass(frozen=True)
class Intervention:
    """Clamp one unit of one state array at one time step during the forward pass.

    Only carried states ("h", and "c" for the LSTM) can be clamped; the clamped value then
    flows into every later step, which is what a student wants to see.
    """

    state: str  # "h" or "c"
    step: int  # time index t, 0-based
    unit: int  # hidden unit index
    value: float


@dataclass(frozen=True)
class Trace:
    """Everything a forward pass computed, enough to redraw any frame without the model.

    Attributes
    ----------
    states : dict[str, ndarray]
        name -> (B, T, H), one entry per StateSpec the cell declares.
    outputs : ndarray
        (B, T, O): softmax probabilities, sigmoid probabilities, or linear predictions.
    loss_t : ndarray
        (B, T) per-step loss in nats (already multiplied by the mask); zeros where no target.
    mask : ndarray
        (B, T) loss weights (1 where a step counts).
    loss : float
        Mean loss per counted step, in nats: sum(loss_t) / sum(mask).
    final : dict[str, ndarray]
        Carried state after the last step, name -> (B, H); seeds the next batch when stateful.
    """

    states: dict[str, np.ndarray]
    outputs: np.ndarray
    loss_t: np.ndarray
    mask: np.ndarray
    loss: float
    final: dict[str, np.ndarray]
    cache: object = field(default=None, repr=False, compare=False)  # engine-private, for backward

    @property
    def seq_loss(self) -> np.ndarray:
        """(B,) loss per sequence in nats: the masked per-step losses summed over time."""
        return self.loss_t.sum(axis=1)

    @property
    def bits_per_step(self) -> float:
        """``loss`` in bits (bits per character for text): nats / ln 2."""
        return self.loss / float(np.log(2.0))


@dataclass(frozen=True)
class GradFlow:
    """How the gradient travels back through time for one backward pass.

    L is the training objective: the masked per-step loss summed over time and averaged over
    the batch. Norms are Frobenius norms over (batch, units), in float64.

    Attributes
    ----------
    flows : dict[str, ndarray]
        One curve per carried state s, in the cell's declared order (``cell.carried``):
        s -> (T,) ||dL/ds_t||, e.g. "h" -> ||dL/dh_t|| and, for the LSTM, "c" -> ||dL/dc_t||.
    last : ndarray or None
        (T,) ||dL_T/dh_t|| where L_T is the loss at the last step only: the textbook picture
        of vanishing or exploding gradients. None unless requested.
    params : dict[str, float]
        Per-parameter gradient norms, name -> ||dL/dW||.
    dstate0 : dict[str, ndarray]
        Gradient with respect to the initial carried state, name -> (B, H).
    """

    flows: dict[str, np.ndarray]
    last: np.ndarray | None
    params: dict[str, float]
    dstate0: dict[str, np.ndarray]
