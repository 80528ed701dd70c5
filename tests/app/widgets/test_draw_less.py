"""Drawing less while training: axes that move only at round numbers, hidden heatmaps not drawn.

Every change of an axis' range makes pyqtgraph lay out and render that axis again, which was
most of a frame's drawing while training (a curve that grows every frame moved its axes every
frame). These tests count range changes over a long run of snapshots; the time it saves is
measured by ``rnnviz bench --gui`` (frame interval p95), never here.
"""

from __future__ import annotations

import itertools

import numpy as np
from PyQt6.QtWidgets import QApplication
from snapshots import Feed, SnapshotStream, make_snapshot, replace

from rnnviz.app.widgets._common import RangeAnchor, round_up
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel


def ranges_over_a_run(panel, plot, snapshots: int) -> list[tuple]:
    """The plot's view range after each of ``snapshots`` snapshots (10 steps each)."""
    stream = SnapshotStream("lstm", T=12, H=4, steps_per_snapshot=10, val_every=5)
    show = Feed(panel)
    seen = []
    for _ in range(snapshots):
        show(stream.next())
        plot.getViewBox().updateAutoRange()
        (_x0, x1), (y0, y1) = plot.viewRange()
        seen.append((round(x1, 6), round(y0, 6), round(y1, 6)))
    return seen


def changes(values: list) -> int:
    return sum(1 for a, b in itertools.pairwise(values) if a != b)


def test_the_loss_axes_move_only_at_round_numbers(qtbot) -> None:
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 300)
    seen = ranges_over_a_run(panel, panel.plot, 100)  # 1,000 steps
    x_ends = [s[0] for s in seen]
    # was every snapshot: 99; 21 with round numbers at most 1/3 apart, which left up to a
    # third of the plot empty; 39 with X_STEPS (at most 1/9 apart)
    assert changes(x_ends) <= 45
    assert changes([s[1:] for s in seen]) <= 15
    last = panel.history_length()
    assert last <= x_ends[-1] <= 1.2 * last  # the curve fills the width but its margins


def test_the_gradient_norm_axes_move_only_at_round_numbers(qtbot) -> None:
    panel = GradientPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 500)
    seen = ranges_over_a_run(panel, panel.norm_plot, 100)
    assert changes([s[0] for s in seen]) <= 45  # as the loss axis: round numbers 1/9 apart
    assert changes([s[1:] for s in seen]) <= 15


def test_a_wobbling_flow_curve_keeps_its_axis(qtbot) -> None:
    panel = GradientPanel()
    qtbot.addWidget(panel)
    snap = make_snapshot("rnn", T=20, H=4)
    rng = np.random.default_rng(0)
    ranges = []
    show = Feed(panel)
    for _ in range(50):  # the last-step signal wobbles over two decades from frame to frame
        last = np.logspace(-6, 0, 20) * 10.0 ** rng.uniform(-1.0, 1.0)
        show(replace(snap, flow_last=last.astype(np.float32)))
        panel.flow_plot.getViewBox().updateAutoRange()
        ranges.append(tuple(np.round(panel.flow_plot.viewRange()[1], 6)))
    assert changes(ranges) <= 5


def test_the_anchor_holds_the_data_inside_round_bounds(qtbot) -> None:
    import pyqtgraph as pg

    plot = pg.PlotItem()
    anchor = RangeAnchor(plot)
    anchor.update(132.0, np.array([0.8, 3.4, np.nan]))
    (x0, y0), (x1, y1) = anchor.points()
    assert (x0, x1) == (0.0, 140.0) and y0 <= 0.8 and y1 >= 3.4  # 140 > 132 x 1.02
    anchor.update(137.0, np.array([0.9, 3.3]))  # inside and not too loose: nothing moves
    assert anchor.points() == ((0.0, y0), (140.0, y1))
    anchor.update(151.0, np.array([0.9, 3.3]), log_y=True)
    (_, ly0), (lx1, ly1) = anchor.points()
    assert lx1 == 160.0 and (ly0, ly1) == (0.1, 10.0)  # decades, like the log ticks
    anchor.clear()
    assert anchor.points() is None
    assert round_up(0.0) == 0.0 and round_up(7.01) == 8.0 and round_up(8.01) == 10.0


