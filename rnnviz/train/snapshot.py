"""Snapshot: what crosses from the training thread to the window.

A Snapshot is a frozen dataclass of *copied* arrays (no live references into the model), so the
worker can keep training while the UI draws. Views draw from a Snapshot alone, and a Snapshot
round-trips through ``to_dict``/``from_dict`` (arrays as lists) so a run can be recorded.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

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

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict: arrays become ``{"dtype", "shape", "data"}``, NaN becomes "nan"."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "specs":
                out[f.name] = [dataclasses.asdict(s) for s in value]
            elif f.name in ("probe_states", "flows"):
                out[f.name] = {k: _encode(v) for k, v in value.items()}
            elif f.name == "sample_marks":
                out[f.name] = [list(m) for m in value]
            else:
                out[f.name] = _encode(value)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """Inverse of :meth:`to_dict`; raises ValueError on a malformed dict."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"snapshot: unknown field(s) {', '.join(unknown)}")
        kw: dict[str, Any] = {}
        for name, value in data.items():
            if name == "specs":
                kw[name] = tuple(StateSpec(**s) for s in value)
            elif name in ("probe_states", "flows"):
                kw[name] = {k: _decode(v) for k, v in value.items()}
            elif name == "sample_marks":
                kw[name] = tuple((int(a), int(b)) for a, b in value)
            elif name in ("probe_labels", "probe_targets"):
                kw[name] = tuple(value)
            else:
                kw[name] = _decode(value)
        return cls(**kw)


def _encode(value: Any) -> Any:
    """Arrays to tagged dicts, non-finite floats to strings, containers recursively."""
    if isinstance(value, np.ndarray):
        flat = value.ravel().tolist()
        if value.dtype.kind == "f":
            flat = [_encode(float(v)) for v in flat]
        return {"dtype": value.dtype.str, "shape": list(value.shape), "data": flat}
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else repr(v)  # 'nan', 'inf', '-inf'
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dtype", "shape", "data"}:
        data = [float(v) if isinstance(v, str) else v for v in value["data"]]
        return np.asarray(data, dtype=np.dtype(value["dtype"])).reshape(value["shape"])
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, dict):
        return {k: _decode(v) for k, v in value.items()}
    return value
