"""Jobs for the worker thread: heavy inspector work runs there, never on the UI thread.

A view asks for ``fn(trainer)`` (trace the held-out text, re-run the probe with a unit clamped,
verify gradients) through :meth:`WorkerJobs.submit`. While the training thread is alive the job
goes through the run controller (it runs between two training steps, so it never races the
optimiser); when there is no training thread (a window built without one) a short-lived thread
runs it, since nothing else touches the trainer then. Either way the answer comes back to the UI
thread through a queued signal on a QObject, so it never reaches a deleted view.

Jobs are keyed: a newer job of the same key supersedes an older one still running, whose answer
is dropped (a user clicking through units sees the card of the last unit clicked).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from rnnviz.app.worker import user_errors

Done = Callable[[Any], None]
Failed = Callable[[str], None]


class WorkerJobs(QObject):
    """Runs ``fn(trainer)`` in the worker thread and calls back on the UI thread.

    Parameters
    ----------
    source : callable
        Returns ``(worker, trainer)`` of the run on screen: the
        :class:`~rnnviz.app.worker.TrainingWorker` (or None) and the trainer (or None).
    parent : QObject, optional
        Owner; answers arriving after it is gone are dropped with it.

    Signals
    -------
    answered(int, object, str)
        (ticket, result, error) from the worker thread; handled on the UI thread.
    """

    answered = pyqtSignal(int, object, str)

    def __init__(self, source: Callable[[], tuple[Any, Any]], parent: QObject | None = None):
        super().__init__(parent)
        self._source = source
        self._ticket = 0
        self._latest: dict[str, int] = {}  # key -> newest ticket
        self._callbacks: dict[int, tuple[str, Done, Failed | None]] = {}
        self.answered.connect(self._on_answer)  # queued: emitted from another thread

    def busy(self, key: str) -> bool:
        """Whether a job of ``key`` is still waiting for its answer."""
        return self._latest.get(key) in self._callbacks

    def submit(
        self, key: str, fn: Callable[[Any], Any], done: Done, failed: Failed | None = None
    ) -> bool:
        """Run ``fn(trainer)`` off the UI thread; ``done(result)`` or ``failed(message)`` after.

        Returns False (and calls nothing) when there is no trainer.
        """
        worker, trainer = self._source()
        if trainer is None:
            return False
        self._ticket += 1
        ticket = self._ticket
        self._latest[key] = ticket
        self._callbacks[ticket] = (key, done, failed)
        errors = (*user_errors(), ValueError)

        def job(tr: Any) -> None:
            try:
                result = fn(tr)
            except errors as exc:
                self._answer(ticket, None, str(exc).splitlines()[0] if str(exc) else repr(exc))
            except Exception as exc:  # a failing job must not kill training
                self._answer(ticket, None, f"{type(exc).__name__}: {exc}".splitlines()[0])
            else:
                self._answer(ticket, result, "")

        if worker is not None and worker.is_alive():
            fut: Future[Any] = worker.controller.call(job)
            fut.add_done_callback(lambda f: self._lost(ticket, f))
        else:
            threading.Thread(target=job, args=(trainer,), daemon=True, name="rnnviz-job").start()
        return True

    def _lost(self, ticket: int, fut: Future[Any]) -> None:
        """A job the controller never ran (it stopped first) answers with a message."""
        if fut.cancelled() or fut.exception() is not None:
            self._answer(ticket, None, "the run stopped before the job ran")

    def _answer(self, ticket: int, result: Any, error: str) -> None:
        with contextlib.suppress(RuntimeError):  # the owner is already gone
            self.answered.emit(ticket, result, error)

    def _on_answer(self, ticket: int, result: Any, error: str) -> None:
        entry = self._callbacks.pop(ticket, None)
        if entry is None:
            return
        key, done, failed = entry
        if self._latest.get(key) != ticket:
            return  # superseded by a newer job of the same key
        if error:
            if failed is not None:
                failed(error)
        else:
            done(result)
