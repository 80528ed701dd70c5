"""The training thread wrapper and the snapshot merge that keeps every loss point."""

from __future__ import annotations

import time

import numpy as np
import pytest
from snapshots import SnapshotStream, make_snapshot

from rnnviz.app.worker import SnapshotBuffer, TrainingWorker, merge_snapshots
from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.train.control import RunController
from rnnviz.train.trainer import Trainer

WAIT_MS = 10_000


def test_merge_concatenates_losses_and_keeps_the_newest_of_the_rest() -> None:
    stream = SnapshotStream("gru", T=12, H=6)
    snaps = [stream.next() for _ in range(4)]
    merged, extra = merge_snapshots(snaps)
    assert merged.step == snaps[-1].step and merged.probe_states is snaps[-1].probe_states
    for name in ("loss_steps", "losses", "grad_norms", "clipped"):
        expected = np.concatenate([getattr(s, name) for s in snaps])
        np.testing.assert_array_equal(getattr(merged, name), expected)
    assert np.all(np.diff(merged.loss_steps) > 0)  # (n_total,) in step order
    assert extra == [s for s in snaps if s.sample is not None][:-1]


def test_merge_keeps_a_sample_and_val_loss_that_arrived_in_an_earlier_snapshot() -> None:
    a = make_snapshot(step=10, sample="step 10: hello", sample_marks=((0, 2),), val_loss=1.5)
    b = make_snapshot(step=20, sample=None, val_loss=None)
    merged, extra = merge_snapshots([a, b])
    assert merged.step == 20
    assert merged.sample == "step 10: hello" and merged.sample_marks == ((0, 2),)
    assert merged.val_loss == 1.5
    assert extra == []


def test_merge_single_and_empty() -> None:
    a = make_snapshot()
    assert merge_snapshots([a]) == (a, [])
    with pytest.raises(ValueError, match="at least one"):
        merge_snapshots([])


def test_buffer_takes_everything_once() -> None:
    buf = SnapshotBuffer()
    assert buf.take() is None
    stream = SnapshotStream("lstm", T=5, H=3)
    for _ in range(3):
        buf.push(stream.next())
    assert len(buf) == 3
    taken = buf.take()
    assert taken is not None and len(buf) == 0 and buf.take() is None


def tiny_trainer() -> Trainer:
    return Trainer(
        RunConfig(
            task=TaskConfig(name="text", options={"corpus": "tiny"}),
            model=ModelConfig(cell="rnn", hidden=6),
            train=TrainConfig(seq_len=6, batch=2),
        )
    )


def test_worker_streams_snapshots_runs_commands_and_stops_fast(qtbot) -> None:
    trainer = tiny_trainer()
    worker = TrainingWorker(RunController(trainer, paused=True), trainer, generation=7)
    seen: list[tuple[int, int]] = []
    worker.updateReady.connect(lambda gen, u: seen.append((gen, u.status.step)))
    with qtbot.waitSignal(worker.updateReady, timeout=WAIT_MS):
        worker.start()
    assert seen[0] == (7, 0)

    with qtbot.waitSignal(worker.callDone, timeout=WAIT_MS) as done:
        worker.call(lambda t: t.set_lr(0.05), done="lr changed")
    assert done.args == ["", "lr changed"] and trainer.run.optim.lr == 0.05

    with qtbot.waitSignal(worker.userError, timeout=WAIT_MS) as err:
        worker.call(lambda t: t.set_probe("x"), kind="probe")
    assert err.args[0] == "probe" and "at least" in err.args[1]

    worker.controller.resume()
    qtbot.waitUntil(lambda: seen[-1][1] >= 5, timeout=WAIT_MS)
    with qtbot.waitSignal(worker.resetDone, timeout=WAIT_MS):
        worker.reset()
    t0 = time.perf_counter()
    assert worker.stop(timeout=1.0)
    assert time.perf_counter() - t0 < 1.0 and not worker.is_alive()


def test_call_without_a_thread_runs_in_place(qtbot) -> None:
    trainer = tiny_trainer()
    worker = TrainingWorker(RunController(trainer, paused=True), trainer)
    with qtbot.waitSignal(worker.callDone, timeout=WAIT_MS):
        worker.call(lambda t: t.set_lr(0.02), done="ok")
    assert trainer.run.optim.lr == 0.02
    assert worker.stop()  # never started: nothing to join
