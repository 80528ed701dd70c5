"""Animated exports that never block the window: render slice by slice, encode in a worker.

An :class:`AnimationExport` walks ``count`` positions (the time steps of the current frame, or
the training steps of a replay): for each it calls ``show(k)`` (the caller moves a cursor), lets
the event loop lay out and paint, grabs the target widget and hands the pixels to an
:class:`~rnnviz.app.encoders.Encoder` running on a worker thread. One position per turn of the
event loop (a context-object timer each, so nothing fires into a deleted exporter), so the
window stays responsive; the worker's queue is bounded, and when it is full the next grab waits
for a later turn instead of blocking. :meth:`AnimationExport.cancel` stops at the next turn;
the worker then discards what it had and no file is written.

Signals: ``progress(done, total)``, then exactly one of ``finished(path)``, ``failed(message)``
(one line) or ``cancelled()``. ``restore()`` (if given) runs when the walk ends, to put the
cursor back where the user had it.

The export is usually a child of its window, and dies with it even while the worker encodes.
The worker therefore never emits on the export: it reports through a parentless
:class:`_Relay` it keeps alive until it has spoken (a signal emitted on the export from the
worker could reach it while the UI thread deleted it), and once the export is gone it stops
and drops its frames.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PyQt6 import sip
from PyQt6.QtCore import QObject, pyqtSignal
from PyQt6.QtWidgets import QWidget

from rnnviz.app.encoders import DEFAULT_FPS, Encoder, EncoderError
from rnnviz.app.export_image import grab_rgb
from rnnviz.app.timers import single_shot
from rnnviz.train.safe_write import SaveError

QUEUE_FRAMES = 4  # grabbed frames waiting for the encoder at most (bounded memory)
_RETRY_MS = 15  # a full queue: look again this much later
_DONE = None  # the end-of-frames marker on the queue


class _Relay(QObject):
    """The worker's word that it is done: ``encoded(outcome, message)``, queued to the export.

    It has no Qt parent: the worker's reference keeps it alive until the worker has emitted,
    and the queued call reaches the export only if the export still exists.
    """

    encoded = pyqtSignal(str, str)


class AnimationExport(QObject):
    """One animated export (see the module docstring).

    Parameters
    ----------
    target : QWidget
        What is grabbed (a panel or the whole window).
    count : int
        Positions to show (at least 1).
    show : callable
        ``show(k)`` puts position ``k`` on screen (0 <= k < count).
    path : path-like
    fmt : str
        "gif" or "mp4".
    fps : float
    restore : callable, optional
        Called once the walk ends (done, failed or cancelled).
    replaceable : callable
        Whether an existing file at ``path`` may be replaced (the window's file dialog asked).

    Raises
    ------
    rnnviz.app.encoders.EncoderError
        The format or rate is refused, or MP4 lacks its encoder (one line, before anything runs).
    """

    progress = pyqtSignal(int, int)
    finished = pyqtSignal(str)
    failed = pyqtSignal(str)
    cancelled = pyqtSignal()

    def __init__(
        self,
        target: QWidget,
        count: int,
        show: Callable[[int], None],
        path: str | os.PathLike[str],
        fmt: str,
        fps: float = DEFAULT_FPS,
        restore: Callable[[], None] | None = None,
        replaceable: Callable[[Path], bool] = lambda _: True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        if count < 1:
            raise EncoderError("nothing to animate: no frame is shown yet")
        self.encoder = Encoder(path, fmt, fps, replaceable)  # EncoderError now, not later
        self.target = target
        self.count = int(count)
        self._show = show
        self._restore = restore
        self._next = 0
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(QUEUE_FRAMES)
        self._cancel = threading.Event()  # the user cancelled
        self._stop = threading.Event()  # the walk stops: cancelled, or the encoder failed
        self._worker: threading.Thread | None = None
        self._outcome = ""  # "finished", "failed", "cancelled" once over
        self._relay = _Relay()  # the worker's word, from the worker thread
        self._relay.encoded.connect(self._on_encoded)

    @property
    def path(self) -> Path:
        return self.encoder.path

    @property
    def running(self) -> bool:
        return self._worker is not None and not self._outcome

    @property
    def outcome(self) -> str:
        """ "" while running; then "finished", "failed" or "cancelled"."""
        return self._outcome

    def start(self) -> None:
        """Begin (returns at once)."""
        if self._worker is not None:
            return
        self._worker = threading.Thread(
            target=self._encode, args=(self._relay,), name="rnnviz-encode", daemon=True
        )
        self._worker.start()
        single_shot(self, 0, self._show_next)

    def cancel(self) -> None:
        """Stop: no file is written (``cancelled`` follows once the worker let go)."""
        if self._outcome or self._cancel.is_set():
            return
        self._cancel.set()
        self._stop.set()
        self._end_walk()
        self._put_done()

    # ------------------------------------------------------------------ UI thread
    def _show_next(self) -> None:
        if self._stop.is_set():
            return
        self._show(self._next)
        single_shot(self, 0, self._grab)  # after the layout and paint it caused

    def _grab(self) -> None:
        if self._stop.is_set():
            return
        if self._queue.full():
            single_shot(self, _RETRY_MS, self._grab)
            return
        self._queue.put_nowait(grab_rgb(self.target))
        self._next += 1
        self.progress.emit(self._next, self.count)
        if self._next < self.count:
            single_shot(self, 0, self._show_next)
        else:
            self._end_walk()
            self._put_done()

    def _put_done(self) -> None:
        """The end marker, without blocking: a full queue is looked at again later."""
        if self._outcome:
            return
        try:
            self._queue.put_nowait(_DONE)
        except queue.Full:
            single_shot(self, _RETRY_MS, self._put_done)

    def _end_walk(self) -> None:
        if self._restore is not None:
            restore, self._restore = self._restore, None
            restore()

    def _on_encoded(self, outcome: str, message: str) -> None:
        self._outcome = outcome
        self._end_walk()
        if outcome == "cancelled":
            self.cancelled.emit()
        elif outcome == "failed":
            self.failed.emit(message)
        else:
            self.finished.emit(str(self.path))

    # ------------------------------------------------------------------ worker thread
    def _encode(self, relay: _Relay) -> None:
        outcome, message = "finished", ""
        try:
            while True:
                try:
                    frame = self._queue.get(timeout=0.5)
                except queue.Empty:
                    if not sip.isdeleted(self):
                        continue
                    self._cancel.set()  # its owner is gone: nobody will end the walk
                    break
                if frame is _DONE or self._cancel.is_set():
                    break
                self.encoder.add(frame)
            if self._cancel.is_set():
                self.encoder.discard()
                outcome = "cancelled"
            else:
                self.encoder.close()
        except (EncoderError, SaveError, OSError, ValueError) as exc:
            self.encoder.discard()
            outcome, message = "failed", (str(exc).splitlines() or [type(exc).__name__])[0]
            self._stop.set()  # the walk stops at its next turn
        relay.encoded.emit(outcome, message)  # dropped if the export is gone
