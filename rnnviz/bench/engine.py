"""``rnnviz bench``: training throughput of the engine, in tokens per second.

One training step = forward + backward + Adam update on a batch of B random token sequences of
length T over a 65-symbol vocabulary (softmax head). Reported: tokens/s = B*T*steps / seconds.
Implementations, measured alternately round by round (best round kept, since the machine may be
shared): "numpy" (this engine), "tutorial" (rnnviz.bench.tutorial, the one-sequence-at-a-time
textbook way) and "torch" (the cell's torch.nn equivalent, e.g. nn.LSTM, + Linear + cross-entropy
+ Adam, only if PyTorch is installed and the cell names one, with the same thread count).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable

import numpy as np

from rnnviz.cliargs import ArgParser, run_command
from rnnviz.config import ModelConfig, OptimConfig
from rnnviz.core._ops import set_thread_budget
from rnnviz.core.model import Model
from rnnviz.core.optim import make_optimizer
from rnnviz.core.registry import cell_class, cell_names

VOCAB = 65
SIZES = ((100, 1, 25), (128, 32, 64), (256, 64, 64), (512, 64, 64))
QUICK_SIZES = ((100, 1, 25), (128, 32, 64))
# Seconds of idleness between two implementations when several threads are used: OpenBLAS and
# OpenMP worker threads busy-wait for a while after each call and would steal the other's cores.
IDLE_GAP = 0.3
DTYPES = ("float32", "float64")


def engine_step(cell: str, hidden: int, dtype: str, seed: int = 0) -> Callable:
    cfg = ModelConfig(
        cell=cell,
        nonlinearity=cell_class(cell).nonlinearities[0],
        input_size=VOCAB,
        hidden=hidden,
        output_size=VOCAB,
        dtype=dtype,
    )
    m = Model(cfg, np.random.default_rng(seed))
    opt = make_optimizer(OptimConfig(name="adam", lr=0.01, clip_value=None), m.params.size, m.dtype)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        tr = m.forward(x, y)
        g, _ = m.backward(tr)
        opt.update(m.params, g)
        return tr.loss

    return step


def tutorial_step(cell: str, hidden: int, dtype: str, seed: int = 0) -> Callable:
    from rnnviz.bench.tutorial import TutorialNet

    net = TutorialNet(cell, VOCAB, hidden, np.random.default_rng(seed), dtype)
    return net.train_step


def torch_step(cell: str, hidden: int, dtype: str, threads: int, seed: int = 0) -> Callable:
    from rnnviz.bench.torch_ref import make_step

    module = cell_class(cell).TORCH_MODULE
    assert module is not None, cell  # run() asks only for cells that name one
    return make_step(module, VOCAB, hidden, dtype, threads, seed)


def measure(step: Callable, data: list, budget: float, min_steps: int = 2) -> float:
    """Tokens per second of ``step`` over at least ``budget`` seconds and ``min_steps`` steps."""
    x, y = data[0]
    step(x, y)  # warm-up: allocations, thread pools
    n = 0
    t0 = time.perf_counter()
    while True:
        x, y = data[n % len(data)]
        step(x, y)
        n += 1
        elapsed = time.perf_counter() - t0
        if n >= min_steps and elapsed >= budget:
            break
    return n * x.size / elapsed


def _parse_sizes(text: str) -> list[tuple[int, int, int]]:
    out = []
    for part in text.split(","):
        try:
            h, b, t = (int(v) for v in part.lower().split("x"))
        except ValueError:
            raise ValueError(
                f"--sizes {part!r}: expected HIDDENxBATCHxLENGTH, e.g. 128x32x64"
            ) from None
        if min(h, b, t) < 1:
            raise ValueError(f"--sizes {part!r}: every number must be at least 1")
        out.append((h, b, t))
    return out


def run(
    cells, sizes, dtypes, impls, threads: int, budget: float, rounds: int, emit: Callable
) -> list[dict]:
    """Measure every (cell, size, dtype) for every implementation; ``emit`` gets each result row."""
    set_thread_budget(threads)
    results = []
    for H, B, T in sizes:
        rng = np.random.default_rng(1)
        data = [(rng.integers(0, VOCAB, (B, T)), rng.integers(0, VOCAB, (B, T))) for _ in range(4)]
        for cell in cells:
            for dtype in dtypes:
                steps: dict[str, Callable] = {"numpy": engine_step(cell, H, dtype)}
                if "tutorial" in impls and dtype == "float64":
                    steps["tutorial"] = tutorial_step(cell, H, dtype)
                if "torch" in impls and cell_class(cell).TORCH_MODULE is not None:
                    steps["torch"] = torch_step(cell, H, dtype, threads)
                best = dict.fromkeys(steps, 0.0)
                for _ in range(rounds):
                    for name, step in steps.items():
                        # the tutorial baseline is slow and steady: one round is enough
                        if name == "tutorial" and best[name] > 0:
                            continue
                        if threads > 1 and len(steps) > 1:
                            # let the other library's worker threads stop spinning first
                            time.sleep(IDLE_GAP)
                        best[name] = max(best[name], measure(step, data, budget))
                for name, tps in best.items():
                    row = {
                        "cell": cell,
                        "hidden": H,
                        "batch": B,
                        "length": T,
                        "dtype": dtype,
                        "impl": name,
                        "tokens_per_s": round(tps, 1),
                    }
                    if name == "numpy":
                        for ref in ("torch", "tutorial"):
                            if ref in best and best[ref] > 0:
                                row[f"vs_{ref}"] = round(tps / best[ref], 3)
                    results.append(row)
                    emit(row)
    set_thread_budget(None)
    return results


def cli(argv: list[str]) -> int:
    """``rnnviz bench``: print a throughput table (or JSON lines with --json).

    Returns 0, or 2 after printing the one line ``rnnviz: error: <message>`` for a bad command
    line.
    """
    return run_command(_run, argv)


def _run(argv: list[str]) -> int:
    ap = ArgParser(prog="rnnviz bench", description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    default_cell = ModelConfig().cell
    ap.add_argument(
        "--quick",
        action="store_true",
        help=f"{cell_class(default_cell).title} at 100x1x25 and 128x32x64 only",
    )
    all_cells = ",".join(cell_names())
    ap.add_argument("--cells", default=all_cells, help=f"comma-separated: {all_cells}")
    ap.add_argument("--dtypes", default=",".join(DTYPES), help="comma-separated: float32,float64")
    ap.add_argument("--sizes", default=None, help="HIDDENxBATCHxLENGTH,... (default: the 4 sizes)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="BLAS/torch threads")
    ap.add_argument("--budget", type=float, default=None, help="seconds per measurement")
    ap.add_argument("--rounds", type=int, default=None, help="alternating rounds (best kept)")
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    ap.add_argument("--no-tutorial", action="store_true", help="skip the tutorial-style baseline")
    args = ap.parse_args(argv)
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    dtypes = [d.strip() for d in args.dtypes.split(",") if d.strip()]
    for c in cells:
        if c not in cell_names():
            ap.error(f"--cells {c!r}: choose from {', '.join(cell_names())}")
    for d in dtypes:
        if d not in DTYPES:
            ap.error(f"--dtypes {d!r}: choose from {', '.join(DTYPES)}")
    if args.threads < 1:
        ap.error("--threads must be at least 1")
    try:
        sizes = _parse_sizes(args.sizes) if args.sizes else list(SIZES)
    except ValueError as e:
        ap.error(str(e))
    budget, rounds = args.budget or 0.4, args.rounds or 4
    if args.quick:
        cells = [default_cell] if args.cells == all_cells else cells
        sizes = sizes if args.sizes else list(QUICK_SIZES)
        budget, rounds = args.budget or 0.3, args.rounds or 2
    impls = {"numpy"}
    if not args.no_tutorial:
        impls.add("tutorial")
    if not args.no_torch:
        from rnnviz.bench.torch_ref import available

        if available():
            impls.add("torch")
    header = (
        f"{'cell':<5} {'hidden':>6} {'batch':>5} {'length':>6} {'dtype':<8} {'impl':<9}"
        f" {'tokens/s':>11}  ratio"
    )

    def emit(row: dict) -> None:
        if args.json:
            print(json.dumps(row), flush=True)
            return
        ratio = "  ".join(f"{row[k]:.2f}x {k[3:]}" for k in ("vs_torch", "vs_tutorial") if k in row)
        print(
            f"{row['cell']:<5} {row['hidden']:>6} {row['batch']:>5} {row['length']:>6}"
            f" {row['dtype']:<8} {row['impl']:<9} {row['tokens_per_s']:>11.0f}  {ratio}",
            flush=True,
        )

    if not args.json:
        print(f"threads: {args.threads}; torch: {'yes' if 'torch' in impls else 'not installed'}")
        print(header)
    run(cells, sizes, dtypes, impls, args.threads, budget, rounds, emit)
    sys.stdout.flush()
    return 0
