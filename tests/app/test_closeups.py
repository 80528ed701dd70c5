"""CloseupFetcher: the closeup of the frame on screen, asked once per frame."""

from __future__ import annotations

from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QWidget
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer


def shown_view(qtbot) -> QWidget:
    """A view on screen, for the fetcher to fetch for."""
    view = QWidget()
    qtbot.addWidget(view)
    view.show()
    return view


def test_fetches_the_frames_closeup_and_asks_once_for_a_frame_it_cannot_explain(qtbot) -> None:
    tr = Trainer(tiny_run().validate())
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    owner = QObject()
    view = shown_view(qtbot)
    fetcher = CloseupFetcher(rm, owner, view)
    calls = []
    direct = run_here(tr)

    def call(fn):
        calls.append(fn)
        return direct(fn)

    with qtbot.waitSignal(fetcher.ready, timeout=WAIT_MS) as got:
        fetcher.set_call(call)
    assert got.args[0].matches(rm.frame) and len(calls) == 1
    fetcher.refresh()
    assert len(calls) == 1  # explained already
    # the trainer moves on but the screen keeps its frame: the answer cannot match; not again
    tr.step()
    fetcher.closeup = None
    fetcher.refresh()
    qtbot.waitUntil(lambda: not fetcher._busy, timeout=WAIT_MS)
    assert len(calls) == 2 and not fetcher.closeup.matches(rm.frame)
    qtbot.wait(50)  # a queued retry would have happened by now
    assert len(calls) == 2
    # the new frame arrives: the closeup of those weights explains it already
    rm.ingest(tr.update(state="paused"))
    assert fetcher.closeup.matches(rm.frame) and len(calls) == 2
    # another training step and its frame: asked for and explained
    tr.step()
    with qtbot.waitSignal(fetcher.ready, timeout=WAIT_MS):
        rm.ingest(tr.update(state="paused"))
    assert fetcher.closeup.matches(rm.frame) and len(calls) == 3
    # hidden view: nothing is asked, however many frames come
    view.hide()
    assert not fetcher.active
    for _ in range(3):
        tr.step()
        rm.ingest(tr.update(state="paused"))
    assert len(calls) == 3
    # shown again: the newest frame is asked for, once
    with qtbot.waitSignal(fetcher.ready, timeout=WAIT_MS) as got:
        view.show()
    assert len(calls) == 4 and got.args[0].matches(rm.frame)


def test_a_failure_is_one_line(qtbot) -> None:
    tr = Trainer(tiny_run().validate())
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    owner = QObject()
    fetcher = CloseupFetcher(rm, owner, shown_view(qtbot))

    def broken(fn):
        return run_here(None)(fn)  # no trainer: AttributeError inside

    with qtbot.waitSignal(fetcher.failed, timeout=WAIT_MS) as got:
        fetcher.set_call(broken)
    assert got.args[0].startswith("the frame view could not explain this step")
    assert "\n" not in got.args[0]
