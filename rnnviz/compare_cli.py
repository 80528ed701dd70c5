"""``rnnviz compare``: train the runs of a comparison preset in lockstep and print a table.

    rnnviz compare --preset race --steps 500          # SGD, Adagrad, RMSprop, Adam from one start
    rnnviz compare --preset race --gui [--big]        # the same runs side by side in a window
    rnnviz compare --preset race --gui --screenshot race.png --size 1280x656 --steps 50
    rnnviz compare --list                              # the comparison presets

Each round trains every run on the same batch (:mod:`rnnviz.train.compare`). At the end (or on
Ctrl-C, after the round in progress) one row per run: its set-up, steps, the mean training loss of
its last steps, the task's metrics of its final weights, how often it diverged (a diverged step is
not applied: the run goes back to good weights and goes on with the next batch) and its share of
the time.
"""

from __future__ import annotations

import argparse
import copy
import math
import sys
import time
from pathlib import Path
from typing import Any

from rnnviz.cli import _duration, _nonneg_int, _positive_int
from rnnviz.cliargs import ArgParser, UsageError, run_command
from rnnviz.stopping import StopSignals, exit_status

DEFAULT_PRESET = "race"
DEFAULT_STEPS = 500
# Steps the "loss" column averages over (the end of the run, where the curves are compared).
LAST_STEPS = 100
# Metrics that qualify others (sizes, flags, the chance level) rather than score the run.
AUXILIARY = ("val_chars", "held_out", "chance", "perplexity")


def cli(argv: list[str]) -> int:
    """``rnnviz compare``; returns the exit status (130/143/129 after a stop signal)."""
    return run_command(_run, argv)


def _parser() -> ArgParser:
    ap = ArgParser(
        prog="rnnviz compare",
        description="Train two to four runs in lockstep on the same batches (from the same "
        "weights where their shapes allow) and print each run's loss and metrics.",
    )
    ap.add_argument("--preset", default=DEFAULT_PRESET, help="comparison preset (see --list)")
    ap.add_argument("--list", action="store_true", help="list the comparison presets and exit")
    ap.add_argument(
        "--steps", type=_positive_int, help=f"lockstep rounds (default {DEFAULT_STEPS})"
    )
    ap.add_argument("--time", type=_duration, help="time budget instead, e.g. 90s, 5m")
    ap.add_argument("--seed", type=_nonneg_int, help="one seed for every run (default: preset's)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar, only the table")
    ap.add_argument(
        "--gui",
        action="store_true",
        help="train in the compare window instead (curves, heatmaps side by side, export)",
    )
    ap.add_argument("--big", action="store_true", help="with --gui: presentation size")
    ap.add_argument(
        "--screenshot",
        metavar="PNG",
        help="with --gui: train --steps rounds (default 0) offscreen, save the window as PNG, exit",
    )
    ap.add_argument("--size", type=_window_size, help="with --screenshot: WIDTHxHEIGHT (1400x900)")
    return ap


def _window_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: write WIDTHxHEIGHT, e.g. 1280x656") from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"{text!r}: between 320x240 and 8000x8000")
    return w, h


def _run(argv: list[str]) -> int:
    from tqdm import tqdm

    from rnnviz.presets import list_compares, load_compare
    from rnnviz.train.compare import Comparison

    args = _parser().parse_args(argv)
    if args.list:
        for name, description in list_compares():
            print(f"{name:<16}{description}")
        return 0
    specs = load_compare(args.preset)
    if args.gui or args.big or args.screenshot or args.size:
        return _window(args)
    if args.seed is not None:
        specs = tuple(_reseeded(s, args.seed) for s in specs)
    comparison = Comparison(specs)
    steps = None if args.time is not None else (args.steps or DEFAULT_STEPS)
    if not args.quiet:
        print(_headline(args.preset, comparison))
    bar = tqdm(total=steps, disable=args.quiet, unit="round", file=sys.stderr, mininterval=0.5)
    spent = [0.0] * len(comparison)
    diverged = [0] * len(comparison)
    start = time.perf_counter()
    code = 0
    with StopSignals() as stop:
        while steps is None or comparison.rounds < steps:
            if args.time is not None and time.perf_counter() - start >= args.time:
                break
            if stop.signum is not None:
                code = exit_status(stop.signum)
                break
            for i, t in enumerate(comparison.trainers):
                t0 = time.perf_counter()
                diverged[i] += t.step().diverged
                spent[i] += time.perf_counter() - t0
            bar.update(1)
    bar.close()
    print(table(comparison, diverged, spent))
    if code:
        print(f"rnnviz: interrupted after {comparison.rounds} rounds", file=sys.stderr)
    return code


