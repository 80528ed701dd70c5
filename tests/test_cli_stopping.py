"""Stopping `rnnviz train`: Ctrl-C, SIGTERM and SIGHUP save and exit; twice quits cleanly.

In-process tests send the signal from inside a training step (deterministic: the handler runs
right after os.kill returns); the subprocess tests wait for the progress output to show a step
before signalling, never for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from rnnviz.cli import main
from rnnviz.train.checkpoint import read_checkpoint
from rnnviz.train.trainer import Trainer

TEXT = "the cat sat on the mat. the dog sat on the log. " * 40
_TRAINER_STEP = Trainer.step
STOPS = [s for s in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, s)]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def tiny(corpus: Path, *extra: str) -> list[str]:
    return ["train", "--corpus", str(corpus), "--hidden", "10", "--seq-len", "8", "--batch", "2",
            "--sample-length", "15", *extra]  # fmt: skip


def _signal_at(monkeypatch: pytest.MonkeyPatch, step: int, *signums: int) -> None:
    """After training step ``step`` completes, send ``signums`` to this process in turn."""
    original = _TRAINER_STEP

    def step_then_signal(self: Trainer) -> object:
        result = original(self)
        if self.step_count == step:
            for s in signums:
                os.kill(os.getpid(), s)
        return result

    monkeypatch.setattr(Trainer, "step", step_then_signal)


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", STOPS)
def test_each_stop_signal_saves_and_exits(
    name: str,
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signum = getattr(signal, name)
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    _signal_at(monkeypatch, 3, signum)
    ckpt = tmp_path / "run.npz"
    assert main(tiny(corpus, "--save", str(ckpt), "--quiet")) == 128 + signum
    err = capsys.readouterr().err
    said = "interrupted" if name == "SIGINT" else f"stopped by {name}"
    assert f"rnnviz: {said} at step 3" in err and "Traceback" not in err
    assert read_checkpoint(ckpt).meta["step"] == 3
    assert {s: signal.getsignal(s) for s in before} == before  # handlers given back


def test_without_save_interrupted_runs_are_numbered_not_overwritten(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _signal_at(monkeypatch, 2, signal.SIGINT)
    assert main(tiny(corpus, "--quiet")) == 130
    assert "checkpoint: rnnviz-interrupted.npz" in capsys.readouterr().out
    first = (tmp_path / "rnnviz-interrupted.npz").read_bytes()
    _signal_at(monkeypatch, 4, signal.SIGTERM)
    assert main(tiny(corpus, "--quiet")) == 128 + signal.SIGTERM
    assert "checkpoint: rnnviz-interrupted-2.npz" in capsys.readouterr().out
    assert (tmp_path / "rnnviz-interrupted.npz").read_bytes() == first
    assert read_checkpoint(tmp_path / "rnnviz-interrupted-2.npz").meta["step"] == 4


@pytest.fixture
def saved_run(corpus: Path, tmp_path: Path) -> tuple[Path, bytes]:
    """A checkpoint of two steps, and its bytes."""
    ckpt = tmp_path / "run.npz"
    assert main(tiny(corpus, "--steps", "2", "--save", str(ckpt), "--quiet")) == 0
    return ckpt, ckpt.read_bytes()


@pytest.fixture
def python_sigint() -> Iterator[None]:
    """Python's own Ctrl-C handler installed for the test, whatever the process started with (a
    process started in the background by a shell starts with Ctrl-C ignored, and Python then
    installs no handler), and the handler the process had put back afterwards."""
    had = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, had)


@pytest.mark.usefixtures("python_sigint")
def test_a_second_ctrl_c_quits_at_once_without_saving(
    saved_run: tuple[Path, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ckpt, saved = saved_run
    _signal_at(monkeypatch, 3, signal.SIGINT, signal.SIGINT)
    assert main(["train", "--resume", str(ckpt), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert f"interrupted twice; not saving; {ckpt} is as it was" in err and "Traceback" not in err
    assert ckpt.read_bytes() == saved and _temps(tmp_path) == []
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_second_ctrl_c_during_the_save_leaves_the_old_checkpoint_whole(
    saved_run: tuple[Path, bytes],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ckpt, saved = saved_run
    _signal_at(monkeypatch, 3, signal.SIGINT)  # the first: stop after step 3 and save
    real_savez: Callable[..., None] = np.savez

    def savez_then_ctrl_c(f: object, **arrays: object) -> None:
        real_savez(f, **arrays)  # half way through the save (not yet renamed)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(np, "savez", savez_then_ctrl_c)
    assert main(["train", "--resume", str(ckpt), "--quiet"]) == 130
    assert "interrupted twice; not saving" in capsys.readouterr().err
    assert ckpt.read_bytes() == saved and _temps(tmp_path) == []


def test_an_unwritable_save_folder_is_refused_before_the_first_step(
    corpus: Path,
    unwritable_folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    steps: list[int] = []
    monkeypatch.setattr(Trainer, "step", lambda self: steps.append(1))
    target = unwritable_folder / "run.npz"
    assert main(tiny(corpus, "--steps", "100", "--save", str(target))) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rnnviz: error: cannot save checkpoint {target}: cannot create files")
    assert ".tmp" not in err and steps == []


def test_saving_onto_the_corpus_is_refused_before_the_first_step(
    corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps: list[int] = []
    monkeypatch.setattr(Trainer, "step", lambda self: steps.append(1))
    text = corpus.read_bytes()
    assert main(tiny(corpus, "--steps", "3", "--save", str(corpus))) == 2
    assert "it is the corpus being trained on" in capsys.readouterr().err
    assert corpus.read_bytes() == text and steps == []


# ---------------------------------------------------------------------- real processes
def _start(corpus: Path, save: Path) -> subprocess.Popen[str]:
    argv = [
        sys.executable,
        "-m",
        "rnnviz",
        *tiny(corpus, "--sample-every", "1", "--save", str(save)),
    ]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)  # fmt: skip


def _wait_for_a_step(proc: subprocess.Popen[str]) -> None:
    """Read the progress output until it shows a trained step (the run is in its loop)."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("step "):
            return
    pytest.fail(f"the run ended before training: {proc.communicate()[1]}")


