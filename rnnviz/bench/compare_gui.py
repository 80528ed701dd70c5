"""``rnnviz bench --compare-gui``: the compare window's frame interval while its runs train.

The compare window (offscreen, 1400x900) trains a comparison preset (four runs for ``race``) in
lockstep and redraws; a 16 ms timer on the UI thread ticks meanwhile, and the intervals between
its ticks (median, 95th percentile, longest) show how long the event loop was held. Target:
p95 < 50 ms with four runs. Figures on a shared machine vary: run it a few times and quote
medians. The UI thread's own CPU time per second (drawing, mostly) is printed too: it depends
far less on other programs' load than the intervals do.
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

TICK_MS = 16
TARGET_P95_MS = 50.0


def measure(preset: str, seconds: float) -> dict[str, float]:
    """Open the compare window on ``preset``, train for ``seconds`` and time the UI thread."""
    from PyQt6.QtCore import QEventLoop, Qt, QTimer

    from rnnviz.app.application import make_app
    from rnnviz.app.compare_window import CompareWindow
    from rnnviz.app.timers import single_shot

    app = make_app()
    window = CompareWindow(preset, run=True)
    window.resize(1400, 900)
    window.show()

    end = time.perf_counter() + 120
    while time.perf_counter() < end and not (  # steady state: trained, every grid built
        window.ready
        and all(m.step >= 2 for m in window.models)
        and all(v.complete() and v.panels for v in window.heatmaps)
    ):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    ticks: list[float] = []
    timer = QTimer(window)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    rounds0, t0, cpu0 = window.worker.rounds, time.perf_counter(), time.thread_time()
    timer.start(TICK_MS)
    loop = QEventLoop()
    single_shot(loop, round(seconds * 1000), loop.quit)
    loop.exec()
    timer.stop()
    cpu = time.thread_time() - cpu0  # this (the UI) thread's CPU seconds
    elapsed = time.perf_counter() - t0
    rounds = window.worker.rounds - rounds0
    window.close()
    iv = np.diff(np.asarray(ticks)) * 1000.0 if len(ticks) > 1 else np.asarray([math.nan])
    return {
        "runs": float(len(window.labels)),
        "median_ms": float(np.median(iv)),
        "p95_ms": float(np.percentile(iv, 95)),
        "max_ms": float(np.max(iv)),
        "rounds_per_s": rounds / max(elapsed, 1e-9),
        "ui_cpu_ms_per_s": 1000.0 * cpu / max(elapsed, 1e-9),
    }


def cli(argv: list[str]) -> int:
    """Run the benchmark; prints the figures (exit 1 with ``--strict`` if p95 misses)."""
    p = argparse.ArgumentParser(
        prog="rnnviz bench --compare-gui", description=__doc__.split("\n")[0]
    )
    p.add_argument("--compare-gui", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--preset", default="race", help="comparison preset (default: race)")
    p.add_argument("--seconds", type=float, default=10.0, help="time measured (default 10)")
    p.add_argument("--strict", action="store_true", help="exit 1 when p95 >= 50 ms")
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not 0.5 <= args.seconds <= 600:
        print("rnnviz: error: --seconds must be between 0.5 and 600", file=sys.stderr)
        return 2
    from rnnviz.app.application import release_windows, use_offscreen
    from rnnviz.config import ConfigError
    from rnnviz.presets import load_compare

    use_offscreen()
    try:
        load_compare(args.preset)
    except ConfigError as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    r = measure(args.preset, args.seconds)
    release_windows()
    ok = r["p95_ms"] < TARGET_P95_MS
    print(
        f"rnnviz compare-window benchmark: preset {args.preset!r}, {int(r['runs'])} runs, "
        f"{args.seconds:g} s\n"
        f"  frame interval median {r['median_ms']:6.1f} ms\n"
        f"  frame interval p95    {r['p95_ms']:6.1f} ms   target < {TARGET_P95_MS:g} ms: "
        f"{'met' if ok else 'MISSED'}\n"
        f"  longest stall         {r['max_ms']:6.1f} ms\n"
        f"  lockstep rounds       {r['rounds_per_s']:6.1f} per second\n"
        f"  UI thread CPU         {r['ui_cpu_ms_per_s']:6.1f} ms per second"
    )
    return 1 if args.strict and not ok else 0
