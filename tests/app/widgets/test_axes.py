"""Every axis of every view labels its ticks with true values: no SI prefix, no hidden factor.

pyqtgraph used to rescale an axis without units and note the factor only beside its label: the
gradient plots read ``norm (x0.001)`` with a tick "1e-10" standing for 1e-13, and ``‖g‖
(x1e+18)`` with "100" standing for 1e20. The tests below read the tick strings an axis would
draw and check each lies inside the axis' range in true units.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtGui import QImage, QPainter
from snapshots import Feed, SnapshotStream, make_snapshot, replace

from rnnviz.app.widgets._common import TokenAxis
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel


def draw_specs(axis: pg.AxisItem) -> tuple:
    """pyqtgraph's (axis line, tick lines, tick labels) that ``axis`` draws at its current size
    and range."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    assert specs is not None
    return specs


def drawn_label_rects(axis: pg.AxisItem) -> list:
    """(rect, text) of every tick label ``axis`` draws at its current size and range."""
    return [(rect, text) for rect, _flags, text in draw_specs(axis)[2] if text]


def drawn_tick_strings(axis: pg.AxisItem) -> list[str]:
    """The tick labels ``axis`` draws at its current size and range (non-empty ones)."""
    return [text for _rect, text in drawn_label_rects(axis)]


def true_range(axis: pg.AxisItem) -> tuple[float, float]:
    """The axis' range in data units (log axes hold log10 of the values)."""
    lo, hi = sorted(float(v) for v in axis.range)
    return (10.0**lo, 10.0**hi) if axis.logMode else (lo, hi)


def assert_true_ticks(axis: pg.AxisItem, at_least: int = 2) -> list[float]:
    """Every tick string of ``axis`` is a number within its range; the label has no factor."""
    assert "(x" not in axis.labelString(), axis.labelString()
    assert axis.autoSIPrefixScale == 1.0 and axis.labelUnitPrefix == ""
    strings = drawn_tick_strings(axis)
    values = [float(s.replace("−", "-")) for s in strings]
    lo, hi = true_range(axis)
    slack = 1e-9 * max(abs(lo), abs(hi), 1e-300)
    outside = [v for v in values if not lo - slack <= v <= hi + slack]
    assert not outside, (strings, (lo, hi))
    assert len(values) >= at_least, (strings, (lo, hi))
    return values


def all_axes(scene_owner: object) -> list[pg.AxisItem]:
    """Every AxisItem drawn in a view's scene that shows values (not token axes)."""
    widgets = [w for w in vars(scene_owner).values() if isinstance(w, pg.GraphicsView)]
    axes = []
    for w in widgets:
        for item in w.scene().items():
            numeric = isinstance(item, pg.AxisItem) and not isinstance(item, TokenAxis)
            if numeric and item.isVisible() and item.style["showValues"]:
                axes.append(item)
    return axes


@pytest.fixture
def gradients(qtbot) -> GradientPanel:
    w = GradientPanel()
    qtbot.addWidget(w)
    w.resize(640, 560)
    return w


def test_gradient_axes_show_huge_and_tiny_norms_at_their_true_values(gradients, qtbot) -> None:
    T = 40
    snap = make_snapshot("lstm", T=T, H=4)
    t = np.arange(T, dtype=np.float64)
    huge = 10.0 ** (3.0 + 17.0 * t / (T - 1))  # (T,) 1e3 .. 1e20
    tiny = 10.0 ** (-30.0 + 20.0 * t / (T - 1))  # (T,) 1e-30 .. 1e-10
    steps = np.arange(1, 41, dtype=np.int64)
    snap = replace(
        snap,
        flows={"h": huge, "c": huge / 10.0},
        flow_last=tiny,
        loss_steps=steps,
        losses=np.full(40, 2.0),
        grad_norms=huge,
        clipped=np.zeros(40, dtype=bool),
    )
    Feed(gradients)(snap)
    gradients.grab()  # lay out and paint: ranges and ticks as a user sees them
    flow = assert_true_ticks(gradients.flow_plot.getAxis("left"))
    assert min(flow) <= 1e-25 and max(flow) >= 1e15  # both ends of the data are labelled
    norm = assert_true_ticks(gradients.norm_plot.getAxis("left"))
    assert min(norm) <= 1e5 and max(norm) >= 1e18
    for axis in all_axes(gradients):
        assert_true_ticks(axis, at_least=1)


