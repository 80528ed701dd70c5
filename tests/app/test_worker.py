"""The training thread wrapper: updates out, a fast stop."""

from __future__ import annotations

import time

from rnnviz.app.worker import TrainingWorker
from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.train.control import RunController
from rnnviz.train.trainer import Trainer

WAIT_MS = 10_000


def tiny_trainer() -> Trainer:
    return Trainer(
        RunConfig(
            task=TaskConfig(name="text", options={"corpus": "tiny"}),
            model=ModelConfig(cell="rnn", hidden=6),
            train=TrainConfig(seq_len=6, batch=2),
        )
    )


def test_worker_streams_updates_and_stops_fast(qtbot) -> None:
    trainer = tiny_trainer()
    worker = TrainingWorker(RunController(trainer, paused=True), trainer, generation=7)
    seen: list[tuple[int, int]] = []
    worker.updateReady.connect(lambda gen, u: seen.append((gen, u.status.step)))
    with qtbot.waitSignal(worker.updateReady, timeout=WAIT_MS):
        worker.start()
    assert seen[0] == (7, 0)
    worker.controller.resume()
    qtbot.waitUntil(lambda: seen[-1][1] >= 5, timeout=WAIT_MS)
    t0 = time.perf_counter()
    assert worker.stop(timeout=1.0)
    assert time.perf_counter() - t0 < 1.0 and not worker.is_alive()


def test_a_worker_never_started_stops_at_once() -> None:
    trainer = tiny_trainer()
    worker = TrainingWorker(RunController(trainer, paused=True), trainer)
    assert worker.stop()  # never started: nothing to join
