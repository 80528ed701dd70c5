"""Snapshot: what the window's views draw today, made from a run's Updates.

The training side hands over :class:`~rnnviz.train.update.Update` objects (step records, a
Frame, samples, a status). The views still draw from one flat Snapshot per redraw (the losses of
the steps since the previous one, the probe arrays of the newest frame, the status), so
:class:`SnapshotMaker` turns each Update into one, keeping what an Update carries only when it
changes (the newest frame, the latest gradient norms). It is the bridge until the views render
from a :class:`~rnnviz.train.runmodel.RunModel` directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from rnnviz.core.types import StateSpec
from rnnviz.train.frame import Frame
from rnnviz.train.history import History
from rnnviz.train.update import Update


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
        (n,) float64 step numbers of the losses since the previous snapshot (so no point is lost);
        the older points of a saved history are bucket centres.
    losses : ndarray
        (n,) float64 mean training loss per step in nats, for those steps.
    grad_norms : ndarray
        (n,) float64 global gradient norm *before* clipping, for those steps.
    clipped : ndarray
        (n,) bool: whether clipping changed the gradient at those steps.
    clip_norm : float or None
        The global-norm clipping threshold in force (drawn on the gradient-norm plot).
    clip_value : float or None
        The element-wise clipping threshold in force (named in the plot's legend).
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
    flows : dict[str, ndarray]
        Gradient flow on the probe, one curve per carried state s in the cell's order:
        s -> (T,) ||dL/ds_t|| (e.g. "h", and "c" for the LSTM); empty when there is no probe.
    flow_last : ndarray or None
        (T,) the last-step signal on the probe, ||dL_T/dh_t||.
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
        "running", "paused", "stopped", "diverged" or "error".
    message : str
        Why (for "diverged": what went non-finite, at which step, and what to try).
    lr : float
        Learning rate in force.
    probe_targets : tuple[str, ...]
        (T,) display label of each probe step's target ("" where not scored; empty if the task
        gives none). For text, the last one is the probe's final character, never read.
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
    flows: dict[str, np.ndarray]
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
    clip_value: float | None = None
    probe_targets: tuple[str, ...] = ()


class SnapshotMaker:
    """Turns the Updates of a run into Snapshots, in order (one maker per stream of updates).

    An update of another run (a new ``run_id``) starts afresh. A continued run's first update
    carries the saved history: its points (exact recent steps, and bucket means before them)
    become the snapshot's losses, so the loss curve shows the run from its start.
    """

    def __init__(self) -> None:
        self._run_id: str | None = None
        self._frame: Frame | None = None
        self._norms = (math.nan, math.nan)

    def __call__(self, update: Update) -> Snapshot:
        """The snapshot of ``update`` (what is new in it, and the newest frame so far)."""
        if update.run_id != self._run_id:
            self._run_id = update.run_id
            self._frame = None
            self._norms = (math.nan, math.nan)
        if update.frame is not None:
            self._frame = update.frame
        records = update.records
        if records:
            self._norms = (records[-1].grad_norm, records[-1].grad_norm_clipped)
        steps = [float(r.step) for r in records]
        losses = [r.loss for r in records]
        norms = [r.grad_norm for r in records]
        clipped = [r.clipped for r in records]
        if update.history is not None and update.history.count:
            old = _saved_points(update.history)
            steps, losses, norms = (
                list(a) + b for a, b in zip(old, (steps, losses, norms), strict=True)
            )
            clipped = [False] * len(old[0]) + clipped
        s, f = update.status, self._frame
        sample = update.samples[-1] if update.samples else None
        metrics = dict(s.metrics)
        val = metrics.get("val_loss")
        return Snapshot(
            step=s.step,
            tokens_seen=s.tokens_seen,
            loss_steps=np.asarray(steps, dtype=np.float64),  # (n,)
            losses=np.asarray(losses, dtype=np.float64),  # (n,)
            grad_norms=np.asarray(norms, dtype=np.float64),  # (n,)
            clipped=np.asarray(clipped, dtype=bool),  # (n,)
            clip_norm=s.clip_norm,
            specs=() if f is None else f.specs,
            probe_labels=() if f is None else f.labels,
            probe_states={} if f is None else dict(f.states),
            probe_outputs=np.zeros((0, 0)) if f is None else f.outputs,
            probe_loss_t=np.zeros(0) if f is None else f.loss_t,
            flows={} if f is None else dict(f.flows),
            flow_last=None if f is None else f.flow_last,
            param_norms={} if f is None else dict(f.param_norms),
            grad_norm=self._norms[0],
            grad_norm_clipped=self._norms[1],
            tokens_per_s=s.tokens_per_s,
            val_loss=None if val is None or not math.isfinite(val) else float(val),
            metrics=metrics,
            sample=None if sample is None else sample.text,
            sample_marks=() if sample is None else sample.marks,
            state=s.state,
            message=s.message,
            lr=s.lr,
            clip_value=s.clip_value,
            probe_targets=() if f is None else f.targets,
        )


def _saved_points(history: History) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps (n,), losses (n,) and gradient norms (n,) of a saved history, a point per exact
    step or bucket (its centre step and mean)."""
    steps, _, loss, _ = history.series("loss")  # (n,) each
    _, _, norm, _ = history.series("grad_norm")  # (n,)
    return steps, loss, norm
