"""A recording seen at one training step: what every view of a replay reads.

A replay scrubs back and forth over a run, so the views must show the run *as it was* at step
S: the loss and gradient norms up to S, the frame taken at or before S, the samples made by S,
the state the run was in. Refilling a :class:`~rnnviz.train.runmodel.RunModel` for every S
costs a Python call per step (about a second for 100,000 steps); instead the recording fills
one RunModel once (:class:`ReplaySource`, in slices), and :class:`ModelAt` presents it cut at
S: the same reading interface the views use (``frame``, ``series``, ``validation``,
``history.counts``, ``samples``, ``status``, ``metrics``, ``epoch``, ``version``, ``cursor``),
each array a slice of the full history's (steps <= S), the frame read from the file.

Moving backwards is a new ``epoch`` (views that append, such as the samples, start afresh);
every move is a new ``version["history"]`` and ``version["frame"]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from rnnviz.train.frame import Frame
from rnnviz.train.recording import Recording
from rnnviz.train.records import Sample
from rnnviz.train.runmodel import PARTS, Cursor, RunModel
from rnnviz.train.update import Status


class ReplaySource:
    """A recording and the RunModel it fills (once, a few updates per call of :meth:`read`).

    Parameters
    ----------
    recording : Recording
        Opened; owned from here on (closed by :meth:`close`).
    """

    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        # Frames come from the file when asked, not from the model: it keeps none beyond 2.
        self.full = RunModel(max_frames=2, max_samples=10_000)
        self._updates: Iterator[Any] | None = recording.updates()
        self.read_updates = 0
        self.total_updates = len(recording.frames) + 1

    @property
    def done(self) -> bool:
        """Whether the whole recording is in the model."""
        return self._updates is None

    def read(self, updates: int = 8) -> bool:
        """Ingest up to ``updates`` more updates; True when the recording is all read."""
        if self._updates is None:
            return True
        for _ in range(updates):
            update = next(self._updates, None)
            if update is None:
                self._updates = None
                return True
            self.full.ingest(update)
            self.read_updates += 1
        return False

    def read_all(self) -> None:
        """Ingest everything now (headless use: the export command, tests)."""
        while not self.read(1 << 30):
            pass

    @property
    def last_step(self) -> int:
        return self.recording.last_step

    @property
    def frame_steps(self) -> np.ndarray:
        """(F,) the steps that have a frame, increasing."""
        return self.recording.frame_steps

    def close(self) -> None:
        self.recording.close()


class _HistoryAt:
    """The part of a History the views read, cut at a step."""

    def __init__(self, counts: np.ndarray, last_step: int) -> None:
        self._counts = counts
        self.last_step = last_step

    def counts(self) -> np.ndarray:
        """(n,) steps per point of the history up to the step."""
        return self._counts

    @property
    def count(self) -> int:
        return int(self._counts.sum())


class ModelAt:
    """A :class:`ReplaySource`'s run as it was at training step ``step`` (module docstring).

    Parameters
    ----------
    source : ReplaySource
    """

    def __init__(self, source: ReplaySource) -> None:
        self.source = source
        self.epoch = 1
        self.version = dict.fromkeys(PARTS, 0)
        self.run_id = source.recording.run_id
        self.smoothing = source.full.smoothing
        self.cursor = Cursor(0, None)
        self._frame: Frame | None = None
        self._cut: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.history = _HistoryAt(np.zeros(0), 0)
        self.samples: list[Sample] = []
        self.samples_added = 0
        self.status = Status()
        self.metrics: dict[str, float] = {}
        self._val = (np.zeros(0), np.zeros(0), np.zeros(0))

    @property
    def step(self) -> int:
        """The training step shown."""
        return int(self.cursor.step or 0)

    @property
    def frame(self) -> Frame | None:
        """The frame taken at or before the step (the first frame before any)."""
        return self._frame

    @property
    def newest_frame(self) -> Frame | None:
        return self._frame

    def series(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps (n,) and values (n,) of a history column, up to the step."""
        if column not in self._cut:
            steps, values = self.source.full.series(column)  # (N,) each
            k = int(np.searchsorted(steps, self.step, side="right"))
            self._cut[column] = (steps[:k], values[:k])
        return self._cut[column]

    def validation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Validation losses up to the step: steps, tokens seen, losses, (m,) each."""
        return self._val

    @property
    def val_loss(self) -> float | None:
        v = self.metrics.get("val_loss")
        return None if v is None or not np.isfinite(v) else float(v)

    def set_cursor(self, step: int | object = ..., t: int | object | None = ...) -> bool:
        """Move to training step ``step`` and/or time step ``t``; True if anything changed."""
        new_step = self.step if step is ... else max(0, int(step))  # type: ignore[call-overload]
        new_t = self.cursor.t if t is ... else (None if t is None else int(t))  # type: ignore[call-overload]
        changed = False
        if new_step != self.step or self._frame is None:
            if new_step < self.step:
                self.epoch += 1  # backwards: views that append start afresh
            self.cursor = Cursor(new_step, self.cursor.t)
            self._at(new_step)
            changed = True
        if new_t != self.cursor.t:
            self.cursor = Cursor(self.cursor.step, new_t)
            self.version["cursor"] += 1
            changed = True
        return changed

    def _at(self, step: int) -> None:
        full = self.source.full
        self._frame = self.source.recording.frame_at(step)
        self._cut = {}
        steps, _ = self.series("loss")
        counts = full.history.counts()[: len(steps)]  # (n,)
        self.history = _HistoryAt(counts, int(steps[-1]) if len(steps) else 0)
        v_steps, v_tokens, v_loss = full.validation()  # (m,) each
        k = int(np.searchsorted(v_steps, step, side="right"))
        self._val = (v_steps[:k], v_tokens[:k], v_loss[:k])
        evals = [e for e in full.evaluations if e.step <= step]
        self.metrics = dict(evals[-1].metrics) if evals else {}
        self.samples = [s for s in full.samples if s.step <= step]
        self.samples_added = len(self.samples)
        self.status = self._status(step)
        for part in ("history", "frame", "samples", "status"):
            self.version[part] += 1

    def _status(self, step: int) -> Status:
        rec = self.source.recording
        states = [s for s in rec.statuses if s.step <= step]
        base = states[-1] if states else Status(state="stopped")
        o = rec.run.optim
        return Status(
            state=base.state,
            message=base.message,
            step=step,
            lr=o.lr,
            clip_norm=o.clip_norm,
            clip_value=o.clip_value,
            metrics=self.metrics,
        )
