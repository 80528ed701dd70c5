"""The window's exit: closing it at any early moment ends the process with status 0.

Closing ``rnnviz gui --run`` within a second of opening it used to segfault in PyQt's exit
clean-up (about 1 close in 6): the window, unreachable once ``launch`` returned but held in
reference cycles, was still alive at interpreter exit, together with its loader and pyqtgraph's
parentless menus, and PyQt deleted them while walking sip's table of wrappers
(see :func:`rnnviz.app.application.release_windows`).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

# A child process: `rnnviz gui --run`, closed after each delay given (seconds). Where fork() is
# safe (Linux), each close is a forked copy of one process that has imported everything, so a
# close costs the window's life and exit only; the child prints every exit status as JSON.
CHILD = r"""
import faulthandler, json, os, sys
faulthandler.enable()
import rnnviz.app.launcher as mw
from rnnviz.app.timers import single_shot
from rnnviz.cli import main

delays = [float(d) for d in sys.argv[1:]]
show = mw.MainWindow.show

def show_then_close(self):
    show(self)
    self.ask_unsaved = lambda *question: "discard"  # trained weights: close without saving
    single_shot(self, round(1000 * delays[0]), self.close)

mw.MainWindow.show = show_then_close
if len(delays) == 1:
    sys.exit(main(["gui", "--run"]))
codes = []
while delays:
    pid = os.fork()
    if pid == 0:
        sys.exit(main(["gui", "--run"]))  # a normal exit: atexit handlers, PyQt's clean-up
    codes.append(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
    delays.pop(0)
print(json.dumps(codes))
"""

CLOSES = 20  # early closes in all
EARLIEST_S, LATEST_S = 0.0, 0.8  # before, during and after the first frame
FORK = sys.platform.startswith("linux")


# What PyQt's exit clean-up would have to delete (application aside): Python-owned, parentless,
# undeleted QObjects, with no collection run first, so those held by reference cycles count.
# A snippet for the child processes below: left_for_exit() gives their class names.
LEFT_FOR_EXIT = r"""
import gc, json
from PyQt6 import sip
from PyQt6.QtCore import QCoreApplication, QObject

def left_for_exit():
    return [
        type(o).__name__
        for o in gc.get_objects()
        if isinstance(o, QObject)
        and not isinstance(o, QCoreApplication)
        and not sip.isdeleted(o)
        and sip.ispyowned(o)
        and o.parent() is None
    ]
"""


def closing_child(module: str, window: str, launch: str, on_show: str = "", after: str = "") -> str:
    """A child process's script: ``launch`` (a call returning the exit status) opens ``window``,
    a class of ``module`` (imported as ``m``); once shown, the window runs the lines ``on_show``,
    closes after 0.3 s and then runs ``after``; when the command has returned, the script prints
    what PyQt's exit clean-up would have to delete (``left_for_exit``, as JSON)."""
    return (
        LEFT_FOR_EXIT
        + f"""
import sys
import {module} as m
from rnnviz.app.timers import single_shot

show = m.{window}.show

def show_then_close(self):
    show(self)
{on_show}    single_shot(self, 300, self.close)
{after}
m.{window}.show = show_then_close
assert {launch} == 0
print(json.dumps(left_for_exit()))
"""
    )


DISCARD = '    self.ask_unsaved = lambda *question: "discard"\n'

# The main window opened through launch() (training), closed after 0.3 s.
LEFT_OVER = closing_child(
    "rnnviz.app.launcher", "MainWindow", 'm.launch(["--run", "--preset", "echo"])', DISCARD
)

# The other windows' exits: `rnnviz replay FILE` closed after 0.3 s; `rnnviz compare --gui` (a
# window deleted on close) closed after 0.3 s; `rnnviz gui` with a replay opened from its File
# menu, the main window closed first and the replay last (the last window closed: the event loop
# ends).
REPLAY_LEFT_OVER = closing_child("rnnviz.app.replay_window", "ReplayWindow", "m.cli([sys.argv[1]])")
COMPARE_LEFT_OVER = closing_child(
    "rnnviz.app.compare_window", "CompareWindow", 'm.launch("clipping")'
)
GUI_REPLAY_LEFT_OVER = closing_child(
    "rnnviz.app.launcher",
    "MainWindow",
    'm.launch(["--preset", "echo"])',
    DISCARD + "    replay = self.recorder.open_recording(sys.argv[1])\n",
    "    single_shot(self, 600, replay.close)\n",
)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path),  # the user's settings stay untouched
        "OPENBLAS_NUM_THREADS": "1",  # no BLAS threads in a process that forks
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def run_child(script: str, tmp_path: Path, *args: str) -> object:
    """Run ``script`` in a child Python with the offscreen platform and no settings of the
    user's; check that it exited with status 0 and give back what it printed, read as JSON."""
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_launch_leaves_nothing_for_the_exit_clean_up(tmp_path: Path) -> None:
    assert run_child(LEFT_OVER, tmp_path) == []


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from test_main_window import tiny_run

    from rnnviz.train.recording import Recorder, Schedule, record_training
    from rnnviz.train.trainer import Trainer

    path = tmp_path_factory.mktemp("rec") / "run.rnnrec"
    t = Trainer(tiny_run())
    assert record_training(t, Recorder(path, t.run, t.run_id, Schedule(10)), 30) == "stopped"
    return path


