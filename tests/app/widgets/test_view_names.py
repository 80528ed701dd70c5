"""The views' own drawing method names no method of a Qt or pyqtgraph base class.

A view that defined ``render(model)`` hid ``QWidget.render(painter)``: exporting it to SVG had to
call Qt's method through the class. The views draw a run through ``draw_model``; Qt's ``render``
stays theirs untouched.
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PyQt6.QtWidgets import QDockWidget, QMainWindow, QWidget

from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel
from rnnviz.app.widgets.samples import SamplesPanel

VIEWS = [StateHeatmaps, GradientPanel, LossPanel, SamplesPanel]
QT_BASES = [
    QWidget,
    QDockWidget,
    QMainWindow,
    pg.PlotWidget,
    pg.GraphicsLayoutWidget,
    pg.PlotItem,
    pg.ImageItem,
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: v.__name__)
def test_view_keeps_qt_render_and_draws_through_its_own_name(view: type) -> None:
    own = [cls for cls in view.__mro__ if cls.__module__.startswith("rnnviz.")]
    assert view in own
    assert [cls.__name__ for cls in own if "render" in vars(cls)] == []
    assert callable(view.draw_model)
    assert not [base.__name__ for base in QT_BASES if hasattr(base, "draw_model")]
