"""``rnnviz gradcheck``: every cell x head checked against central differences in float64.

The check itself lives in :mod:`rnnviz.core.gradcheck`; this module is its command line.
"""

from __future__ import annotations

import sys

import numpy as np

from rnnviz.cliargs import ArgParser, run_command
from rnnviz.core.gradcheck import CheckRow, check_configs, check_label, gradcheck_model
from rnnviz.core.model import Model

DESCRIPTION = "Finite-difference gradient check in float64."


def cli(argv: list[str]) -> int:
    """``rnnviz gradcheck``: check every cell x head.

    Returns 0 only if every check passes, 1 if one fails, and 2 after printing the one line
    ``rnnviz: error: <message>`` for a bad command line.
    """
    return run_command(_run, argv)


def _run(argv: list[str]) -> int:
    ap = ArgParser(prog="rnnviz gradcheck", description=DESCRIPTION)
    ap.add_argument(
        "--seeds", type=int, default=3, help="random problems per cell and head (default 3)"
    )
    ap.add_argument("--hidden", type=int, default=3, help="hidden units (default 3)")
    ap.add_argument("--batch", type=int, default=2, help="sequences per batch (default 2)")
    ap.add_argument(
        "--lengths", default="1,5,12", help="comma-separated sequence lengths (default 1,5,12)"
    )
    args = ap.parse_args(argv)
    try:
        lengths = [int(s) for s in args.lengths.split(",") if s.strip()]
    except ValueError:
        ap.error(f"--lengths {args.lengths!r}: expected comma-separated integers such as 1,5,12")
    if args.seeds < 1 or args.hidden < 1 or args.batch < 1 or not lengths or min(lengths) < 1:
        ap.error("--seeds, --hidden, --batch and every length must be at least 1")
    worst: dict[tuple[str, str, str], CheckRow] = {}
    for cfg in check_configs(hidden=args.hidden):
        for seed in range(args.seeds):
            for T in lengths:
                rng = np.random.default_rng(seed)
                model = Model(cfg, rng)
                for row in gradcheck_model(model, rng, batch=args.batch, length=T):
                    key = (check_label(cfg), row.head, row.param)
                    if key not in worst or row.rel_err > worst[key].rel_err:
                        worst[key] = row
    print(f"{'cell':<12}{'head':<9}{'param':<7}{'size':>6}{'max abs err':>14}{'rel err':>12}  ok")
    for (cell, head, param), row in worst.items():
        ok = "yes" if row.ok else "NO"
        cols = f"{cell:<12}{head:<9}{param:<7}{row.size:>6}"
        print(f"{cols}{row.max_abs_err:>14.2e}{row.rel_err:>12.2e}  {ok}")
    max_rel = max(r.rel_err for r in worst.values())
    print(f"max relative error: {max_rel:.3e}")
    sys.stdout.flush()
    return 0 if all(r.ok for r in worst.values()) else 1
