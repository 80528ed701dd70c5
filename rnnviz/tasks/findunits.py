"""Find units: rank every unit of every declared array by its correlation with something a person
can name — a feature the task knows (binary addition's carry, bracket depth, echo's stored
symbol) or the characters of a text that a regular expression marks (e.g. inside quotes).

- a task feature is measured on ``count`` fresh sequences the task draws (seeded), all steps of
  all of them together: N = count x T steps;
- a pattern is matched on the task's held-out text (``Task.held_out``), which is read with the
  state carried along it (:func:`rnnviz.core.tracing.trace_tokens`); the feature at step n is 1
  when character n (the one read at that step) lies inside a match, else 0.

The ranking itself is :func:`rnnviz.core.units.rank_units` (Pearson correlation, best |r| first).
A task feature also gets the best pair of units of one array (:func:`rnnviz.core.units.best_pair`),
so that a feature two units hold together is named too (:meth:`UnitRanking.naming`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from rnnviz.core.model import Model
from rnnviz.core.tracing import trace_tokens
from rnnviz.core.units import Naming, UnitPair, UnitScore, best_pair, name_units, rank_units
from rnnviz.tasks.base import Task, TaskInputError
from rnnviz.tasks.readout import pattern_marks

#: Sequences a task feature is measured on.
FEATURE_COUNT = 256


@dataclass(frozen=True)
class UnitRanking:
    """Units ranked against one feature.

    Attributes
    ----------
    source : str
        "feature carry" or "pattern '\"[^\"]*\"'".
    steps : int
        Steps the correlations are taken over.
    marked : int
        Steps where the feature is non-zero (characters a pattern marks).
    scores : list of UnitScore
        Best |correlation| first.
    feature : str
        The task feature ranked against ("" for a pattern).
    pair : UnitPair or None
        A feature's best pair of units of one array (None for a pattern).
    """

    source: str
    steps: int
    marked: int
    scores: list[UnitScore]
    feature: str = ""
    pair: UnitPair | None = None

    def naming(self) -> Naming | None:
        """The unit or pair a task feature is named after (None: none follows it, or a
        pattern); see :func:`rnnviz.core.units.name_units`."""
        return name_units(self.feature, self.scores, self.pair) if self.feature else None


def _flat_states(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    tr = model.forward(x)
    return {k: np.array(v).reshape(-1, v.shape[-1]) for k, v in tr.states.items()}  # (N*T, H)


def feature_ranking(
    model: Model,
    task: Task,
    feature: str,
    rng: np.random.Generator,
    count: int = FEATURE_COUNT,
    top: int | None = None,
) -> UnitRanking:
    """Units ranked by correlation with the task feature ``feature`` on fresh sequences.

    Raises
    ------
    TaskInputError
        The task has no such feature, or it does not vary on the drawn sequences.
    """
    task.check_feature(feature)
    x = task.feature_inputs(count, rng)  # (N, T) or (N, T, D)
    values = task.features(x)[feature].reshape(-1)  # (N*T,)
    states = _flat_states(model, x)
    ranking = _ranking(f"feature {feature}", states, values, top)
    return replace(ranking, feature=feature, pair=best_pair(states, values))


def pattern_ranking(model: Model, task: Task, pattern: str, top: int | None = None) -> UnitRanking:
    """Units ranked by correlation with the characters ``pattern`` marks in the held-out text.

    Raises
    ------
    TaskInputError
        Not a regular expression, not a text task, or the pattern marks no character (or every
        character) of the held-out text.
    """
    text, ids = task.held_out()
    marks = pattern_marks(text, pattern)  # (N,)
    n = int(marks.sum())
    if n == 0 or n == marks.size:
        which = "no character" if n == 0 else "every character"
        raise TaskInputError(
            f"pattern {pattern!r} marks {which} of the held-out text ({marks.size:,} characters):"
            " nothing to compare; mark some characters and not others"
        )
    states = trace_tokens(model, ids)  # name -> (N, H)
    return _ranking(f"pattern {pattern!r}", states, marks.astype(np.float64), top)


def _ranking(source: str, states: dict, values: np.ndarray, top: int | None) -> UnitRanking:
    if not np.ptp(values) > 0:
        raise TaskInputError(f"{source} does not change over the {values.size:,} steps measured")
    scores = rank_units(states, values, top)
    return UnitRanking(source, int(values.size), int(np.count_nonzero(values)), scores)
