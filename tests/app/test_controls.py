"""The control panel alone: live settings emit at once, structural ones wait for Apply."""

from __future__ import annotations

import dataclasses

import pytest
from PyQt6.QtCore import Qt

from rnnviz.app.controls import ControlPanel
from rnnviz.config import LIMITS, OptimConfig, RunConfig, TaskConfig, lr_limit
from rnnviz.core.registry import CELLS, check_cell


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
    panel.hidden.selectAll()
    qtbot.keyClicks(panel.hidden, "64")
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
    check_cell(panel.config().model)  # the cell takes the nonlinearity (ConfigError if not)
    assert panel.config().model.nonlinearity == "tanh"


def test_the_cell_list_is_the_registry(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from rnnviz.core.lstm import LSTMCell

    class WideLSTM(LSTMCell):  # a cell registered by one line shows up in the window's list
        name, title = "wide-lstm", "Wide LSTM"

    monkeypatch.setitem(CELLS, WideLSTM.name, WideLSTM)
    p = ControlPanel(presets=[("default", "")], tasks=["text"], corpora=["tiny"])
    qtbot.addWidget(p)
    items = [(p.cell.itemData(i), p.cell.itemText(i)) for i in range(p.cell.count())]
    assert items == [(name, cls.title) for name, cls in CELLS.items()]
    assert items[:3] == [("rnn", "Vanilla RNN"), ("lstm", "LSTM"), ("gru", "GRU")]
    assert items[-1] == ("wide-lstm", "Wide LSTM")


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


def _type(qtbot, field, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_a_learning_rate_of_1000_is_refused_visibly_and_never_sent(
    qtbot, panel: ControlPanel
) -> None:
    sent: list[OptimConfig] = []
    panel.optimChanged.connect(sent.append)
    _type(qtbot, panel.lr.field, "1000")
    assert sent == [] and panel.lr.value() == 0.01 and panel.optim().lr == 0.01
    assert panel.lr.field.text() == "1000"  # not capped at some maximum
    assert "between 1e-08 and 1 " in panel.lr.error.text() and panel.lr.error.isVisibleTo(panel)
    assert panel.problems() == [f"Learning rate: {panel.lr.problem()}"]
    assert not panel.apply_button.isEnabled()
    _type(qtbot, panel.lr.field, "0.003")
    assert [c.lr for c in sent] == [0.003] and panel.problems() == []


@pytest.mark.parametrize(
    ("name", "text", "reason"),
    [
        ("hidden", "5000", "between 1 and 4096"),
        ("seq_len", "0", "between 1 and 10000"),
        ("batch", "99999", "between 1 and 4096"),
        ("seed", "-1", "between 0 and"),
        ("clip", "0", "between 1e-06 and 1e+06"),
    ],
)
def test_every_number_field_refuses_out_of_range_values(
    qtbot, panel: ControlPanel, name: str, text: str, reason: str
) -> None:
    panel.clip_mode.setCurrentIndex(panel.clip_mode.findData("norm"))
    before, field = panel.config(), getattr(panel, name)
    sent: list[object] = []
    panel.optimChanged.connect(sent.append)
    panel.applyRequested.connect(sent.append)
    _type(qtbot, field, text)
    panel.apply_button.click()
    assert field.text() == text and reason in field.problem()
    assert field.error.isVisibleTo(panel) and "Refused" in field.toolTip()
    assert sent == [] and panel.config() == before and not panel.apply_button.isEnabled()
    assert "refused" in panel.pending_hint.text()


def test_momentum_is_an_sgd_setting_with_its_own_limit(qtbot, panel: ControlPanel) -> None:
    assert not panel.momentum.isEnabled()
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    assert panel.momentum.isEnabled()
    sent: list[OptimConfig] = []
    panel.optimChanged.connect(sent.append)
    _type(qtbot, panel.momentum, "1.5")
    assert sent == [] and "between 0 and 0.999" in panel.momentum.problem()
    _type(qtbot, panel.momentum, "0.9")
    assert sent[-1].name == "sgd" and sent[-1].momentum == 0.9


def test_switching_optimiser_rechecks_the_learning_rate(qtbot, panel: ControlPanel) -> None:
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("sgd"))
    sent: list[OptimConfig] = []
    panel.optimChanged.connect(sent.append)
    _type(qtbot, panel.lr.field, "5")
    assert sent[-1].name == "sgd" and sent[-1].lr == 5.0  # allowed for SGD
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adam"))
    assert sent[-1].name == "sgd"  # Adam with 5 is never sent
    assert panel.lr.field.text() == "5" and "and 1 (Adam" in panel.lr.problem()
    assert panel.lr.slider.maximum() == 0  # the slider offers Adam's rates only: up to 1
    _type(qtbot, panel.lr.field, "0.002")
    assert sent[-1].name == "adam" and sent[-1].lr == 0.002


def test_limits_come_from_the_configuration(panel: ControlPanel) -> None:
    assert panel.hidden.limit() is LIMITS["model.hidden"]
    assert panel.seq_len.limit() is LIMITS["train.seq_len"]
    assert panel.batch.limit() is LIMITS["train.batch"]
    assert panel.seed.limit() is LIMITS["train.seed"]
    assert panel.momentum.limit() is LIMITS["optim.momentum"]
    assert panel.clip.limit() == LIMITS["optim.clip_norm"] == LIMITS["optim.clip_value"]
    assert panel.lr.field.limit() == lr_limit("adam")


def test_a_checkpoints_large_seed_and_small_rate_are_shown_as_they_are(
    panel: ControlPanel,
) -> None:
    base = panel.applied()
    run = base.replace(
        train=dataclasses.replace(base.train, seed=5_000_000_000),
        optim=dataclasses.replace(base.optim, lr=2e-7),
    )
    panel.set_config(run)
    assert panel.seed.text() == "5000000000" and panel.lr.field.text() == "2e-07"
    assert panel.config() == run and not panel.pending()
