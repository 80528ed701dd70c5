"""RunSession: the one route for commands; results come back as values; a run model per run."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from PyQt6.QtCore import QObject
from test_worker import tiny_trainer

from rnnviz.app.session import RunSession
from rnnviz.tasks.base import TaskInputError

WAIT_MS = 10_000


@pytest.fixture
def owner(qtbot) -> QObject:
    return QObject()


def _session(owner: QObject, threaded: bool = True) -> RunSession:
    session = RunSession(owner, threaded=threaded)
    session.install(tiny_trainer())
    return session


def test_commands_return_values_and_errors_as_futures(qtbot, owner: QObject) -> None:
    session = _session(owner)
    qtbot.waitUntil(lambda: session.model.status.state == "paused", timeout=WAIT_MS)
    results: list[Future] = []
    probe = session.call(lambda t: (t.set_probe("the cat"), t.task.probe().text)[1], results.append)
    assert probe.result(timeout=10) == "the cat"  # the value, not a message string
    bad = session.call(lambda t: t.set_probe("x"), results.append)
    with pytest.raises(TaskInputError, match="at least"):
        bad.result(timeout=10)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=WAIT_MS)  # done() on the UI thread
    assert results == [probe, bad]
    assert session.alive()  # a failing command does not stop the run
    assert session.resume()
    qtbot.waitUntil(lambda: session.model.history.count >= 5, timeout=WAIT_MS)
    assert session.model.frame is not None and session.model.frame.text == "the cat"
    assert session.stop()


def test_reset_starts_a_new_run_in_the_run_model(qtbot, owner: QObject) -> None:
    session = _session(owner)
    assert session.step_once()
    qtbot.waitUntil(lambda: session.model.history.count == 1, timeout=WAIT_MS)
    before = (session.model.run_id, session.model.epoch)
    done: list[Future] = []
    session.reset(done=done.append)
    qtbot.waitUntil(lambda: bool(done) and session.model.run_id != before[0], timeout=WAIT_MS)
    assert session.model.epoch > before[1] and session.model.history.count == 0
    assert session.stop()


def test_without_a_thread_commands_run_in_place(qtbot, owner: QObject) -> None:
    session = _session(owner, threaded=False)
    assert session.worker is None and session.model.frame is not None  # the first update
    done: list[Future] = []
    fut = session.call(lambda t: t.set_lr(0.02) or t.run.optim.lr, done.append)
    assert done == [fut] and fut.result() == 0.02  # at once, before call returns
    assert not session.resume() and not session.step_once()  # nothing to run


def test_a_built_checkpoint_arrives_with_its_history(qtbot, owner: QObject, tmp_path: Path) -> None:
    trainer = tiny_trainer()
    for _ in range(12):
        trainer.step()
    path = tmp_path / "twelve.npz"
    trainer.save(path)
    from rnnviz.train.trainer import Trainer

    session = _session(owner)
    loaded: list[tuple] = []
    session.loaded.connect(lambda t, ckpt: loaded.append((t, ckpt)))
    session.build(lambda: Trainer.load(path), checkpoint=str(path))
    qtbot.waitUntil(lambda: session.model.history.count == 12, timeout=WAIT_MS)
    assert loaded and loaded[0][1] == str(path) and session.trainer is loaded[0][0]
    assert session.stop()


def test_the_session_sets_training_threads_and_the_jobs_share(qtbot, owner: QObject) -> None:
    # The window trains on one core fewer than the machine has and gives a job that training
    # waits for (tracing a text, which reads rnnviz.core._ops.job_threads()) a figure of its
    # own; closing gives both back.
    from rnnviz.core import _ops

    session = RunSession(owner, blas_threads=1, job_threads=2)
    session.install(tiny_trainer())
    assert (_ops.thread_budget(), _ops.job_threads()) == (1, 2)
    qtbot.waitUntil(lambda: session.model.status.state == "paused", timeout=WAIT_MS)
    seen = session.call(lambda t: (_ops.thread_budget(), _ops.job_threads()), lambda _: None)
    assert seen.result(timeout=10) == (1, 2)  # as the worker's jobs see them
    session.close()
    assert (_ops.thread_budget(), _ops.job_threads()) == (_ops._CPUS, _ops._CPUS)
    lone = RunSession(owner, blas_threads=1)  # no figure of its own: the budget
    lone.install(tiny_trainer())
    assert _ops.job_threads() == 1
    lone.close()