@pytest.mark.parametrize(
    "child",
    [REPLAY_LEFT_OVER, COMPARE_LEFT_OVER, GUI_REPLAY_LEFT_OVER],
    ids=["replay", "compare", "gui-replay"],
)
def test_other_windows_leave_nothing_for_the_exit_clean_up(
    child: str, recording: Path, tmp_path: Path
) -> None:
    """A window deleted when closed (replay, compare) is freed before the command returns:
    PyQt's proxies for its connected closures were deleted by events the finished event loop
    never delivered, and held its Python side with about 28 parentless objects (replay) for
    PyQt's exit clean-up."""
    assert run_child(child, tmp_path, str(recording)) == []


def _children(delays: list[float], env: dict[str, str]) -> list[subprocess.Popen[str]]:
    """Start the child processes: two forking ones, or one per close without fork()."""
    groups = (
        [delays[: len(delays) // 2], delays[len(delays) // 2 :]] if FORK else [[d] for d in delays]
    )
    return [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, *(f"{d:.3f}" for d in group)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]


def test_closing_the_window_early_exits_cleanly(tmp_path: Path) -> None:
    rng = random.Random(10)
    delays = [rng.uniform(EARLIEST_S, LATEST_S) for _ in range(CLOSES)]
    env = _env(tmp_path)
    codes: list[int] = []
    errors: list[str] = []
    for proc in _children(delays, env):
        out, err = proc.communicate(timeout=600)
        if FORK and proc.returncode == 0:
            codes.extend(json.loads(out))
        else:
            codes.append(proc.returncode)
        if proc.returncode != 0 or any(codes):
            errors.append(err[-500:])
    assert len(codes) == CLOSES
    crashed = [(round(d, 3), c) for d, c in zip(delays, codes, strict=True) if c != 0]
    assert not crashed, (
        f"{len(crashed)}/{CLOSES} early closes failed (delay s, status): {crashed}\n{errors}"
    )


# A plugin for a child pytest run: once the session and its fixtures are over, it prints what
# PyQt's exit clean-up would still have to delete (as LEFT_OVER does for the window).
SESSION_LEFT_OVER = (
    LEFT_FOR_EXIT
    + r"""
def pytest_unconfigure(config):
    print("LEFT OVER " + json.dumps(left_for_exit()))
"""
)


def test_a_test_session_leaves_nothing_for_the_exit_clean_up(tmp_path: Path) -> None:
    """A pytest run of a compare-window test ends with nothing for PyQt's exit clean-up: the
    closed window's pyqtgraph menus and other parentless objects in reference cycles are freed
    at the end of the session, while Qt is alive (they were left to the exit clean-up, the
    walk that segfaulted now and then)."""
    (tmp_path / "session_left_over.py").write_text(SESSION_LEFT_OVER, encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    test = "tests/app/test_compare_window.py::test_one_time_step_cursor_for_every_run"
    plugins = ["-p", "no:cacheprovider", "-p", "session_left_over"]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", *plugins, test],
        cwd=root,
        env={**_env(tmp_path), "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("LEFT OVER ")]
    assert len(lines) == 1, done.stdout[-2000:]
    assert json.loads(lines[0].removeprefix("LEFT OVER ")) == []
