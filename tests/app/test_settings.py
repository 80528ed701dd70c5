"""The window remembers its geometry, dock layout and run between launches; bad memories are
dropped quietly; the command line wins; View > Restore default layout and settings.

Each test has a settings folder of its own (conftest.own_settings): nothing here reads or
writes the user's settings.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from PyQt6.QtCore import QByteArray, QRect, QSettings, Qt
from test_main_window import WAIT_MS, Confirm, step_of, tiny_run

from rnnviz.app.launcher import first_window as gui_window
from rnnviz.app.main_window import MainWindow
from rnnviz.app.settings import GEOMETRY, PRESET, RUN, Settings, on_screen, store
from rnnviz.config import TaskConfig
from rnnviz.presets import load_preset


def args(preset: str | None = None, checkpoint: str | None = None) -> argparse.Namespace:
    return argparse.Namespace(preset=preset, checkpoint=checkpoint, run=False, big=False)


def opened(qtbot, window: MainWindow) -> MainWindow:
    qtbot.addWidget(window)
    window.confirm = Confirm()
    return window


def first_window(qtbot, a: argparse.Namespace | None = None) -> MainWindow:
    """What `rnnviz gui` opens (run, geometry and docks), without starting an event loop."""
    settings = Settings()
    w = opened(qtbot, gui_window(a or args(), settings))
    settings.restore_window(w)
    return w


REMEMBERED = QRect(20, 30, 700, 520)  # within the offscreen screen, unlike the default size


def same_place(a: QRect, b: QRect) -> bool:
    """Same top and height: Qt fits a restored window's width to the screen (the offscreen one
    is narrower than the window's minimum width)."""
    return (a.top(), a.height()) == (b.top(), b.height())


def close_and_remember(qtbot, run=None, preset=None, geometry: QRect = REMEMBERED) -> QRect:
    """Open a window (remembering), move its controls to the right, close it: its geometry."""
    w = opened(qtbot, MainWindow(run or tiny_run("gru", 12), preset=preset, remember=True))
    w.setGeometry(geometry)
    w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, w.controls_dock)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    closed_at = w.geometry()
    w.close()
    return closed_at


def test_the_settings_live_in_the_tests_own_folder(own_settings: Path) -> None:
    assert Path(store().fileName()).is_relative_to(own_settings)
    assert store().format() == QSettings.Format.IniFormat


