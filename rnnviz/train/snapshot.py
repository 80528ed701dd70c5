"""Snapshot: what crosses from the training thread to the window.

A Snapshot is a frozen dataclass of *copied* arrays (no live references into the model), so the
worker can keep training while the UI draws. Views draw from a Snapshot alone, and a Snapshot
round-trips through ``to_dict``/``from_dict`` (arrays as lists) so a run can be recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rnnviz.core.types import StateSpec


@dataclass(frozen=True)
class Snapshot:
    """The state of a run at one training step.

    Attributes
    ----------
    step : int
        Training steps (batches) done.
    tokens_seen : int
        Time steps consumed so far (batch * seq_len per step).
    loss_steps : ndarray
        (n,) int64 step numbers of the losses since the previous snapshot (so no point is lost).
    losses : ndarray
        (n,) float64 mean training loss per step in nats, for those steps.
    grad_norms : ndarray
        (n,) float64 global gradient norm *before* clipping, for those steps.
    clipped : ndarray
        (n,) bool: whether clipping changed the gradient at those steps.
    clip_norm : float or None
        The global-norm clipping threshold in force (drawn on the gradient-norm plot).
    specs : tuple[StateSpec, ...]
        The arrays the cell declares, in display order.
    probe_labels : tuple[str, ...]
        (T,) input label per probe step (x-axis ticks).
    probe_states : dict[str, ndarray]
        name -> (T, H) float32 probe trace, one per spec.
    probe_outputs : ndarray
        (T, O) the model's outputs on the probe.
    probe_loss_t : ndarray
        (T,) per-step probe loss in nats.
    flow_dh, flow_dc, flow_last : ndarray or None
        (T,) gradient flow on the probe: ||dL/dh_t||, ||dL/dc_t|| (LSTM), ||dL_T/dh_t||.
    param_norms : dict[str, float]
        Per-parameter gradient norms of the latest training step.
    grad_norm, grad_norm_clipped : float
        Global norm before and after clipping of the latest training step.
    tokens_per_s : float
        Training throughput over the recent window.
    val_loss : float or None
        Latest validation loss in nats (None before the first evaluation).
    metrics : dict[str, float]
        Latest task metrics (bpc, accuracy, ...).
    sample : str or None
        A new sample / task display produced since the previous snapshot, else None.
    sample_marks : tuple[tuple[int, int], ...]
        Character ranges of ``sample`` to highlight.
    state : str
        "running", "paused", "stopped" or "diverged".
    message : str
        Why (for "diverged": what went non-finite, at which step, and what to try).
    lr : float
        Learning rate in force.
    """

    step: int
    tokens_seen: int
    loss_steps: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    clipped: np.ndarray
    clip_norm: float | None
    specs: tuple[StateSpec, ...]
    probe_labels: tuple[str, ...]
    probe_states: dict[str, np.ndarray]
    probe_outputs: np.ndarray
    probe_loss_t: np.ndarray
    flow_dh: np.ndarray | None
    flow_dc: np.ndarray | None
    flow_last: np.ndarray | None
    param_norms: dict[str, float]
    grad_norm: float
    grad_norm_clipped: float
    tokens_per_s: float
    val_loss: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    sample: str | None = None
    sample_marks: tuple[tuple[int, int], ...] = ()
    state: str = "running"
    message: str = ""
    lr: float = 0.0
