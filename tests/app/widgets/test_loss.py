"""LossPanel: raw + smoothed loss over steps or tokens, validation points, long histories."""

from __future__ import annotations

import numpy as np
import pytest
from snapshots import Feed, SnapshotStream, make_snapshot, replace

from rnnviz.app.widgets.loss import LossPanel


@pytest.fixture
def panel(qtbot):
    w = LossPanel()
    qtbot.addWidget(w)
    w.resize(640, 400)
    return w


@pytest.fixture
def show(panel):
    """Shows snapshots in the panel through a RunModel, as the window does."""
    return Feed(panel)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_accumulates_every_loss(panel, show, cell):
    stream = SnapshotStream(cell, T=5, H=3, val_every=2)
    snaps = [stream.next(n_steps=n) for n in (4, 9, 1, 6)]
    for s in snaps:
        show(s)
    x, y = panel.raw_curve.getData()
    np.testing.assert_array_equal(x, np.arange(1, 21))
    np.testing.assert_allclose(y, np.concatenate([s.losses for s in snaps]))
    assert len(panel.smooth_curve.getData()[0]) == 20
    vx, vy = panel.val_curve.getData()
    assert list(vx) == [snaps[1].step, snaps[3].step]
    assert list(vy) == [snaps[1].val_loss, snaps[3].val_loss]


def test_smoothing_independent_of_snapshot_boundaries(qtbot):
    a, b = LossPanel(), LossPanel()
    qtbot.addWidget(a)
    qtbot.addWidget(b)
    show_a, show_b = Feed(a, smoothing=0.9), Feed(b, smoothing=0.9)
    whole = SnapshotStream("rnn", seed=3, tokens_per_step=10).next(n_steps=50)
    show_a(whole)
    for k in range(0, 50, 5):  # the same 50 losses delivered in 10 snapshots
        part = slice(k, k + 5)
        show_b(
            replace(
                whole,
                step=k + 5,
                tokens_seen=(k + 5) * 10,
                loss_steps=whole.loss_steps[part],
                losses=whole.losses[part],
                grad_norms=whole.grad_norms[part],
                clipped=whole.clipped[part],
            )
        )
    np.testing.assert_allclose(a.smoothed(), b.smoothed())
    np.testing.assert_allclose(a.raw_curve.getData()[0], b.raw_curve.getData()[0])
    b.set_x_axis("tokens")
    np.testing.assert_allclose(b.raw_curve.getData()[0], np.arange(1, 51) * 10.0)
    raw = whole.losses
    assert a.smoothed()[0] == pytest.approx(raw[0])  # bias-corrected start
    ema, k = 0.0, 0
    for x in raw:
        ema, k = 0.9 * ema + 0.1 * x, k + 1
    assert a.smoothed()[-1] == pytest.approx(ema / (1 - 0.9**k))


def test_nan_loss_does_not_poison_smoothing(panel, show):
    snap = make_snapshot("rnn")
    losses = snap.losses.copy()
    losses[3] = np.nan
    show(replace(snap, losses=losses))
    assert np.isfinite(panel.smoothed()).all()


def test_tokens_axis_and_log_toggle(panel, show):
    stream = SnapshotStream("lstm", tokens_per_step=100)
    show(stream.next(n_steps=10))
    panel.set_x_axis("tokens")
    assert panel.tokens_button.isChecked()
    x, _ = panel.raw_curve.getData()
    np.testing.assert_allclose(x, np.arange(1, 11) * 100.0)
    assert "tokens" in panel.plot.getAxis("bottom").labelText
    panel.steps_button.setChecked(True)  # the radio button drives the same switch
    assert panel.x_axis() == "steps"
    panel.log_box.setChecked(True)
    assert panel.log_y() and panel.plot.getAxis("left").logMode
    panel.set_log_y(False)
    assert not panel.log_box.isChecked()
    with pytest.raises(ValueError):
        panel.set_x_axis("epochs")