@pytest.mark.parametrize("name", STOPS)
def test_a_signalled_process_saves_its_run(name: str, corpus: Path, tmp_path: Path) -> None:
    """The issue's case: `rnnviz train ... --save x.npz & ...; kill $!` used to leave nothing."""
    save = tmp_path / "x.npz"
    proc = _start(corpus, save)
    _wait_for_a_step(proc)
    proc.send_signal(getattr(signal, name))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + getattr(signal, name)
    assert "Traceback" not in err
    assert read_checkpoint(save).meta["step"] >= 1
    assert _temps(tmp_path) == []


def test_two_quick_ctrl_c_exit_cleanly(corpus: Path, tmp_path: Path) -> None:
    """Whenever the second arrives (mid-step, mid-save, at exit): no traceback, no stray file."""
    save = tmp_path / "x.npz"
    proc = _start(corpus, save)
    _wait_for_a_step(proc)
    proc.send_signal(signal.SIGINT)
    with contextlib.suppress(ProcessLookupError):  # it may have finished already
        proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Traceback" not in err and "Exception ignored" not in err
    assert _temps(tmp_path) == []
    if save.exists():  # saved before the second arrived: then whole
        assert read_checkpoint(save).meta["step"] >= 1


def test_saving_through_a_link_says_so(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "runs" / "run-1.npz"
    real.parent.mkdir()
    link = tmp_path / "latest.npz"
    link.symlink_to(real)
    assert main(tiny(corpus, "--steps", "2", "--save", str(link), "--quiet")) == 0
    assert f"checkpoint: {link} (a link: written to {real})" in capsys.readouterr().out
    assert link.is_symlink() and read_checkpoint(real).meta["step"] == 2
