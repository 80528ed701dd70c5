"""``rnnviz bench --gui``: is the window responsive while it trains, and what does it cost?

Offscreen, on a preset (the default one unless ``--preset``), in a window arranged for 1400x900
as the application arranges it on that screen (the frame view docked and shown: it explains a
new closeup while training; the report says whether it was shown), it measures

1. *first heatmap*: from the start of launch (QApplication, window, trainer, worker thread) to the
   first paint of the heatmap view that shows a snapshot;
2. *frame interval*: a 16 ms precise QTimer on the UI thread timestamps every tick while the
   model trains; the intervals between ticks (median, 95th percentile) show how long the event
   loop was held up (by drawing, or by the training thread holding the GIL);
3. *longest stall*: the longest of those intervals: the longest time the UI thread could not
   react to anything; beside it, the longest garbage collection of Python's that began while
   the intervals were measured, and in which thread (:mod:`rnnviz.bench.gc_watch`; a full
   collection holds the GIL, so a stall can be told apart from one);
4. *throughput*: tokens per second trained inside the window, as a fraction of the same preset
   trained headless (plain ``Trainer.step`` loop) for the same duration. The two take turns in
   one-second rounds so that other load on the machine affects both alike;
5. *switching cells*: while training, Apply the same preset with another cell (the next one the
   cell registry lists: the GRU for the default LSTM preset): the time until the new run's
   heatmaps are painted, and the longest stall of the UI thread from Apply until a second after
   that;
6. *cursor move*: at H=128, T=64, the redraw of one cursor step (heatmap marker, gradient line,
   frame view; :mod:`rnnviz.bench.cursor`), per cell, one unit and the whole layer shown.

Targets: cursor move p95 <= 16 ms, first heatmap < 2 s, frame interval p95 < 50 ms, no stall
> 100 ms, GUI throughput >= 70 % of headless.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.bench.gc_watch import Collection, CollectionWatch
from rnnviz.core.registry import cell_names, fit_nonlinearity

if TYPE_CHECKING:  # pragma: no cover
    from PyQt6.QtCore import QTimer

    from rnnviz.app.main_window import MainWindow
    from rnnviz.config import RunConfig

TARGET_FIRST_HEATMAP_S = 2.0
TARGET_FRAME_P95_MS = 50.0
TARGET_THROUGHPUT = 0.70
TARGET_STALL_MS = 100.0
TICK_MS = 16


@dataclass
class GuiBench:
    """The figures of one run (seconds, milliseconds, tokens per second)."""

    first_heatmap_s: float
    frame_median_ms: float
    frame_p95_ms: float
    max_stall_ms: float
    frames_drawn_per_s: float
    gui_tokens_per_s: float
    headless_tokens_per_s: float
    close_s: float
    switch_cell: str = ""
    switch_s: float = math.nan
    switch_stall_ms: float = math.nan
    frame_view: bool = False
    collections: int = 0  # garbage collections while the frame interval was measured
    longest_collection: Collection | None = None

    @property
    def throughput_ratio(self) -> float:
        """GUI throughput as a fraction of headless throughput."""
        return self.gui_tokens_per_s / max(self.headless_tokens_per_s, 1e-9)

    def report(self) -> str:
        """Human-readable table with a verdict per target."""

        def ok(good: bool) -> str:
            return "met" if good else "MISSED"

        return "\n".join(
            [
                f"frame view           {'shown' if self.frame_view else 'hidden'}",
                f"first heatmap        {self.first_heatmap_s:7.2f} s    "
                f"target < {TARGET_FIRST_HEATMAP_S:g} s     "
                f"{ok(self.first_heatmap_s < TARGET_FIRST_HEATMAP_S)}",
                f"frame interval p50   {self.frame_median_ms:7.1f} ms   "
                f"(timer period {TICK_MS} ms)",
                f"frame interval p95   {self.frame_p95_ms:7.1f} ms   "
                f"target < {TARGET_FRAME_P95_MS:g} ms    "
                f"{ok(self.frame_p95_ms < TARGET_FRAME_P95_MS)}",
                f"longest stall        {self.max_stall_ms:7.1f} ms   "
                f"target < {TARGET_STALL_MS:g} ms   {ok(self.max_stall_ms < TARGET_STALL_MS)}",
                f"  longest collection {self._collection()}",
                f"views redrawn        {self.frames_drawn_per_s:7.1f} /s",
                f"headless throughput  {self.headless_tokens_per_s:9,.0f} tok/s",
                f"GUI throughput       {self.gui_tokens_per_s:9,.0f} tok/s "
                f"= {100 * self.throughput_ratio:5.1f} % of headless   "
                f"target >= {100 * TARGET_THROUGHPUT:g} %   "
                f"{ok(self.throughput_ratio >= TARGET_THROUGHPUT)}",
                f"Apply {self.switch_cell:<4s} -> drawn {self.switch_s:7.2f} s",
                f"  longest stall      {self.switch_stall_ms:7.1f} ms   "
                f"target < {TARGET_STALL_MS:g} ms   "
                f"{ok(self.switch_stall_ms < TARGET_STALL_MS)}",
                f"close (stop + join)  {1000 * self.close_s:7.1f} ms",
            ]
        )

    def _collection(self) -> str:
        """The longest garbage collection while training was measured, and how many."""
        c = self.longest_collection
        if c is None:
            return "no garbage collection while measured"
        return f"{c.describe()}, of {self.collections} garbage collections while measured"

    def all_met(self) -> bool:
        """Whether every target is met."""
        return (
            self.first_heatmap_s < TARGET_FIRST_HEATMAP_S
            and self.frame_p95_ms < TARGET_FRAME_P95_MS
            and self.max_stall_ms < TARGET_STALL_MS
            and self.switch_stall_ms < TARGET_STALL_MS
            and self.throughput_ratio >= TARGET_THROUGHPUT
        )


def measure(run: RunConfig, preset: str, seconds: float, rounds: int) -> GuiBench:
    """Launch the window offscreen and measure it against a headless trainer.

    The GUI and the headless loop take turns (``rounds`` times each, ``seconds / rounds`` per
    turn, the window paused while the headless trainer runs) so that load from other programs
    on the machine affects both alike.
    """
    from PyQt6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer
    from PyQt6.QtWidgets import QGraphicsView

    from rnnviz.app.application import make_app
    from rnnviz.app.main_window import MainWindow
    from rnnviz.app.timers import single_shot
    from rnnviz.core._ops import set_thread_budget
    from rnnviz.train.trainer import Trainer

    t_launch = time.perf_counter()
    app = make_app()
    window = MainWindow(run, preset=preset, confirm=lambda *_: True)  # type: ignore[arg-type]
    window.arrange_for(1400, 900)  # as on such a screen: the frame view docked and shown

    drawn: list[float] = []  # frames whose curves were drawn
    given: list[tuple[float, tuple[str, ...]]] = []  # complete grids: (time, arrays)
    painted: list[float] = []  # paints of the heatmaps once they had a frame
    window.frameDrawn.connect(lambda _snap: drawn.append(time.perf_counter()))
    update_heatmaps = window.heatmaps.draw_model

    def spy_update(model: object, **kwargs: object) -> bool:
        complete = update_heatmaps(model, **kwargs)  # type: ignore[arg-type]
        if complete:
            given.append((time.perf_counter(), tuple(window.heatmaps.panels)))
        return complete

    window.heatmaps.draw_model = spy_update  # type: ignore[method-assign]

    class PaintSpy(QObject):
        def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
            if event is not None and event.type() == QEvent.Type.Paint and given:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    for view in window.heatmaps.findChildren(QGraphicsView):
        view.viewport().installEventFilter(spy)
    window.heatmaps.installEventFilter(spy)
    window.show()

    def wait(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
        end = time.perf_counter() + timeout_s
        while not predicate() and time.perf_counter() < end:
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)

    wait(lambda: bool(painted))
    first = (painted[0] if painted else math.nan) - t_launch

    headless = Trainer(run)  # type: ignore[arg-type]
    for _ in range(3):  # warm-up: the first batches allocate
        headless.step()

    ticks: list[float] = []
    timer = QTimer(window)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    intervals: list[float] = []
    watch = CollectionWatch()  # Python's garbage collections while the intervals are measured
    gui = [0, 0.0, 0]  # tokens, seconds, frames
    head = [0, 0.0]  # tokens, seconds
    trainer = window.trainer
    chunk = seconds / rounds
    for _ in range(rounds):
        window.run()
        start = trainer.step_count
        wait(lambda s=start: trainer.step_count > s + 2)  # steady state, not the start
        tokens0, n0, t0 = trainer.tokens_seen, len(drawn), time.perf_counter()
        ticks.clear()
        timer.start(TICK_MS)
        watch.on()
        loop = QEventLoop()
        single_shot(loop, round(chunk * 1000), loop.quit)
        loop.exec()
        watch.off()
        timer.stop()
        gui[0] += trainer.tokens_seen - tokens0
        gui[1] += time.perf_counter() - t0
        gui[2] += len(drawn) - n0
        intervals.extend(np.diff(np.asarray(ticks)) * 1000.0)
        window.pause()
        wait(lambda: window.controller.idle)  # the step in flight done too

        set_thread_budget(None)  # headless: every core, as `rnnviz train` runs
        tokens0, t0 = headless.tokens_seen, time.perf_counter()
        while time.perf_counter() - t0 < chunk:
            headless.step()
        set_thread_budget(window.BLAS_THREADS)
        head[0] += headless.tokens_seen - tokens0
        head[1] += time.perf_counter() - t0

    watch.close()
    frame_view = window.frame_dock.dock.isVisible()
    switch_cell, switch_s, switch_stall = _switch_cell(
        window, run, wait, given, painted, ticks, timer
    )

    t_close = time.perf_counter()
    window.close()
    close_s = time.perf_counter() - t_close
    iv = np.asarray(intervals) if intervals else np.asarray([math.nan])
    return GuiBench(
        first_heatmap_s=first,
        frame_median_ms=float(np.median(iv)),
        frame_p95_ms=float(np.percentile(iv, 95)),
        max_stall_ms=float(np.max(iv)),
        frames_drawn_per_s=gui[2] / max(gui[1], 1e-9),
        gui_tokens_per_s=gui[0] / max(gui[1], 1e-9),
        headless_tokens_per_s=head[0] / max(head[1], 1e-9),
        close_s=close_s,
        switch_cell=switch_cell,
        switch_s=switch_s,
        switch_stall_ms=switch_stall,
        frame_view=frame_view,
        collections=len(watch.collections),
        longest_collection=watch.longest(),
    )


def _switch_cell(
    window: MainWindow,
    run: RunConfig,
    wait: Callable[[Callable[[], bool]], None],
    given: list[tuple[float, tuple[str, ...]]],
    painted: list[float],
    ticks: list[float],
    timer: QTimer,
) -> tuple[str, float, float]:
    """While training, Apply another cell; (cell, seconds until drawn, longest stall in ms)."""
    names = cell_names()
    cell = names[(names.index(run.model.cell) + 1) % len(names)]  # the next registered cell
    nonlinearity = fit_nonlinearity(cell, run.model.nonlinearity)
    new_run = run.replace(
        model=dataclasses.replace(run.model, cell=cell, nonlinearity=nonlinearity)
    )
    window.run()
    old = window.trainer
    wait(lambda: old.step_count > 2)
    ticks.clear()
    timer.start(TICK_MS)
    t_apply = time.perf_counter()
    window.apply_config(new_run)

    def drawn_at() -> float | None:
        if window.trainer is old:
            return None
        ready = [t for t, _names in given if t > t_apply]
        shown = [t for t in painted if ready and t >= ready[0]]
        return shown[0] if shown else None

    wait(lambda: drawn_at() is not None)
    t_drawn = drawn_at()
    end = time.perf_counter() + 1.0
    wait(lambda: time.perf_counter() > end)
    timer.stop()
    gaps = np.diff(np.asarray([t_apply, *ticks])) * 1000.0
    stall = float(np.max(gaps)) if gaps.size else math.nan
    window.pause()
    return cell, (t_drawn - t_apply) if t_drawn is not None else math.nan, stall


def cli(argv: list[str]) -> int:
    """Run ``rnnviz bench --gui``; prints the figures, returns 0 (1 with ``--strict`` if missed)."""
    p = argparse.ArgumentParser(prog="rnnviz bench --gui", description=__doc__.splitlines()[0])
    p.add_argument("--gui", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--preset", default="default", help="preset to measure (default: default)")
    p.add_argument(
        "--seconds", type=float, default=6.0, help="training time in each mode (default 6)"
    )
    p.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    p.add_argument(
        "--cursor-only",
        action="store_true",
        help="only the cursor-move redraw time (H=128, T=64, every cell)",
    )
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not 0.2 <= args.seconds <= 600:
        print("rnnviz: error: --seconds must be between 0.2 and 600", file=sys.stderr)
        return 2

    from rnnviz.app.application import release_windows, use_offscreen
    from rnnviz.app.worker import user_errors

    use_offscreen()
    try:
        from rnnviz.presets import load_preset

        run = load_preset(args.preset)
    except (*user_errors(), KeyError, FileNotFoundError) as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2

    from rnnviz.bench.cursor import TARGET_MS as TARGET_CURSOR_MS
    from rnnviz.bench.cursor import measure_cursor

    cursor = measure_cursor()
    release_windows()
    cursor_met = all(c.p95_ms <= TARGET_CURSOR_MS for c in cursor)
    if args.cursor_only:
        print("\n".join(c.line() for c in cursor))
        return 1 if args.strict and not cursor_met else 0
    rounds = max(1, round(args.seconds))
    print(
        f"rnnviz GUI benchmark: preset {args.preset!r}, {args.seconds:g} s in the window and "
        f"{args.seconds:g} s headless, alternating in {rounds} round(s)"
    )
    result = measure(run, args.preset, args.seconds, rounds)
    release_windows()  # the closed window, now rather than in PyQt's exit clean-up
    print(result.report())
    print("\n".join(c.line() for c in cursor))
    return 1 if args.strict and not (result.all_met() and cursor_met) else 0
