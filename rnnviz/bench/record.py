"""``rnnviz bench --record``: what recording costs in training time and in disk space.

* Slow-down: a preset (default: ``default``) trains N steps plainly and N steps while recorded
  with the default frame schedule (:mod:`rnnviz.train.recording`), alternately, ``--repeats``
  times from fresh runs; printed are the steps per second of both per pair and the slow-down
  1 - recorded / plain (target: at most 10 %), with medians.
* Cost per frame: alternately one training step and one frame (the trainer's update with its
  frame, appended to a recording), ``--frame-samples`` times; printed are the median step and
  frame times and what the default schedule (a frame every 250 steps, and at 1, 2, 5, ... below)
  adds to a ``--size-steps`` run: frames x frame time / (steps x step time). Step and frame are
  timed back to back, so a busy machine slows both alike and the ratio stays meaningful.
* Size of a long run: a recording of ``--size-steps`` steps (default 100,000; target: under
  200 MB) is written through the Recorder with the preset's real frame, its frame schedule and
  sample schedule, and synthetic step records (a record's size does not depend on its values),
  then opened again; printed are its size, frames, and the time to write and to open it.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from rnnviz.cliargs import ArgParser, run_command

TARGET_SLOWDOWN = 0.10
TARGET_BYTES = 200e6


def cli(argv: list[str]) -> int:
    """``rnnviz bench --record`` (``--window``: in the window, :mod:`rnnviz.bench.record_gui`)."""
    if "--window" in argv:
        from rnnviz.bench import record_gui

        return record_gui.cli(argv)
    return run_command(_run, argv)


def _plain(trainer: object, steps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(steps):
        trainer.step()  # type: ignore[attr-defined]
        trainer.pop_sample()  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def _recorded(trainer: object, steps: int, path: Path) -> float:
    from rnnviz.train.recording import Recorder, record_training

    t0 = time.perf_counter()
    rec = Recorder(path, trainer.run, trainer.run_id)  # type: ignore[attr-defined]
    record_training(trainer, rec, steps)
    return time.perf_counter() - t0


def frame_cost(run: object, samples: int, steps: int, folder: Path) -> dict[str, float]:
    """Median seconds of a training step and of a recorded frame (see the module docstring)."""
    from rnnviz.train.recording import Recorder, Schedule
    from rnnviz.train.trainer import Trainer

    trainer = Trainer(run)  # type: ignore[arg-type]
    trainer.step()  # warm-up
    rec = Recorder(folder / "cost.rnnrec", trainer.run, trainer.run_id, Schedule(1))
    step_s, frame_s = [], []
    for _ in range(samples):
        t0 = time.perf_counter()
        trainer.step()  # new weights: the next frame is computed, not cached
        t1 = time.perf_counter()
        rec.add(trainer.update("running"))
        t2 = time.perf_counter()
        step_s.append(t1 - t0)
        frame_s.append(t2 - t1)
    rec.close()
    frames = default_frames(steps)
    step, frame = statistics.median(step_s), statistics.median(frame_s)
    return {
        "step_s": step,
        "frame_s": frame,
        "frames": frames,
        "steps": steps,
        "slowdown": frames * frame / (steps * step),
    }


def default_frames(steps: int) -> int:
    """Frames the default schedule writes over ``steps`` steps (the first and last included)."""
    from rnnviz.train.recording import Schedule

    schedule, last, frames = Schedule(), None, 0
    for n in range(steps + 1):
        if schedule.due(n, last, 0.0):
            last, frames = n, frames + 1
    return frames + (last != steps)  # the newest frame is written when the recording closes


def long_run_size(run: object, steps: int, folder: Path) -> dict[str, float]:
    """Write and reopen a ``steps``-step recording of ``run`` (see the module docstring)."""
    from rnnviz.train.recording import Recorder, Recording
    from rnnviz.train.records import Sample, StepRecord
    from rnnviz.train.trainer import Trainer
    from rnnviz.train.update import Update

    trainer = Trainer(run)  # type: ignore[arg-type]
    for _ in range(3):
        trainer.step()
    frame = trainer.frame()
    tc = trainer.run.train
    sample_text = "x" * tc.sample_length
    path = folder / "long.rnnrec"
    t0 = time.perf_counter()
    rec = Recorder(path, trainer.run, trainer.run_id)
    status = trainer.status("running")
    rec.add(Update(trainer.run_id, status, (), frame.replace(step=0)))
    for n in range(1, steps + 1):
        measured = {"val_loss": 1.5, "bpc": 2.2} if n % tc.eval_every == 0 else None
        records = (StepRecord(n, n * tc.batch * tc.seq_len, 1.5, 2.0, 2.0, False, 0.01, measured),)
        samples = (Sample(n, sample_text),) if n % tc.sample_every == 0 else ()
        due = rec.frame_due(n) or n == steps  # the newest frame is written at the end
        f = frame.replace(step=n) if due else None
        rec.add(Update(trainer.run_id, status, records, f, samples))
    rec.close()
    write = time.perf_counter() - t0
    t0 = time.perf_counter()
    with Recording(path) as r:
        frames = len(r.frames)
        r.frame_at(steps // 2)
    opened = time.perf_counter() - t0
    size = path.stat().st_size
    path.unlink()
    return {"steps": steps, "bytes": size, "frames": frames, "write_s": write, "open_s": opened}


def _run(argv: list[str]) -> int:
    from rnnviz.presets import load_preset
    from rnnviz.train.trainer import Trainer

    ap = ArgParser(prog="rnnviz bench --record", description=__doc__.splitlines()[0])
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--preset", default="default")
    ap.add_argument("--steps", type=int, default=300, help="steps per measurement")
    ap.add_argument("--repeats", type=int, default=3, help="pairs measured (medians printed)")
    ap.add_argument("--size-steps", type=int, default=100_000, help="steps of the size test")
    ap.add_argument("--frame-samples", type=int, default=15, help="steps and frames timed")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument(
        "--window", action="store_true", help="measure Record in the window instead (own options)"
    )
    args = ap.parse_args(argv)
    if min(args.steps, args.size_steps, args.frame_samples) < 1 or args.repeats < 0:
        ap.error("--steps, --size-steps and --frame-samples must be at least 1, --repeats 0+")
    run = load_preset(args.preset)
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnnviz-bench-") as tmp:
        folder = Path(tmp)
        if not args.json:
            print(f"{args.preset}: {args.steps} steps plain and recorded, pair by pair")
            print(f"{'pair':>4}  {'plain step/s':>12}  {'recorded step/s':>15}  {'slow-down':>9}")
        for k in range(args.repeats):
            ways = ["plain", "recorded"] if k % 2 == 0 else ["recorded", "plain"]
            seconds = {}
            for way in ways:
                trainer = Trainer(run)
                trainer.step()  # warm-up
                if way == "plain":
                    seconds[way] = _plain(trainer, args.steps)
                else:
                    seconds[way] = _recorded(trainer, args.steps, folder / f"r{k}.rnnrec")
            row = {
                "pair": k + 1,
                "plain_steps_s": args.steps / seconds["plain"],
                "recorded_steps_s": args.steps / seconds["recorded"],
                "slowdown": 1 - seconds["plain"] / seconds["recorded"],
            }
            rows.append(row)
            if args.json:
                print(json.dumps(row))
            else:
                print(
                    f"{k + 1:>4}  {row['plain_steps_s']:>12.1f}  {row['recorded_steps_s']:>15.1f}"
                    f"  {100 * row['slowdown']:>8.1f}%"
                )
        slowdown = statistics.median(r["slowdown"] for r in rows) if rows else float("nan")
        cost = frame_cost(run, args.frame_samples, args.size_steps, folder)
        size = long_run_size(run, args.size_steps, folder)
    if args.json:
        print(json.dumps({"median_slowdown": slowdown, "frame_cost": cost, "size": size}))
        return 0
    if rows:
        verdict = "meets" if slowdown <= TARGET_SLOWDOWN else "misses"
        print(f"median slow-down {100 * slowdown:.1f}% ({verdict} the target of at most 10%)")
    verdict = "meets" if cost["slowdown"] <= TARGET_SLOWDOWN else "misses"
    print(
        f"step {1e3 * cost['step_s']:.1f} ms, frame {1e3 * cost['frame_s']:.1f} ms (medians of "
        f"{args.frame_samples}): {cost['frames']} frames add {100 * cost['slowdown']:.2f}% to "
        f"{cost['steps']:,} steps ({verdict} the target of at most 10%)"
    )
    verdict = "meets" if size["bytes"] < TARGET_BYTES else "misses"
    print(
        f"{size['steps']:,} steps: {size['bytes'] / 1e6:.1f} MB, {size['frames']} frames "
        f"({verdict} the target of under 200 MB); written in {size['write_s']:.1f} s, "
        f"opened in {size['open_s']:.2f} s"
    )
    return 0
