"""``rnnviz bench --frames``: what a Frame costs to save and load, and a StepRecord per step.

* Frames: for the default preset and for an LSTM with H = 512 and a 64-step probe (``--big-hidden``
  and ``--big-steps`` change it), a frame of the trained-one-step weights is saved to an ``.npz``
  file (:meth:`Frame.save <rnnviz.train.frame.Frame.save>`) and loaded back
  (:meth:`Frame.load <rnnviz.train.frame.Frame.load>`) ``--repeats`` times; printed are the file's
  size and the median and fastest time of each way, and of making its bytes in memory. Targets for
  the default preset: at most 10 ms each way and 1 MB.
* Step records: making ``--records`` StepRecords, and a RunModel ingesting them 100 per Update
  (about what a window receives while a fast model trains), in microseconds per step.

Figures depend on the machine and on what else runs on it (a file save includes the file
system's work): quote them with the machine.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rnnviz.cliargs import ArgParser, run_command

TARGET_MS = 10.0
TARGET_BYTES = 1_000_000
RECORDS_PER_UPDATE = 100


def cli(argv: list[str]) -> int:
    """``rnnviz bench --frames``."""
    return run_command(_run, argv)


def _times(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median and fastest wall time of ``fn`` in milliseconds."""
    seconds = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(seconds), 1e3 * min(seconds)


def frame_costs(run: object, steps: int | None, repeats: int, folder: Path) -> dict[str, object]:
    """Size and save/load times of a frame of ``run`` (a probe of ``steps`` steps if given: the
    task's own probe text repeated)."""
    from rnnviz.train.frame import Frame
    from rnnviz.train.trainer import Trainer

    trainer = Trainer(run)  # type: ignore[arg-type]
    if steps is not None:
        text = trainer.task.probe().text
        trainer.set_probe((text * (steps // len(text) + 2))[: steps + 1])  # steps inputs
    trainer.step()
    frame = trainer.frame()
    path = folder / "frame.npz"
    save = _times(lambda: frame.save(path), repeats)
    load = _times(lambda: Frame.load(path), repeats)
    memory = _times(frame.to_bytes, repeats)
    H = next(iter(frame.states.values())).shape[1]
    return {
        "cell": frame.cell,
        "T": frame.T,
        "H": int(H),
        "arrays": len(frame.states),
        "bytes": path.stat().st_size,
        "save_ms": save[0],
        "save_min_ms": save[1],
        "load_ms": load[0],
        "load_min_ms": load[1],
        "to_bytes_ms": memory[0],
    }


def record_costs(n: int) -> dict[str, float]:
    """Microseconds per step to make StepRecords and to ingest them into a RunModel."""
    from rnnviz.train.records import StepRecord
    from rnnviz.train.runmodel import RunModel
    from rnnviz.train.update import Status, Update

    t0 = time.perf_counter()
    records = [StepRecord(s, 800 * s, 1.5, 2.0, 2.0, s % 7 == 0, 2e-3) for s in range(1, n + 1)]
    make = time.perf_counter() - t0
    model = RunModel()
    t0 = time.perf_counter()
    for k in range(0, n, RECORDS_PER_UPDATE):
        chunk = tuple(records[k : k + RECORDS_PER_UPDATE])
        model.ingest(Update("bench", Status(step=chunk[-1].step), chunk))
    ingest = time.perf_counter() - t0
    return {"steps": n, "make_us": 1e6 * make / n, "ingest_us": 1e6 * ingest / n}


def _big_run(hidden: int, steps: int) -> object:
    """The default cell (an LSTM) with ``hidden`` units on the bundled text."""
    from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig

    return RunConfig(
        task=TaskConfig("text", {}),
        model=ModelConfig(hidden=hidden),
        train=TrainConfig(seq_len=steps, batch=2),
    )


def _run(argv: list[str]) -> int:
    from rnnviz.presets import load_preset

    ap = ArgParser(prog="rnnviz bench --frames", description=__doc__.splitlines()[0])
    ap.add_argument("--frames", action="store_true")
    ap.add_argument("--repeats", type=int, default=30, help="saves and loads per frame")
    ap.add_argument("--big-hidden", type=int, default=512, help="H of the big frame")
    ap.add_argument("--big-steps", type=int, default=64, help="probe steps of the big frame")
    ap.add_argument("--records", type=int, default=100_000, help="step records made")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args(argv)
    if min(args.repeats, args.big_hidden, args.records) < 1 or args.big_steps < 2:
        ap.error("--repeats, --big-hidden and --records must be at least 1, --big-steps 2")
    big = _big_run(args.big_hidden, args.big_steps)
    cases = [("default preset", load_preset("default"), None), ("big", big, args.big_steps)]
    with tempfile.TemporaryDirectory(prefix="rnnviz-bench-") as tmp:
        for name, run, text in cases:
            row = {"frame": name, **frame_costs(run, text, args.repeats, Path(tmp))}
            if args.json:
                print(json.dumps(row))
                continue
            ok = (
                row["save_ms"] <= TARGET_MS  # type: ignore[operator]
                and row["load_ms"] <= TARGET_MS  # type: ignore[operator]
                and row["bytes"] <= TARGET_BYTES  # type: ignore[operator]
            )
            verdict = "meets" if ok else "misses"
            print(
                f"{name} ({row['cell']}, T={row['T']}, H={row['H']}, {row['arrays']} arrays): "
                f"{row['bytes'] / 1e3:.0f} KB; save {row['save_ms']:.2f} ms "
                f"(fastest {row['save_min_ms']:.2f}), load {row['load_ms']:.2f} ms "
                f"(fastest {row['load_min_ms']:.2f}), in memory {row['to_bytes_ms']:.2f} ms"
                + (f" — {verdict} 10 ms / 1 MB" if name == "default preset" else "")
            )
    rec = record_costs(args.records)
    if args.json:
        print(json.dumps({"records": rec}))
    else:
        print(
            f"step records: {rec['make_us']:.2f} us to make one, {rec['ingest_us']:.2f} us to "
            f"ingest it into a RunModel ({RECORDS_PER_UPDATE} per update), over "
            f"{rec['steps']:,} steps"
        )
    return 0
