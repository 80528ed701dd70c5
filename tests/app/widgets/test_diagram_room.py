"""The cell diagram uses its panel: every box inside it and apart, the vanilla RNN's few boxes
large rather than lost in white space, at the panel sizes the window gives the frame view.

The RNN's grid has two columns: its boxes took 70 % of a column's width and at most 84 points
of height, so in the frame view of a 1920×1080 window they covered a sixth of the panel and
its rows a little over half of its height.
"""

from __future__ import annotations

import itertools

import pytest
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QFontMetrics
from tiny_runs import diagram
from tiny_runs import tiny_closeup as closeup

from rnnviz.app.style import BIG_SCALE, apply_theme
from rnnviz.app.widgets.cell_diagram import CellDiagram
from rnnviz.core.registry import cell_names

#: (scale, width, height) of the diagram in the frame view: 1024x768, 1920x1080 (normal, --big)
#: and the frame view opened on a step at 1280x720.
PANELS = (
    (1.0, 340, 310),
    (1.0, 340, 620),
    (1.0, 340, 780),
    (BIG_SCALE, 468, 375),
    (BIG_SCALE, 544, 500),
    (BIG_SCALE, 544, 650),
)


@pytest.fixture(params=PANELS, ids=lambda p: f"x{p[0]}-{p[1]}x{p[2]}")
def panel(request, qapp):
    scale, w, h = request.param
    apply_theme(qapp, scale)
    yield w, h
    apply_theme(qapp, 1.0)


def laid_out(qtbot, cell: str, size: tuple[int, int]) -> tuple[CellDiagram, QRectF]:
    d = diagram(qtbot, closeup(cell), *size)
    return d, QRectF(0, 0, d.width(), d.height() - d._legend_height())


@pytest.mark.parametrize("cell", cell_names())
def test_every_box_is_inside_the_panel_apart_and_holds_its_two_lines(qtbot, panel, cell) -> None:
    d, area = laid_out(qtbot, cell, panel)
    rects = d.node_rects()
    assert set(rects) == {n.key for n in d.nodes}
    for key, r in rects.items():
        assert area.contains(r), (key, r, area)
        lines = QFontMetrics(d._box_font(r)).height() * 2  # its label and its number
        assert r.height() >= lines, (key, r, lines)
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)


def test_the_rnns_boxes_fill_its_panel(qtbot, panel) -> None:
    d, area = laid_out(qtbot, "rnn", panel)
    rects = d.node_rects().values()
    boxes = sum(r.width() * r.height() for r in rects)
    share = boxes / (area.width() * area.height())
    top, bottom = min(r.top() for r in rects), max(r.bottom() for r in rects)
    left, right = min(r.left() for r in rects), max(r.right() for r in rects)
    assert share >= 0.22, share
    assert bottom - top >= 0.7 * area.height(), (bottom - top, area.height())
    assert right - left >= 0.85 * area.width(), (right - left, area.width())