def test_small_gradient_norms_are_not_rescaled(gradients) -> None:
    """A flow between 1e-13 and 0.1 used to read 1e-10 .. 100 with "(x0.001)" beside it."""
    snap = make_snapshot("rnn", T=30, H=4)
    t = np.arange(30, dtype=np.float64)
    snap = replace(snap, flows={"h": 10.0 ** (-13.0 + 12.0 * t / 29)}, flow_last=None)
    Feed(gradients)(snap)
    gradients.grab()
    values = assert_true_ticks(gradients.flow_plot.getAxis("left"))
    assert max(values) <= 0.1 * (1 + 1e-9)


def test_an_empty_gradient_norm_plot_has_no_factor(gradients) -> None:
    Feed(gradients)(make_snapshot("rnn", T=10, H=4, grad_norms=np.full(10, 1e20)))
    gradients.clear()
    gradients.grab()
    for axis in all_axes(gradients):
        assert "(x" not in axis.labelString()
        assert_true_ticks(axis, at_least=1)


@pytest.mark.parametrize("log_y", [False, True])
def test_loss_axes_show_true_values(qtbot, log_y: bool) -> None:
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(640, 320)
    panel.set_log_y(log_y)
    steps = np.arange(1, 201, dtype=np.int64)
    mse = 1e-5 * (1.0 + np.linspace(3.0, 0.0, 200))  # (200,) a small squared error
    show = Feed(panel)
    per_step = {"grad_norms": np.ones(200), "clipped": np.zeros(200, bool)}
    show(make_snapshot("rnn", T=6, H=4, loss_steps=steps, losses=mse, step=200, **per_step))
    panel.set_x_axis("tokens")  # tokens seen reach billions
    show(
        make_snapshot(
            "rnn",
            T=6,
            H=4,
            loss_steps=steps + 200,
            losses=mse,
            **per_step,
            step=400,
            tokens_seen=4_000_000_000,
        )
    )
    panel.grab()
    assert_true_ticks(panel.plot.getAxis("left"))
    assert max(assert_true_ticks(panel.plot.getAxis("bottom"))) >= 1e9
    for axis in all_axes(panel):
        assert_true_ticks(axis, at_least=1)


def test_heatmap_colour_bars_and_unit_axes_show_true_values(qtbot) -> None:
    view = StateHeatmaps()
    qtbot.addWidget(view)
    view.resize(900, 600)
    stream = SnapshotStream("lstm", T=20, H=8)
    snap = stream.next()
    small = {k: (v * 0.002 if k == "c" else v) for k, v in snap.probe_states.items()}
    for _ in range(120):  # the colour range shrinks towards ±max|c| by 10 % of the gap per update
        Feed(view)(replace(snap, probe_states=small))  # c within ±0.002
    view.grab()
    c_bar = view.panels["c"].bar.axis
    values = assert_true_ticks(c_bar)
    assert 0 < max(abs(v) for v in values) < 0.01  # thousandths, not "(x0.001)" units
    for panel in view.panels.values():
        assert_true_ticks(panel.bar.axis)
        assert_true_ticks(panel.plot.getAxis("left"))
    assert math.isclose(max(true_range(c_bar)), max(view.panels["c"].levels()))


@pytest.mark.parametrize("height", [260, 340, 600])
@pytest.mark.parametrize("span", [(1.0, 10.0), (2.0, 8.0), (1.2, 4.5), (0.05, 20.0), (1e-30, 1e20)])
def test_log_axis_labels_never_overlap(qtbot, height: int, span: tuple[float, float]) -> None:
    """An empty gradient-norm plot at launch labelled 2, 3, ... 7 on top of one another."""
    panel = GradientPanel()
    qtbot.addWidget(panel)
    panel.resize(380, height)  # each plot gets a fraction of this: down to ~70 px
    panel.grab()
    for plot in (panel.norm_plot, panel.flow_plot):
        plot.setYRange(math.log10(span[0]), math.log10(span[1]), padding=0.0)
    panel.grab()
    for plot in (panel.norm_plot, panel.flow_plot):
        axis = plot.getAxis("left")
        labels = drawn_label_rects(axis)
        assert labels, (height, span)
        for i, (a, ta) in enumerate(labels):
            for b, tb in labels[i + 1 :]:
                assert not a.intersects(b), (ta, tb, height, span)
        assert_true_ticks(axis, at_least=1)


