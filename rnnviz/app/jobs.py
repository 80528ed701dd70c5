"""Jobs for the training thread: heavy inspector work runs there, never on the UI thread.

A view asks for ``fn(trainer)`` (trace the held-out text, re-run the probe with a unit clamped,
verify gradients) through :meth:`WorkerJobs.submit`. The job goes to the run through one
``call(fn, done)`` function: in the window, the RunSession's (the only route for commands: it
runs ``fn`` between two training steps and hands the finished Future to ``done``);
:func:`threaded_call` is a stand-in for a view without a window (a short-lived thread, since
nothing else touches that trainer). The answer always reaches the UI thread through a signal on
a QObject, so it never lands in a deleted view.

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
#: call(fn, done): run fn(trainer) off the UI thread, then done(future).
Call = Callable[[Callable[[Any], Any], Callable[[Future], None]], Any]


def threaded_call(trainer: Any) -> Call:
    """A ``call`` that runs each job on ``trainer`` in a thread of its own (no window)."""

    def call(fn: Callable[[Any], Any], done: Callable[[Future], None]) -> Future:
        fut: Future[Any] = Future()

        def run() -> None:
            try:
                fut.set_result(fn(trainer))
            except Exception as exc:  # the caller's to report
                fut.set_exception(exc)
            done(fut)

        threading.Thread(target=run, daemon=True, name="rnnviz-job").start()
        return fut

    return call


def message(exc: BaseException) -> str:
    """One line for a failed job: a user's mistake as it is, anything else with its type."""
    text = str(exc).splitlines()[0] if str(exc) else ""
    if isinstance(exc, (*user_errors(), ValueError)) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class WorkerJobs(QObject):
    """Runs ``fn(trainer)`` through ``call`` and calls back on the UI thread.

    Parameters
    ----------
    call : callable
        ``call(fn, done)``: runs ``fn(trainer)`` off the UI thread and hands the finished
        Future to ``done`` (RunSession.call, or :func:`threaded_call`).
    parent : QObject, optional
        Owner; answers arriving after it is gone are dropped with it.

    Signals
    -------
    answered(int, object)
        (ticket, future) from whichever thread finished the job; handled on the UI thread.
    """

    answered = pyqtSignal(int, object)

    def __init__(self, call: Call, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call = call
        self._ticket = 0
        self._latest: dict[str, int] = {}  # key -> newest ticket
        self._callbacks: dict[int, tuple[str, Done, Failed | None]] = {}
        self.answered.connect(self._on_answer)  # queued when emitted from another thread

    def busy(self, key: str) -> bool:
        """Whether a job of ``key`` is still waiting for its answer."""
        return self._latest.get(key) in self._callbacks

    def submit(
        self, key: str, fn: Callable[[Any], Any], done: Done, failed: Failed | None = None
    ) -> bool:
        """Run ``fn(trainer)`` off the UI thread; ``done(result)`` or ``failed(message)`` after.

        Returns False (and calls nothing) when there is no trainer to run it on.
        """
        self._ticket += 1
        ticket = self._ticket
        self._latest[key] = ticket
        self._callbacks[ticket] = (key, done, failed)

        def job(trainer: Any) -> Any:
            if trainer is None:
                raise LookupError("no run to inspect")
            return fn(trainer)

        self._call(job, lambda fut: self._answer(ticket, fut))
        return True

    def _answer(self, ticket: int, fut: Future) -> None:
        with contextlib.suppress(RuntimeError):  # the owner is already gone
            self.answered.emit(ticket, fut)

    def _on_answer(self, ticket: int, fut: Future) -> None:
        entry = self._callbacks.pop(ticket, None)
        if entry is None:
            return
        key, done, failed = entry
        if self._latest.get(key) != ticket:
            return  # superseded by a newer job of the same key
        exc = fut.exception()
        if exc is None:
            done(fut.result())
        elif failed is not None:
            failed(message(exc))
