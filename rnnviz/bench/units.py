"""``rnnviz bench --units``: the latencies of the up-close tools (issue 12's targets).

- interventions (clamp h, force a gate, edit an input) on a probe of T = 64 at H = 128, the
  original run already computed: target <= 50 ms;
- tracing 100,000 characters of text at H = 128, every unit of h kept (as finding units does)
  and one unit (as the unit card does), on every core (as the window lets a trace use them;
  ``--trace-threads N`` for another count): target <= 200 ms of wall time; the CPU time of all
  its threads is printed beside it (the work, which moves less with the load of a shared
  machine);
- one step explained: once per new frame the textbook steps of the probe are run (in the
  worker), then each cursor move only writes the live equations of the steps kept; and the
  backward pass explained at every step;
- the recurrent blocks' spectral radius and largest singular value at H = 512 (per frame,
  warm-started) and their error against numpy.linalg's exact values.

Each figure is the median of several repetitions, in milliseconds. Figures on a shared machine
move with its load: compare medians of runs taken one after another.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from rnnviz.cliargs import ArgParser, run_command
from rnnviz.config import ModelConfig
from rnnviz.core._ops import job_threads
from rnnviz.core.backstep import backward_steps
from rnnviz.core.explain import explain_step, reference_steps
from rnnviz.core.intervene import Clamp, EditInput, ForceGate, intervene, run_probe
from rnnviz.core.model import Model
from rnnviz.core.registry import cell_names
from rnnviz.core.spectral import SpectralTracker
from rnnviz.core.tracing import trace_tokens
from rnnviz.core.units import gate_names

VOCAB = 100  # a corpus-sized vocabulary
H_PROBE, T_PROBE = 128, 64
TRACE_CHARS = 100_000
H_SPECTRUM = 512


def cli(argv: list[str]) -> int:
    """``rnnviz bench --units``: print the latencies (``--json``: one JSON object per line)."""
    return run_command(_run, argv)


def median_ms(
    fn: Callable[[], object], repeat: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Median time of ``fn()`` over ``repeat`` calls after one warm-up call, in ms: wall time,
    or with ``clock=time.process_time`` the CPU time of every thread of the process (the work
    done, which moves less with a shared machine's load)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = clock()
        fn()
        times.append((clock() - t0) * 1e3)
    return statistics.median(times)


def _model(cell: str, hidden: int, seed: int = 0) -> Model:
    cfg = ModelConfig(cell=cell, input_size=VOCAB, hidden=hidden, output_size=VOCAB)
    return Model(cfg, np.random.default_rng(seed))


def _probe_rows(cell: str, repeat: int) -> list[dict]:
    m = _model(cell, H_PROBE)
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, VOCAB, size=(1, T_PROBE)), rng.integers(0, VOCAB, size=(1, T_PROBE))
    original = run_probe(m, x, y)
    base = {"cell": cell, "hidden": H_PROBE, "length": T_PROBE}
    t = T_PROBE // 6  # an early step: the change acts on most of the probe
    changes = {
        "clamp h": Clamp("h", 3, 0.0, t),
        "edit input": EditInput(t, 7),
    }
    gates = gate_names(m.cell.diagram)
    if gates:
        changes[f"force {gates[0]}"] = ForceGate(gates[0], 3, True, t)
    rows = []
    for name, change in changes.items():
        ms = median_ms(lambda c=change: intervene(m, x, y, c, original=original), repeat)
        rows.append({**base, "what": f"intervention: {name}", "ms": ms, "target_ms": 50})
    steps = reference_steps(m, x)
    rows.append(
        {
            **base,
            "what": "new frame: textbook steps + one step explained",
            "ms": median_ms(lambda: explain_step(m, x, T_PROBE // 2, 5), repeat),
        }
    )
    rows.append(
        {
            **base,
            "what": "cursor move: step/unit explained (steps kept)",
            "ms": median_ms(lambda: explain_step(m, x, T_PROBE - 1, 6, steps=steps), repeat),
        }
    )
    rows.append(
        {
            **base,
            "what": "backward explained at every step",
            "ms": median_ms(lambda: backward_steps(m, x, y), repeat),
        }
    )
    return rows


def _trace_rows(cell: str, repeat: int, threads: int | None) -> list[dict]:
    """Tracing TRACE_CHARS characters at H_PROBE: every unit of h kept (as finding units does)
    and one unit (as the unit card does), wall and CPU time of each call."""
    m = _model(cell, H_PROBE)
    ids = np.random.default_rng(2).integers(0, VOCAB, size=TRACE_CHARS)
    n = job_threads() if threads is None else threads
    kept = {"h kept": {}, "one unit of h kept: the unit card": {"units": (5,)}}
    rows = []
    for what, kwargs in kept.items():

        def trace(kw: dict = kwargs) -> object:
            return trace_tokens(m, ids, ("h",), workers=n, **kw)

        trace()  # warm-up
        wall, cpu = [], []
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            trace()
            wall.append((time.perf_counter() - t0) * 1e3)
            cpu.append((time.process_time() - c0) * 1e3)
        rows.append(
            {
                "cell": cell,
                "hidden": H_PROBE,
                "length": TRACE_CHARS,
                "what": f"trace {TRACE_CHARS:,} characters ({what})",
                "threads": n,
                "ms": statistics.median(wall),
                "cpu_ms": statistics.median(cpu),
                "target_ms": 200,
            }
        )
    return rows


def _spectrum_row(cell: str, repeat: int) -> dict:
    m = _model(cell, H_SPECTRUM)
    tracker = SpectralTracker()
    est = tracker.update(m.cell, m.p)
    ms = median_ms(lambda: tracker.update(m.cell, m.p), repeat)
    q = m.cell.unfuse(m.p)
    err_rho = err_sv = 0.0
    for s in est:
        W = q[f"W_h{s.gate}"].astype(np.float64)
        rho = float(np.abs(np.linalg.eigvals(W)).max())
        sv = float(np.linalg.norm(W, 2))
        err_rho = max(err_rho, abs(s.radius - rho) / rho)
        err_sv = max(err_sv, abs(s.sigma_max - sv) / sv)
    return {
        "cell": cell,
        "hidden": H_SPECTRUM,
        "length": 0,
        "what": f"spectra of {len(est)} recurrent block(s) per frame",
        "ms": ms,
        "rel_err_radius": err_rho,
        "rel_err_sigma_max": err_sv,
    }


def _run(argv: list[str]) -> int:
    ap = ArgParser(prog="rnnviz bench", description="Latencies of the up-close tools.")
    ap.add_argument("--units", action="store_true", help="this benchmark")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    ap.add_argument("--quick", action="store_true", help="the default cell only, fewer repeats")
    ap.add_argument("--cells", default=",".join(cell_names()), help="comma-separated cells")
    ap.add_argument(
        "--trace-threads",
        type=int,
        default=None,
        metavar="N",
        help="threads a trace reads its groups of streams on (default: every core, as the "
        "window lets a trace use)",
    )
    args = ap.parse_args(argv)
    if args.trace_threads is not None and args.trace_threads < 1:
        ap.error(f"--trace-threads {args.trace_threads}: give at least 1")
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    for c in cells:
        if c not in cell_names():
            ap.error(f"--cells {c!r}: choose from {', '.join(cell_names())}")
    if args.quick:
        cells = [ModelConfig().cell] if args.cells == ",".join(cell_names()) else cells
    repeat = 5 if args.quick else 15

    def emit(row: dict) -> None:
        if args.json:
            print(json.dumps(row), flush=True)
            return
        target = f"  (target <= {row['target_ms']} ms)" if "target_ms" in row else ""
        if "cpu_ms" in row:
            threads = f"{row['threads']} thread" + ("s" if row["threads"] != 1 else "")
            target += f"  (CPU time of its {threads} {row['cpu_ms']:.0f} ms)"
        errors = ""
        if "rel_err_radius" in row:
            errors = (
                f"  (rel. error: radius {row['rel_err_radius']:.1e}, "
                f"sigma_max {row['rel_err_sigma_max']:.1e})"
            )
        size = f"H={row['hidden']}" + (f", T={row['length']}" if row["length"] else "")
        print(f"{row['cell']:<5} {size:<14} {row['what']:<50} {row['ms']:>8.2f} ms{target}{errors}")

    if not args.json:
        print("median of repeated runs; figures move with the machine's load")
    for cell in cells:
        for row in _probe_rows(cell, repeat):
            emit(row)
        for row in _trace_rows(cell, max(3, repeat // 3), args.trace_threads):
            emit(row)
        emit(_spectrum_row(cell, repeat))
    sys.stdout.flush()
    return 0