def test_heatmaps_not_on_screen_are_not_drawn(qtbot) -> None:
    view = StateHeatmaps()
    qtbot.addWidget(view)
    view.resize(420, 420)  # room for h and one more
    view.show()
    stream = SnapshotStream("lstm", T=30, H=16)
    Feed(view)(stream.next())
    assert view.shown() == ("h", "c")
    snap = stream.next()
    Feed(view)(snap)
    for name, panel in view.panels.items():
        drawn = np.array_equal(panel.image.image, snap.probe_states[name].T)
        assert drawn == (name in view.shown()), name
    view.choose("f")  # shown from then on, with the newest trace at once
    assert view.shown() == ("h", "f")
    assert np.array_equal(view.panels["f"].image.image, snap.probe_states["f"].T)


def test_an_axis_keeps_its_width_when_its_labels_narrow(qtbot) -> None:
    """Each change of an axis' width lays its plot out and paints it anew: a plot blanked for a
    new run narrowed its left axis (labels "1", "10" after "1e-6"), and the new run's data
    widened it again. An axis keeps the room its widest labels took."""
    gradients, loss = GradientPanel(), LossPanel()
    for panel in (gradients, loss):
        qtbot.addWidget(panel)
        panel.resize(500, 500)
        panel.grab()
    cases = [
        (gradients.norm_plot, (-6.0, 1.0), (0.0, 1.0)),  # log: 1e-6 .. 10, then 1 .. 10
        (loss.plot, (0.0, 12000.0), (0.0, 1.0)),  # linear: 0 .. 12,000, then 0 .. 1
    ]

    def shown(plot, y: tuple[float, float]) -> float:
        """The left axis' width once ``y`` is painted and the plot laid out for it."""
        plot.setYRange(*y, padding=0.0)
        plot.getViewWidget().grab()  # the paint measures the labels, the layout follows
        QApplication.processEvents()
        plot.getViewWidget().grab()
        return plot.getAxis("left").width()

    for plot, wide, narrow in cases:
        width = shown(plot, wide)
        assert shown(plot, narrow) == width, (wide, narrow)  # was 32 px (log), 43 px (linear)
        assert shown(plot, wide) == width


def test_the_anchor_runs_at_most_a_ninth_ahead_of_the_data(qtbot) -> None:
    """Round numbers 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 left up to a third of a live plot
    over training empty (300 steps on an axis to 400); an exported plot fits exactly."""
    import pyqtgraph as pg

    plot = pg.PlotItem()
    anchor = RangeAnchor(plot)
    for x in np.unique(np.geomspace(1.0, 1e6, 2000).round()):
        anchor.update(float(x), np.array([1.0, 2.0]))
        right = anchor.points()[1][0]
        assert x < right <= 1.02 * x * 10 / 9 + 1e-9, (x, right)
    anchor.fit = True
    anchor.update(300.0, np.array([1.0, 2.0]))
    assert anchor.points()[1][0] == 300.0


def _sets(items: dict[str, object], monkeypatch) -> dict[str, int]:
    """Counts each item's setData calls."""
    counts = dict.fromkeys(items, 0)
    for name, item in items.items():
        real = item.setData

        def counted(*args, _name=name, _real=real, **kwargs):
            counts[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(item, "setData", counted)
    return counts


def test_markers_that_did_not_change_are_not_set_again(qtbot, monkeypatch) -> None:
    """Each new frame and history point set the ▼ of exact zeros, the clip events and the
    validation curve again, to the same numbers: pyqtgraph then rebuilds the points, ranges the
    view and repaints the plot. They are set only when their numbers change."""
    grads, loss = GradientPanel(), LossPanel()
    for panel in (grads, loss):
        qtbot.addWidget(panel)
        panel.resize(500, 400)
    stream = SnapshotStream("lstm", T=12, H=4, steps_per_snapshot=10, val_every=50)
    show_g, show_l = Feed(grads), Feed(loss)
    for _ in range(3):
        snap = stream.next(clipped=np.zeros(10, bool))
        show_g(snap)
        show_l(snap)
    markers = {f"zero {k}": m for k, m in grads.zero_marks.items()}
    markers |= {"clip points": grads.clip_points, "clip rate": grads.clip_rate}
    counts = _sets({**markers, "norms": grads.norm_curve, "val": loss.val_curve}, monkeypatch)
    for _ in range(4):  # new frames and steps: no zero, no clip event, no evaluation
        snap = stream.next(clipped=np.zeros(10, bool))
        show_g(snap)
        show_l(snap)
    assert counts == {**dict.fromkeys(markers, 0), "norms": 4, "val": 0}
    clipped = np.zeros(10, bool)
    clipped[3] = True
    show_g(stream.next(clipped=clipped))  # a clip event: its dot is drawn
    assert counts["clip points"] == 1
    x, _ = grads.clip_points.getOriginalDataset()
    assert len(x) == 1
