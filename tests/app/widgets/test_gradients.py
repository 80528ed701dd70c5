"""GradientPanel: flow per time step on a log axis, gradient-norm history with clip events."""

from __future__ import annotations

import math

import numpy as np
import pytest
from snapshots import Feed, SnapshotStream, make_snapshot, replace

from rnnviz.app.widgets.gradients import GradientPanel


@pytest.fixture
def panel(qtbot):
    w = GradientPanel()
    qtbot.addWidget(w)
    w.resize(640, 560)
    return w


@pytest.fixture
def show(panel):
    """Shows snapshots in the panel through a RunModel, as the window does."""
    return Feed(panel)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_flow_curves_per_time_step(panel, show, cell):
    snap = make_snapshot(cell, T=31, H=8)
    show(snap)
    x, y = panel.flow_curve("h").getOriginalDataset()
    assert len(x) == 31
    np.testing.assert_allclose(y, snap.flows["h"])
    assert len(panel.last_curve.getOriginalDataset()[0]) == 31
    dc = panel.flow_curve("c")
    dc_x = None if dc is None else dc.getOriginalDataset()[0]
    assert (dc_x is not None and len(dc_x) == 31) == (cell == "lstm")
    assert (dc is not None and dc.isVisible()) == (cell == "lstm")
    legend = panel.flow_legend_text().replace("\u2060", "")  # without the word joiners
    assert ("‖dL/dc<sub>t</sub>‖" in legend) == (cell == "lstm")
    assert "‖dL/dh<sub>t</sub>‖" in legend
    assert panel.flow_plot.getAxis("left").logMode


def test_zeros_and_nan_are_safe_on_log_axes(panel, show, qtbot):
    snap = make_snapshot("rnn", T=6, H=4)
    flow = np.array([0.0, np.nan, np.inf, -1.0, 1e-3, 1.0])
    snap = replace(snap, flows={"h": flow}, flow_last=np.zeros(6), grad_norms=np.array([0.0] * 10))
    show(snap)
    panel.grab()  # draws without warnings (filterwarnings=error)
    _, y = panel.flow_curve("h").getOriginalDataset()
    assert np.isnan(y[:4]).all() and y[5] == 1.0


def test_norm_history_accumulates_every_step(panel, show):
    stream = SnapshotStream("gru", T=5, H=3, clip_norm=2.0)
    snaps = [stream.next(n_steps=n) for n in (3, 0, 7, 12)]
    for s in snaps:
        show(s)
    assert panel.history_length() == 22
    x, y = panel.norm_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(1, 23))
    norms = np.concatenate([s.grad_norms for s in snaps])
    np.testing.assert_allclose(y, norms)
    cx, cy = panel.clip_points.getOriginalDataset()
    clipped = np.concatenate([s.clipped for s in snaps])
    assert len(cx) == clipped.sum() > 0
    np.testing.assert_allclose(cy, norms[clipped])
    assert panel.clip_line.isVisible()
    assert panel.clip_line.value() == pytest.approx(math.log10(2.0))  # y axis is log-mapped
    assert panel.norm_curve.opts["autoDownsample"] and panel.norm_curve.opts["clipToView"]
    assert panel.norm_curve.opts["downsampleMethod"] == "peak"


def test_no_clip_line_without_clipping(panel, show):
    show(make_snapshot("lstm", T=4, H=2, clip_norm=None))
    assert panel.clip_norm() is None and not panel.clip_line.isVisible()


def test_reset_run_restarts_history_and_clear(panel, show):
    stream = SnapshotStream("lstm", T=4, H=2)
    for _ in range(3):
        show(stream.next())
    assert panel.history_length() == 30
    show(SnapshotStream("lstm", T=4, H=2).next(), run_id="reset")  # steps start again at 1
    assert panel.history_length() == 10
    panel.set_frame(2)
    assert panel._frame_line.isVisible() and panel._frame_line.value() == 2
    panel.clear()
    assert panel.history_length() == 0
    assert (
        len(
            panel.norm_curve.getOriginalDataset()[0]
            if panel.norm_curve.getOriginalDataset()[0] is not None
            else []
        )
        == 0
    )
    assert not panel._frame_line.isVisible()


