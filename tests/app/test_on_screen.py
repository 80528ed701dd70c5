"""OnScreen: a hidden view does no drawing until it is shown, then draws the latest state.

The three views that draw (or fetch) only while on screen go through it: the inspector's tabs,
the frame view's closeup fetcher and the spectra plot of Gradients up close. Each is checked
hidden for real, and with the view on screen but the helper saying it is not: a view that
decided by itself (bypassing the helper) would draw then.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QObject
from PyQt6.QtWidgets import QWidget
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.inspector import Inspector
from rnnviz.app.on_screen import OnScreen
from rnnviz.app.widgets.gradient_check import GradientsUpClose
from rnnviz.train.inspection import SpectralProbe
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer


@pytest.fixture
def hidden_by_helper(monkeypatch: pytest.MonkeyPatch):
    """While set, OnScreen says every view is off screen (the views themselves are shown)."""

    def hide(on: bool = True) -> None:
        if on:
            monkeypatch.setattr(OnScreen, "on_screen", lambda self: False)
        else:
            monkeypatch.undo()

    return hide


def test_hidden_view_draws_once_the_latest_state_when_shown(qtbot) -> None:
    view = QWidget()
    qtbot.addWidget(view)
    state = {"value": 0}
    drawn: list[int] = []
    seen = OnScreen(view, lambda: drawn.append(state["value"]))
    for value in (1, 2, 3):  # hidden: changes pile up, nothing is drawn
        state["value"] = value
        seen.request()
    assert drawn == [] and seen.pending
    view.show()
    assert drawn == [3] and not seen.pending  # once, the latest
    state["value"] = 4
    seen.request()  # on screen: at once
    assert drawn == [3, 4]
    view.hide()
    view.show()  # nothing new: nothing drawn again
    assert drawn == [3, 4]


def test_a_view_shown_with_its_parent_draws_then(qtbot) -> None:
    """A view inside a dock or a tab page is shown when its parent is."""
    parent = QWidget()
    qtbot.addWidget(parent)
    view = QWidget(parent)
    drawn: list[int] = []
    seen = OnScreen(view, lambda: drawn.append(1))
    seen.request()
    assert drawn == []
    parent.show()
    assert view.isVisible() and drawn == [1]


def test_the_spectra_plot_goes_through_the_helper(qtbot, hidden_by_helper) -> None:
    g = GradientsUpClose()
    qtbot.addWidget(g)
    g.show()
    drawn: list[int] = []
    legend = g.legend.setText  # set on every drawing of the plot
    g.legend.setText = lambda text: (drawn.append(len(g.series.points)), legend(text))[1]
    tr = Trainer(tiny_run().validate())
    probe = SpectralProbe()
    hidden_by_helper()
    for _ in range(3):
        tr.step()
        g.add_point(probe(tr))
    assert drawn == []  # drawn regardless, it would bypass the helper
    hidden_by_helper(False)
    g.hide()
    g.show()
    assert drawn == [3]  # the points that came meanwhile, at once


def test_the_closeup_fetcher_goes_through_the_helper(qtbot, hidden_by_helper) -> None:
    tr = Trainer(tiny_run().validate())
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    view = QWidget()
    qtbot.addWidget(view)
    view.show()
    fetcher = CloseupFetcher(rm, QObject(view), view)
    calls = []
    direct = run_here(tr)
    hidden_by_helper()
    fetcher.set_call(lambda fn: (calls.append(fn), direct(fn))[1])
    for _ in range(2):
        tr.step()
        rm.ingest(tr.update(state="paused"))
    assert calls == [] and not fetcher.active
    hidden_by_helper(False)
    with qtbot.waitSignal(fetcher.ready, timeout=WAIT_MS) as got:
        view.hide()
        view.show()
    assert len(calls) == 1 and got.args[0].matches(rm.frame)  # the newest frame, once


def _saturation_frames(ins: Inspector) -> list[object]:
    """Records every frame the saturation tab is given."""
    given: list[object] = []
    set_frame = ins.saturation.set_frame
    ins.saturation.set_frame = lambda frame: (given.append(frame), set_frame(frame))[1]
    return given


def test_the_inspector_draws_its_tab_only_on_screen(qtbot, inspectors) -> None:
    tr = Trainer(tiny_run().validate())
    ins, model = inspectors(tr, show=False)
    ins.setCurrentWidget(ins.saturation)
    given = _saturation_frames(ins)
    for _ in range(3):  # hidden (its dock closed): nothing drawn
        tr.step()
        model.ingest(tr.update())
    assert given == []
    ins.show()
    assert given == [model.frame]  # once, the newest frame
    tr.step()
    model.ingest(tr.update())  # on screen: at once
    assert given[-1] is model.frame and len(given) == 2


def test_the_inspector_goes_through_the_helper(qtbot, inspectors, hidden_by_helper) -> None:
    tr = Trainer(tiny_run().validate())
    ins, model = inspectors(tr, show=False)
    ins.setCurrentWidget(ins.saturation)
    ins.show()
    given = _saturation_frames(ins)
    hidden_by_helper()
    for _ in range(2):
        tr.step()
        model.ingest(tr.update())
    assert given == []
    hidden_by_helper(False)
    ins.hide()
    ins.show()
    assert given == [model.frame]
