"""A recording where a checkpoint is expected, and a checkpoint where a recording is: one line
naming what the file is and the command that opens it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rnnviz.cli import main


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.err, out.err
    return lines[0]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("kinds")
    ckpt, rec = folder / "echo.npz", folder / "echo.rnnrec"
    args = ["--preset", "echo", "--steps", "3", "--quiet"]
    assert main(["train", *args, "--hidden", "6", "--save", str(ckpt)]) == 0
    assert main(["record", *args, "--out", str(rec)]) == 0
    return ckpt, rec


def test_replay_of_a_checkpoint_says_how_to_open_it(
    qapp: object, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    ckpt, _ = files
    assert main(["replay", str(ckpt)]) == 2
    line = _err(capsys)
    assert "a checkpoint, not a recording" in line
    assert f"`rnnviz gui --checkpoint {ckpt}`" in line


@pytest.mark.parametrize(
    "command",
    [
        ["sample", "{}"],
        ["eval", "{}"],
        ["train", "--resume", "{}", "--steps", "1"],
        ["units", "{}", "--feature", "stored-A"],
        ["gui", "--checkpoint", "{}"],
    ],
)
def test_a_recording_where_a_checkpoint_is_expected_says_how_to_replay_it(
    qapp: object, files: tuple[Path, Path], capsys: pytest.CaptureFixture[str], command: list
) -> None:
    _, rec = files
    assert main([word.format(rec) for word in command]) == 2
    line = _err(capsys)
    assert "a recording, not a checkpoint" in line and f"`rnnviz replay {rec}`" in line


def test_replay_checks_the_file_and_the_display_before_qt(
    files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a display Qt aborts the process with a paragraph ("Aborted (core dumped)"):
    ``rnnviz replay`` says why in one line, as ``rnnviz gui`` does, and a wrong file is named
    before that."""
    import sys

    from rnnviz.app import application

    def no_window(*_: object, **__: object) -> None:
        raise AssertionError("Qt started without a display")

    monkeypatch.setattr(application, "make_app", no_window)
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    ckpt, rec = files
    assert main(["replay", str(ckpt)]) == 2
    assert f"`rnnviz gui --checkpoint {ckpt}`" in _err(capsys)
    assert main(["replay", str(rec)]) == 2
    assert "no display to open a window on" in _err(capsys)
