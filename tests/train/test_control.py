"""RunController: commands from another thread act between steps; errors end in an update."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from rnnviz.config import OptimConfig, RunConfig
from rnnviz.train.control import RunController
from rnnviz.train.trainer import StepResult, Trainer
from rnnviz.train.update import Status, Update

TIMEOUT = 10.0


class Seen:
    """An emitted Update, read the way these tests ask about it."""

    def __init__(self, update: Update) -> None:
        self.update = update
        status = update.status
        self.step, self.state, self.message, self.lr = (
            status.step,
            status.state,
            status.message,
            status.lr,
        )
        self.loss_steps = [r.step for r in update.records]
        self.sample = update.samples[-1].text if update.samples else None
        self.frame = update.frame


class Harness:
    """Runs a controller in a thread and collects its updates."""

    def __init__(self, ctl: RunController) -> None:
        self.ctl = ctl
        self.snaps: queue.Queue[Update] = queue.Queue()
        self.thread = threading.Thread(target=ctl.run, args=(self.snaps.put,), daemon=True)
        self.thread.start()

    def next(self) -> Seen:
        return Seen(self.snaps.get(timeout=TIMEOUT))

    def until(self, pred: Callable[[Seen], bool]) -> Seen:
        while True:
            s = self.next()
            if pred(s):
                return s

    def finish(self) -> Seen:
        self.ctl.stop()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive()
        last = self.next()
        while not self.snaps.empty():
            last = Seen(self.snaps.get_nowait())
        return last


def test_pause_step_resume_and_stop(run: RunConfig) -> None:
    h = Harness(RunController(Trainer(run), max_updates_per_s=200))
    h.until(lambda s: s.step >= 3 and s.state == "running")
    h.ctl.pause()
    paused = h.until(lambda s: s.state == "paused")
    assert h.ctl.state == "paused"
    h.ctl.step_once()
    one = h.next()
    assert one.step == paused.step + 1 and one.state == "paused"
    assert list(one.loss_steps) == [one.step]
    assert h.snaps.empty()  # nothing happens while paused
    h.ctl.resume()
    h.until(lambda s: s.step >= one.step + 3)
    last = h.finish()
    assert last.state == "stopped"
    assert h.ctl.state == "stopped"


def test_start_paused_and_max_steps(run: RunConfig) -> None:
    h = Harness(RunController(Trainer(run), paused=True, max_steps=5))
    first = h.next()
    assert first.state == "paused" and first.step == 0
    assert first.frame is not None and first.frame.states  # the untrained network shows
    h.ctl.resume()
    s = h.until(lambda s: s.state == "paused")
    assert s.step == 5
    assert h.finish().step == 5


def test_live_settings_and_reset(run: RunConfig) -> None:
    h = Harness(RunController(Trainer(run), max_updates_per_s=200))
    assert h.ctl.set_lr(0.003).result(TIMEOUT) is None
    h.until(lambda s: s.lr == 0.003)
    h.until(lambda s: s.step >= 5)
    h.ctl.reset(seed=11).result(TIMEOUT)
    s = h.until(lambda s: s.step <= 1)
    assert h.ctl.trainer.run.train.seed == 11
    fut = h.ctl.call(lambda t: t.step_count * 0 + 42)
    assert fut.result(TIMEOUT) == 42
    bad = h.ctl.call(lambda t: t.set_probe("☃☃"))
    with pytest.raises(ValueError):
        bad.result(TIMEOUT)
    s = h.until(lambda s: s.message.startswith("command failed"))
    assert s.state == "running"  # a failed command does not end the run
    assert h.finish().state == "stopped"


def test_update_rate_is_throttled(make_run: Callable[..., RunConfig]) -> None:
    t = Trainer(make_run(sample_every=10**6, eval_every=10**6))
    count = 0
    original = t.update

    def counting(**kw: Any) -> Update:
        nonlocal count
        count += 1
        return original(**kw)

    t.update = counting  # type: ignore[method-assign]
    h = Harness(RunController(t, max_updates_per_s=5))
    h.until(lambda s: s.step >= 300)
    h.finish()
    steps = t.step_count
    # Far fewer updates than steps.
    assert count < steps / 5


def test_samples_arrive_at_the_step_that_made_them(run: RunConfig) -> None:
    h = Harness(RunController(Trainer(run), max_updates_per_s=0.5))
    with_sample = [h.until(lambda s: s.sample is not None) for _ in range(4)]
    assert [s.step for s in with_sample] == [7, 11, 14, 21]  # sample_every 7, eval_every 11
    h.finish()


class ExplodingTrainer:
    """A stand-in trainer whose third step raises (and optionally whose update too)."""

    run_id = "exploding"

    def __init__(self, update_fails: bool = False) -> None:
        self.step_count = 0
        self.update_fails = update_fails
        self.diverged: str | None = None

    def step(self) -> StepResult:
        if self.step_count == 2:
            raise RuntimeError("boom")
        self.step_count += 1
        return StepResult(self.step_count, 1.0, 1.0, False, False)

    def update(self, state: str = "running", message: str = "") -> Update:
        if self.update_fails and state == "error":
            raise RuntimeError("no update either")
        return Update(self.run_id, Status(state, message, self.step_count))


@pytest.mark.parametrize("update_fails", [False, True])
def test_exception_ends_the_loop_with_an_error_update(update_fails: bool) -> None:
    ctl = RunController(ExplodingTrainer(update_fails), max_updates_per_s=1000)  # type: ignore[arg-type]
    h = Harness(ctl)
    s = h.until(lambda s: s.state == "error")
    assert "RuntimeError: boom" in s.message
    if update_fails:
        assert "no update either" in s.message
        assert s.update.run_id == "exploding"  # still says which run it ends
    h.thread.join(TIMEOUT)
    assert not h.thread.is_alive() and ctl.error is not None


class DivergingTrainer(ExplodingTrainer):
    def step(self) -> StepResult:
        if self.step_count == 2 and self.diverged is None:
            self.diverged = "diverged at step 3: the training loss became nan"
            return StepResult(2, float("nan"), float("nan"), False, True)
        self.step_count += 1
        return StepResult(self.step_count, 1.0, 1.0, False, False)


def test_divergence_pauses_and_resume_continues() -> None:
    t = DivergingTrainer()
    h = Harness(RunController(t, max_updates_per_s=1000))  # type: ignore[arg-type]
    s = h.until(lambda s: s.state == "diverged")
    assert s.step == 2 and "step 3" in s.message
    assert h.ctl.state == "diverged"
    h.ctl.resume()
    h.until(lambda s: s.step >= 5 and s.state == "running")
    assert h.finish().state == "stopped"


def test_a_single_step_after_a_divergence_trains_and_leaves_the_state() -> None:
    t = DivergingTrainer()
    h = Harness(RunController(t, max_updates_per_s=1000))  # type: ignore[arg-type]
    h.until(lambda s: s.state == "diverged")
    h.ctl.step_once()
    s = h.until(lambda s: s.step == 3)
    assert s.state == "paused" and h.ctl.state == "paused"
    assert h.finish().state == "stopped"


def test_a_reset_after_a_divergence_leaves_the_state(run: RunConfig) -> None:
    wrecking = OptimConfig(name="sgd", lr=10.0, clip_value=None)
    h = Harness(RunController(Trainer(run.replace(optim=wrecking)), max_updates_per_s=1000))
    h.until(lambda s: s.state == "diverged")
    h.ctl.reset()
    s = h.until(lambda s: s.state != "diverged")
    assert s.state == "paused" and s.step == 0 and h.ctl.state == "paused"
    assert h.finish().state == "stopped"


def test_stop_before_run_returns_at_once(run: RunConfig) -> None:
    ctl = RunController(Trainer(run))
    ctl.stop()
    got: list[Update] = []
    ctl.run(got.append)
    assert [u.status.state for u in got] == ["stopped"]


def test_nothing_is_left_behind_when_pausing(make_run: Callable[..., RunConfig]) -> None:
    """With an update interval far longer than the test, only owed updates are emitted.

    Every state change, single step and command must still deliver all records trained so far,
    so the records of the updates together cover every step exactly once.
    """
    t = Trainer(make_run(sample_every=10**6, eval_every=10**6))
    ctl = RunController(t, max_updates_per_s=0.001)
    original = t.step

    def step_then_pause() -> StepResult:
        r = original()
        if r.step == 9:
            ctl.pause()  # from inside the loop: the step itself is not followed by an emit
        return r

    t.step = step_then_pause  # type: ignore[method-assign]
    h = Harness(ctl)
    seen: list[int] = []
    first = h.next()
    seen += list(first.loss_steps)
    paused = h.until(lambda s: seen.extend(s.loss_steps) or s.state == "paused")
    assert paused.step == t.step_count >= 9
    h.ctl.step_once()
    one = h.next()
    seen += list(one.loss_steps)
    assert one.state == "paused" and one.step == paused.step + 1
    assert h.ctl.call(lambda tr: tr.step_count).result(TIMEOUT) == one.step
    after_call = h.next()
    seen += list(after_call.loss_steps)
    assert after_call.step == one.step and h.snaps.empty()
    assert seen == list(range(1, one.step + 1))
    assert h.finish().state == "stopped"


def test_step_once_while_running_is_not_kept_for_later(
    make_run: Callable[..., RunConfig],
) -> None:
    """A single-step request made while running must not train an extra step after a pause."""
    t = Trainer(make_run(sample_every=10**6, eval_every=10**6))
    ctl = RunController(t, max_updates_per_s=0.001)
    original = t.step

    def step() -> StepResult:
        r = original()
        if r.step == 3:
            ctl.step_once()  # asked while running
        if r.step == 6:
            ctl.pause()
        return r

    t.step = step  # type: ignore[method-assign]
    h = Harness(ctl)
    paused = h.until(lambda s: s.state == "paused")
    assert h.ctl.call(lambda tr: tr.step_count).result(TIMEOUT) == paused.step == 6
    assert h.next().step == 6
    assert h.finish().step == 6


def _eventually(predicate: Callable[[], bool]) -> bool:
    """Poll ``predicate`` until it holds or TIMEOUT seconds have passed."""
    tick = threading.Event()
    for _ in range(int(TIMEOUT * 100)):
        if predicate():
            return True
        tick.wait(0.01)
    return bool(predicate())


def test_idle_only_after_the_step_in_flight_is_reported(run: RunConfig) -> None:
    """A pause asked during a step: "paused" at once, idle only once that step's update is out."""
    t = Trainer(run)
    entered, release = threading.Event(), threading.Event()
    original = t.step

    def held_step() -> StepResult:
        if t.step_count == 3:  # the fourth step waits for the test
            entered.set()
            release.wait(TIMEOUT)
        return original()

    t.step = held_step  # type: ignore[method-assign]
    h = Harness(RunController(t, max_updates_per_s=1000))
    assert entered.wait(TIMEOUT)
    h.ctl.pause()
    assert h.ctl.state == "paused" and not h.ctl.idle  # step 4 is in flight
    release.set()
    paused = h.until(lambda s: s.state == "paused")
    assert paused.step == 4
    assert _eventually(lambda: h.ctl.idle)
    h.ctl.step_once()
    assert not h.ctl.idle  # a single step is asked
    one = h.next()
    assert one.step == 5 and one.state == "paused"
    assert _eventually(lambda: h.ctl.idle) and h.snaps.empty()
    assert h.finish().state == "stopped" and not h.ctl.idle
