"""``rnnviz bench --compare``: do runs in lockstep keep the throughput they have one by one?

For a comparison preset (default: the four-run optimiser race) two ways of training the same
runs for N steps each are timed, alternately, ``--repeats`` times:

* one after another: run 1 for N steps, then run 2 for N steps, ...;
* together: N lockstep rounds (:class:`rnnviz.train.compare.Comparison`), every run one step
  per round.

Each pair starts from fresh runs built the same way (construction is not timed). Printed: the
tokens per second of both ways per pair, and the ratio together / one after another (target:
at least 0.80), with medians. On a machine shared with other work, look at the median ratio:
both ways of a pair are measured back to back, so the load they see is alike.
"""

from __future__ import annotations

import json
import statistics
import time

from rnnviz.cliargs import ArgParser, run_command

TARGET = 0.80


def cli(argv: list[str]) -> int:
    """``rnnviz bench --compare [PRESET]``."""
    return run_command(_run, argv)


def one_after_another(comparison: object, steps: int) -> float:
    """Seconds to train each run of ``comparison`` for ``steps`` steps, one run after another."""
    t0 = time.perf_counter()
    for trainer in comparison.trainers:  # type: ignore[attr-defined]
        for _ in range(steps):
            trainer.step()
    return time.perf_counter() - t0


def together(comparison: object, steps: int) -> float:
    """Seconds for ``steps`` lockstep rounds of ``comparison``."""
    t0 = time.perf_counter()
    for _ in range(steps):
        comparison.step()  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def _run(argv: list[str]) -> int:
    from rnnviz.presets import load_compare
    from rnnviz.train.compare import Comparison

    ap = ArgParser(prog="rnnviz bench --compare", description=__doc__.splitlines()[0])
    ap.add_argument("--compare", nargs="?", const="race", default="race", metavar="PRESET")
    ap.add_argument("--steps", type=int, default=100, help="steps per run per measurement")
    ap.add_argument("--repeats", type=int, default=5, help="pairs measured (medians printed)")
    ap.add_argument("--json", action="store_true", help="one JSON object per line")
    args = ap.parse_args(argv)
    if args.steps < 1 or args.repeats < 1:
        ap.error("--steps and --repeats must be at least 1")
    specs = load_compare(args.compare)
    tokens = args.steps * sum(s.run.train.batch * s.run.train.seq_len for s in specs)

    def fresh() -> Comparison:
        c = Comparison(specs)
        for t in c.trainers:
            t.auto_evaluate = False  # time training alone: samples are the same cost either way
        c.step()  # warm-up: allocations, thread pools
        return c

    rows = []
    if not args.json:
        labels = ", ".join(s.label for s in specs)
        print(f"{args.compare}: {len(specs)} runs ({labels}), {args.steps} steps each")
        print(f"{'pair':>4}  {'one by one tok/s':>17}  {'together tok/s':>15}  {'ratio':>6}")
    for k in range(args.repeats):
        # alternate which way goes first, so neither always meets a warmer or colder machine
        ways = [("alone", one_after_another), ("lockstep", together)]
        seconds = {}
        for name, way in ways if k % 2 == 0 else ways[::-1]:
            seconds[name] = way(fresh(), args.steps)
        row = {
            "pair": k + 1,
            "alone_tok_s": tokens / seconds["alone"],
            "lockstep_tok_s": tokens / seconds["lockstep"],
            "ratio": seconds["alone"] / seconds["lockstep"],
        }
        rows.append(row)
        if args.json:
            print(json.dumps(row))
        else:
            print(
                f"{row['pair']:>4}  {row['alone_tok_s']:>17,.0f}  {row['lockstep_tok_s']:>15,.0f}"
                f"  {row['ratio']:>6.3f}"
            )
    median = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "pair"}
    verdict = "meets" if median["ratio"] >= TARGET else "misses"
    if args.json:
        print(json.dumps({"median": median, "target": TARGET}))
    else:
        print(
            f"median: {median['alone_tok_s']:,.0f} tok/s one by one, "
            f"{median['lockstep_tok_s']:,.0f} tok/s together, ratio {median['ratio']:.3f} "
            f"({verdict} the target {TARGET:.2f})"
        )
    return 0
