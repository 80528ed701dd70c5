"""A curve over training with one point (the first step) shows a marker.

pyqtgraph draws a line between points, so a curve of one point drew nothing: after the first
training step the loss plot and the gradient-norm plot were empty, live and exported.
"""

from __future__ import annotations

import numpy as np
import pytest
from snapshots import Feed, SnapshotStream

from rnnviz.app.export_image import grab_rgb
from rnnviz.app.widgets._common import COLOURS
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.loss import LossPanel


def _pixels_of(widget, colour: str) -> int:
    """Pixels of ``colour`` ("#rrggbb") in ``widget`` as it paints now."""
    rgb = grab_rgb(widget).astype(np.int16)  # (H, W, 3)
    target = np.array([int(colour[k : k + 2], 16) for k in (1, 3, 5)])  # (3,)
    return int((np.abs(rgb - target).max(axis=2) <= 24).sum())


def _views(panel) -> tuple:
    """(plot widget, plot item, its curves over training) of a loss or gradient panel."""
    if isinstance(panel, LossPanel):
        return panel.plot_widget, panel.plot, (panel.raw_curve, panel.smooth_curve)
    return panel.norm_widget, panel.norm_plot, (panel.norm_curve,)


@pytest.mark.parametrize("kind", [LossPanel, GradientPanel])
def test_a_curve_of_one_step_shows_a_marker_and_two_steps_a_line(qtbot, kind) -> None:
    panel = kind()
    qtbot.addWidget(panel)
    panel.resize(640, 560)
    panel.show()
    widget, plot, curves = _views(panel)
    show, stream = Feed(panel), SnapshotStream("rnn", T=5, H=3)
    show(stream.next(n_steps=1))
    x, y = curves[-1].getData()
    assert len(x) == 1 and np.isfinite(y).all()
    assert _pixels_of(widget, COLOURS["blue"]) >= 9  # a dot in the curve's colour: was 0
    plot.getViewBox().updateAutoRange()
    (lo, hi), (ylo, yhi) = plot.viewRange()
    assert lo < x[0] < hi and ylo < y[0] < yhi  # getData: as drawn (log10 on a log axis)
    show(stream.next(n_steps=1))  # two points: a line, no markers
    assert all(curve.opts["symbol"] is None for curve in curves)
    assert _pixels_of(widget, COLOURS["blue"]) >= 9


def test_a_compared_run_of_one_step_shows_a_marker(qtbot) -> None:
    from rnnviz.app.compare_curves import RUN_COLOURS, CompareCurves

    curves = CompareCurves(["a", "b"])
    panel = curves.loss_panel
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    curves.set_loss(1, np.array([1.0]), np.array([1.3]))
    curves.anchor()
    plot = curves.loss_plot.getViewWidget()  # the plot alone: the legend has the colour too
    assert _pixels_of(plot, RUN_COLOURS[1]) >= 9  # run b's first round: was 0
    curves.set_loss(1, np.array([1.0, 2.0]), np.array([1.3, 1.2]))
    assert curves.loss_curves[1].opts["symbol"] is None
