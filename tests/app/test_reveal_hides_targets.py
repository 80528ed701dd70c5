"""Predict-then-reveal hides the answer the class guesses: the target at the cursor's step t, in
every widget that would give it away (the frame view's read-out, the frame bar, the probe
strip's and the token axes' inputs after t when they are targets, the waveform's true curve),
for every task and cell; R shows it again, P off shows everything."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QLineEdit
from test_frame_dock import shown
from test_main_window import WAIT_MS, Confirm, tiny_run

from rnnviz.app import screenshot
from rnnviz.app.main_window import MainWindow
from rnnviz.app.reveal import HIDDEN_NOTE, HIDDEN_TOKEN, shifted
from rnnviz.app.widgets._common import visible_token
from rnnviz.presets import load_preset

TASKS = ("text", "binary-addition", "sine", "echo", "brackets")


def _run(task: str, cell: str):
    run = tiny_run() if task == "text" else load_preset(task)
    nonlinearity = run.model.nonlinearity if cell == "rnn" else "tanh"  # addition's: sigmoid
    model = dataclasses.replace(run.model, cell=cell, hidden=8, nonlinearity=nonlinearity)
    return dataclasses.replace(run, model=model)


def _window(qtbot, task: str, cell: str) -> MainWindow:
    w = MainWindow(_run(task, cell), confirm=Confirm())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    shown(w)
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    w.centralWidget().setFocus()
    return w


def _key(qtbot, w: MainWindow, key: Qt.Key) -> None:
    qtbot.keyClick(w, key)


def _go_to_scored_step(qtbot, w: MainWindow) -> int:
    """A step with a target (echo scores only its last one) and steps after it if it can."""
    preds = w.frame_dock.view.closeup.predictions
    if preds[2].target:
        _key(qtbot, w, Qt.Key.Key_Home)
        _key(qtbot, w, Qt.Key.Key_Right)
        _key(qtbot, w, Qt.Key.Key_Right)
    else:
        _key(qtbot, w, Qt.Key.Key_End)
    t = w.run_model.cursor.t
    assert preds[t].target and w.frame_dock.view.t == t
    return t


def _inputs(w: MainWindow) -> dict[str, tuple[str, ...]]:
    """The probe's inputs as each widget shows them."""
    heatmap = next(iter(w.heatmaps.panels.values()))
    return {
        "strip": w.frame_bar.strip.shown_tokens()[: len(w.run_model.frame.labels)],
        "heatmap axis": heatmap.axis.labels(),
        "gradient axis": w.gradients._flow_axis.labels(),
    }


def _final_cell(w: MainWindow) -> str:
    tokens = w.frame_bar.strip.shown_tokens()
    return tokens[-1] if w.frame_bar.strip.final_target() else ""


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("task", TASKS)
def test_the_target_is_hidden_until_revealed(qtbot, task: str, cell: str) -> None:
    w = _window(qtbot, task, cell)
    view = w.frame_dock.view
    frame = w.run_model.frame
    labels = tuple(visible_token(s) for s in frame.labels)
    T = len(labels)
    t = _go_to_scored_step(qtbot, w)
    p = view.closeup.predictions[t]
    target = visible_token(p.target)
    next_element = shifted(frame.labels, frame.targets)
    # before: everything shows the target
    assert f"target {target}" in w.frame_bar.readout_text()
    assert f"target <b>{target}</b>" in view.readout.text()

    _key(qtbot, w, Qt.Key.Key_P)
    assert view.reveal_mode and view.hidden()
    bar = w.frame_bar.readout_text()
    assert f"target {HIDDEN_TOKEN} {HIDDEN_NOTE}" in bar and f"target {target}" not in bar
    text = view.readout.text()
    assert f"target <b>{HIDDEN_TOKEN}</b>" in text and HIDDEN_NOTE in text
    assert f"target <b>{target}</b>" not in text
    assert "true" not in text and "sum so far" not in text  # sine's value, addition's bits
    if p.top:
        assert "top" not in text
    for where, shown_inputs in _inputs(w).items():
        if next_element:  # the inputs after t are the targets of t and later: hidden
            assert shown_inputs[: t + 1] == labels[: t + 1], where
            assert set(shown_inputs[t + 1 :]) <= {HIDDEN_TOKEN}, where
        else:  # the inputs give nothing away: shown
            assert shown_inputs == labels, where
    if _final_cell(w):
        assert _final_cell(w) == HIDDEN_TOKEN
    probe = w.controls.probe  # the probe's text in the controls: dots
    assert probe.echoMode() == QLineEdit.EchoMode.Password
    assert not set(probe.displayText()) & set(probe.text())
    if view.readout.wave.isVisible():  # the true curve stops before t
        y = np.asarray(view.readout.true_curve.yData)
        assert np.isfinite(y[:t]).all() and np.isnan(y[t:]).all()

    _key(qtbot, w, Qt.Key.Key_R)  # revealed: the target at t, and the input that is it
    assert not view.hidden()
    assert f"target {target}" in w.frame_bar.readout_text()
    assert f"target <b>{target}</b>" in view.readout.text()
    if next_element:
        for where, shown_inputs in _inputs(w).items():
            assert shown_inputs[: t + 2] == labels[: t + 2], where
            assert set(shown_inputs[t + 2 :]) <= {HIDDEN_TOKEN}, where  # not revealed yet
    if view.readout.wave.isVisible():
        y = np.asarray(view.readout.true_curve.yData)
        assert np.isfinite(y[: t + 1]).all() and np.isnan(y[t + 1 :]).all()

    if t + 1 < T and view.closeup.predictions[t + 1].target:  # the next step: hidden again
        _key(qtbot, w, Qt.Key.Key_Right)
        assert view.hidden() and f"target {HIDDEN_TOKEN}" in w.frame_bar.readout_text()
        _key(qtbot, w, Qt.Key.Key_Left)  # the revealed step stays revealed
        assert not view.hidden() and f"target {target}" in w.frame_bar.readout_text()

    _key(qtbot, w, Qt.Key.Key_P)  # off: everything shown
    assert not view.reveal_mode
    assert all(v == labels for v in _inputs(w).values())
    assert probe.echoMode() == QLineEdit.EchoMode.Normal
    if w.frame_bar.strip.final_target():
        assert _final_cell(w) == visible_token(w.frame_bar.strip.final_target())
    if view.readout.wave.isVisible():
        assert np.isfinite(np.asarray(view.readout.true_curve.yData)).all()


def test_screenshot_reveal_draws_the_hidden_state(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rnnviz screenshot --reveal``: the frame panel as a class sees it before R."""
    monkeypatch.setattr(screenshot, "load_run", lambda name: tiny_run())
    images = {}
    for extra in ([], ["--reveal"]):
        out = tmp_path / f"frame{len(extra)}.png"
        base = ["--preset", "tiny", "--steps", "0", "--panel", "frame", "--t", "2"]
        assert screenshot.cli([*base, "--out", str(out), "--size", "1920x1080", *extra]) == 0
        images[bool(extra)] = QImage(str(out))
    assert not images[True].isNull() and images[True] != images[False]
