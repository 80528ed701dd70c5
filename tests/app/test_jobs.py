"""Inspector jobs: answers reach the UI thread, a newer job of a kind supersedes an older one,
and failures arrive as one line."""

from __future__ import annotations

import threading

from rnnviz.app.jobs import WorkerJobs, threaded_call
from rnnviz.tasks.base import TaskInputError

WAIT_MS = 10_000


def test_answers_come_back_on_the_ui_thread_and_newer_jobs_win(qtbot) -> None:
    gate = threading.Event()
    jobs = WorkerJobs(threaded_call("the trainer"))
    got: list[object] = []
    threads: list[object] = []

    def slow(trainer: str) -> str:
        gate.wait(WAIT_MS / 1000)
        return f"old {trainer}"

    def record(value: object) -> None:
        got.append(value)
        threads.append(threading.current_thread())

    jobs.submit("card", slow, record)
    jobs.submit("card", lambda tr: f"new {tr}", record)
    qtbot.waitUntil(lambda: got == ["new the trainer"], timeout=WAIT_MS)
    assert jobs.busy("card") is False
    gate.set()  # the older job finishes last: its answer is dropped
    qtbot.wait(50)
    assert got == ["new the trainer"]
    assert threads == [threading.main_thread()]


def test_failures_arrive_as_one_line(qtbot) -> None:
    jobs = WorkerJobs(threaded_call(None))
    errors: list[str] = []
    jobs.submit("a", lambda tr: 1, lambda v: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=WAIT_MS)
    assert errors == ["LookupError: no run to inspect"]
    jobs = WorkerJobs(threaded_call("t"))

    def mistake(tr: str) -> None:
        raise TaskInputError("the echo task reads no text\nsecond line")

    def bug(tr: str) -> None:
        raise KeyError("x")

    jobs.submit("b", mistake, lambda v: None, errors.append)
    jobs.submit("c", bug, lambda v: None, errors.append)
    qtbot.waitUntil(lambda: len(errors) == 3, timeout=WAIT_MS)
    assert sorted(errors[1:]) == ["KeyError: 'x'", "the echo task reads no text"]
