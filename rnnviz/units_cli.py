"""``rnnviz units``: which units of a saved model follow a feature or a pattern of the text.

    rnnviz units run.npz --feature carry                    # binary addition's carry unit
    rnnviz units run.npz --pattern '"[^"]*"' --top 5        # units that know "inside quotes"
    rnnviz units run.npz --feature depth --json

Every unit of every array the cell declares (h, c, the gates) is ranked by the absolute value of
its correlation with the feature, best first (:mod:`rnnviz.tasks.findunits`): a task feature is
measured on freshly drawn sequences (``--count``, ``--seed``), a pattern on the held-out text.
For a feature the last line names the unit that follows it (|r| >= 0.9), or the pair of units of
one array that hold it together (R >= 0.9, e.g. an LSTM's carry), or says that none does
(:func:`rnnviz.core.units.name_units`); ``--json`` gives it as ``named`` and ``best_pair``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rnnviz.cli import _nonneg_int, _positive_int
from rnnviz.cliargs import ArgParser, run_command
from rnnviz.config import shown

DEFAULT_TOP = 10
# Sequences drawn for a feature: 256 (the default) already give thousands of steps; the states of
# 4,096 echo sequences of an LSTM with 128 units are about 0.6 GB.
MAX_COUNT = 4096


def cli(argv: list[str]) -> int:
    """``rnnviz units``; returns 0, or 2 after a one-line message for a mistake."""
    return run_command(_run, argv)


def _parser() -> ArgParser:
    ap = ArgParser(
        prog="rnnviz units",
        description="Rank a checkpoint's units by correlation with a feature the task knows "
        "(e.g. carry, depth) or with the characters a regular expression marks in the held-out "
        "text.",
    )
    ap.add_argument("checkpoint", type=Path)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--feature", metavar="NAME", help="a feature of the task, e.g. carry")
    what.add_argument(
        "--pattern", metavar="REGEX", help="text tasks: a regular expression marking characters"
    )
    ap.add_argument(
        "--top", type=_positive_int, default=DEFAULT_TOP, help=f"units shown ({DEFAULT_TOP})"
    )
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument(
        "--count", type=_count, default=256, help=f"sequences for a feature (1-{MAX_COUNT:,})"
    )
    ap.add_argument("--seed", type=_nonneg_int, default=0, help="seed drawing those sequences")
    ap.add_argument("--corpus", help="the checkpoint's corpus file, if moved or not fingerprinted")
    return ap


def _count(text: str) -> int:
    """``--count``: a whole number from 1 to :data:`MAX_COUNT`."""
    value = _positive_int(text)
    if value > MAX_COUNT:
        raise argparse.ArgumentTypeError(f"{shown(text)} must be at most {MAX_COUNT:,}")
    return value


def _reads_text(task: Any) -> bool:
    """Whether ``task`` has held-out text for a pattern (it overrides ``Task.held_out``)."""
    from rnnviz.tasks.base import Task

    return type(task).held_out is not Task.held_out


def _run(argv: list[str]) -> int:
    import numpy as np

    from rnnviz.tasks.findunits import feature_ranking, pattern_ranking
    from rnnviz.train.trainer import Trainer

    args = _parser().parse_args(argv)
    if args.pattern is not None and not args.pattern:
        _parser().error("--pattern: give a regular expression that marks some characters")
    trainer = Trainer.load(args.checkpoint, corpus=args.corpus)
    model, task = trainer.model, trainer.task
    sizes = {spec.name: model.cell.H for spec in model.cell.specs}  # the arrays ranked
    if args.top > sum(sizes.values()):
        each = ", ".join(f"{name}: {n} units" for name, n in sizes.items())
        _parser().error(
            f"--top {args.top}: the model has {sum(sizes.values())} units ({each}); "
            f"give at most {sum(sizes.values())}"
        )
    if args.feature is not None:
        if not task.feature_names():
            _parser().error(
                f"--feature: the {task.name} task knows no features; mark characters with "
                "--pattern REGEX"
                if _reads_text(task)
                else f"--feature: the {task.name} task knows no features"
            )
        task.check_feature(args.feature)
        rng = np.random.default_rng(args.seed)
        ranking = feature_ranking(model, task, args.feature, rng, args.count, args.top)
    else:
        ranking = pattern_ranking(model, task, args.pattern, args.top)
    cell = trainer.run.model.cell
    if args.json:
        record: dict[str, Any] = {
            "checkpoint": str(args.checkpoint),
            "task": task.name,
            "cell": cell,
            "step": trainer.step_count,
            "source": ranking.source,
            "steps": ranking.steps,
            "marked": ranking.marked,
            "units": [
                {"unit": s.unit, "state": s.state, "correlation": round(s.correlation, 6)}
                for s in ranking.scores
            ],
        }
        if args.feature is not None:
            record["named"] = _named_record(ranking)
            pair = ranking.pair
            record["best_pair"] = (
                None
                if pair is None
                else {
                    "state": pair.first.state,
                    "units": [pair.first.unit, pair.second.unit],
                    "correlations": [
                        round(pair.first.correlation, 6),
                        round(pair.second.correlation, 6),
                    ],
                    "together": round(pair.together, 6),
                }
            )
        print(json.dumps(record))
        return 0
    where = "held-out characters" if args.pattern is not None else "steps"
    print(
        f"{args.checkpoint}: {task.name}, {cell}, step {trainer.step_count}; "
        f"{ranking.source} over {ranking.steps:,} {where} ({ranking.marked:,} non-zero)"
    )
    print(f"{'rank':>4}  {'state':<5}  {'unit':>4}  {'correlation':>11}")
    for i, s in enumerate(ranking.scores, 1):
        print(f"{i:>4}  {s.state:<5}  {s.unit:>4}  {s.correlation:>+11.3f}")
    if args.feature is not None:
        print(_verdict(ranking))
    sys.stdout.flush()
    return 0


def _named_record(ranking: Any) -> dict[str, Any] | None:
    """The JSON of the units a feature is named after (None: no unit or pair reaches 0.9)."""
    naming = ranking.naming()
    if naming is None:
        return None
    return {
        "label": naming.label,
        "units": [
            {"unit": u.unit, "state": u.state, "correlation": round(u.correlation, 6)}
            for u in naming.units
        ],
        "together": round(naming.together, 6),
    }


def _verdict(ranking: Any) -> str:
    """The table's last line: which unit (or pair) follows the feature, or that none does."""
    from rnnviz.core.units import NAMED_R

    naming = ranking.naming()
    if naming is not None:
        return naming.describe()
    best = ranking.scores[0]
    pair = "" if ranking.pair is None else f", the best pair R = {ranking.pair.together:.3f}"
    return (
        f"no unit follows {ranking.feature}: the best, {best.state}[{best.unit}], has "
        f"r = {best.correlation:+.3f}{pair} (a name needs {NAMED_R:g})"
    )
