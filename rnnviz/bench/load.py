"""``rnnviz bench --load FILE``: does the window keep responding while it opens a big corpus?

Offscreen, the window (default preset, paused, its first frame drawn and settled) opens FILE as its
corpus, as **Open…** does; the corpus is read, its vocabulary built and encoded in a loader thread.
A 10 ms precise QTimer on the UI thread timestamps every tick from the moment the load starts until
the new run is on screen. The gaps between ticks are how long the UI thread waited: for the loader
thread holding the interpreter lock, or for its own work. They are reported in two parts:

- *while loading*: every gap before the new run is installed (the loader's share);
- *installing*: the gap in which the window builds its views for the new run (UI-thread work).

Target: no gap above 100 ms. Repeated ``--repeat`` times; figures depend on the machine and on
what else runs on it, so quote them with the machine.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TARGET_STALL_MS = 100.0
TICK_MS = 10


@dataclass(frozen=True)
class LoadStall:
    """One load of the corpus, in seconds and milliseconds."""

    load_s: float
    ticks: int
    loading_max_ms: float
    loading_p99_ms: float
    install_ms: float
    error: str = ""

    def line(self) -> str:
        if self.error:
            return f"error: {self.error}"
        return (
            f"loaded in {self.load_s:5.2f} s, {self.ticks:4d} ticks; longest gap while loading "
            f"{self.loading_max_ms:6.1f} ms (p99 {self.loading_p99_ms:5.1f}); installing "
            f"{self.install_ms:6.1f} ms"
        )


def measure(path: Path, repeat: int, settle_ms: int = 3000) -> list[LoadStall]:
    """Open ``path`` as the corpus ``repeat`` times in one offscreen window.

    ``settle_ms``: how long the window runs its event loop first (first frame drawn, idle).
    """
    from PyQt6.QtCore import QEventLoop, Qt, QTimer

    from rnnviz.app.application import make_app
    from rnnviz.app.main_window import MainWindow
    from rnnviz.app.timers import single_shot

    app = make_app()
    window = MainWindow(confirm=lambda *_: True)
    window.resize(1400, 900)
    window.show()

    def settle(ms: int) -> None:
        loop = QEventLoop()
        single_shot(window, ms, loop.quit)
        loop.exec()

    settle(settle_ms)
    stamps: list[float] = []
    installs: list[tuple[float, float]] = []
    install = window.session.install

    def timed_install(*args: object, **kwargs: object) -> None:
        t0 = time.perf_counter()
        install(*args, **kwargs)  # type: ignore[arg-type]
        installs.append((t0, time.perf_counter()))

    window.session.install = timed_install  # type: ignore[method-assign]
    timer = QTimer(window)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: stamps.append(time.perf_counter()))
    results = []
    for _ in range(repeat):
        old = window.trainer
        stamps.clear()
        installs.clear()
        timer.start(TICK_MS)
        t0 = time.perf_counter()
        stamps.append(t0)
        window.open_corpus(str(path))
        loop = QEventLoop()

        def check(old: object = old, loop: QEventLoop = loop) -> None:
            if window.trainer is not old or window.banner.level == "error":
                loop.quit()

        done = QTimer(window)
        done.timeout.connect(check)
        done.start(5)
        loop.exec()
        done.stop()
        done.deleteLater()
        t_ready = time.perf_counter()
        settle(300)  # ticks after the install, so its gap is closed by a tick
        timer.stop()
        if window.banner.level == "error":
            results.append(LoadStall(math.nan, 0, math.nan, math.nan, math.nan,
                                     window.banner.text()))  # fmt: skip
            break
        st = np.asarray(stamps)  # (n,)
        gaps = np.diff(st) * 1000.0  # (n-1,) ms, gap i ends at st[i + 1]
        start, end = installs[-1] if installs else (t_ready, t_ready)
        before = st[1:] <= start  # (n-1,) gaps that ended before the install began
        inside = (st[1:] >= start) & (st[:-1] <= end)  # (n-1,) gaps that overlap the install
        loading = gaps[before] if before.any() else np.asarray([math.nan])
        results.append(
            LoadStall(
                load_s=start - t0,
                ticks=int(before.sum()),
                loading_max_ms=float(np.max(loading)),
                loading_p99_ms=float(np.percentile(loading, 99)),
                install_ms=float(np.max(gaps[inside])) if inside.any() else math.nan,
            )
        )
    window.close()
    window.deleteLater()
    app.processEvents()
    return results


def cli(argv: list[str]) -> int:
    """Run ``rnnviz bench --load FILE``; prints one line per load and the worst gaps."""
    p = argparse.ArgumentParser(prog="rnnviz bench --load", description=__doc__.splitlines()[0])
    p.add_argument("--load", required=True, metavar="FILE", help="the text file to open")
    p.add_argument("--repeat", type=int, default=3, help="loads to measure (default 3)")
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not 1 <= args.repeat <= 100:
        print("rnnviz: error: --repeat must be between 1 and 100", file=sys.stderr)
        return 2
    path = Path(args.load)
    if not path.is_file():
        print(f"rnnviz: error: --load {path}: no such file", file=sys.stderr)
        return 2

    from rnnviz.app.application import use_offscreen

    use_offscreen()
    size = path.stat().st_size / 2**20
    print(f"rnnviz load benchmark: {path.name} ({size:.1f} MB), {args.repeat} load(s), "
          f"{TICK_MS} ms timer on the UI thread")  # fmt: skip
    results = measure(path, args.repeat)
    for r in results:
        print("  " + r.line())
    good = [r for r in results if not r.error]
    if not good:
        return 1
    worst = max(r.loading_max_ms for r in good)
    median = statistics.median(r.loading_max_ms for r in good)
    verdict = "met" if worst < TARGET_STALL_MS else "MISSED"
    print(f"longest gap while loading: median {median:.1f} ms, worst {worst:.1f} ms "
          f"(target < {TARGET_STALL_MS:g} ms: {verdict}); installing: worst "
          f"{max(r.install_ms for r in good):.1f} ms")  # fmt: skip
    return 0
