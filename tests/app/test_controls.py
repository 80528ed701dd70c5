"""The control panel alone: live settings emit at once, structural ones wait for Apply."""

from __future__ import annotations

import dataclasses

import pytest

from rnnviz.app.controls import ControlPanel
from rnnviz.config import OptimConfig, RunConfig, TaskConfig


@pytest.fixture
def panel(qtbot) -> ControlPanel:
    p = ControlPanel(
        presets=[("default", "the default"), ("char-rnn", "min-char-rnn")],
        tasks=["text", "binary-addition"],
        corpora=["pydoc", "tiny"],
    )
    qtbot.addWidget(p)
    p.set_config(RunConfig(task=TaskConfig(name="text", options={"corpus": "tiny"})))
    return p


def test_showing_a_config_leaves_nothing_pending(panel: ControlPanel) -> None:
    assert not panel.pending() and not panel.apply_button.isEnabled()
    assert panel.corpus.currentData() == "tiny"
    assert panel.config() == panel.applied()


def test_live_settings_emit_an_optim_config(qtbot, panel: ControlPanel) -> None:
    with qtbot.waitSignal(panel.optimChanged) as sig:
        panel.clip_mode.setCurrentIndex(panel.clip_mode.findData("norm"))
    cfg: OptimConfig = sig.args[0]
    assert cfg.clip_norm == pytest.approx(5.0) and cfg.clip_value is None
    with qtbot.waitSignal(panel.optimChanged) as sig:
        panel.lr.slider.setValue(-3 * 20)  # log10(lr) = -3
    assert sig.args[0].lr == pytest.approx(1e-3)
    assert panel.lr.value() == pytest.approx(1e-3)
    with qtbot.waitSignal(panel.optimChanged) as sig:
        panel.optimizer.setCurrentIndex(panel.optimizer.findData("rmsprop"))
    assert sig.args[0].name == "rmsprop" and sig.args[0].lr == pytest.approx(1e-3)
    assert not panel.pending()  # live settings never need a new network


def test_structural_edits_wait_for_apply(qtbot, panel: ControlPanel) -> None:
    panel.hidden.setValue(64)
    panel.corpus.setCurrentIndex(panel.corpus.findData("pydoc"))
    assert panel.pending() and panel.apply_button.isEnabled()
    with qtbot.waitSignal(panel.applyRequested) as sig:
        panel.apply_button.click()
    run: RunConfig = sig.args[0]
    assert run.model.hidden == 64 and run.task.options["corpus"] == "pydoc"
    panel.revert()
    assert not panel.pending() and panel.hidden.value() == panel.applied().model.hidden


def test_switching_cell_away_from_rnn_keeps_a_valid_nonlinearity(panel: ControlPanel) -> None:
    base = panel.applied()
    panel.set_config(
        base.replace(model=dataclasses.replace(base.model, cell="rnn", nonlinearity="sigmoid"))
    )
    panel.cell.setCurrentIndex(panel.cell.findData("gru"))
    panel.config().validate()
    assert panel.config().model.nonlinearity == "tanh"


def test_a_corpus_file_is_offered_by_name(panel: ControlPanel) -> None:
    panel.add_corpus("/home/me/notes.txt")
    assert panel.corpus.currentText() == "file: notes.txt"
    assert panel.config().task.options["corpus"] == "/home/me/notes.txt"


def test_preset_and_probe_signals(qtbot, panel: ControlPanel) -> None:
    with qtbot.waitSignal(panel.presetChosen) as sig:
        panel.preset.activated.emit(1)
    assert sig.args == ["char-rnn"]
    panel.probe.setText("the cat")
    with qtbot.waitSignal(panel.probeSubmitted) as sig:
        panel.probe_apply.click()
    assert sig.args == ["the cat"]
    panel.show_probe_error("probe: bad")
    assert panel.probe_error.text() == "probe: bad"
    panel.show_probe_error("")
    assert panel.probe_error.isHidden()
