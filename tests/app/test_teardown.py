"""Closing a window while its worker thread is in a long step: the window closes, the thread
ends on its own, nothing it uses is deleted under it, and the exit waits for it.

The long step is a test hook: a step that blocks until the test lets it go. Nothing here
depends on how long anything takes.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import pytest
from PyQt6 import sip
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import QApplication
from test_compare_window import _specs
from test_exit import LEFT_FOR_EXIT, run_child
from test_main_window import WAIT_MS

from rnnviz.app import teardown
from rnnviz.app.compare_window import CompareWindow
from rnnviz.app.worker import TrainingWorker
from rnnviz.train.compare import Comparison


class SlowStep:
    """Replaces ``cls.step``: the first call blocks until :meth:`release` (``entered`` is set
    once it blocks); later calls are the real step."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cls: type) -> None:
        self.entered, self._released = threading.Event(), threading.Event()
        real = cls.step

        def step(obj: object) -> object:
            if not self.entered.is_set():
                self.entered.set()
                self._released.wait()
            return real(obj)

        monkeypatch.setattr(cls, "step", step)

    def release(self) -> None:
        self._released.set()


def test_closing_a_compare_window_in_a_long_round(qtbot, monkeypatch) -> None:
    """The window closes without waiting for the round (it is deleted on close); its worker,
    which the thread still emits through, is not deleted with it (it was the window's child)
    but kept until the thread ends, and the thread emits nothing after the close."""
    monkeypatch.setattr(teardown, "JOIN_S", 0.0)  # never wait: the round is still in flight
    slow = SlowStep(monkeypatch, Comparison)
    w = CompareWindow(specs=_specs())
    w.show()
    try:
        qtbot.waitUntil(lambda: w.ready, timeout=WAIT_MS)
        worker = w.worker
        w.set_running(True)
        assert slow.entered.wait(WAIT_MS / 1000)
        emitted: list[object] = []
        direct = Qt.ConnectionType.DirectConnection  # called in the thread, at the emit
        worker.updates.connect(emitted.append, direct)
        worker.failed.connect(emitted.append, direct)
        w.close()
        assert not w.isVisible()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        assert sip.isdeleted(w)  # the window is gone ...
        assert not sip.isdeleted(worker)  # ... the worker its thread uses is not
        assert teardown.running()
    finally:
        slow.release()
    qtbot.waitUntil(lambda: not teardown.running(), timeout=WAIT_MS)
    assert emitted == []
    teardown.finish()


def test_no_collection_runs_in_a_kept_thread_while_the_exit_waits_for_it() -> None:
    """While :func:`teardown.finish` waits, the closed windows are cyclic garbage: a collection
    started by the kept thread's allocations would delete their Qt objects in that thread."""
    seen: list[bool] = []
    go = threading.Event()

    def step() -> None:
        go.wait()
        seen.append(gc.isenabled())  # in the kept thread, while finish() waits for it

    thread = threading.Thread(target=step, daemon=True)
    thread.start()
    teardown.keep(object(), thread, go.set)  # finish() asks it to stop: it goes on
    enabled = gc.isenabled()
    teardown.finish()
    assert seen == [False]
    assert gc.isenabled() == enabled and not teardown.running()


def test_no_collection_runs_while_a_closing_window_waits_for_its_thread(
    tiny_window, monkeypatch
) -> None:
    """The window is hidden before it waits for its training thread, and a hidden window's
    collection policy gives automatic collection back: the thread's allocations could then
    start a collection in that thread while the window waits."""
    seen: list[bool] = []
    stop = TrainingWorker.stop

    def stop_and_look(worker: TrainingWorker, timeout: float = 1.0) -> bool:
        seen.append(gc.isenabled())  # on the UI thread, just before it waits
        return stop(worker, timeout)

    monkeypatch.setattr(TrainingWorker, "stop", stop_and_look)
    w = tiny_window
    assert w.worker is not None and w.worker.is_alive()
    w.close()
    assert seen and not any(seen)


# A child process: `rnnviz gui --run`, closed while its third training step is in flight; that
# step goes on until launch() has returned (or for 3 s). Prints the training threads alive when
# launch() returned, and what PyQt's exit clean-up would have to delete.
GUI_LONG_STEP = (
    LEFT_FOR_EXIT
    + r"""
import threading
from PyQt6.QtCore import QTimer
import rnnviz.app.launcher as mw
from rnnviz.train.trainer import Trainer

in_flight, returned = threading.Event(), threading.Event()
real_step, steps = Trainer.step, []

def step(self):
    steps.append(1)
    if len(steps) == 3:
        in_flight.set()
        returned.wait(3.0)
    return real_step(self)

Trainer.step = step
show = mw.MainWindow.show

def show_then_close(self):
    show(self)
    self.ask_unsaved = lambda *question: "discard"
    poll = QTimer(self)

    def close_in_the_step():
        if in_flight.is_set():
            poll.stop()
            self.close()

    poll.timeout.connect(close_in_the_step)
    poll.start(10)

mw.MainWindow.show = show_then_close
assert mw.launch(["--run", "--preset", "echo"]) == 0
alive = [t.name for t in threading.enumerate() if t.name.startswith("rnnviz-trainer")]
returned.set()
print(json.dumps([alive, left_for_exit()]))
"""
)


def test_the_window_exit_waits_for_a_training_step_in_flight(tmp_path: Path) -> None:
    """The window closed in a step longer than its wait: launch() returns only once the thread
    has ended, so no training thread runs while the windows are freed (before: it returned,
    and the process went on to exit, with the thread still in its step)."""
    alive, left = run_child(GUI_LONG_STEP, tmp_path)  # type: ignore[misc]
    assert alive == []
    assert left == []
