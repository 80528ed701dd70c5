"""The controls' Preset row names the preset the run on screen is, or says it is none of them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from test_main_window import WAIT_MS, Confirm, step_of

from rnnviz.app.controls import CUSTOM_PRESET
from rnnviz.app.main_window import MainWindow
from rnnviz.presets import load_preset, preset_of
from rnnviz.train.trainer import Trainer


def _window(qtbot, preset: str) -> MainWindow:
    w = MainWindow(load_preset(preset), preset=preset, confirm=Confirm())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


def _checkpoint(tmp_path: Path, run, name: str) -> str:
    path = tmp_path / f"{name}.npz"
    Trainer(run).save(path)
    return str(path)


def test_preset_of_names_a_preset_only_for_its_exact_settings() -> None:
    run = load_preset("echo")
    assert preset_of(run) == "echo"
    changed = dataclasses.replace(run, model=dataclasses.replace(run.model, hidden=7))
    assert preset_of(changed) is None


def test_a_checkpoint_of_another_preset_shows_that_preset(qtbot, tmp_path: Path) -> None:
    w = _window(qtbot, "binary-addition")
    assert w.controls.preset.currentData() == "binary-addition"
    w.load_checkpoint(_checkpoint(tmp_path, load_preset("echo"), "echo"))
    qtbot.waitUntil(lambda: w.trainer.run.task.name == "echo", timeout=WAIT_MS)
    assert w.controls.preset.currentData() == "echo"  # was: still "binary-addition"
    assert w.controls.task.currentData() == "echo"


def test_a_checkpoint_of_changed_settings_names_no_preset(qtbot, tmp_path: Path) -> None:
    w = _window(qtbot, "binary-addition")
    run = load_preset("binary-addition")
    run = dataclasses.replace(run, model=dataclasses.replace(run.model, hidden=5))
    w.load_checkpoint(_checkpoint(tmp_path, run, "five-units"))
    qtbot.waitUntil(lambda: w.trainer.run.model.hidden == 5, timeout=WAIT_MS)
    assert w.controls.preset.currentText() == CUSTOM_PRESET  # was: "binary-addition"
    assert w.controls.preset.currentData() == ""


def test_a_declined_preset_is_not_left_in_the_box(qtbot) -> None:
    w = _window(qtbot, "binary-addition")
    w.step_once()
    qtbot.waitUntil(lambda: step_of(w) == 1, timeout=WAIT_MS)
    w.confirm.answer = False
    w.controls.preset.setCurrentIndex(w.controls.preset.findData("echo"))  # the user's pick
    assert not w.load_preset("echo")
    assert w.controls.preset.currentData() == "binary-addition"  # was: "echo"
    assert w.trainer.run.task.name == "binary-addition"
