"""What the rnnviz command prints: help that matches the README, --quiet, a closed pipe."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rnnviz.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
TEXT = "the cat sat on the mat. the dog sat on the log. " * 40


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def tiny(corpus: Path, *extra: str) -> list[str]:
    size = ["--hidden", "8", "--seq-len", "8", "--batch", "2"]
    return ["train", "--corpus", str(corpus), *size, *extra]


def _window_options() -> list[str]:
    from rnnviz.cliargs import window_parser

    return [s for a in window_parser()._actions for s in a.option_strings if s.startswith("--")]


def test_gui_help_names_the_subcommand_and_every_window_option(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["gui", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: rnnviz gui ")
    for option in ("--preset", "--checkpoint", "--run", "--big"):
        assert option in out
    assert main(["--help"]) == 0  # the top-level help says how to start the window, too
    out = capsys.readouterr().out
    for option in ("--preset", "--checkpoint", "--run", "--big"):
        assert option in out.split("gui", 1)[1], option


def _options(parser: argparse.ArgumentParser) -> dict[str, tuple[object, ...]]:
    """option -> what a user sees of it (help, metavar, default, what it excludes)."""
    excludes = {
        id(a): sorted(o for b in g._group_actions if b is not a for o in b.option_strings)
        for g in parser._mutually_exclusive_groups
        for a in g._group_actions
    }
    return {
        a.option_strings[-1]: (a.help, a.metavar, a.default, excludes.get(id(a), []))
        for a in parser._actions
        if a.option_strings and a.dest != "help"
    }


def test_every_command_that_opens_the_window_reads_the_same_window_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``rnnviz`` / ``rnnviz gui``, ``rnnviz screenshot`` and the top-level help: one definition."""
    from rnnviz.app import launcher, screenshot
    from rnnviz.cliargs import window_parser

    window = _options(window_parser())
    assert set(window) == {"--preset", "--checkpoint", "--run", "--big"}
    shot = _options(screenshot._parser())
    # the screenshot trains by itself (--steps): every other window option, as the window has it
    assert {k: shot.get(k) for k in window if k != "--run"} == {
        k: v for k, v in window.items() if k != "--run"
    }
    assert not hasattr(launcher, "_parser")  # launch() reads the window's parser
    assert main(["--help"]) == 0
    top = " ".join(capsys.readouterr().out.split())  # help lines wrap where the terminal ends
    usage = " ".join(window_parser().format_usage().split()[4:])  # usage: rnnviz gui [-h] ...
    assert f"gui the window, as with no command: {usage}" in top


def test_the_readme_documents_every_window_option() -> None:
    readme = README.read_text(encoding="utf-8")
    options = _window_options()
    assert {"--preset", "--checkpoint", "--run", "--big"} <= set(options)
    missing = [o for o in options if f"`{o}" not in readme and f" {o}" not in readme]
    assert missing == []
    assert "rnnviz gui --preset" in readme


def test_a_bad_window_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gui", "--no-such-option"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("rnnviz: error: gui: unrecognized arguments")
    assert main(["gui", "--preset", "echo", "--checkpoint", "x.npz"]) == 2
    assert "not allowed with" in capsys.readouterr().err


def test_quiet_training_says_only_where_the_checkpoint_went(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ckpt = tmp_path / "q.npz"
    assert main(tiny(corpus, "--steps", "3", "--save", str(ckpt), "--quiet")) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [f"checkpoint: {ckpt} (continue with --resume {ckpt})"]
    assert captured.err == ""
    assert main(tiny(corpus, "--steps", "2", "--quiet")) == 0  # nothing saved: nothing to say
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "")


def _closed_reader(
    args: list[str], cwd: Path, unbuffered: bool, lines: int = 0
) -> subprocess.CompletedProcess[str]:
    """Run ``rnnviz ARGS`` into a pipe whose reader goes away after ``lines`` lines (``| head``)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONUNBUFFERED", None)
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "rnnviz", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert proc.stdout is not None
    for _ in range(lines):
        assert proc.stdout.readline()
    proc.stdout.close()  # no reader left: the command's next write fails with EPIPE
    _, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


unix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGPIPE is a Unix convention")


@unix_only
@pytest.mark.parametrize("unbuffered", [False, True])
def test_a_closed_pipe_ends_the_command_quietly_like_other_unix_tools(
    corpus: Path, tmp_path: Path, unbuffered: bool
) -> None:
    ckpt = tmp_path / "p.npz"
    assert main(tiny(corpus, "--steps", "2", "--save", str(ckpt), "--quiet")) == 0
    for args in (["eval", str(ckpt)], ["sample", str(ckpt), "--length", "50"], ["presets"]):
        done = _closed_reader(args, tmp_path, unbuffered)
        assert (done.returncode, done.stderr) == (141, ""), args  # 128 + SIGPIPE, no message


@unix_only
@pytest.mark.parametrize("unbuffered", [False, True])
def test_training_into_a_closed_pipe_stops_and_saves(
    corpus: Path, tmp_path: Path, unbuffered: bool
) -> None:
    from rnnviz.train.trainer import Trainer

    ckpt = tmp_path / "t.npz"
    args = tiny(corpus, "--steps", "100000", "--sample-every", "2", "--save", str(ckpt))
    done = _closed_reader(args, tmp_path, unbuffered, lines=1)
    assert done.returncode == 141
    assert done.stderr.splitlines()[-1].startswith("rnnviz: output closed at step ")
    assert "Traceback" not in done.stderr and "Broken pipe" not in done.stderr
    assert 0 < Trainer.load(ckpt).step_count < 100000  # stopped at once, the weights kept


def test_the_top_level_help_names_every_export_format(capsys: pytest.CaptureFixture[str]) -> None:
    """The list of commands said export writes CSV only; it draws pictures and animations too."""
    from rnnviz.export_cli import FORMATS

    assert main(["--help"]) == 0
    line = " ".join(capsys.readouterr().out.split("export", 1)[1].split("units", 1)[0].split())
    for fmt in FORMATS:
        assert fmt in line, (fmt, line)
