"""``rnnviz screenshot``: a PNG of the window after N steps, without a display."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest
from PyQt6.QtGui import QImage
from test_main_window import tiny_run

from rnnviz.app import screenshot


def test_screenshot_writes_a_png_of_the_requested_size(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(screenshot, "load_run", lambda name: tiny_run())
    out = tmp_path / "window.png"
    code = screenshot.cli(
        ["--preset", "tiny", "--steps", "4", "--out", str(out), "--size", "1280x800"]
    )
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 800)
    assert "step 4" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "picture.jpg"], "must end in .png"),
        (["--out", "/no/such/folder/x.png"], "does not exist"),
        (["--out", "x.png", "--steps", "-1"], "--steps"),
    ],
)
def test_screenshot_user_errors_exit_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert screenshot.cli(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnviz: error:") and message in err


def test_screenshot_unknown_preset_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("rnnviz.presets")
    code = screenshot.cli(["--preset", "no-such-preset", "--out", str(tmp_path / "x.png")])
    assert code == 2
    assert "no-such-preset" in capsys.readouterr().err


def test_screenshot_of_a_checkpoint_shows_the_saved_run_as_it_is(
    qtbot, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rnnviz.train.trainer import Trainer

    trainer = Trainer(tiny_run())
    for _ in range(3):
        trainer.step()
    ckpt = trainer.save(tmp_path / "run.npz")
    out = tmp_path / "saved.png"
    assert screenshot.cli(["--checkpoint", str(ckpt), "--out", str(out), "--size", "1024x768"]) == 0
    assert QImage(str(out)).width() == 1024
    assert "step 3)" in capsys.readouterr().out  # no training steps unless --steps asks
    assert screenshot.cli(["--checkpoint", str(ckpt), "--out", str(out), "--steps", "2"]) == 0
    assert "step 5)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.png", "--bogus"], "rnnviz: error: screenshot: unrecognized arguments"),
        (["--out", "x.png", "--preset", "echo", "--checkpoint", "x.npz"], "not allowed with"),
        (["--out", "x.png", "--run"], "unrecognized arguments: --run"),
        (["--out", "x.png", "--size", "big"], "write WIDTHxHEIGHT"),
        (["--out", "x.png", "--checkpoint", "x.npz", "--cell", "gru"], "--cell applies to a"),
    ],
)
def test_a_bad_screenshot_command_line_is_one_line(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert screenshot.cli(args) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnviz: error:") and message in err[0]
    assert captured.out == ""


@pytest.mark.parametrize(
    "args",
    [
        ["--panel", "window"],
        ["--panel", "unit"],  # the inspector opens: the right column turns to tabs
        ["--panel", "unit", "--unit", "999"],  # refused after the window was built
    ],
)
def test_the_command_frees_its_window_before_it_returns(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    """Nothing of the window is left for PyQt's clean-up at interpreter exit, where deleting it
    segfaulted now and then (:func:`rnnviz.app.application.release_windows`): the command
    frees it itself. Automatic collection is off during the command, so only the command's
    own release can free the window (a name for one of its widgets still held then kept it
    alive: ``--panel unit`` left the whole window to the exit clean-up)."""
    from rnnviz.app.main_window import MainWindow

    monkeypatch.setattr(screenshot, "load_run", lambda name: tiny_run())
    shown: list[weakref.ref[MainWindow]] = []
    show = MainWindow.show

    def note_and_show(self: MainWindow) -> None:
        shown.append(weakref.ref(self))
        show(self)

    monkeypatch.setattr(MainWindow, "show", note_and_show)
    out = tmp_path / "shot.png"
    gc.collect()
    gc.disable()
    try:
        code = screenshot.cli(["--preset", "tiny", "--steps", "2", "--out", str(out), *args])
    finally:
        gc.enable()
    assert code == (2 if "999" in args else 0)
    assert len(shown) == 1
    assert shown[0]() is None, "the window outlived the command"