def test_million_points_stay_downsampled(panel, show):
    n = 1_000_000
    stream = SnapshotStream("rnn", T=4, H=2)
    for _ in range(4):
        show(stream.next(n_steps=n // 4))
    panel.set_log_y(True)
    panel.grab()
    history = show.model.history
    assert history.count == n and history.last_step == n  # every step is in the history
    opts = panel.raw_curve.opts
    assert opts["autoDownsample"] and opts["clipToView"] and opts["downsampleMethod"] == "peak"
    # bounded: recent steps exactly, older ones in buckets, not one point per step
    assert panel.history_length() <= 2 * history.window + history.max_buckets
    x, _ = panel.raw_curve.getOriginalDataset()
    assert x[0] < 1000 and x[-1] == n  # ... over the whole run
    drawn = panel.raw_curve.curve.getData()[0]
    assert len(drawn) < 20_000  # what is drawn is reduced to about the pixel width


def test_reset_and_clear(panel, show):
    stream = SnapshotStream("gru")
    for _ in range(3):
        show(stream.next())
    assert panel.history_length() == 30
    show(SnapshotStream("gru").next(), run_id="reset")  # a reset run starts at step 1 again
    assert panel.history_length() == 10
    panel.clear()
    assert panel.history_length() == 0
    x, _ = panel.val_curve.getData()
    assert x is None or len(x) == 0


def test_loss_label_is_set_per_run(panel):
    panel.set_loss_label("loss (MSE)", "mean squared error")
    axis = panel.plot.getAxis("left")
    assert panel.loss_label() == "loss (MSE)"
    assert "loss (MSE)" in axis.labelText and "nats" not in axis.labelText
    assert "mean squared error" in panel.header.toolTip()
    assert axis.autoSIPrefix is False  # small MSE values must not get a "(x0.001)" suffix


def test_validation_named_train_text_when_nothing_was_held_out(panel, show):
    stream = SnapshotStream("lstm")
    show(stream.next(metrics={"val_loss": 1.2, "held_out": 1.0}))
    assert panel.validation_name() == "validation"
    show(stream.next(metrics={"val_loss": 1.2, "held_out": 0.0}))
    assert "train-text loss (file too short" in panel.header.text()


def test_validation_legend_appears_with_the_first_validation_point(panel, show):
    stream = SnapshotStream("lstm", val_every=10**9)  # no validation loss in these snapshots
    show(replace(stream.next(), val_loss=None))
    assert panel.validation_name() == ""
    assert "validation" not in panel.header.text()
    show(replace(stream.next(), val_loss=1.5))
    assert panel.validation_name() == "validation"
    assert "validation" in panel.header.text()
    panel.clear()
    assert "validation" not in panel.header.text()


def test_a_fresh_run_starts_with_fresh_ranges(qtbot):
    """After Reset or a preset switch the loss plot kept x 0-30,000 on a fresh run."""
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(500, 300)
    show = Feed(panel)
    stream = SnapshotStream("lstm", T=6, H=3, steps_per_snapshot=3000)
    for _ in range(10):
        show(stream.next())
    panel.grab()
    assert panel.plot.viewRange()[0][1] > 29_000
    panel.plot.getViewBox().scaleBy(x=0.5)  # the user zoomed in: autorange is off
    panel.clear()
    panel.grab()
    lo, hi = panel.plot.viewRange()[0]
    assert lo >= -1.0 and hi <= 11.0
    fresh = SnapshotStream("lstm", T=6, H=3, steps_per_snapshot=12, val_every=1)
    show(fresh.next(), run_id="fresh")
    panel.grab()
    lo, hi = panel.plot.viewRange()[0]
    assert lo >= -1.0 and hi <= 16.0  # 12 steps: the axis ends at the round 15
    y_lo, y_hi = panel.plot.viewRange()[1]
    assert y_lo > 0.5 and y_hi < 10  # around the new losses, not the old view
