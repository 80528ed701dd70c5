"""The frame view in the window: a dock with its menu and keys, explained from the live run."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication
from test_main_window import WAIT_MS, tiny_run
from test_projector import SCREENS, check_legible, maximised

from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme


def shown(w):
    """The window with its frame view shown (F2): closeups are fetched only then."""
    if not w.frame_dock.dock.isVisible():
        w.frame_dock.toggle.trigger()  # F2
    assert w.frame_dock.dock.isVisible() and w.frame_dock.fetcher.active
    return w


def test_the_live_window_explains_the_step_under_the_cursor(qtbot, tiny_window) -> None:
    w = shown(tiny_window)
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    assert view.closeup.matches(w.run_model.frame)
    w.frame_bar.set_frame(3)
    assert w.run_model.cursor.t == 3 and view.t == 3
    assert "probe step t = <b>3</b> of 0–" in view.title.text()
    # a training step: the closeup follows the new weights
    step = view.closeup.step
    w.step_once()
    qtbot.waitUntil(lambda: view.closeup.step == step + 1, timeout=WAIT_MS)
    assert view.closeup.matches(w.run_model.frame)


def test_the_frame_view_is_a_dock_f2_shows_and_hides(qtbot, tiny_window) -> None:
    w = tiny_window
    assert not w.frame_dock.dock.isVisible() and not w.frame_dock.fetcher.active
    w.frame_dock.toggle.trigger()  # F2
    assert w.frame_dock.dock.isVisible() and w.frame_dock.toggle.isChecked()
    assert w.frame_dock.fetcher.active
    w.frame_dock.toggle.trigger()
    assert not w.frame_dock.dock.isVisible() and not w.frame_dock.toggle.isChecked()


def test_frame_menu_lists_the_keys(qtbot, tiny_window) -> None:
    w = tiny_window
    menus = {m.title(): m for m in (a.menu() for a in w.menuBar().actions()) if m is not None}
    frame = menus["F&rame"]
    keys = {a.text(): a.shortcut().toString() for a in frame.actions() if a.text()}
    assert keys == {
        "Frame view": "F2",
        "Next part of the step": "Down",
        "Previous part of the step": "Up",
        "Backward stepping": "B",
        "Predict, then reveal": "P",
        "Reveal the answer": "R",
    }


def test_keys_drive_the_view(qtbot, tiny_window) -> None:
    w = shown(tiny_window)
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    w.centralWidget().setFocus()
    qtbot.keyClick(w, Qt.Key.Key_Down)
    assert view.stage == 0
    qtbot.keyClick(w, Qt.Key.Key_Up)
    assert view.stage is None
    qtbot.keyClick(w, Qt.Key.Key_P)
    assert view.reveal_mode and view.hidden()
    qtbot.keyClick(w, Qt.Key.Key_R)
    assert not view.hidden()
    qtbot.keyClick(w, Qt.Key.Key_B)
    assert view.backward
    T = view.closeup.T
    assert w.frame_bar.frame() == T - 1 and view.t == T - 1  # backward starts at the end


def test_backward_stepping_draws_the_gradient_curves_up_to_the_cursor(qtbot, tiny_window) -> None:
    w = shown(tiny_window)
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    curve = w.gradients.flow_curve("h")
    x_all, _ = curve.getData()
    T = len(x_all)
    w.frame_dock.act_backward.setChecked(True)
    w.frame_bar.set_frame(T - 3)
    x, y = curve.getData()
    assert list(x) == list(range(T - 3, T))
    flows = w.run_model.frame.flows["h"][T - 3 :]  # (3,) drawn on a log axis
    np.testing.assert_allclose(y, np.log10(flows), rtol=1e-9)
    w.frame_bar.move(-1)
    assert curve.getData()[0][0] == T - 4
    w.frame_dock.act_backward.setChecked(False)
    assert len(curve.getData()[0]) == T


def test_the_frame_view_goes_beside_every_view_else_the_column_or_the_controls_make_way() -> None:
    from rnnviz.app.layout import Column, Placement, place_column

    frame = Column(340, 270)
    # beside every view: the views keep their least (500) and the slack (100)
    assert place_column(1000, 0, Column(400, 270), 500, 300, 100) == Placement(400)
    assert place_column(1280, 0, frame, 516, 290, 100) == Placement(340)
    # beside the controls at 1280: the loss, gradient and samples column makes way
    assert place_column(1280, 367, frame, 516, 290, 100, 6) == Placement(340, make_way=True)
    # room only for its least: as wide as the room allows
    assert place_column(1024, 0, Column(544, 432), 684, 383, 160, 6) == Placement(
        475, make_way=True
    )
    # not beside the controls even so: they are hidden too
    assert place_column(1024, 480, Column(544, 432), 684, 383, 160, 6) == Placement(
        475, make_way=True, hide_controls=True
    )
    assert place_column(900, 0, Column(544, 432), 684, 383, 160, 6) is None  # no room


@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
def test_the_frame_view_is_shown_where_there_is_room_and_opens_on_a_step(qtbot, qapp, scale):
    """Shown at start on every screen with room beside the views and the controls (1024x768,
    where the controls start hidden, and 1920x1080); elsewhere it opens at the user's first step
    of the cursor, the loss, gradient and samples column making way until F2 closes it. Every
    size stays legible."""
    apply_theme(qapp, scale)
    try:
        for screen in SCREENS:
            w = MainWindow(tiny_run(hidden=128), confirm=lambda *_: True, start_worker=False)
            qtbot.addWidget(w)
            w.show()
            width, height = maximised(screen)
            w.arrange_for(width, height)
            w.resize(width, height)
            QApplication.processEvents()
            fd = w.frame_dock
            small = screen == (1280, 720) or (screen == (1024, 768) and scale != 1.0)
            where = f"{screen} x{scale}"
            assert fd.dock.isVisible() == (not small), where
            assert fd.opens_on_step == small and fd.toggle.isChecked() == (not small)
            if fd.dock.isVisible():
                assert fd.dock.width() >= fd.view.minimumSizeHint().width(), where
                assert w.right_column.isVisible()
            check_legible(w, where)
            if small:
                w.frame_bar.set_frame(2)  # the program moving the cursor opens nothing
                assert not fd.dock.isVisible()
                w.act_next.trigger()  # the user's step (the → key)
                QApplication.processEvents()
                assert fd.dock.isVisible() and fd.fetcher.active
                assert not w.right_column.isVisible()  # it made way
                check_legible(w, where + " stepping")
                fd.toggle.trigger()  # F2 closes it: the column is back
                QApplication.processEvents()
                assert not fd.dock.isVisible() and w.right_column.isVisible()
                w.act_next.trigger()  # once opened and closed, F2 decides
                assert not fd.dock.isVisible()
            w.close()
    finally:
        apply_theme(qapp, 1.0)


def test_a_closeup_is_shown_on_a_turn_of_its_own(qtbot, tiny_window) -> None:
    """A closeup arriving from the training thread is drawn by a part of the frame scheduler
    of its own, never in the pass of the event loop that delivered it (together with whatever
    part of a frame was drawn then: the longest stalls while training)."""
    w = tiny_window
    frames, view = w.frames, w.frame_dock.view
    ticks: list[list[int]] = []  # per tick of the scheduler: the parts it drew
    in_tick = [False]
    tick = frames._tick

    def counted_tick() -> None:
        ticks.append([])
        in_tick[0] = True
        try:
            tick()
        finally:
            in_tick[0] = False

    frames._timer.timeout.disconnect()
    frames._timer.timeout.connect(counted_tick)

    def logged(k: int, part):
        return lambda: (ticks[-1].append(k) if in_tick[0] else None, part())[1]

    frames._parts = tuple(logged(k, part) for k, part in enumerate(frames._parts))
    shown_in: list[int | None] = []  # per closeup shown: the tick that showed it (None: none)
    set_closeup = view.set_closeup
    view.set_closeup = lambda c: (
        shown_in.append(len(ticks) - 1 if in_tick[0] else None),
        set_closeup(c),
    )[1]
    arrived: list[bool] = []  # per closeup handed over: whether the view showed it already
    w.frame_dock.fetcher.ready.connect(lambda c: arrived.append(view.closeup is c))
    w.run()
    qtbot.waitUntil(lambda: w.run_model.status.state == "running", timeout=WAIT_MS)
    shown(w)
    qtbot.waitUntil(lambda: len(arrived) >= 2, timeout=4 * WAIT_MS)
    assert arrived[:2] == [False, False]  # not shown while they were handed over
    qtbot.waitUntil(lambda: len(shown_in) >= 2, timeout=WAIT_MS)
    w.pause()
    for k in shown_in[:2]:
        assert k is not None  # shown by a tick of the scheduler ...
        assert ticks[k] == [w.frame_dock._closeup_part]  # ... drawing only it


def test_a_closeup_is_shown_at_once_while_paused(qtbot, tiny_window) -> None:
    """Paused (a step, a screenshot), nothing else is drawn: the closeup is shown as it comes."""
    w = tiny_window
    view = w.frame_dock.view
    arrived = []
    w.frame_dock.fetcher.ready.connect(lambda c: arrived.append(view.closeup is c))
    shown(w)
    qtbot.waitUntil(lambda: bool(arrived), timeout=WAIT_MS)
    assert arrived == [True] and view.closeup.matches(w.run_model.frame)


def test_a_new_frame_repaints_no_diagram_its_closeup_did_not_change(qtbot) -> None:
    """While training, each new frame says "(updating…)" until its closeup comes; the diagram
    shows the closeup only, so it is not repainted for the frame (it was, once per frame)."""
    from rnnviz.app.widgets.frame_view import FrameView
    from rnnviz.train.closeup import closeup_of
    from rnnviz.train.runmodel import RunModel
    from rnnviz.train.trainer import Trainer

    tr = Trainer(tiny_run().validate())
    rm = RunModel()
    rm.ingest(tr.update(state="running"))
    view = FrameView(rm)
    qtbot.addWidget(view)
    view.resize(340, 600)
    view.show()
    view.set_closeup(closeup_of(tr))
    QApplication.processEvents()
    repaints: list[int] = []
    view.diagram.update = lambda *a: repaints.append(1)  # what the diagram's setters call
    tr.step()
    rm.ingest(tr.update(state="running"))
    assert "updating…" in view.title.text()
    assert repaints == []
    rm.set_cursor(t=2)  # a cursor move does repaint it
    assert view.t == 2 and repaints == [1]
