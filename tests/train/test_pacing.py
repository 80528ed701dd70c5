"""Speed control and pause-at-step, counted on a fake clock (never on wall time)."""

from __future__ import annotations

import math
import threading

import pytest

from rnnviz.config import RunConfig
from rnnviz.train.control import RunController
from rnnviz.train.pacing import Pacer, check_speed
from rnnviz.train.trainer import Trainer
from rnnviz.train.update import Status

TIMEOUT = 10.0


class FakeClock:
    """Time moves only when the controller waits: a step takes no time at all."""

    def __init__(self) -> None:
        self.t = 0.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        self.waits.append(timeout)
        self.t += timeout


class FrozenClock:
    """Time stands still: a wait ends only when someone notifies the controller."""

    def __init__(self) -> None:
        self.waiting = threading.Event()

    def now(self) -> float:
        return 0.0

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        self.waiting.set()
        cond.wait()
        self.waiting.clear()


def run_until(ctl: RunController, done) -> list[tuple[float, Status]]:
    """Run the loop in this thread until ``done(seen)``; returns (clock time, status)."""
    snaps: list[tuple[float, Status]] = []

    def emit(update) -> None:
        snaps.append((ctl._clock.now(), update.status))
        if done(snaps):
            ctl.stop()

    ctl.run(emit)
    return snaps


@pytest.mark.parametrize("rate", [0.5, 2.0, 10.0])
def test_steps_per_second_are_honoured(run: RunConfig, rate: float) -> None:
    clock = FakeClock()
    ctl = RunController(Trainer(run), max_updates_per_s=1000, steps_per_s=rate, clock=clock)
    run_until(ctl, lambda snaps: clock.t >= 20.0)
    steps = ctl.trainer.step_count
    assert abs(steps - 20.0 * rate) <= 2  # 20 fake seconds at `rate` steps per second
    assert len(clock.waits) <= steps + 2  # one wait per step: no busy waiting
    assert all(w <= 1.0 / rate + 1e-9 for w in clock.waits)


def test_unlimited_speed_never_waits(run: RunConfig) -> None:
    clock = FakeClock()
    ctl = RunController(Trainer(run), max_updates_per_s=1000, clock=clock)
    run_until(ctl, lambda snaps: snaps[-1][1].step >= 30)
    assert clock.waits == [] and ctl.trainer.step_count >= 30


def test_a_waiting_loop_wakes_for_a_new_speed_a_pause_and_a_step(run: RunConfig) -> None:
    clock = FrozenClock()
    ctl = RunController(Trainer(run), max_updates_per_s=1000, steps_per_s=0.5, clock=clock)
    snaps: list[Status] = []
    thread = threading.Thread(target=ctl.run, args=(lambda u: snaps.append(u.status),), daemon=True)
    thread.start()
    assert clock.waiting.wait(TIMEOUT)  # one step trained, the next one waits (time is frozen)
    assert ctl.trainer.step_count == 1

    ctl.pause()  # a pause ends the wait at once
    assert _until(lambda: snaps and snaps[-1].state == "paused")
    ctl.step_once()  # a single step is not paced
    assert _until(lambda: snaps[-1].step == 2)

    ctl.set_speed(None)  # unlimited: no more waiting
    ctl.resume()
    assert _until(lambda: ctl.trainer.step_count >= 20)
    ctl.stop()
    thread.join(TIMEOUT)
    assert not thread.is_alive()


def _until(predicate, timeout: float = TIMEOUT) -> bool:
    """Poll ``predicate`` on a condition-free busy check with a generous timeout."""
    done = threading.Event()
    for _ in range(int(timeout * 100)):
        if predicate():
            return True
        done.wait(0.01)
    return bool(predicate())


def test_pause_at_step_fires_once(run: RunConfig) -> None:
    clock = FakeClock()
    ctl = RunController(Trainer(run), max_updates_per_s=1000, clock=clock)
    ctl.set_pause_at(7)
    assert ctl.pause_at == 7
    snaps = run_until(ctl, lambda snaps: snaps[-1][1].state == "paused")
    assert snaps[-1][1].step == 7 and ctl.pause_at is None
    assert ctl.trainer.step_count == 7


def test_speed_and_pause_step_out_of_range_are_refused(run: RunConfig) -> None:
    ctl = RunController(Trainer(run), steps_per_s=5.0)
    for bad in (0, -1, math.nan, math.inf, 1e9):
        with pytest.raises(ValueError, match="steps per second"):
            ctl.set_speed(bad)
    assert ctl.steps_per_s == 5.0  # unchanged
    for bad_step in (-1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="pause at step"):
            ctl.set_pause_at(bad_step)  # type: ignore[arg-type]
    assert ctl.pause_at is None
    assert check_speed(None) is None and check_speed(1) == 1.0


def test_pacer_spaces_step_starts() -> None:
    pacer = Pacer(4.0)
    assert pacer.delay(0.0) == 0.0  # the first step starts at once
    pacer.started(1.0)
    assert pacer.delay(1.1) == pytest.approx(0.15)
    assert pacer.delay(2.0) == 0.0  # a slow step: the next starts at once, no catching up
    pacer.set_speed(None)
    assert pacer.delay(1.0) == 0.0
