"""``rnnviz bench --record --window``: what Record (Ctrl+R) costs the window's training.

The main window (offscreen, 1400x900) trains a preset (default: ``default``) in turns of
``--seconds / --rounds`` each, recording off and on in turn (off, on, on, off, ...: a drift in the
machine's speed weighs on both alike), each recorded turn to a new file in a temporary folder
through the window's own Record toggle (File ▸ Record…). Per pair it prints the training steps
per second without and with recording and the slow-down 1 - recorded / plain (target: at most
10 %), then the median slow-down, and the frame interval p95 of the UI thread both ways.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rnnviz.cliargs import ArgParser, run_command

TARGET_SLOWDOWN = 0.10
TICK_MS = 16


def measure(preset: str, seconds: float, rounds: int, folder: Path) -> list[dict[str, float]]:
    """Train ``preset`` in the window, recording off and on in turn; one dict per pair."""
    from PyQt6.QtCore import QEventLoop, Qt, QTimer

    from rnnviz.app.application import make_app
    from rnnviz.app.main_window import MainWindow
    from rnnviz.app.timers import single_shot
    from rnnviz.presets import load_preset

    app = make_app()
    window = MainWindow(load_preset(preset), preset=preset, confirm=lambda *_: True)
    window.resize(1400, 900)
    window.show()

    def wait(predicate: Callable[[], bool], timeout_s: float = 60.0) -> None:
        end = time.perf_counter() + timeout_s
        while not predicate() and time.perf_counter() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)

    ticks: list[float] = []
    timer = QTimer(window)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    trainer = window.trainer
    window.run()
    wait(lambda: trainer.step_count > 3)  # steady state: past the first steps' allocations

    def turn(record: bool, name: str) -> tuple[float, float]:
        """(training steps per second, frame interval p95 in ms) over one turn (a recorded turn
        writes ``folder / name``)."""
        if record and not window.recorder.start(str(folder / name)):
            raise RuntimeError("the window did not start recording")
        n0, t0 = trainer.step_count, time.perf_counter()
        ticks.clear()
        timer.start(TICK_MS)
        loop = QEventLoop()
        single_shot(loop, round(1000 * seconds / (2 * rounds)), loop.quit)
        loop.exec()
        timer.stop()
        rate = (trainer.step_count - n0) / (time.perf_counter() - t0)
        if record:
            window.recorder.stop()
        iv = np.diff(np.asarray(ticks)) * 1000.0
        return rate, float(np.percentile(iv, 95)) if len(iv) else math.nan

    pairs = []
    for k in range(rounds):
        order = (False, True) if k % 2 == 0 else (True, False)
        got = {on: turn(on, f"pair{k}.rnnrec") for on in order}
        (plain, plain_p95), (rec, rec_p95) = got[False], got[True]
        pairs.append(
            {
                "plain_steps_s": plain,
                "recorded_steps_s": rec,
                "slowdown": 1 - rec / plain if plain > 0 else math.nan,
                "plain_p95_ms": plain_p95,
                "recorded_p95_ms": rec_p95,
                "recorded_bytes": float((folder / f"pair{k}.rnnrec").stat().st_size),
            }
        )
    window.pause()
    window.close()
    return pairs


def cli(argv: list[str]) -> int:
    """``rnnviz bench --record --window``."""
    return run_command(_run, argv)


def _run(argv: list[str]) -> int:
    ap = ArgParser(
        prog="rnnviz bench --record --window",
        description="What Record (Ctrl+R) costs the window's training: steps per second with "
        "and without recording, pair by pair, and the median slow-down.",
    )
    ap.add_argument("--record", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--window", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--preset", default="default", help="preset to train (default: default)")
    ap.add_argument("--seconds", type=float, default=60.0, help="time measured (default 60)")
    ap.add_argument("--rounds", type=int, default=5, help="pairs of turns (default 5)")
    args = ap.parse_args(argv)
    if not 1 <= args.rounds <= 100 or not 2 <= args.seconds <= 3600:
        ap.error("--rounds must be 1-100 and --seconds 2-3600")
    from rnnviz.app.application import release_windows, use_offscreen
    from rnnviz.config import ConfigError
    from rnnviz.presets import load_preset

    use_offscreen()
    try:
        load_preset(args.preset)
    except ConfigError as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rnnviz-bench-") as tmp:
        pairs = measure(args.preset, args.seconds, args.rounds, Path(tmp))
    release_windows()
    print(
        f"rnnviz record-in-the-window benchmark: preset {args.preset!r}, {args.rounds} pairs of "
        f"{args.seconds / (2 * args.rounds):g} s turns"
    )
    print(f"{'pair':>4}  {'plain step/s':>12}  {'recorded step/s':>15}  {'slow-down':>9}")
    for k, p in enumerate(pairs, 1):
        print(
            f"{k:>4}  {p['plain_steps_s']:>12.2f}  {p['recorded_steps_s']:>15.2f}"
            f"  {100 * p['slowdown']:>8.1f}%"
        )
    slowdown = statistics.median(p["slowdown"] for p in pairs)
    verdict = "meets" if slowdown <= TARGET_SLOWDOWN else "misses"
    print(f"median slow-down {100 * slowdown:.1f}% ({verdict} the target of at most 10%)")
    plain_p95 = statistics.median(p["plain_p95_ms"] for p in pairs)
    rec_p95 = statistics.median(p["recorded_p95_ms"] for p in pairs)
    print(
        f"frame interval p95 (median of turns): {plain_p95:.1f} ms plain, {rec_p95:.1f} ms recorded"
    )
    return 0
