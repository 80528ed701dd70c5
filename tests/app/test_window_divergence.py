"""A divergence in the window: good weights come back, the run goes on with new settings, and
Run, Step, Reset and Apply take every divergence indicator down."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from PyQt6.QtCore import Qt
from test_main_window import WAIT_MS, Confirm, step_of, tiny_run, wait_paused_and_settled

from rnnviz.app.main_window import MainWindow
from rnnviz.config import OptimConfig
from rnnviz.train.update import Update

WRECKING = OptimConfig(name="sgd", lr=10.0, clip_value=None, clip_norm=None)


def _window(qtbot) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=Confirm())
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)  # a laptop screen: the controls are shown
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


def _type(qtbot, field, text: str) -> None:
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _choose(combo, data: str) -> None:
    combo.setCurrentIndex(combo.findData(data))


def _diverge(qtbot, w: MainWindow) -> None:
    """Choose SGD with a rate that wrecks the weights (allowed: at most 10 for SGD) in the
    controls, and run until the window says "diverged"."""
    c = w.controls
    _choose(c.clip_mode, "none")
    _choose(c.optimizer, "sgd")
    _type(qtbot, c.lr.field, "10")
    assert c.problems() == []
    qtbot.waitUntil(lambda: w.trainer.run.optim == WRECKING, timeout=WAIT_MS)
    w.run()
    qtbot.waitUntil(lambda: w.status.state_name == "diverged", timeout=WAIT_MS)


def _indicators(w: MainWindow) -> list[str]:
    """Every place that still says the run diverged."""
    shown = []
    if "diverged" in w.banner.text().lower():
        shown.append("banner")
    if "diverged" in w.statusBar().currentMessage().lower():
        shown.append("status message")
    if w.status.state_name == "diverged" or w.status.state.text() == "Diverged":
        shown.append("pill")
    if w.controller is not None and w.controller.state == "diverged":
        shown.append("controller")
    return shown


def test_after_a_divergence_run_continues_from_the_good_weights_with_the_new_rate(
    qtbot,
) -> None:
    w = _window(qtbot)
    w.run()
    qtbot.waitUntil(lambda: step_of(w) >= 60, timeout=WAIT_MS)
    wait_paused_and_settled(qtbot, w)
    _diverge(qtbot, w)
    assert not w.is_running() and _indicators(w) == [
        "banner",
        "status message",
        "pill",
        "controller",
    ]
    t = w.trainer  # its thread waits while the run is diverged
    good = t.good_states.newest()
    assert good is not None and 0 < good.step <= step_of(w)
    np.testing.assert_array_equal(t.model.params, good.params)
    text = w.banner.text()
    assert text.startswith("Training diverged at step ") and "diverged. diverged" not in text
    assert f"restored the weights and optimiser state of step {good.step}" in text

    # The banner's advice, in the controls: lower the rate, enable norm clipping, press Run.
    _type(qtbot, w.controls.lr.field, "0.01")
    _choose(w.controls.clip_mode, "norm")
    _type(qtbot, w.controls.clip, "5")
    lowered = dataclasses.replace(WRECKING, lr=0.01, clip_norm=5.0)
    qtbot.waitUntil(lambda: t.run.optim == lowered, timeout=WAIT_MS)
    assert _indicators(w) == ["banner", "status message", "pill", "controller"]  # until Run
    start = t.step_count
    w.run()
    qtbot.waitUntil(lambda: step_of(w) >= start + 10, timeout=WAIT_MS)
    assert w.is_running() and _indicators(w) == [] and w.status.state_name == "running"
    status = w.last_status
    steps, losses = w.run_model.history.recent("loss")
    assert status is not None and status.lr == 0.01
    assert np.isfinite(losses[steps > start]).all() and (steps > start).sum() >= 10
    assert math.isfinite(w.trainer.history.avg_loss)
    assert w.trainer.history.avg_loss < 1.5 * w.trainer.rule.untrained

    # An update from before Run (drawn late) must not pause the run again.
    stale = dataclasses.replace(status, state="diverged", message="training diverged at step 1: x")
    w.session.deliver(Update(w.run_model.run_id, stale))
    qtbot.waitUntil(lambda: w.last_status is not status, timeout=WAIT_MS)
    assert w.is_running() and _indicators(w) == []


def test_step_and_reset_take_the_divergence_down(qtbot) -> None:
    w = _window(qtbot)
    _diverge(qtbot, w)
    _type(qtbot, w.controls.lr.field, "0.01")
    before = step_of(w)
    w.step_once()
    qtbot.waitUntil(lambda: step_of(w) == before + 1, timeout=WAIT_MS)
    assert _indicators(w) == [] and w.status.state_name == "paused" and not w.is_running()

    _diverge(qtbot, w)
    w.reset()
    qtbot.waitUntil(lambda: step_of(w) == 0 and w.status.state_name == "paused", timeout=WAIT_MS)
    assert _indicators(w) == [] and not w.is_running()
    _type(qtbot, w.controls.lr.field, "0.01")
    w.run()  # and the reset run trains
    qtbot.waitUntil(lambda: step_of(w) >= 5, timeout=WAIT_MS)
    assert _indicators(w) == []


def test_apply_takes_the_divergence_down(qtbot) -> None:
    w = _window(qtbot)
    _diverge(qtbot, w)
    run = w.controls.config()
    assert w.apply_config(run.replace(model=dataclasses.replace(run.model, hidden=6)))
    qtbot.waitUntil(lambda: w.trainer.run.model.hidden == 6, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    assert _indicators(w) == [] and w.status.state_name == "paused"


def test_the_status_loss_is_not_the_blown_up_loss_after_a_divergence(qtbot) -> None:
    """The status bar kept "loss 106.703" (the last step before the blow-up was caught) while
    the weights of an earlier step were back: it read as the loss of the weights shown."""
    from PyQt6.QtGui import QTextDocumentFragment

    w = _window(qtbot)
    drawn: list[float] = []
    w.frameDrawn.connect(lambda _status: drawn.append(w.run_model.last_loss or math.nan))

    def shown() -> str:
        return QTextDocumentFragment.fromHtml(w.status.loss.text()).toPlainText()

    _diverge(qtbot, w)
    blown = drawn[-1]  # the last loss recorded: weights that were then dropped
    assert blown > 1.5 * w.trainer.rule.untrained
    assert f"{blown:.3f}" not in shown() and shown().startswith("loss —")
    assert "back" in w.status.loss.toolTip()
    with qtbot.waitSignal(w.frameDrawn, timeout=WAIT_MS):
        paused = dataclasses.replace(w.last_status, state="paused")
        w.session.deliver(Update(w.run_model.run_id, paused))
    assert shown().startswith("loss —")  # a later update of the same step: still not shown

    _type(qtbot, w.controls.lr.field, "0.01")
    before = step_of(w)
    w.step_once()  # a step of the restored weights: its loss is theirs
    qtbot.waitUntil(lambda: step_of(w) == before + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: shown().startswith("loss ") and "—" not in shown(), timeout=WAIT_MS)
    assert f"{drawn[-1]:.3f}" in shown() and drawn[-1] < blown
