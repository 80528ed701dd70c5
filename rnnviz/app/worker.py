"""The training thread and the route of its updates to the window.

The worker thread runs ``RunController.run(emit)``; ``emit`` hands each
:class:`~rnnviz.train.update.Update` to a Qt signal which Qt queues to the UI thread, where the
window's :class:`~rnnviz.train.runmodel.RunModel` ingests it (every step's record is kept there,
however many updates arrive between two drawn frames).

Commands travel the other way through the controller's thread-safe methods, sent by the
window's :class:`~rnnviz.app.session.RunSession`.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QObject, pyqtSignal

from rnnviz.app import teardown
from rnnviz.config import ConfigError
from rnnviz.tasks.base import TaskInputError
from rnnviz.train.checkpoint import CheckpointError
from rnnviz.train.safe_write import SaveError
from rnnviz.train.update import Update

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.control import RunController
    from rnnviz.train.trainer import Trainer


def user_errors() -> tuple[type[Exception], ...]:
    """Exception types that are the user's mistake: shown as a message, never a traceback."""
    return (ConfigError, TaskInputError, CheckpointError, SaveError)


class TrainingWorker(QObject):
    """Runs ``controller.run`` in a daemon thread and reports through queued Qt signals.

    The object has no Qt parent on purpose: the thread's closure keeps it alive until the thread
    ends, so a late ``emit`` never reaches a deleted C++ object.

    Signals
    -------
    updateReady(int, object)
        (generation, Update) for every update the controller emits.
    failed(str, str)
        (one-line summary, traceback) when the training loop raised.
    finished(int)
        The generation whose loop has returned.
    """

    updateReady = pyqtSignal(int, object)
    failed = pyqtSignal(str, str)
    finished = pyqtSignal(int)

    def __init__(self, controller: RunController, trainer: Trainer, generation: int = 0) -> None:
        super().__init__()
        self.controller = controller
        self.trainer = trainer
        self.generation = generation
        self._thread: threading.Thread | None = None
        self._closing = False

    # ----------------------------------------------------------------- thread body
    def _emit(self, update: Update) -> None:
        if self._closing:
            return
        try:
            self.updateReady.emit(self.generation, update)
        except RuntimeError:  # pragma: no cover - window already gone
            self._closing = True

    def _run(self) -> None:
        try:
            self.controller.run(self._emit)
        except Exception as exc:  # any crash must reach the user
            summary = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self._report(self.failed, summary, traceback.format_exc())
        finally:
            self._report(self.finished, self.generation)

    # ------------------------------------------------------------------ UI thread
    def start(self) -> None:
        """Start the training thread (the controller decides whether it begins paused)."""
        if self._thread is not None:
            raise RuntimeError("worker already started")
        self._thread = threading.Thread(
            target=self._run, name=f"rnnviz-trainer-{self.generation}", daemon=True
        )
        self._thread.start()

    def is_alive(self) -> bool:
        """Whether the training thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 1.0) -> bool:
        """Ask the loop to stop and join the thread.

        Parameters
        ----------
        timeout : float
            Seconds to wait for the thread.

        Returns
        -------
        bool
            True when the thread has ended (or never started).
        """
        self._closing = True
        self.controller.stop()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def keep_until_done(self) -> None:
        """Stopped but still in its step: held by :mod:`rnnviz.app.teardown` until it ends."""
        if self._thread is not None and self._thread.is_alive():
            teardown.keep(self, self._thread, self.controller.stop)

    def emit_update(self, update: Update) -> None:
        """Send ``update`` to the window as if the controller had emitted it (any thread)."""
        self._emit(update)

    def _report(self, signal: Any, *args: Any) -> None:
        if self._closing:
            return
        with contextlib.suppress(RuntimeError):  # the window is already gone
            signal.emit(*args)
