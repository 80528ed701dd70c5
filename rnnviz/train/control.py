"""RunController: drive a Trainer from a worker thread, take commands from any thread.

The worker thread calls :meth:`RunController.run` with an ``emit`` callback; it trains step after
step and calls ``emit(update)`` at most ``max_updates_per_s`` times a second with an
:class:`~rnnviz.train.update.Update`: the records of every step trained since the previous one
and the frame of the current weights. Any other thread (the GUI) sends commands — pause, resume, one
step, stop, reset, change the learning rate or optimiser, or any ``call(fn)`` — which are queued
and executed *between* training steps in the worker thread, so the trainer is only ever touched
by one thread. While paused, the loop sleeps on a Condition (no busy waiting). A pause acts after
the step in flight: :attr:`RunController.state` says "paused" at once, :attr:`RunController.idle`
once that step's update is out and the loop waits.

Speed: :meth:`RunController.set_speed` limits training to N steps per second (slow motion for a
class; see :mod:`rnnviz.train.pacing`); the loop waits out the rest of each period on the same
Condition, so commands still act at once. :meth:`RunController.set_pause_at` pauses the run when
it reaches a given step (once; :attr:`RunController.pause_at` is None again afterwards).

Whatever happens, the loop ends by emitting a final Update: state "stopped" after
:meth:`stop`, or state "error" with the exception as message if something raised. Divergence is
not an error: the trainer restores its last good weights, the controller pauses with state
"diverged" and the trainer's explanation, and the user may change settings and resume. The
"diverged" state lasts until the run moves on: a resume, a single step that trains, or a command
that clears the trainer's divergence (a reset) ends it.

No Qt here: ``emit`` is any callable (the GUI's emits a signal).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.config import OptimConfig
from rnnviz.train.pacing import Clock, Pacer, SystemClock
from rnnviz.train.update import Update, bare_update

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.trainer import Trainer

Emit = Callable[[Update], None]


class RunController:
    """Thread-safe run control around a :class:`~rnnviz.train.trainer.Trainer`.

    Parameters
    ----------
    trainer : Trainer
        The run; after :meth:`run` starts, only the worker thread touches it.
    max_updates_per_s : float
        Upper bound on the update rate while running (each builds a frame: a probe forward and
        backward pass). Commands, single steps and entering a pause always produce a fresh update.
    paused : bool
        Start paused (the loop emits one update, then waits for resume or step_once).
    max_steps : int or None
        Pause automatically when the trainer reaches this step (once, see :meth:`set_pause_at`).
    steps_per_s : float or None
        Speed limit (see :meth:`set_speed`); None trains as fast as the machine goes.
    clock : Clock, optional
        Time source and waiting (tests pass a fake one); the system clock by default.
    """

    def __init__(
        self,
        trainer: Trainer,
        max_updates_per_s: float = 25.0,
        *,
        paused: bool = False,
        max_steps: int | None = None,
        steps_per_s: float | None = None,
        clock: Clock | None = None,
    ) -> None:
        if not max_updates_per_s > 0:
            raise ValueError("max_updates_per_s must be positive")
        self.trainer = trainer
        self.max_updates_per_s = float(max_updates_per_s)
        self._pause_at = _check_step(max_steps)
        self._pacer = Pacer(steps_per_s)
        self._clock: Clock = clock or SystemClock()
        self._cond = threading.Condition()
        self._commands: deque[tuple[Callable[[Trainer], Any], Future[Any]]] = deque()
        self._paused = paused
        self._diverged = False
        self._steps_pending = 0
        self._stop = False
        self._running = False
        self._waiting: str | None = None  # the state last reported, while the loop waits
        self.error: str | None = None  # message of the exception that ended the loop, if any

    # ------------------------------------------------------------------ commands (any thread)
    def pause(self) -> None:
        """Stop training after the current step; the loop waits without using the CPU."""
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        """Continue training (also after a divergence, e.g. with a lower learning rate)."""
        with self._cond:
            self._paused = False
            self._diverged = False
            self._cond.notify_all()

    def step_once(self) -> None:
        """Train exactly one batch and emit its update (meant for the paused state).

        While running it does nothing extra: the loop drops the request instead of keeping it,
        so a later pause is not followed by a step nobody asked for any more.
        """
        with self._cond:
            self._steps_pending += 1
            self._cond.notify_all()

    def stop(self) -> None:
        """End :meth:`run` after the current step (it emits a final "stopped" update)."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def call(self, fn: Callable[[Trainer], Any]) -> Future[Any]:
        """Run ``fn(trainer)`` in the worker thread between two steps.

        Returns
        -------
        concurrent.futures.Future
            Resolves to ``fn``'s result, or holds its exception (which is also reported in the
            next update's message; the run goes on).
        """
        fut: Future[Any] = Future()
        with self._cond:
            self._commands.append((fn, fut))
            self._cond.notify_all()
        return fut

    def set_speed(self, steps_per_s: float | None) -> None:
        """Train at most ``steps_per_s`` steps per second (None: unlimited), from the next step.

        Raises ValueError outside 0.1 … 1000 steps per second; the speed in force is unchanged.
        """
        with self._cond:
            self._pacer.set_speed(steps_per_s)
            self._cond.notify_all()  # a wait for the old, slower period ends now

    @property
    def steps_per_s(self) -> float | None:
        """The speed limit in force (None: unlimited)."""
        with self._cond:
            return self._pacer.steps_per_s

    def set_pause_at(self, step: int | None) -> None:
        """Pause when the run reaches training step ``step`` (None: do not).

        It fires once: afterwards :attr:`pause_at` is None and Run trains on. A step the run
        has already reached pauses after the next step. Raises ValueError for a negative or
        non-integer step.
        """
        step = _check_step(step)
        with self._cond:
            self._pause_at = step

    @property
    def pause_at(self) -> int | None:
        """The step the run will pause at, or None."""
        with self._cond:
            return self._pause_at

    @property
    def max_steps(self) -> int | None:
        """Old name of :attr:`pause_at`."""
        return self.pause_at

    def set_lr(self, lr: float) -> Future[Any]:
        """Change the learning rate between steps."""
        return self.call(lambda t: t.set_lr(lr))

    def set_optim(self, cfg: OptimConfig) -> Future[Any]:
        """Change optimiser and clipping between steps (state is kept where it applies)."""
        return self.call(lambda t: t.set_optim(cfg))

    def reset(self, seed: int | None = None) -> Future[Any]:
        """New weights from the seed (the run's own seed if None), step 0, empty history."""
        return self.call(lambda t: t.reset(seed))

    @property
    def state(self) -> str:
        """ "running", "paused", "diverged" or "stopped" as seen from outside.

        "paused" holds from the moment :meth:`pause` is asked: a step may still be in flight,
        its update still to come (see :attr:`idle`).
        """
        with self._cond:
            if not self._running:
                return "stopped"
            if self._diverged:
                return "diverged"
            return "paused" if self._paused else "running"

    @property
    def idle(self) -> bool:
        """Whether the loop waits with nothing to do: paused or diverged, no step in flight,
        no command or single step queued, and every step trained already emitted."""
        with self._cond:
            return self._waiting is not None and self._quiet_locked(self._waiting)

    # ------------------------------------------------------------------ the loop (worker thread)
    def run(self, emit: Emit) -> None:
        """Train until :meth:`stop`; blocking, meant for a worker thread.

        Parameters
        ----------
        emit : callable
            Receives every Update (from this thread). Exceptions it raises end the loop like
            any other error.
        """
        t = self.trainer
        clock = self._clock
        interval = 1.0 / self.max_updates_per_s
        last_emit = -math.inf
        with self._cond:
            self._running = True
        try:
            fresh = True  # an update is owed (start, after a command or a single step)
            shown = ""  # the state of the last emitted update
            while True:
                with self._cond:
                    while not fresh and self._quiet_locked(shown):
                        self._waiting = shown
                        self._cond.wait()
                    self._waiting = None
                    fresh = fresh or self._state_locked() != shown
                    if self._stop:
                        break
                    commands = list(self._commands)
                    self._commands.clear()
                    single = False
                    train = not (self._paused or self._diverged)
                    if train:
                        self._steps_pending = 0  # a running loop trains anyway
                        wait = self._pacer.delay(clock.now())
                        if wait > 0 and not commands and not fresh:
                            clock.wait(self._cond, wait)  # a command or pause ends it early
                            continue
                        train = wait <= 0  # else: commands and their update first
                    elif self._steps_pending > 0:
                        self._steps_pending -= 1
                        single = train = True
                message = ""
                for fn, fut in commands:
                    if not fut.set_running_or_notify_cancel():
                        continue
                    try:
                        fut.set_result(fn(t))
                    except Exception as exc:  # reported, the run goes on
                        fut.set_exception(exc)
                        message = f"command failed: {exc}"
                    fresh = True
                if commands and self._diverged and getattr(t, "diverged", None) is None:
                    self._moved_on()  # e.g. reset: new weights, nothing diverged any more
                # After commands, show their effect before training on (a single step still runs).
                if train and (single or not commands):
                    self._pacer.started(clock.now())
                    result = t.step()
                    if result.diverged:
                        with self._cond:
                            self._diverged = True
                            self._paused = True
                        shown = "diverged"
                        emit(t.update(state=shown, message=t.diverged or ""))
                        last_emit = clock.now()
                        fresh = False
                        continue
                    if self._diverged:
                        self._moved_on()
                    with self._cond:
                        if self._pause_at is not None and result.step >= self._pause_at:
                            self._pause_at = None  # one-shot: a resume trains on
                            self._paused = True
                            fresh = True
                    # A new sample is shown at the step that produced it.
                    fresh = fresh or single or getattr(t, "has_sample", False)
                # Before the loop idles (paused or diverged) everything trained so far is
                # delivered, whatever the throttle says: no loss is left in the trainer. (A stop
                # ends with its own final update.)
                now = clock.now()
                idle = self._public_state() != "running"
                if fresh or idle or now - last_emit >= interval:
                    shown = self._public_state()
                    emit(t.update(state=shown, message=message))
                    last_emit = now
                    fresh = False
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            self._emit_safely(emit, "error", f"training stopped by an error: {self.error}")
            return
        finally:
            with self._cond:
                self._running = False
                self._stop = False
        self._emit_safely(emit, "stopped", "")

    def _moved_on(self) -> None:
        """Leave the "diverged" state (paused stays paused)."""
        with self._cond:
            self._diverged = False

    def _public_state(self) -> str:
        with self._cond:
            return self._state_locked()

    def _quiet_locked(self, shown: str) -> bool:
        """Nothing for the loop to do (the lock held): not stopping, no command, paused or
        diverged, no single step asked, and the state ``shown`` in the last update is current."""
        return (
            not self._stop
            and not self._commands
            and (self._paused or self._diverged)
            and self._steps_pending == 0
            and self._state_locked() == shown
        )

    def _state_locked(self) -> str:
        if self._diverged:
            return "diverged"
        return "paused" if self._paused else "running"

    def _emit_safely(self, emit: Emit, state: str, message: str) -> None:
        """Emit a final update; fall back to a bare one if the trainer cannot build it."""
        try:
            update = self.trainer.update(state=state, message=message)
        except Exception as exc:
            extra = f" (the update failed too: {type(exc).__name__}: {exc})"
            run_id = getattr(self.trainer, "run_id", "")
            update = bare_update(state, message + extra if state == "error" else message, run_id)
        try:
            emit(update)
        except Exception:
            if self.error is None:
                self.error = "the emit callback raised while reporting the final update"


def _check_step(step: int | None) -> int | None:
    """A training step number (>= 0) or None; ValueError otherwise."""
    if step is None:
        return None
    if isinstance(step, bool) or not isinstance(step, (int, np.integer)) or step < 0:
        raise ValueError(f"pause at step {step!r}: give a whole number of steps, 0 or more")
    return int(step)
