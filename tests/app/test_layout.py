"""Fitting the window to the screen: first size, the controls, the stacked-or-tabbed column."""

from __future__ import annotations

from PyQt6.QtCore import QSize
from PyQt6.QtWidgets import QApplication, QVBoxLayout, QWidget

from rnnviz.app.layout import (
    COMFORT_SIZE,
    TITLE_BAR_PX,
    AdaptiveColumn,
    controls_fit,
    initial_size,
)


def test_a_small_screen_gets_a_maximised_window_that_leaves_room_for_the_title() -> None:
    size, maximise = initial_size(QSize(1024, 740))  # a 1024x768 screen with a panel
    assert maximise and size.width() == 1024 and size.height() <= 740 - TITLE_BAR_PX
    size, maximise = initial_size(QSize(2560, 1400))
    assert not maximise and size == COMFORT_SIZE


def test_the_controls_show_only_when_the_views_keep_their_width() -> None:
    assert controls_fit(1920, 400, 900)
    assert not controls_fit(1280, 400, 900)


def view(min_height: int) -> QWidget:
    w = QWidget()
    w.setMinimumSize(100, min_height)
    return w


def test_the_column_stacks_when_every_view_fits_and_tabs_otherwise(qtbot) -> None:
    a, b, c = view(200), view(300), view(150)
    column = AdaptiveColumn((a, b, c), (("one", (a, c)), ("two", (b,))), stretch=(2, 3, 1))
    qtbot.addWidget(column)
    column.show()
    assert column.stacked_height() >= 650
    column.resize(300, 900)
    QApplication.processEvents()
    assert column.mode() == "stacked" and all(v.isVisible() for v in (a, b, c))
    assert a.height() >= 200 and b.height() >= 300 and c.height() >= 150
    column.resize(300, 500)
    QApplication.processEvents()
    assert column.mode() == "tabs"
    column.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    assert a.isVisible() and c.isVisible() and not b.isVisible()
    assert a.height() >= 200 and c.height() >= 150  # each view keeps its minimum in its tab
    hint = column.minimumSizeHint()  # a window may shrink to the tabs' minimum
    assert 350 <= hint.height() < column.stacked_height() and hint.width() >= 100
    column.resize(300, 900)
    QApplication.processEvents()
    assert column.mode() == "stacked" and b.isVisible()


def test_the_column_tabs_when_a_stacked_views_minimum_grows_after_a_resize(qtbot) -> None:
    """A legend that wraps again at its new width raises its view's minimum after the column
    was resized: the column, which decided only on resizes, kept the views stacked and
    squeezed below their minimums (the gradient plots under the next view at 1280x720)."""
    a, b = view(200), QWidget()
    inner = QWidget()  # a legend inside b: b's minimum is its layout's
    inner.setMinimumSize(100, 300)
    QVBoxLayout(b).addWidget(inner)
    column = AdaptiveColumn((a, b), (("one", (a,)), ("two", (b,))))
    qtbot.addWidget(column)
    column.show()
    column.resize(300, 560)
    QApplication.processEvents()
    assert column.mode() == "stacked"
    inner.setMinimumHeight(400)  # b now needs 400 or more: more than the column has
    qtbot.waitUntil(lambda: column.mode() == "tabs", timeout=5000)
    assert column.stacked_height() > column.height()
