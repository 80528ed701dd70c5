"""Cursor moves in the window: how long one step of the cursor takes to redraw, at H=128, T=64.

The window (no training thread: nothing else competes for the UI thread) shows a text run of
H = 128 units with a probe of T = 64 steps and its frame view; the cursor walks across the probe
as the → key does (the frame bar moves, the run model's cursor follows, the heatmaps' marker,
the gradient panel's line and the frame view redraw). One move is timed from the frame bar's
change until the work it queued is done: the event loop is run until a pass delivers no event
(:func:`~rnnviz.bench.settle.settle`; one pass left out the layouts and repaints queued by the
first). Figures: median and 95th percentile over every move, for each cell, with the frame view
showing one unit and the whole layer. Target: <= 16 ms (one frame at 60 Hz). Beside them, the
CPU time the UI thread spent on a move (median and 95th percentile): the work, which a shared
machine's load moves much less than the wall time (under load the wall time is that work plus
the waits for a core).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import numpy as np

from rnnviz.core.registry import cell_names, fit_nonlinearity

H, T = 128, 64
TARGET_MS = 16.0


@dataclass(frozen=True)
class CursorBench:
    """Redraw times (milliseconds) of one cell's cursor moves."""

    cell: str
    layer: bool
    median_ms: float
    p95_ms: float
    moves: int
    cpu_median_ms: float  # the UI thread's CPU time per move
    cpu_p95_ms: float

    def line(self) -> str:
        """One row of the report."""
        what = "whole layer" if self.layer else "one unit"
        ok = "met" if self.p95_ms <= TARGET_MS else "MISSED"
        return (
            f"cursor move {self.cell:<4s} {what:<11s} p50 {self.median_ms:6.1f} ms   "
            f"p95 {self.p95_ms:6.1f} ms   target <= {TARGET_MS:g} ms   {ok}   "
            f"({self.moves} moves; UI thread CPU p50 {self.cpu_median_ms:.1f} ms, "
            f"p95 {self.cpu_p95_ms:.1f} ms)"
        )


def probe_text(steps: int = T) -> str:
    """A probe that gives ``steps`` time steps (the model reads every character but the last)."""
    base = "the cat sat on the mat and watched the birds outside the window all day long. "
    text = (base * (steps // len(base) + 2))[: steps + 1]
    return text


def measure_cursor(passes: int = 3, hidden: int = H, steps: int = T) -> list[CursorBench]:
    """Walk the cursor across the probe ``passes`` times per cell and view; see the docstring.

    ``hidden`` and ``steps`` are H and T (other values only for tests).
    """
    from PyQt6.QtWidgets import QApplication

    from rnnviz.app.application import make_app
    from rnnviz.app.main_window import MainWindow
    from rnnviz.bench.settle import settle
    from rnnviz.presets import load_preset
    from rnnviz.train.trainer import Trainer

    app = make_app()
    out = []
    for cell in cell_names():
        run = load_preset("default")
        nonlinearity = fit_nonlinearity(cell, run.model.nonlinearity)
        model = dataclasses.replace(run.model, cell=cell, hidden=hidden, nonlinearity=nonlinearity)
        trainer = Trainer(run.replace(model=model))
        trainer.task.set_probe(probe_text(steps))
        window = MainWindow(trainer=trainer, start_worker=False)
        window.resize(1920, 1080)
        window.frame_dock.set_shown(True)  # F2: the frame view redraws with the cursor
        window.show()
        settle(app)
        view = window.frame_dock.view
        if view.closeup is None or steps != view.closeup.T:
            raise RuntimeError("the frame view did not explain the probe")
        for layer in (False, True):
            view.layer.setChecked(layer)
            settle(app)
            times, cpu = [], []
            for _ in range(passes):
                for t in range(steps):
                    start, start_cpu = time.perf_counter(), time.thread_time()
                    window.frame_bar.set_frame(t)
                    settle(app)
                    times.append(1000.0 * (time.perf_counter() - start))
                    cpu.append(1000.0 * (time.thread_time() - start_cpu))
            ms = np.asarray(times)  # (passes * T,)
            cpu_ms = np.asarray(cpu)  # (passes * T,)
            out.append(
                CursorBench(
                    cell,
                    layer,
                    float(np.median(ms)),
                    float(np.percentile(ms, 95)),
                    ms.size,
                    float(np.median(cpu_ms)),
                    float(np.percentile(cpu_ms, 95)),
                )
            )
        window.close()
        window.deleteLater()
        QApplication.processEvents()
    return out
