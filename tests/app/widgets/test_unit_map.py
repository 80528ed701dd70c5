"""The unit × step map shared by the unit overview and the difference view."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF
from test_axes import drawn_label_rects

from rnnviz.app.widgets.colourbar import ColourBar
from rnnviz.app.widgets.intervention import InterventionPanel
from rnnviz.app.widgets.unit_inspector import UnitInspector
from rnnviz.app.widgets.unit_map import UnitMap


def test_each_pixel_sits_on_its_step_and_row_top_row_first(qtbot) -> None:
    m = UnitMap()
    qtbot.addWidget(m.widget)
    m.widget.resize(400, 300)
    img = np.arange(12, dtype=np.float64).reshape(3, 4)  # (rows, T)
    m.show(img, (0.0, 11.0))
    np.testing.assert_array_equal(m.image.image, img)
    assert m.image.levels.tolist() == [0.0, 11.0]
    rect = m.image.mapRectToParent(m.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width(), rect.height()) == (-0.5, -0.5, 4, 3)
    vb = m.plot.getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    assert (x0, x1, y0, y1) == (-0.5, 3.5, -0.5, 2.5)
    top = vb.mapViewToScene(QPointF(0, 0)).y()
    below = vb.mapViewToScene(QPointF(0, 2)).y()
    assert top < below  # row 0 drawn at the top
    m.clear()
    assert m.image.image is None


def test_the_overview_and_the_difference_view_are_unit_maps(qtbot) -> None:
    card, panel = UnitInspector(), InterventionPanel()
    qtbot.addWidget(card)
    qtbot.addWidget(panel)
    assert isinstance(card.over_map, UnitMap) and card.overview is card.over_map.widget
    assert isinstance(panel.diff_map, UnitMap) and panel.diff is panel.diff_map.widget


def test_the_colour_bars_end_labels_are_drawn_whole(qtbot) -> None:
    """The difference view's bar labels its ends; with no title row above the map, the top
    one ("1.5") was drawn half above the plot, cut by the view's edge."""
    m = UnitMap()
    bar = ColourBar(m.plot, m.image)
    qtbot.addWidget(m.widget)
    m.widget.resize(500, 300)
    m.show(np.linspace(-1.4, 1.4, 60).reshape(6, 10), (-1.5, 1.5))
    bar.set_levels((-1.5, 1.5))
    m.widget.grab()
    labels = drawn_label_rects(bar.axis)
    assert {text for _r, text in labels} >= {"-1.5", "1.5"}
    for rect, text in labels:
        shown = bar.axis.mapRectToScene(rect)
        assert shown.top() >= 0 and shown.bottom() <= m.widget.height(), (text, shown)