def test_the_linear_loss_axis_keeps_a_gap_between_its_labels(qtbot) -> None:
    """After a divergence (losses up to 200) the loss plot at 1024x768 read "100 90 80 ... 0"
    with each label touching the next: the loss axis, built for log mode, let pyqtgraph label
    every minor tick that fit in linear mode too."""
    panel = LossPanel()
    qtbot.addWidget(panel)
    axis = panel.plot.getAxis("left")
    crowded = []
    for height in range(150, 330, 15):
        panel.resize(380, height)
        for top in (5.0, 10.0, 105.0, 210.0):
            panel.plot.setYRange(0.0, top, padding=0.0)
            panel.grab()
            labels = sorted(drawn_label_rects(axis), key=lambda rt: rt[0].top())
            assert len(labels) >= 2, (height, top)
            extent = labels[0][0].height()
            for (a, ta), (b, tb) in itertools.pairwise(labels):
                if b.top() - a.bottom() < 0.3 * extent:
                    crowded.append((height, top, ta, tb, round(b.top() - a.bottom(), 1)))
            assert_true_ticks(axis)
    assert crowded == []
    panel.set_log_y(True)  # the same axis in log mode still keeps its labels apart
    panel.plot.setYRange(0.0, 2.5, padding=0.0)  # 1 .. 316
    panel.grab()
    labels = drawn_label_rects(axis)
    for i, (a, ta) in enumerate(labels):
        for b, tb in labels[i + 1 :]:
            assert not a.intersects(b), (ta, tb)
    assert_true_ticks(axis, at_least=1)


def drawn_tick_lines(axis: pg.AxisItem) -> int:
    """How many tick lines (each a grid line across the plot, when the grid is on) ``axis``
    draws at its current size and range."""
    return len(draw_specs(axis)[1])


@pytest.mark.parametrize("decades", [(-8.0, 2.0), (-30.0, 20.0), (-3.0, 1.0)])
def test_a_log_axis_draws_no_minor_ticks_on_short_decades(gradients, decades) -> None:
    """A flow plot over ten decades drew 96 tick and grid lines, 86 of them minor ticks whose
    grid lines pyqtgraph fades to under 3 % opacity there: most of its cost (the longest paint
    after Apply). Short decades keep only the powers of ten, long ones keep their minor ticks."""
    plot = gradients.flow_plot
    axis = plot.getAxis("left")
    gradients.resize(640, 400)  # the flow plot gets about 120 px
    gradients.grab()
    plot.setYRange(*decades, padding=0.0)
    gradients.grab()
    lo, hi = decades
    assert axis.geometry().height() / (hi - lo) < 40  # short decades
    assert drawn_tick_lines(axis) <= hi - lo + 1  # at most one per decade (was ~9 per decade)
    values = assert_true_ticks(axis)
    assert all(math.isclose(math.log10(v), round(math.log10(v))) for v in values)
    gradients.resize(640, 2000)  # now over 40 px a decade: 2, 3, ... 9 x 10^k are back
    plot.setYRange(-2.0, 1.0, padding=0.0)
    gradients.grab()
    assert drawn_tick_lines(axis) >= 3 * 8  # 2 .. 9 x 10^k in each of three decades
    assert_true_ticks(axis)


@pytest.mark.parametrize("height", [170, 240, 600])
@pytest.mark.parametrize("scale", [1.0, 40.0, 0.0005])
def test_a_colour_bar_labels_both_ends_of_its_range(qtbot, height: int, scale: float) -> None:
    """The cell state's bar on a short heatmap read "0" alone (its ±40 ends were no multiple of
    the legible spacing): its ends are now always labelled, at their own digits."""
    view = StateHeatmaps()
    qtbot.addWidget(view)
    view.resize(520, height)
    snap = SnapshotStream("lstm", T=20, H=8).next()
    states = {
        k: (v * scale / max(float(np.abs(v).max()), 1e-12) if k == "c" else v)
        for k, v in snap.probe_states.items()
    }
    for _ in range(200):  # the colour range settles on ±max|c|
        Feed(view)(replace(snap, probe_states=states))
    view.choose("c")
    view.grab()
    for name in view.shown():
        axis = view.panels[name].bar.axis
        lo, hi = view.panels[name].levels()
        values = assert_true_ticks(axis)
        assert math.isclose(min(values), lo) and math.isclose(max(values), hi), (name, values)
        labels = sorted(rect.top() for rect, _text in drawn_label_rects(axis))
        assert all(b - a >= axis.font_metrics().height() for a, b in itertools.pairwise(labels))