def test_value_clipping_markers_are_explained(panel, show):
    """Value clipping has no norm threshold: the legend must say what a red dot means."""
    stream = SnapshotStream("lstm", clip_norm=None, clip_value=5.0)
    snap = stream.next()
    snap = replace(snap, clipped=np.ones_like(snap.clipped))  # every step fired
    show(snap)
    assert not panel.clip_line.isVisible()
    assert len(panel.clip_points.getOriginalDataset()[0]) == len(snap.loss_steps)
    legend = panel.legend_text()
    assert "value clipping fired" in legend and "&gt; 5)" in legend
    assert "threshold" not in legend


def test_norm_clipping_markers_and_threshold_line(panel, show):
    panel.set_clipping(None, 5.0)
    show(SnapshotStream("lstm", clip_norm=5.0).next(clipped=np.ones(10, bool)))
    assert panel.clip_line.isVisible()
    legend = panel.legend_text()
    assert "norm threshold 5" in legend and "clipped (‖g‖ &gt; threshold)" in legend
    panel.set_clipping(None, None)  # switched off live: dots stay explained, no line
    assert not panel.clip_line.isVisible()
    assert "clipped (‖g‖ &gt; threshold)" in panel.legend_text()


def test_markers_under_two_rules_get_a_neutral_name(panel, show):
    stream = SnapshotStream("lstm", clip_norm=None, clip_value=5.0)
    fired = {"clipped": np.ones(10, dtype=bool)}
    show(stream.next(**fired))
    panel.set_clipping(None, 1.0)  # changed live while paused
    assert panel.clip_rule() == "norm"
    show(stream.next(**fired, clip_value=None, clip_norm=1.0))
    assert "clipping fired" in panel.legend_text()
    assert "value clipping" not in panel.legend_text()


def test_squeezed_panel_keeps_wrapped_legends_clear_of_the_plots(qtbot):
    # A narrow column squeezed by a splitter: the legends wrap to several lines and must get
    # that height; the plots below them may shrink but never cover them.
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QApplication, QSplitter, QWidget

    split = QSplitter(Qt.Orientation.Vertical)
    panel = GradientPanel()
    split.addWidget(QWidget())
    split.addWidget(panel)
    split.setChildrenCollapsible(False)
    qtbot.addWidget(split)
    Feed(panel)(make_snapshot("lstm", T=12, H=4))
    split.resize(230, 420)
    split.show()
    split.setSizes([400, 20])  # ask for far less than the panel needs
    for _ in range(3):
        QApplication.processEvents()
    wrapped = panel.norm_header.heightForWidth(panel.norm_header.width())
    assert wrapped > panel.norm_header.fontMetrics().lineSpacing() * 1.5  # really wrapped
    assert panel.flow_header.height() >= panel.flow_header.heightForWidth(panel.width())
    assert panel.norm_header.height() >= wrapped
    assert panel.flow_widget.geometry().top() >= panel.flow_header.geometry().bottom()
    assert panel.norm_header.geometry().top() >= panel.flow_widget.geometry().bottom()
    assert panel.norm_widget.geometry().top() >= panel.norm_header.geometry().bottom()


def test_a_total_flow_equal_to_the_last_step_signal_is_said_and_stays_visible(panel, show):
    """echo scores only the last step: ‖dL/dh_t‖ is the last-step signal, drawn on top, dashed."""
    from PyQt6.QtCore import Qt

    snap = make_snapshot("rnn", T=20, H=4)
    last = 0.5 ** np.arange(20.0)[::-1]  # (T,)
    show(replace(snap, flows={"h": last.copy()}, flow_last=last))
    dh_curve = panel.flow_curve("h")
    assert dh_curve.opts["pen"].style() == Qt.PenStyle.DashLine
    assert dh_curve.zValue() > panel.last_curve.zValue()
    assert panel.last_curve.opts["pen"].widthF() > 2 * dh_curve.opts["pen"].widthF()
    assert "= last-step signal here (only the last step is scored)" in panel.flow_legend_text()
    show(replace(snap, flows={"h": 2.0 * last}, flow_last=last))  # differ
    assert dh_curve.opts["pen"].style() == Qt.PenStyle.SolidLine
    assert "last-step signal here" not in panel.flow_legend_text()


