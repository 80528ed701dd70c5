"""The window's width: its minimum follows what is shown, nothing is cut, and it stays as wide
as the user made it (:mod:`rnnviz.app.window_width`).

With the frame view docked beside the loss, gradient and samples column, the window could not
be made narrower than about 1030 px: a resize was held there until the column had stepped
aside, and after the column came back or the frame view closed, the window stayed at the width
it had been held at.
"""

from __future__ import annotations

import pytest
from test_frame_opens import cut_widgets, settle, window_at

from rnnviz.app.layout import minimum
from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme


@pytest.fixture(params=[1.0, BIG_SCALE], ids=["normal", "big"])
def scale(request, qapp):
    apply_theme(qapp, request.param)
    yield request.param
    apply_theme(qapp, 1.0)


def needed(w: MainWindow) -> int:
    """The least width of what the window shows (its layout's minimum)."""
    return w.layout().totalMinimumSize().width()


def everything_shown(qtbot) -> MainWindow:
    """A 1400x900 window with the frame view docked beside the right-hand column."""
    w = window_at(qtbot, 1400, 900)
    if not w.frame_dock.dock.isVisible():
        w.frame_dock.set_shown(True)
        settle()
    assert w.frame_dock.dock.isVisible() and w.right_column.isVisible()
    return w


def resize(w: MainWindow, width: int) -> None:
    w.resize(width, w.height())
    settle()


def test_a_window_narrowed_below_everything_shown_is_as_wide_as_asked(qtbot, scale) -> None:
    w = everything_shown(qtbot)
    held = needed(w)  # about 1030 px at normal fonts: the width the window was held at
    width = held - 120
    resize(w, width)
    assert w.width() == width
    assert not w.right_column.isVisible()  # it stepped aside for the frame view
    assert needed(w) <= w.width()  # nothing is squeezed below its minimum ...
    viewport = w.frame_dock.dock.widget().viewport()
    assert cut_widgets(w.frame_dock.view, viewport) == []  # ... nor cut
    assert w.minimumWidth() <= width


def test_the_window_goes_back_to_the_users_width(qtbot, scale) -> None:
    """After the column comes back (the frame view closed), or the controls are hidden again,
    the window is as wide as the user made it, not as wide as it was held or widened."""
    w = everything_shown(qtbot)
    width = needed(w) - 30
    resize(w, width)
    assert w.width() == width
    w.frame_dock.toggle.trigger()  # F2: closed, the column comes back
    settle()
    assert w.right_column.isVisible() and not w.frame_dock.dock.isVisible()
    assert w.width() == width

    w.controls_dock.hide()
    settle()
    narrow = needed(w) + 10
    resize(w, narrow)
    assert w.width() == narrow
    w.controls_dock.toggleViewAction().trigger()  # Ctrl+D: shown, the window widens for them
    settle()
    assert w.controls_dock.isVisible() and w.width() == needed(w) > narrow
    w.controls_dock.toggleViewAction().trigger()  # hidden again: back to the user's width
    settle()
    assert w.width() == narrow


def test_the_minimum_follows_what_is_shown(qtbot) -> None:
    """Beside a docked frame view the column would step aside: the window may be narrower than
    everything shown needs; without the frame view nothing would, and its minimum is that."""
    w = everything_shown(qtbot)
    column = w.main_splitter.handleWidth() + minimum(w.right_column).width()
    assert w.minimumWidth() == needed(w) - column
    w.frame_dock.toggle.trigger()
    settle()
    assert w.minimumWidth() == needed(w)
