"""Update: what the training thread hands to whoever shows a run, each time it reports.

An Update carries what is new since the previous one and nothing twice:

* ``records``: one :class:`~rnnviz.train.records.StepRecord` per step trained since then;
* ``frame``: the :class:`~rnnviz.train.frame.Frame` of the current weights (the same object
  again while the weights and the probe have not changed);
* ``samples``: the evaluations' samples made since then;
* ``status``: the run's state in a few scalars (running, paused, diverged, ...; the message; the
  clipping rule; throughput);
* ``history``: only in the first update of a run that continues a saved one: the bounded history
  of the steps before it (a checkpoint's), so its loss curve shows from the start;
* ``weights``: the flat (P,) parameters the frame was taken with (a read-only copy in the
  engine's dtype, the same object again while they have not changed), so that a view can
  explain the frame after training has moved on (the run model keeps them under a memory budget;
  files never hold them: a frame in a recording is its arrays only).

``run_id`` names the run the update belongs to: a reset or a new run starts a new id, so a
reader knows exactly when to start afresh (:meth:`RunModel.ingest
<rnnviz.train.runmodel.RunModel.ingest>`). Everything in an update is a copy or immutable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.train.frame import Frame
from rnnviz.train.history import History
from rnnviz.train.records import Sample, StepRecord

#: The states a run can be in, as a controller reports them.
STATES = ("running", "paused", "stopped", "diverged", "error")


@dataclass(frozen=True)
class Status:
    """A run's state at the time of an update.

    Attributes
    ----------
    state : str
        One of :data:`STATES`.
    message : str
        Why (for "diverged": what went non-finite, at which step and what to try; for "error":
        the exception; otherwise a failed command's message or "").
    step : int
        Training steps done.
    tokens_seen : int
        Time steps consumed so far.
    tokens_per_s : float
        Training throughput over the recent window.
    lr : float
        Learning rate in force.
    clip_norm, clip_value : float or None
        The clipping thresholds in force (global norm; element-wise).
    metrics : Mapping[str, float]
        The latest evaluation's metrics (a loaded checkpoint's too; empty before any).
    """

    state: str = "paused"
    message: str = ""
    step: int = 0
    tokens_seen: int = 0
    tokens_per_s: float = 0.0
    lr: float = math.nan
    clip_norm: float | None = None
    clip_value: float | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Update:
    """What is new in a run since its previous update (see the module docstring)."""

    run_id: str
    status: Status
    records: tuple[StepRecord, ...] = ()
    frame: Frame | None = None
    samples: tuple[Sample, ...] = ()
    history: History | None = None
    history_tokens: int = 0  # tokens seen at the last step of ``history``
    weights: np.ndarray | None = field(default=None, compare=False)  # (P,) ``frame``'s weights


def bare_update(state: str, message: str, run_id: str = "") -> Update:
    """An update with no data, for when a real one cannot be built."""
    return Update(run_id=run_id, status=Status(state=state, message=message))