def test_the_window_comes_back_as_it_was_closed(qtbot) -> None:
    default = _default_run_and_size(qtbot)
    closed_at = close_and_remember(qtbot)
    assert closed_at.height() != default[1][1]
    w = first_window(qtbot)
    assert w.trainer.run.model.cell == "gru" and w.trainer.run.model.hidden == 12
    assert w.controls.applied().model.cell == "gru"
    assert same_place(w.geometry(), closed_at)
    assert w.dockWidgetArea(w.controls_dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_the_last_preset_is_remembered_with_its_name(qtbot) -> None:
    close_and_remember(qtbot, load_preset("echo"), "echo")
    w = first_window(qtbot)
    assert w.controls.preset.currentData() == "echo"
    assert w.trainer.run.task.name == "echo"


def test_the_command_line_overrides_the_remembered_run(qtbot) -> None:
    closed_at = close_and_remember(qtbot)
    w = first_window(qtbot, args(preset="brackets"))
    assert w.trainer.run.task.name == "brackets"
    assert same_place(w.geometry(), closed_at)  # the layout still comes back


def _default_run_and_size(qtbot) -> tuple[str, tuple[int, int]]:
    w = first_window(qtbot)
    return w.trainer.run.task.name, (w.width(), w.height())


@pytest.mark.parametrize(
    "spoil",
    [
        "preset gone",
        "corpus gone",
        "run not json",
        "run invalid",
        "geometry off screen",
        "geometry not bytes",
    ],
)
def test_remembered_values_that_cannot_be_used_are_dropped(
    qtbot, tmp_path: Path, spoil: str
) -> None:
    default = _default_run_and_size(qtbot)
    corpus = tmp_path / "notes"
    corpus.write_text("some notes to train on, " * 50, encoding="utf-8")
    run = tiny_run().replace(task=TaskConfig(name="text", options={"corpus": str(corpus)}))
    closed_at = close_and_remember(qtbot, run, geometry=QRect(60, 60, 600, 450))
    q = store()
    if spoil == "preset gone":
        q.setValue(PRESET, "a-preset-that-was-removed")
    elif spoil == "corpus gone":
        os.remove(corpus)
    elif spoil == "run not json":
        q.setValue(RUN, "{not json")
    elif spoil == "run invalid":
        q.setValue(RUN, json.dumps({"model": {"hidden": -3}}))
    elif spoil == "geometry off screen":  # e.g. closed on a second monitor, now unplugged
        w = opened(qtbot, MainWindow(tiny_run()))
        w.setGeometry(QRect(50_000, 50_000, 700, 500))
        w.show()
        Settings().save_window(w)
    else:
        q.setValue(GEOMETRY, "not a geometry")
    q.sync()
    w = first_window(qtbot)
    assert on_screen(w.frameGeometry())
    if spoil.startswith("geometry"):
        assert w.trainer.run.task.options["corpus"] == str(corpus)  # the rest still comes back
        assert (w.width(), w.height()) == default[1]
        assert not same_place(w.geometry(), closed_at)
    else:
        assert w.trainer.run.task.name == default[0] == "text"
        assert w.trainer.run == load_preset("default").replace(model=w.trainer.run.model)
        assert same_place(w.geometry(), closed_at)  # the geometry still comes back


@pytest.mark.parametrize(
    "garbage", [b"\x00\xff\xfe garbage \x80\x81", b"[window]\ngeometry=@ByteArray(\x01"]
)
def test_a_corrupt_settings_file_never_stops_the_window(qtbot, garbage: bytes) -> None:
    default = _default_run_and_size(qtbot)
    path = Path(store().fileName())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(garbage + bytes(range(256)))
    assert _default_run_and_size(qtbot) == default


def test_restore_defaults_brings_back_the_default_layout_and_preset(qtbot) -> None:
    fresh = opened(qtbot, MainWindow(tiny_run(), start_worker=False))  # the default layout
    close_and_remember(qtbot, geometry=QRect(30, 30, 640, 480))
    w = first_window(qtbot)
    w.show()
    assert w.dockWidgetArea(w.controls_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    w.controls_dock.setVisible(fresh.controls_dock.isHidden())  # the other way round
    assert w.restore_defaults()
    default = load_preset("default")
    qtbot.waitUntil(lambda: w.trainer.run.model.cell == default.model.cell, timeout=WAIT_MS)
    assert w.controls.preset.currentData() == "default"
    assert w.dockWidgetArea(w.controls_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert w.controls_dock.isHidden() == fresh.controls_dock.isHidden()
    if fresh.start_maximized:  # a small screen (the offscreen one): maximised, as at launch
        assert w.isMaximized()
    else:
        assert w.size() == fresh.size()
    assert Settings().last_run() is None and Settings().text(GEOMETRY) is None
    assert "Restore default layout and settings" in [
        a.text() for a in w.menuBar().actions()[2].menu().actions()
    ]


def test_restore_defaults_asks_before_discarding_trained_weights(qtbot) -> None:
    w = opened(qtbot, MainWindow(tiny_run("gru"), remember=True))
    w.show()
    w.confirm = Confirm(answer=False)
    w.step_once()
    qtbot.waitUntil(lambda: step_of(w) == 1, timeout=WAIT_MS)
    assert not w.restore_defaults()
    assert w.confirm.asked and w.trainer.run.model.cell == "gru"


def test_settings_read_back_only_what_they_wrote() -> None:
    s = Settings()
    s.set("x/list", ["a", "b"])
    assert s.texts("x/list") == ["a", "b"]
    s.set("x/list", "not a list")
    assert s.texts("x/list") == []
    s.set("x/bytes", QByteArray(b"\x01\x02"))
    assert s.text("x/bytes") is None