def test_exact_zeros_get_markers_and_a_note_instead_of_a_silent_end(panel, show):
    """Where a norm is 0 in float32 the line cannot go on: ▼ at those steps, and the legend says."""
    snap = make_snapshot("rnn", T=30, H=4)
    last = 10.0 ** np.linspace(-44.0, 0.0, 30)  # (T,) vanishing into float32's subnormals
    last[:6] = 0.0  # underflowed: every entry of the float32 gradient is 0
    show(replace(snap, flows={"h": 3.0 + 0 * last}, flow_last=last))
    x, y = panel.zero_marks["last"].getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(6))
    assert np.all(y < last[6]) and np.all(y > 0)  # below the line's end, on the log axis
    note = panel.zero_note_text()
    assert note == "t ≤ 5: 0 in float32, below 1e-45"
    assert note in panel.flow_legend_text() and "▼" in panel.flow_legend_text()
    x, _ = panel.zero_marks["h"].getOriginalDataset()
    assert x is None or len(x) == 0  # the total flow has no zeros
    # zeros not preceded by a vanishing signal (saturated units) get no bound
    flat = np.ones(30)
    flat[10:12] = 0.0
    show(replace(snap, flows={"h": flat}, flow_last=flat.copy()))
    assert panel.zero_note_text() == "t = 10–11: 0 in float32"
    show(snap)  # no zeros: no marker, no note
    assert panel.zero_note_text() == "" and "▼" not in panel.flow_legend_text()
    x, _ = panel.zero_marks["last"].getOriginalDataset()
    assert x is None or len(x) == 0


def _clipped_stream(show, fraction: float, steps: int = 1000) -> SnapshotStream:
    stream = SnapshotStream("lstm", clip_norm=None, clip_value=5.0, steps_per_snapshot=100)
    rng = np.random.default_rng(0)
    for _ in range(steps // 100):
        show(stream.next(clipped=rng.random(100) < fraction))
    return stream


def test_dense_clip_events_become_the_percentage_of_clipped_steps(panel, show):
    """Value clipping firing at ~every step used to put a dot on every point of the curve."""
    _clipped_stream(show, 0.95)
    x, _ = panel.clip_points.getOriginalDataset()
    assert x is None or len(x) == 0  # no dots
    window = panel.clip_window()
    assert window == 20  # 1000 steps in at most 60 windows: a round 20 steps each
    edges, rate = panel.clip_rate.getOriginalDataset()
    assert len(edges) == len(rate) + 1 == 1000 // window + 1
    assert np.all((rate >= 60) & (rate <= 100)) and abs(rate.mean() - 95) < 3
    assert panel.norm_plot.getAxis("right").isVisible()
    legend = panel.legend_text()
    assert "% of steps where value clipping fired" in legend and "per 20-step window" in legend
    assert "right axis" in legend
    assert panel.clip_view.viewRange()[1] == [0.0, 100.0]


def test_rare_clip_events_stay_dots(panel, show):
    _clipped_stream(show, 0.01)
    assert panel.clip_window() == 0
    x, _ = panel.clip_points.getOriginalDataset()
    assert 0 < len(x) <= 20
    rate_x, _ = panel.clip_rate.getOriginalDataset()
    assert rate_x is None or len(rate_x) == 0
    assert not panel.norm_plot.getAxis("right").isVisible()
    assert "●" in panel.legend_text()


def test_a_fresh_run_starts_with_fresh_ranges(panel, show):
    """After Reset or a preset switch the norm plot kept x 0-30,000 on a fresh run."""
    stream = SnapshotStream("lstm", T=6, H=3, steps_per_snapshot=3000)
    for _ in range(10):
        show(stream.next())
    panel.grab()
    assert panel.norm_plot.viewRange()[0][1] > 29_000
    panel.clear()  # what the window does on Reset, Apply and a preset switch
    panel.grab()
    lo, hi = panel.norm_plot.viewRange()[0]
    assert lo >= -1.0 and hi <= 11.0
    show(SnapshotStream("lstm", T=6, H=3, steps_per_snapshot=12).next(), run_id="fresh")
    panel.grab()
    lo, hi = panel.norm_plot.viewRange()[0]
    assert lo >= -1.0 and hi <= 16.0  # 12 steps: the axis ends at the round 15
