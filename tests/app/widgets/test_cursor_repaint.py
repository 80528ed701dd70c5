"""A cursor move repaints little, from pictures kept between moves: what is on screen after any
sequence of moves, new data, zooms and resizes is what a full repaint without them draws."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from events import Events
from PyQt6.QtCore import QEvent, QObject, QPointF
from PyQt6.QtGui import QRegion
from PyQt6.QtWidgets import QApplication, QGraphicsItem, QWidget
from screen import drawn, on_screen, pixels, stale_pixels
from snapshots import Feed, SnapshotStream

from rnnviz.app.widgets.heatmaps import StateHeatmaps

NO_CACHE = QGraphicsItem.CacheMode.NoCache


@contextmanager
def images_uncached(view: StateHeatmaps) -> Iterator[None]:
    """The heatmaps' images painted directly while inside (their cached pictures unused)."""
    modes = {name: p.image.cacheMode() for name, p in view.panels.items()}
    for p in view.panels.values():
        p.image.setCacheMode(NO_CACHE)
    try:
        yield
    finally:
        for name, mode in modes.items():
            view.panels[name].image.setCacheMode(mode)


def stale_heatmap_pixels(view: StateHeatmaps) -> int:
    """Pixels of the heatmaps on screen that differ from a full repaint of uncached images."""
    drawn()
    shown = pixels(on_screen(view.graphics))
    with images_uncached(view):
        full = pixels(view.graphics.grab().toImage())
    return int(np.count_nonzero(np.any(shown != full, axis=2)))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_heatmaps_on_screen_are_a_full_repaint(qtbot, cell) -> None:
    view = StateHeatmaps()
    qtbot.addWidget(view)
    view.resize(901, 563)  # odd sizes: images at fractions of a pixel
    view.show()
    qtbot.waitExposed(view)
    stream = SnapshotStream(cell, T=40, H=24, seed=1)
    show = Feed(view)
    show(stream.next())
    assert all(p.image.cacheMode() != NO_CACHE for p in view.panels.values())
    for t in (0, 1, 2, 17, 39, 38, 5):
        view.set_frame(t)
        assert stale_heatmap_pixels(view) == 0, t
    show(stream.next())  # new values (and colour ranges) under the same cursor
    assert stale_heatmap_pixels(view) == 0
    view.zoom_rows(1.5, centre=10.0)
    view.set_frame(6)
    assert stale_heatmap_pixels(view) == 0
    view.resize(777, 611)
    view.set_frame(7)
    assert stale_heatmap_pixels(view) == 0
    view.set_frame(None)
    assert stale_heatmap_pixels(view) == 0


@pytest.fixture
def window(qtbot):
    """A shown window (no training) with its frame view explaining a probe of 8 steps."""
    from test_main_window import WAIT_MS, tiny_run

    from rnnviz.app.main_window import MainWindow

    w = MainWindow(tiny_run(hidden=16), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.frame_dock.set_shown(True)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.frame_dock.view.closeup is not None, timeout=WAIT_MS)
    return w


def test_a_cursor_move_lays_out_and_restyles_nothing(window) -> None:
    """A new label text asked the frame bar's layout, and each layout up to the window's, to
    lay out again (a pass of the event loop each), and the training step's read-out was given
    its style sheet again (re-polished): on every step of the cursor. (The whole layer shown:
    one unit's equations may need another line at some steps, which lays out the frame view.)"""
    window.frame_dock.view.layer.setChecked(True)
    for t in range(8):  # the frame bar's read-out takes the room its widest text needs
        window.frame_bar.set_frame(t)
    drawn()
    events = Events(QEvent.Type.LayoutRequest, QEvent.Type.StyleChange)
    app = QApplication.instance()
    app.installEventFilter(events)
    try:
        for t in (1, 2, 3, 4, 5, 6, 7, 6, 0):
            window.frame_bar.set_frame(t)
            drawn()
    finally:
        app.removeEventFilter(events)
    assert events.seen == []


def test_the_frame_view_on_screen_is_a_full_repaint(window) -> None:
    """The cell diagram repaints only its boxes at a step, a unit, a slow-motion stage or a
    reveal; the picture of its arrows and legend is drawn when the mode or the size change."""
    view = window.frame_dock.view
    diagram = view.diagram

    def check(what: str) -> None:
        assert stale_pixels(diagram) == 0, what
        assert stale_pixels(view) == 0, what

    for t in (1, 2, 7, 0):
        window.frame_bar.set_frame(t)
        check(f"step {t}")
    view.unit.setValue(5)
    check("unit 5")
    for _ in range(len(view.stages) + 1):  # every stage lit in turn, then the whole step
        view.next_stage()
        check(f"stage {view.stage}")
    view.set_reveal(True)
    check("answer hidden")
    view.reveal()
    check("revealed")
    view.layer.setChecked(True)
    check("whole layer")
    window.frame_bar.set_frame(3)
    check("whole layer, step 3")
    view.set_backward(True)  # the gradients' legend
    check("backward")
    window.frame_bar.set_frame(2)
    check("backward, step 2")


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_cell_diagram_repaints_its_boxes_as_a_full_repaint(qtbot, cell) -> None:
    """Alone (nothing around it changes its size), every change a step brings repaints only the
    boxes: a slow-motion stage's outlines (drawn over the boxes' edges) included."""
    from test_cell_diagram_cache import closeup

    from rnnviz.app.widgets.cell_diagram import CellDiagram

    diagram = CellDiagram()
    qtbot.addWidget(diagram)
    diagram.resize(433, 371)
    diagram.show()
    qtbot.waitExposed(diagram)
    c = closeup(cell)
    diagram.set_closeup(c)
    assert stale_pixels(diagram) == 0
    stages = len(diagram.columns) + 1
    for t, stage in itertools.product(range(3), [None, *range(stages), None]):
        diagram.set_step(t)
        diagram.set_stage(stage)
        assert stale_pixels(diagram) == 0, (t, stage)
    for unit, hidden in itertools.product((3, None, 0), (True, False)):
        diagram.set_unit(unit)
        diagram.set_answer_hidden(hidden)
        assert stale_pixels(diagram) == 0, (unit, hidden)


class Regions(QObject):
    """The regions of the paint events ``widget`` receives while installed."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.widget, self.regions = widget, []
        widget.installEventFilter(self)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if obj is self.widget and event is not None and event.type() == QEvent.Type.Paint:
            self.regions.append(QRegion(event.region()))
        return False


def test_the_gradient_flow_repaints_only_where_the_cursor_line_was_and_is(window) -> None:
    """The line marking the step told its auto-ranging plot its bounds changed, and the plot
    then repainted all of itself (curves, grid, axes' area) at every step of the cursor."""
    plot = window.gradients.flow_plot
    vb = plot.getViewBox()
    viewport = plot.scene().views()[0].viewport()
    window.frame_bar.set_frame(1)
    drawn()
    seen = Regions(viewport)
    view_range = vb.viewRange()
    window.frame_bar.set_frame(2)
    drawn()
    viewport.removeEventFilter(seen)
    assert seen.regions, "the line moved: its strips are repainted"
    far = vb.mapViewToScene(QPointF(6.0, sum(view_range[1]) / 2))  # far from steps 1 and 2
    far_px = plot.scene().views()[0].mapFromScene(far)
    assert not any(r.contains(far_px) for r in seen.regions)
    assert vb.viewRange() == view_range
    for t in (3, 7, 0, 5):
        window.frame_bar.set_frame(t)
        assert stale_pixels(window.gradients) == 0, t
