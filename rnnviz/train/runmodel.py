"""RunModel: one run as the views see it — its history, samples, frames and a cursor.

Every view of a run reads a RunModel and keeps no history of its own: the loss and gradient
curves read :attr:`RunModel.history`, the samples panel :attr:`RunModel.samples`, the heatmaps and
the gradient-flow plot :attr:`RunModel.frame` (the frame at the cursor), and the frame bar the
cursor's time step. A RunModel is filled the same way from every source, through one call,
:meth:`RunModel.ingest`, with :class:`~rnnviz.train.update.Update` objects: a live trainer's (the
controller emits them), a checkpoint's (a continued run's first update carries the saved history)
or a recording's. Comparing runs is several RunModels; export reads one.

What it holds, all bounded whatever the run's length:

* ``history``: a :class:`~rnnviz.train.history.History` with the columns of :data:`COLUMNS` per
  step (loss, gradient norm before clipping, the smoothed loss of
  :mod:`rnnviz.train.smoothing`, tokens seen, 1 where clipping fired), exact for the recent
  steps and in min/mean/max buckets before;
* ``evaluations``: (step, tokens seen, metrics) of every evaluation, at most ``max_evaluations``
  (then every other one of the older half is dropped);
* ``samples``: the newest ``max_samples`` samples;
* ``frames``: at most ``max_frames`` frames by training step. The newest frame is always kept;
  when one more arrives, the frame whose step is closest to its predecessor's goes (the first
  frame stays too), so the frames kept spread over the whole run: a scrubber finds one near
  any step;
* ``weights``: the parameters each kept frame was taken with (an update's ``weights``), so the
  frame view can explain an earlier frame exactly: at most ``max_weight_bytes`` of them
  together (:data:`WEIGHT_BUDGET`). The newest frame's are always kept; over the budget, the
  weights of the frame (neither the first nor the newest with weights) closest to its
  predecessor with weights go, so the frames that keep theirs spread over the run too. A frame
  without them is explained from its own arrays, the parts that need the weights marked;
* ``cursor``: the training step shown (None follows the newest frame) and the probe time step
  selected (None: none).

Resets are explicit: an update of another run (a new ``run_id``: Reset, a new network, a loaded
checkpoint) starts the model afresh and bumps :attr:`RunModel.epoch`. Readers learn of changes
through :attr:`RunModel.version` (one counter per part) and plain callbacks registered with
:meth:`RunModel.on_change`; nothing here knows Qt.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

import numpy as np

from rnnviz.train.frame import Frame
from rnnviz.train.history import History
from rnnviz.train.records import Sample, StepRecord
from rnnviz.train.smoothing import EMA_BETA, RunningAverage
from rnnviz.train.update import Status, Update

#: Per-step columns of a run model's history (the first two are those a checkpoint saves).
COLUMNS = ("loss", "grad_norm", "smoothed", "tokens", "clipped")
#: Bytes of kept frames' weights, together (64 MiB). The default preset's weights are 0.53 MB
#: (132,071 float32 parameters), so 127 of its 256 frames keep theirs beside the frames' own
#: arrays (0.17 MB each, 43 MB for 256); char-lstm (0.32 MB) 212; char-rnn (0.12 MB) and the task
#: presets (at most 0.02 MB) all of them. A network of thousands of units keeps few (the newest).
WEIGHT_BUDGET = 64 << 20
#: The parts of a run model that change, as named to listeners and in :attr:`RunModel.version`.
PARTS = ("reset", "history", "frame", "samples", "status", "cursor")

Listener = Callable[[frozenset[str]], None]


@dataclass(frozen=True)
class Cursor:
    """Where the views look: a training step (None: the newest) and a probe time step."""

    step: int | None = None
    t: int | None = None


@dataclass(frozen=True)
class Evaluation:
    """The metrics of one evaluation, at the step and tokens seen it was made at."""

    step: int
    tokens_seen: int
    metrics: dict[str, float]


class RunModel:
    """A run's bounded history, samples, frames and cursor (see the module docstring).

    Parameters
    ----------
    max_frames : int
        Frames kept (at least 2).
    max_samples : int
        Newest samples kept.
    max_evaluations : int
        Evaluations kept (at least 2).
    smoothing : float
        β of the smoothed loss, in [0, 1).
    window, max_buckets : int
        Capacities of the history (see :class:`~rnnviz.train.history.History`).
    max_weight_bytes : int
        Bytes of frames' weights kept together (0: none kept).
    """

    def __init__(
        self,
        max_frames: int = 256,
        max_samples: int = 200,
        max_evaluations: int = 4096,
        smoothing: float = EMA_BETA,
        window: int = 4096,
        max_buckets: int = 4096,
        max_weight_bytes: int = WEIGHT_BUDGET,
    ) -> None:
        if max_frames < 2 or max_evaluations < 2 or max_samples < 1:
            raise ValueError("a run model keeps at least 2 frames, 2 evaluations and 1 sample")
        RunningAverage(smoothing)  # ValueError outside [0, 1)
        self.max_frames = int(max_frames)
        self.max_samples = int(max_samples)
        self.max_evaluations = int(max_evaluations)
        self.smoothing = float(smoothing)
        self.max_weight_bytes = max(0, int(max_weight_bytes))
        self._capacity = (int(window), int(max_buckets))
        self.run_id = ""
        self.epoch = 0
        self.version = dict.fromkeys(PARTS, 0)
        self.cursor = Cursor()
        self._listeners: list[Listener] = []
        self._clear()

    def _clear(self) -> None:
        self.history = History(*self._capacity, columns=COLUMNS, beta=self.smoothing)
        self.evaluations: list[Evaluation] = []
        self.samples: deque[Sample] = deque(maxlen=self.max_samples)
        self.samples_added = 0  # samples ingested since the run started (a panel's position)
        self.frames: dict[int, Frame] = {}  # step -> frame, oldest first
        self.weights: dict[int, np.ndarray] = {}  # step -> (P,) its frame's weights, oldest first
        self.status = Status()
        self.metrics: dict[str, float] = {}  # the latest known (an evaluation's, or the status')
        self.last_loss: float | None = None

    # ------------------------------------------------------------------ filling
    def ingest(self, update: Update) -> frozenset[str]:
        """Take in what is new in ``update``; returns (and tells listeners) what changed.

        An update of another run than the one held (``run_id``) first starts afresh.
        """
        changed: set[str] = set()
        if update.run_id != self.run_id:
            self._start(update.run_id)
            changed.add("reset")
        if update.history is not None:
            self._fill_history(update.history, update.history_tokens)
            s = update.status
            if "val_loss" in s.metrics:  # the saved run's latest evaluation, as a point
                self._add_evaluation(Evaluation(s.step, s.tokens_seen, dict(s.metrics)))
            changed.add("history")
        if update.records:
            self._add_records(update.records)
            changed.add("history")
        if update.frame is not None and self._add_frame(update.frame):
            self._add_weights(update.frame, update.weights)
            changed.add("frame")
        if update.samples:
            self.samples.extend(update.samples)
            self.samples_added += len(update.samples)
            changed.add("samples")
        if update.status != self.status:
            self.status = update.status
            if update.status.metrics:
                self.metrics = dict(update.status.metrics)
            changed.add("status")
        return self._changed(changed)

    def reset(self, run_id: str = "") -> None:
        """Forget everything held and start run ``run_id`` (listeners hear "reset")."""
        self._start(run_id)
        self._changed({"reset"})

    def _start(self, run_id: str) -> None:
        self.run_id = run_id
        self.epoch += 1
        self._clear()
        self.cursor = Cursor(None, self.cursor.t)  # a new run is followed live

    def _fill_history(self, saved: History, tokens_seen: int) -> None:
        """Start the history with ``saved`` (a checkpoint's: loss and gradient norm per step).

        What it does not keep is filled in per point: tokens seen at the run's mean tokens per
        step, the smoothed loss of the points' means, and no clipping (it was not recorded).
        """
        rate = tokens_seen / saved.last_step if saved.last_step > 0 else 0.0
        avg = RunningAverage(self.smoothing)

        def derive(name: str, steps: np.ndarray, count: np.ndarray, loss: np.ndarray) -> np.ndarray:
            if name == "tokens":
                return steps * rate  # (n,)
            if name == "smoothed":
                return np.array([avg.add_mean(m, c) for m, c in zip(loss, count, strict=True)])
            return np.zeros(steps.shape)  # (n,) clipped: unknown, drawn as never

        self.history = saved.reshaped(COLUMNS, derive)
        if saved.count:
            self.last_loss = float(saved.recent("loss")[1][-1]) if len(saved.recent()[0]) else None

    def _add_records(self, records: Iterable[StepRecord]) -> None:
        h = self.history
        for r in records:
            smoothed = h.avg_after(r.loss)  # the average including this step
            h.append(r.step, r.loss, r.grad_norm, smoothed, r.tokens_seen, float(r.clipped))
            if r.metrics is not None:
                self._add_evaluation(Evaluation(r.step, r.tokens_seen, dict(r.metrics)))
            self.last_loss = r.loss

    def _add_evaluation(self, ev: Evaluation) -> None:
        self.evaluations.append(ev)
        self.metrics = ev.metrics
        if len(self.evaluations) > self.max_evaluations:  # thin the older half
            half = len(self.evaluations) // 2
            self.evaluations[:half] = self.evaluations[:half:2]

    def _add_frame(self, frame: Frame) -> bool:
        """Keep ``frame``; False if it is the newest already."""
        newest = self.newest_frame
        if frame is newest:
            return False
        if newest is not None and frame.step < newest.step:
            return False  # an older frame of this run arriving late: nothing new to show
        self.frames[int(frame.step)] = frame  # replaces a frame of the same step
        if len(self.frames) > self.max_frames:
            gone = _closest(list(self.frames))
            del self.frames[gone]
            self.weights.pop(gone, None)
        return True

    def _add_weights(self, frame: Frame, weights: np.ndarray | None) -> None:
        """Keep ``weights`` (the newest frame's) within :attr:`max_weight_bytes` together."""
        step = int(frame.step)
        self.weights.pop(step, None)  # a frame of the same step replaced: not its weights
        if weights is None or weights.nbytes > self.max_weight_bytes:
            return
        self.weights[step] = weights
        while sum(w.nbytes for w in self.weights.values()) > self.max_weight_bytes:
            steps = list(self.weights)
            del self.weights[steps[0] if len(steps) < 3 else _closest(steps)]

    def weights_of(self, frame: Frame | None) -> np.ndarray | None:
        """(P,) the weights ``frame`` (one of this run's) was taken with, or None if not kept."""
        if frame is None or frame.run_id != self.run_id:
            return None
        if self.frames.get(int(frame.step)) is not frame:
            return None
        return self.weights.get(int(frame.step))

    # ------------------------------------------------------------------ reading
    @property
    def newest_frame(self) -> Frame | None:
        """The frame of the latest step received, or None."""
        return self.frames[next(reversed(self.frames))] if self.frames else None

    @property
    def frame(self) -> Frame | None:
        """The frame at the cursor: the newest with a step at most ``cursor.step``."""
        step = self.cursor.step
        if step is None or not self.frames:
            return self.newest_frame
        steps = np.fromiter(self.frames, dtype=np.int64)  # (F,) increasing
        k = max(int(np.searchsorted(steps, step, side="right")) - 1, 0)
        return self.frames[int(steps[k])]

    @property
    def step(self) -> int:
        """Training steps done, as last reported."""
        return max(int(self.status.step), self.history.last_step)

    def series(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps (n,) and values (n,) of a history column (one of :data:`COLUMNS`), oldest first.

        A point per exactly kept step, and per bucket of older steps (its centre step and the
        mean of its values), as :meth:`History.series <rnnviz.train.history.History.series>`.
        """
        steps, _, mean, _ = self.history.series(column)
        return steps, mean

    def validation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validation losses: steps (m,), tokens seen (m,) and losses (m,), oldest first."""
        points = [e for e in self.evaluations if "val_loss" in e.metrics]
        steps = np.array([e.step for e in points], dtype=np.float64)  # (m,)
        tokens = np.array([e.tokens_seen for e in points], dtype=np.float64)  # (m,)
        values = np.array([e.metrics["val_loss"] for e in points], dtype=np.float64)  # (m,)
        return steps, tokens, values

    @property
    def val_loss(self) -> float | None:
        """The latest validation loss, or None."""
        v = self.metrics.get("val_loss")
        return None if v is None or not math.isfinite(v) else float(v)

    # ------------------------------------------------------------------ cursor
    def set_cursor(self, step: int | object | None = ..., t: int | object | None = ...) -> None:
        """Move the cursor: ``step`` (None: follow the newest frame) and/or time step ``t``."""
        changes = {}
        if step is not ...:
            changes["step"] = None if step is None else int(step)  # type: ignore[call-overload]
        if t is not ...:
            changes["t"] = None if t is None else int(t)  # type: ignore[call-overload]
        cursor = replace(self.cursor, **changes)
        if cursor != self.cursor:
            self.cursor = cursor
            self._changed({"cursor"})

    # ------------------------------------------------------------------ listeners
    def on_change(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(parts)`` after every change; returns a function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, parts: set[str]) -> frozenset[str]:
        if "reset" in parts:
            parts |= {"history", "frame", "samples", "status"}
        for part in parts:
            self.version[part] += 1
        done = frozenset(parts)
        if done:
            for listener in list(self._listeners):
                listener(done)
        return done


def _closest(steps: list[int]) -> int:
    """The step (neither the first nor the last) closest to its predecessor; the oldest on ties."""
    s = np.asarray(steps, dtype=np.int64)  # (F,) increasing
    gaps = np.diff(s)[:-1]  # (F-2,) gap of s[1..F-2] to its predecessor
    return int(s[1 + int(np.argmin(gaps))])
