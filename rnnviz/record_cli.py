"""``rnnviz record``: train headless and record the run for replay and export.

    rnnviz record --preset default --steps 100000 --every 250 --out run.rnnrec

One file holds the configuration, every step, the samples and a frame every K steps (or S
seconds); see :mod:`rnnviz.train.recording`. Ctrl-C (or SIGTERM, SIGHUP) ends the run after the
current step and closes the file with the newest frame; a killed process leaves a file that
replays up to its last complete frame.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from rnnviz.cli import _duration, _nonneg_int, _positive_float, _positive_int
from rnnviz.cliargs import ArgParser, UsageError, run_command
from rnnviz.stopping import StopSignals, exit_status

EXIT_DIVERGED = 1


def cli(argv: list[str]) -> int:
    """``rnnviz record``; returns the exit status (1 diverged, 130/143/129 after a signal)."""
    return run_command(_run, argv)


def _parser() -> ArgParser:
    from rnnviz.train.recording import DEFAULT_EVERY

    ap = ArgParser(
        prog="rnnviz record",
        description="Train headless and record the run (configuration, every step, samples, "
        "frames) into one file that replays even if cut short.",
    )
    ap.add_argument("--preset", default="default", help="the run (see `rnnviz presets`)")
    ap.add_argument("--steps", type=_positive_int, help="train this many steps")
    ap.add_argument("--time", type=_duration, help="or for this long, e.g. 90s, 5m")
    ap.add_argument(
        "--every",
        type=_positive_int,
        default=None,
        metavar="K",
        help=f"a frame every K steps (default {DEFAULT_EVERY}; also at 1, 2, 5, 10, ... below K)",
    )
    ap.add_argument(
        "--every-seconds", type=_positive_float, metavar="S", help="a frame every S seconds"
    )
    ap.add_argument("--seed", type=_nonneg_int, help="seed (default: the preset's)")
    ap.add_argument("--out", type=Path, required=True, help="the recording to create")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap


def _run(argv: list[str]) -> int:
    import dataclasses
    import time

    from tqdm import tqdm

    from rnnviz.presets import load_preset
    from rnnviz.train.recording import (
        DEFAULT_EVERY,
        Recorder,
        RecordingError,
        Schedule,
        record_training,
    )
    from rnnviz.train.trainer import Trainer

    args = _parser().parse_args(argv)
    if args.steps is None and args.time is None:
        raise UsageError("record: give --steps N or --time DURATION")
    if args.out.exists() or args.out.is_symlink():
        raise UsageError(f"{args.out}: exists; choose another name (nothing is overwritten)")
    run = load_preset(args.preset)
    if args.seed is not None:
        run = run.replace(train=dataclasses.replace(run.train, seed=args.seed))
    every = args.every if args.every is not None or args.every_seconds else DEFAULT_EVERY
    schedule = Schedule(every, args.every_seconds)
    trainer = Trainer(run)
    try:
        recorder = Recorder(args.out, trainer.run, trainer.run_id, schedule, label=args.preset)
    except RecordingError as exc:  # a missing folder, no permission
        raise UsageError(str(exc)) from None
    bar = tqdm(total=args.steps, disable=args.quiet, unit="step", file=sys.stderr, mininterval=0.5)
    start = time.perf_counter()
    code = 0
    with StopSignals() as stop:

        def stopping() -> bool:
            late = args.time is not None and time.perf_counter() - start >= args.time
            return late or stop.signum is not None

        state = record_training(trainer, recorder, args.steps, stopping, lambda _: bar.update(1))
        bar.close()
        if stop.signum is not None:
            code = exit_status(stop.signum)
    size = args.out.stat().st_size
    print(
        f"recording: {args.out} ({trainer.step_count:,} steps, {recorder.frames_written} frames, "
        f"{_megabytes(size)})"
    )
    if state == "diverged":
        print(f"rnnviz: {trainer.diverged}", file=sys.stderr)
        return EXIT_DIVERGED
    return code


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{math.ceil(n / 1e3):.0f} KB"
