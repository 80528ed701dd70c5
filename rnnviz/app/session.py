"""RunSession: the run on screen — its trainer, controller, training thread, loader and RunModel.

The session is the only route from the window to a run. It starts a paused
:class:`~rnnviz.app.worker.TrainingWorker` for each trainer it installs (none in screenshot mode,
where the caller steps the trainer), feeds every Update into its
:class:`~rnnviz.train.runmodel.RunModel` and says so (:attr:`RunSession.updated`), builds new
runs off the UI thread (:class:`~rnnviz.app.loader.TrainerLoader`), and runs commands between
two training steps. A command's result comes back as a value: :meth:`RunSession.call` returns a
``concurrent.futures.Future`` and hands it, done, to a callback on the UI thread — the new probe's
text, a saved checkpoint's path, or the exception a bad input raised. Whether a training thread is
alive (or crashed, or never started) is the session's business: the window does not branch on it.

Signals are emitted on the UI thread, or queued to it from the training thread with the session as
their context, so nothing reaches a window that is gone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from rnnviz.app import teardown
from rnnviz.app.loader import TrainerLoader
from rnnviz.app.worker import TrainingWorker
from rnnviz.core._ops import set_job_threads, set_thread_budget
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Update

#: done(future) on the UI thread once a command has run.
Done = Callable[["Future[Any]"], None]


class RunSession(QObject):
    """One run's trainer, thread, loader and run model; commands in, values out.

    Parameters
    ----------
    parent : QObject
        Owner (the window).
    threaded : bool
        Train in a worker thread (False: the caller steps the trainer, e.g. for screenshots).
    updates_per_s : float
        Updates per second asked of the controller while training.
    blas_threads : int or None
        BLAS threads for training while the session has a thread (None: every core).
    job_threads : int or None
        Threads a job run in the training thread may use while training waits for it (tracing
        a text: :func:`rnnviz.core._ops.set_job_threads`); None: ``blas_threads``.

    Signals
    -------
    updated(object)
        An Update of the current run, after :attr:`model` took it in.
    installed(object, object)
        (trainer, preset name or None): a new run is on screen (its thread starts paused).
    loaded(object, object)
        (trainer, checkpoint path or None) built by :meth:`build`, just before it is installed.
    loadFailed(str)
        Building a run failed (one line); the current run goes on.
    failed(str, str)
        (summary, traceback): the training loop raised.
    """

    updated = pyqtSignal(object)
    installed = pyqtSignal(object, object)
    loaded = pyqtSignal(object, object)
    loadFailed = pyqtSignal(str)
    failed = pyqtSignal(str, str)
    _finished = pyqtSignal(object, object)  # (done callback, future), queued to the UI thread

    def __init__(
        self,
        parent: QObject,
        *,
        threaded: bool = True,
        updates_per_s: float = 8.0,
        blas_threads: int | None = None,
        job_threads: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.threaded = bool(threaded)
        self.updates_per_s = float(updates_per_s)
        self.blas_threads = blas_threads
        self.job_threads = job_threads
        #: The run as the views see it: history, samples, frames and cursor.
        self.model = RunModel()
        self.generation = 0
        self.trainer: Any = None
        self.worker: TrainingWorker | None = None
        self._retiring: list[TrainingWorker] = []  # stopped, finishing their last step
        self.speed: float | None = None  # steps per second asked for (None: unlimited)
        self.pause_at: int | None = None  # the step to pause at, until the run reaches it
        self._closing = False
        self._loader = TrainerLoader()
        self._loader.ready.connect(self._on_loaded)
        self._loader.failed.connect(self._on_load_failed)
        self._requests: dict[int, tuple[str | None, str | None]] = {}  # -> (preset, checkpoint)
        self._finished.connect(self._run_done)

    # ------------------------------------------------------------------ state
    @property
    def controller(self) -> Any:
        """The RunController of the current thread, or None."""
        return self.worker.controller if self.worker is not None else None

    def alive(self) -> bool:
        """Whether a training thread runs the current trainer."""
        return self.worker is not None and self.worker.is_alive()

    def loading(self) -> bool:
        """Whether a new run is being built in the background."""
        return self._loader.busy()

    # ------------------------------------------------------------------ lifecycle
    def install(self, trainer: Any, preset: str | None = None) -> None:
        """Show ``trainer``: the old thread stops, a paused one starts (its update follows)."""
        from rnnviz.train.control import RunController

        self.stop(wait=False)
        self.generation += 1
        self.trainer = trainer
        self.model.reset()
        self.installed.emit(trainer, preset)
        if not self.threaded:
            self.deliver(trainer.update(state="paused"))
            return
        set_thread_budget(self.blas_threads)
        set_job_threads(self.job_threads)
        pause_at = self.pause_at if (self.pause_at or 0) > trainer.step_count else None
        controller = RunController(
            trainer,
            max_updates_per_s=self.updates_per_s,
            paused=True,
            max_steps=pause_at,
            steps_per_s=self.speed,
        )
        worker = TrainingWorker(controller, trainer, self.generation)
        worker.updateReady.connect(self._on_update)
        worker.failed.connect(self._on_failed)
        self.worker = worker
        worker.start()

    def ensure_thread(self) -> bool:
        """A training thread for the current trainer (a fresh one after a crash); False when the
        session has none (screenshot mode)."""
        if not self.threaded:
            return False
        if not self.alive():
            self.install(self.trainer)
        return True

    def stop(self, wait: bool = True) -> bool:
        """Stop the training thread; with ``wait`` False it ends on its own after its step.

        A new run does not wait for the old thread's current step (a long one would freeze the
        window); closing waits for every thread, old ones included, at most
        :data:`rnnviz.app.teardown.JOIN_S` each: a thread still in its step then is kept by
        :mod:`rnnviz.app.teardown` until it ends (False is returned).
        """
        worker, self.worker = self.worker, None
        self._retiring = [w for w in self._retiring if w.is_alive()]
        if not wait:
            if worker is not None:
                _disconnect(worker)
                worker.stop(timeout=0.0)
                self._retiring.append(worker)
            return True
        if worker is not None:
            _disconnect(worker)
            self._retiring.append(worker)
        done = True
        for w in self._retiring:  # a step in flight longer than the wait goes on, kept
            if not w.stop(timeout=teardown.JOIN_S):
                w.keep_until_done()
                done = False
        self._retiring = []
        return done

    def close(self) -> None:
        """Stop building and training (the window is closing)."""
        self._closing = True
        self._loader.close()
        with teardown.no_collection():  # the window is hidden: its policy no longer holds
            self.stop()
        set_thread_budget(None)
        set_job_threads(None)

    def build(
        self, factory: Callable[[], Any], preset: str | None = None, checkpoint: str | None = None
    ) -> None:
        """Build a trainer with ``factory`` off the UI thread; install it when it is ready."""
        request = self._loader.load(factory)
        self._requests = {request: (preset, checkpoint)}

    def _on_loaded(self, request: int, trainer: Any) -> None:
        if request != self._loader.request or self._closing:
            return
        preset, checkpoint = self._requests.pop(request, (None, None))
        self.loaded.emit(trainer, checkpoint)
        self.install(trainer, preset)

    def _on_load_failed(self, request: int, message: str) -> None:
        if request != self._loader.request or self._closing:
            return
        self._requests.pop(request, None)
        self.loadFailed.emit(message)

    # ------------------------------------------------------------------ updates
    def deliver(self, update: Update) -> None:
        """Take ``update`` into the run model and announce it (UI thread)."""
        if self._closing:
            return
        self.model.ingest(update)
        self.updated.emit(update)

    def _on_update(self, generation: int, update: Update) -> None:
        if generation == self.generation:
            self.deliver(update)

    def _on_failed(self, summary: str, details: str) -> None:
        self.failed.emit(summary, details)

    # ------------------------------------------------------------------ commands
    def call(self, fn: Callable[[Any], Any], done: Done | None = None) -> Future[Any]:
        """Run ``fn(trainer)`` between two training steps; its result or exception is the
        returned future's, handed to ``done(future)`` on the UI thread.

        A failing command does not stop training. Without a training thread nothing else
        touches the trainer, so ``fn`` runs at once (and ``done`` is called before this returns).
        """
        fut: Future[Any] = Future()

        def run(trainer: Any) -> None:
            try:
                value = fn(trainer)
            except Exception as exc:  # the caller's to report: a value, not a crash
                fut.set_exception(exc)
            else:
                fut.set_result(value)

        if done is not None:
            fut.add_done_callback(lambda f: self._finished.emit(done, f))
        if self.alive():
            self.controller.call(run)
        else:
            run(self.trainer)
        return fut

    def _run_done(self, done: Done, fut: Future[Any]) -> None:
        if not self._closing:
            done(fut)

    def resume(self) -> bool:
        """Train on (a fresh thread after a crash); False when there is nothing to run."""
        if not self.ensure_thread() or self.controller is None:
            return False
        self.controller.resume()
        return True

    def pause(self) -> None:
        """Pause after the current step (the loop then reports every step trained so far)."""
        if self.controller is not None:
            self.controller.pause()

    def step_once(self) -> bool:
        """Train exactly one batch; False when there is no thread to do it."""
        if not self.ensure_thread() or self.controller is None:
            return False
        self.controller.step_once()
        return True

    def reset(self, seed: int | None = None, done: Done | None = None) -> None:
        """New random weights between two steps (a new run: the run model starts afresh)."""
        if self.ensure_thread():
            self.call(lambda t: t.reset(seed=seed), done)

    def set_optim(self, optim: Any) -> None:
        """Apply an OptimConfig between two steps."""
        if self.alive():
            self.controller.set_optim(optim)
        else:
            self.trainer.set_optim(optim)

    def set_speed(self, rate: float | None) -> None:
        """Train at most ``rate`` steps per second (None: unlimited)."""
        self.speed = rate
        if self.controller is not None:
            self.controller.set_speed(rate)

    def set_pause_at(self, step: int | None) -> None:
        """Pause when the run reaches ``step`` (None: do not)."""
        self.pause_at = step
        if self.controller is not None:
            self.controller.set_pause_at(step)


def _disconnect(worker: TrainingWorker) -> None:
    """Nothing a stopping worker still emits reaches the session."""
    for signal in (worker.updateReady, worker.failed):
        with contextlib.suppress(TypeError):  # nothing connected
            signal.disconnect()
