"""Python's garbage collector while a window is shown: on the UI thread only, the window frozen.

No timing here: these check where collections run and what they walk; how long they take is
reported by ``rnnviz bench --gui`` (longest collection while training).
"""

from __future__ import annotations

import gc
import threading
import weakref

from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.main_window import MainWindow


class Node:
    """A piece of cyclic garbage: it refers to itself."""

    def __init__(self) -> None:
        self.me = self


def shown_window(qtbot) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=lambda *_: True)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


def test_a_shown_window_freezes_what_exists_and_gives_everything_back_when_closed(qtbot) -> None:
    enabled = gc.isenabled()
    w = MainWindow(tiny_run(), confirm=lambda *_: True)
    qtbot.addWidget(w)
    assert gc.get_freeze_count() == 0 and gc.isenabled() == enabled  # not shown: nothing
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    assert not gc.isenabled() and gc.get_freeze_count() > 0  # the UI thread collects
    assert w.collector.active
    walked = gc.get_objects()  # what a full collection walks: not the window and its views
    assert not any(o is w or o is w.heatmaps or o is w.presenter for o in walked)
    assert len(walked) < gc.get_freeze_count()
    del walked
    w.close()
    assert not w.collector.active
    assert gc.get_freeze_count() == 0 and gc.isenabled() == enabled


def test_garbage_made_in_another_thread_is_collected_on_the_ui_thread_only(qtbot) -> None:
    w = shown_window(qtbot)
    threads: list[str] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    refs: list[weakref.ref] = []
    kept: list[list[list[int]]] = []

    def make_garbage() -> None:
        for _ in range(5):
            refs.append(weakref.ref(Node()))  # unreachable at once: only a collection frees it
        kept.append([[i] for i in range(5_000)])  # far past the youngest generation's threshold

    gc.callbacks.append(note)
    try:
        maker = threading.Thread(target=make_garbage, name="garbage-maker")
        maker.start()
        maker.join()
        assert "garbage-maker" not in threads  # no collection ran there
        qtbot.waitUntil(lambda: all(r() is None for r in refs), timeout=WAIT_MS)
    finally:
        gc.callbacks.remove(note)
    assert threads and set(threads) == {threading.current_thread().name}
    assert w.collector.collections[0] >= 1
    kept.clear()


def test_a_cell_switch_frees_the_old_run_and_keeps_the_window_frozen(qtbot) -> None:
    w = shown_window(qtbot)
    first = weakref.ref(w.trainer)
    for cell in ("gru", "rnn"):  # the first run's thread is let go at the second switch
        old = w.trainer
        assert w.apply_config(tiny_run(cell=cell))
        qtbot.waitUntil(lambda o=old: w.trainer is not o, timeout=WAIT_MS)
        del old
        w.run()
        qtbot.waitUntil(lambda: w.trainer.step_count > 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: first() is None, timeout=WAIT_MS)  # frozen, yet freed: no leak
    walked = gc.get_objects()
    assert not any(o is w or o is w.heatmaps for o in walked)
    del walked
    w.close()


def test_a_window_deleted_while_shown_gives_collection_back(qtbot) -> None:
    from PyQt6.QtCore import QEvent
    from PyQt6.QtWidgets import QApplication

    from rnnviz.app.application import release_windows

    enabled = gc.isenabled()
    w = MainWindow(tiny_run(), confirm=lambda *_: True, start_worker=False)
    w.show()
    qtbot.waitExposed(w)
    assert not gc.isenabled() and w.collector.active
    w.deleteLater()  # no close, no Hide event for the policy
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    release_windows()  # the deleted window's policy is not touched, and ends
    assert gc.get_freeze_count() == 0 and gc.isenabled() == enabled
