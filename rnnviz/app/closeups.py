"""Fetches the frame view's Closeup from the thread that owns the trainer.

The window's run model says which frame is on screen; a :class:`CloseupFetcher` asks the run
(through ``call``, which runs a function on the trainer between two training steps and returns a
Future) for the closeup of the current weights whenever the frame on screen is not the one the
last closeup explains, one request at a time and, while training runs, at most every
:data:`MIN_INTERVAL_MS`, and only while the frame view is on screen
(:class:`~rnnviz.app.on_screen.OnScreen`; a view shown again asks for its frame then). The answer
comes back on the UI thread as :attr:`CloseupFetcher.ready`.

The newest frame is explained at the run's current weights
(:func:`~rnnviz.train.closeup.closeup_of`). When the window's training-step cursor goes back to
an earlier frame, the closeup that explained it is shown again if it was kept (the newest
:data:`KEEP` that arrived); else the run is asked to explain that frame
(:func:`~rnnviz.train.closeup.closeup_at`) with the weights the run model kept for it, exactly as
when it was the newest, or, where they were not kept (over the run model's budget), from the
frame's own arrays, the parts that need the weights marked by the view. An earlier frame is asked
for at once, also while training runs (the user moved to it; one request at a time), and once:
a frame the run could not explain (its probe was changed since) is not asked for again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import QWidget

from rnnviz.app.listen import listen
from rnnviz.app.on_screen import OnScreen
from rnnviz.train.closeup import Closeup, closeup_at, closeup_of
from rnnviz.train.runmodel import RunModel

#: Shortest wait between two requests while training runs: each costs the training thread the
#: probe's textbook steps forward and backward (~20 ms of CPU for the default LSTM, H=128, T=48,
#: where a training step takes ~100 ms): at most ~2 % of its time.
MIN_INTERVAL_MS = 1000
#: Closeups kept for earlier frames (each holds a few arrays of the probe's T steps).
KEEP = 32

Call = Callable[[Callable[[Any], Any]], "Future[Any]"]


def run_here(trainer: Any) -> Call:
    """A ``call`` that runs the function at once on ``trainer`` (nothing else touches it)."""

    def call(fn: Callable[[Any], Any]) -> Future[Any]:
        fut: Future[Any] = Future()
        try:
            fut.set_result(fn(trainer))
        except Exception as exc:  # handed to the receiver like a worker's failure
            fut.set_exception(exc)
        return fut

    return call


class CloseupFetcher(QObject):
    """Keeps a closeup of the run model's frame coming (see the module docstring).

    Parameters
    ----------
    run_model : RunModel
        The run on screen.
    parent : QObject
        Owner; the fetcher dies with it and nothing fires into it afterwards.
    view : QWidget
        The view the closeups are for: they are asked for only while it is on screen.

    Signals
    -------
    ready(object)
        A :class:`~rnnviz.train.closeup.Closeup` arrived.
    failed(str)
        The run could not explain its frame (one line).
    """

    ready = pyqtSignal(object)
    failed = pyqtSignal(str)
    _arrived = pyqtSignal(object)  # a Future, from the worker thread

    def __init__(self, run_model: RunModel, parent: QObject, view: QWidget) -> None:
        super().__init__(parent)
        self.run_model = run_model
        self.seen = OnScreen(view, self._fetch)
        self.closeup: Closeup | None = None
        self._call: Call | None = None
        self._busy = False
        self._last = -1e9  # perf_counter() of the last request
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.refresh)
        self._asked_for: object = None  # the frame on screen when the last request went out
        self._failed_for: object = None  # the earlier frame the run could not explain
        self._kept: dict[tuple[str, int, str], Closeup] = {}  # (run, step, probe) -> closeup
        # queued even when the answer is ready at once (no worker): never a nested call
        self._arrived.connect(self._on_arrived, Qt.ConnectionType.QueuedConnection)
        listen(self, run_model, self._on_change)

    def set_call(self, call: Call | None) -> None:
        """How to reach the trainer (None: no trainer; closeups stop)."""
        self._call = call
        self.closeup = None
        self._busy = False
        self.refresh()

    @property
    def active(self) -> bool:
        """Whether closeups are asked for: the view is on screen."""
        return self.seen.on_screen()

    def _on_change(self, parts: frozenset[str]) -> None:
        if "reset" in parts:
            self._kept.clear()
        if parts & {"frame", "reset", "cursor"}:
            self.refresh()

    def wanted(self) -> bool:
        """Whether the frame on screen lacks its closeup."""
        frame = self.run_model.frame
        return frame is not None and not (self.closeup is not None and self.closeup.matches(frame))

    def refresh(self) -> None:
        """Ask for the closeup of the frame on screen if it is missing (not while one is on its
        way; no sooner than MIN_INTERVAL_MS after the last while training runs; while the view
        is hidden, once it is shown)."""
        self.seen.request()

    def _fetch(self) -> None:
        if self._call is None or self._busy or not self.wanted():
            return
        frame = self.run_model.frame
        assert frame is not None  # (wanted)
        if frame is not self.run_model.newest_frame:  # the cursor is on an earlier frame
            kept = self._kept.get((frame.run_id, int(frame.step), frame.text))
            if kept is not None:  # explained before
                self.closeup = kept
                self.ready.emit(kept)
                return
            if frame is self._failed_for:
                return  # said once
            weights = self.run_model.weights_of(frame)  # None: not kept, from its arrays
            self._ask(lambda trainer: closeup_at(trainer, frame, weights))
            return
        running = self.run_model.status.state == "running"
        wait_ms = MIN_INTERVAL_MS - (time.perf_counter() - self._last) * 1000.0
        if running and wait_ms > 0:
            if not self._timer.isActive():
                self._timer.start(int(wait_ms) + 1)
            return
        self._last = time.perf_counter()
        self._ask(closeup_of)

    def _ask(self, fn: Callable[[Any], Closeup]) -> None:
        """Send ``fn`` (trainer -> closeup) to the run, for the frame on screen now."""
        assert self._call is not None
        self._busy = True
        self._asked_for = self.run_model.frame
        fut = self._call(fn)
        fut.add_done_callback(self._emit_arrived)

    def _emit_arrived(self, fut: Future[Any]) -> None:
        with contextlib.suppress(RuntimeError):  # the fetcher is gone: nobody waits
            self._arrived.emit(fut)

    def _on_arrived(self, fut: Future[Any]) -> None:
        self._busy = False
        exc = fut.exception()
        if exc is not None:
            self._failed_for = self._asked_for
            self.failed.emit(f"the frame view could not explain this step: {exc}")
            return
        closeup = fut.result()
        if closeup.run_id == self.run_model.run_id:
            self.closeup = closeup
            self._kept[(closeup.run_id, closeup.step, closeup.text)] = closeup
            while len(self._kept) > KEEP:
                del self._kept[next(iter(self._kept))]  # the oldest kept
            self.ready.emit(closeup)
        if self.run_model.frame is not self._asked_for:
            self.refresh()  # the frame moved on meanwhile
        # else: the run cannot explain this frame (an older one, another run's): asked once