def _window(args: Any) -> int:
    """``--gui``: the compare window (it trains until paused or closed, from the preset's seed);
    with ``--screenshot``, a picture of it after ``--steps`` rounds."""
    shot = args.screenshot is not None
    options = (("--time", args.time), ("--seed", args.seed))
    options += () if shot else (("--steps", args.steps),)
    given = [name for name, value in options if value is not None]
    given += ["--quiet"] if args.quiet else []
    if not args.gui:
        raise UsageError("compare: --big, --screenshot and --size are for the window: add --gui")
    if args.size is not None and not shot:
        raise UsageError("compare: --size is the size of a --screenshot")
    if given:
        raise UsageError(
            f"compare: {', '.join(given)} cannot be used with --gui "
            "(the window trains until paused or closed)"
        )
    if shot:
        out = Path(args.screenshot)
        if out.suffix.lower() != ".png":
            raise UsageError(f"compare: --screenshot {out}: the file name must end in .png")
        if not out.parent.exists():
            raise UsageError(f"compare: --screenshot {out}: folder {out.parent} does not exist")
        from rnnviz.app.compare_window import snapshot

        size = args.size or (1400, 900)
        return snapshot(args.preset, str(out), size, args.steps or 0, big=args.big)
    from rnnviz.app.compare_window import launch

    return launch(args.preset, big=args.big)


def _reseeded(spec: Any, seed: int) -> Any:
    import dataclasses

    train = dataclasses.replace(spec.run.train, seed=seed)
    return dataclasses.replace(spec, run=spec.run.replace(train=train))


def _headline(name: str, comparison: Any) -> str:
    run = comparison.trainers[0].run
    tc = run.train
    shared = "from the same weights" if len(set(comparison.weights_from)) == 1 else "same seed"
    return (
        f"rnnviz compare {name}: {len(comparison)} runs in lockstep on the {run.task.name} task, "
        f"batch {tc.batch} x {tc.seq_len} steps, seed {tc.seed}, {shared}"
    )


def setup(run: Any) -> str:
    """A run's set-up in a few words: cell, units, optimiser, rate, clipping."""
    m, o = run.model, run.optim
    clip = []
    if o.clip_value is not None:
        clip.append(f"clip value {o.clip_value:g}")
    if o.clip_norm is not None:
        clip.append(f"clip norm {o.clip_norm:g}")
    return f"{m.cell} {m.hidden}, {o.name} {o.lr:g}, {' + '.join(clip) or 'no clipping'}"


def final_metrics(trainer: Any) -> dict[str, float]:
    """The task's metrics of the trainer's current weights (no sample drawn, run unchanged)."""
    rng = copy.deepcopy(trainer.rng_sample)
    metrics = trainer.evaluation(rng, length=0).metrics
    return {k: float(v) for k, v in metrics.items() if k not in AUXILIARY}


def table(comparison: Any, diverged: list[int], spent: list[float]) -> str:
    """The closing table: one row per run (see the module docstring)."""
    metrics = [final_metrics(t) for t in comparison.trainers]
    keys = list(dict.fromkeys(k for m in metrics for k in m))
    total = sum(spent) or 1.0
    head = ["run", "set-up", "steps", f"loss (last {LAST_STEPS})", *keys, "diverged", "time"]
    rows = [head]
    for i, t in enumerate(comparison.trainers):
        losses = t.history.recent("loss")[1][-LAST_STEPS:]
        loss = float(losses.mean()) if len(losses) else math.nan
        row = [comparison.labels[i], setup(t.run), str(t.step_count), _num(loss)]
        row += [_num(metrics[i].get(k, math.nan)) for k in keys]
        row += [str(diverged[i]), f"{100 * spent[i] / total:.0f} %"]
        rows.append(row)
    widths = [max(len(r[c]) for r in rows) for c in range(len(head))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


def _num(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.4g}"
