"""The window fits and stays legible on a 1024×768, 1280×720 or 1920×1080 screen, normal and --big.

For each screen size, font size (normal, presentation) and cell (LSTM, GRU, vanilla RNN) the
window is laid out offscreen at the size a maximised window gets, and checked as a user would
look at it: the window's minimum fits the screen (with the controls shown, too), the status bar
is inside the window, every heatmap and every curve has a legible height, no axis title is
longer than its axis, no tick labels overlap, and no label or button shows less than its text.
"""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PyQt6.QtGui import QImage, QPainter
from PyQt6.QtWidgets import QAbstractButton, QApplication, QComboBox, QLabel, QWidget
from test_main_window import tiny_run

from rnnviz.app.layout import TITLE_BAR_PX
from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme
from rnnviz.app.widgets._common import MIN_PLOT_PX
from rnnviz.app.widgets.heatmaps import MIN_IMAGE_H, MIN_IMAGE_W

#: A desktop panel: what a screen's available area lacks (the title bar is TITLE_BAR_PX more).
PANEL_PX = 24
SCREENS = ((1024, 768), (1280, 720), (1920, 1080))


def maximised(screen: tuple[int, int]) -> tuple[int, int]:
    """The window's size when maximised on ``screen`` (a panel and a title bar taken off)."""
    return screen[0], screen[1] - PANEL_PX - TITLE_BAR_PX


@pytest.fixture(params=[1.0, BIG_SCALE], ids=["normal", "big"])
def scale(request, qapp):
    apply_theme(qapp, request.param)
    yield request.param
    apply_theme(qapp, 1.0)


def shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def visible_axes(w: MainWindow) -> list[pg.AxisItem]:
    """Every axis drawn in a visible plot of the window (scenes of visible graphics views)."""
    axes = []
    for view in w.findChildren(pg.GraphicsView):
        if not shown(view):
            continue
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem) and item.isVisible() and item.scene() is not None:
                axes.append(item)
    return axes


def label_rects(axis: pg.AxisItem) -> list:
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [rect for rect, _flags, text in specs[2] if text]


def check_legible(w: MainWindow, where: str) -> None:
    """Everything visible in ``w`` is whole and legible (see the module docstring)."""
    bar = w.statusBar().geometry()
    assert w.rect().contains(bar), (where, "status bar outside the window", bar)
    for name in w.heatmaps.shown():
        vb = w.heatmaps.panels[name].plot.getViewBox().geometry()
        assert vb.height() >= MIN_IMAGE_H and vb.width() >= MIN_IMAGE_W, (where, name, vb)
    plots = {"loss": w.loss.plot_widget, "flow": w.gradients.flow_widget}
    plots["norm"] = w.gradients.norm_widget
    for name, widget in plots.items():
        if shown(widget):
            vb = widget.getPlotItem().getViewBox().geometry()
            assert vb.height() >= MIN_PLOT_PX, (where, name, vb)
    for axis in visible_axes(w):
        length = axis.geometry().height() if axis.orientation in ("left", "right") else None
        length = axis.geometry().width() if length is None else length
        if axis.label.isVisible() and axis.labelText:
            title = axis.label.boundingRect().width()
            assert title <= length + 1, (where, "axis title cut", axis.labelText, title, length)
        rects = label_rects(axis)
        for a, b in itertools.combinations(rects, 2):
            assert not a.intersects(b), (where, "tick labels overlap", axis.labelText, a, b)
    for widget in w.findChildren((QLabel, QAbstractButton, QComboBox)):
        if not shown(widget) or (isinstance(widget, QLabel) and widget.wordWrap()):
            continue
        text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
        if not text:  # icons (a field's clear button) are sized by the style
            continue
        need = widget.minimumSizeHint().width()
        parent = type(widget.parent()).__name__
        assert widget.width() >= need, (where, "text cut", type(widget).__name__, text, parent)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_screen_size_fits_and_stays_legible(qtbot, scale: float, cell: str) -> None:
    w = MainWindow(tiny_run(cell=cell, hidden=128), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.show()
    for screen, controls in (*((s, "auto") for s in SCREENS), (SCREENS[0], "shown")):
        width, height = maximised(screen)
        w.arrange_for(width, height)  # the controls as the window starts at this size
        if controls == "shown":
            w.controls_dock.setVisible(True)  # Ctrl+D on the smallest screen
        QApplication.processEvents()
        hint = w.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, (screen, controls, hint)
        w.resize(width, height)
        QApplication.processEvents()
        assert (w.width(), w.height()) == (width, height)
        tabs = w.right_column.tabs
        for index in range(tabs.count() if w.right_column.mode() == "tabs" else 1):
            tabs.setCurrentIndex(index)
            QApplication.processEvents()
            where = f"{screen} x{scale} {cell} controls={w.controls_dock.isVisible()} tab={index}"
            check_legible(w, where)


def test_the_live_window_keeps_fitting_a_small_screen_once_training_is_drawn(qtbot, qapp):
    """With --big on 1024x768 the window grew to 1024x1120 as soon as the training thread's
    first frame was drawn: the gradients tab, never shown, still had a new widget's default
    width (100 px), and its legend reported the height of its text wrapped at that width as
    its minimum. (The tests above present a snapshot without a training thread.)"""
    apply_theme(qapp, BIG_SCALE)
    try:
        w = MainWindow(tiny_run(), confirm=lambda *_: True)
        qtbot.addWidget(w)
        width, height = maximised(SCREENS[0])
        w.arrange_for(width, height)
        w.show()
        qtbot.waitUntil(lambda: w.last_status is not None, timeout=30_000)
        assert w.right_column.mode() == "tabs"
        QApplication.processEvents()
        hint = w.minimumSizeHint()
        assert hint.height() <= height and (w.width(), w.height()) == (width, height), hint
        w.right_column.tabs.setCurrentIndex(1)  # the gradients, now at their real width
        QApplication.processEvents()
        assert (w.width(), w.height()) == (width, height)
        check_legible(w, "gradients tab after the first live frame")
    finally:
        apply_theme(qapp, 1.0)
