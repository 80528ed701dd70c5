"""What the neuron inspector asks of a run, as jobs the worker thread runs on the trainer.

Each function takes the :class:`~rnnviz.train.trainer.Trainer` (in the worker thread, between
two training steps) and returns plain, frozen data the window can draw; none keeps a reference
to the model. The maths is in core (units, intervene, spectral, gradcheck, tracing) and tasks
(findunits, readout); this module only chooses the inputs (the probe, the held-out text) and
packs the answers.

- :func:`top_contexts`: the held-out text read with the state carried
  (:func:`rnnviz.core.tracing.trace_tokens`), and the characters at which unit j of array s is
  highest (and lowest), each with the text around it;
- :func:`probe_intervention`: an intervention on the probe (:func:`rnnviz.core.intervene.
  intervene`) with the task's read-out of both runs, so the window can show the predictions
  after t change;
- :func:`verify_gradients`: the finite-difference check of a float64 copy of the live model
  (:func:`rnnviz.core.gradcheck.gradcheck_model`, sampled entries);
- :class:`SpectralProbe`: the recurrent blocks' ρ and σ_max and the mean forget gate at the
  trainer's current step (warm-started from call to call).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.core.gradcheck import CheckRow, gradcheck_model
from rnnviz.core.intervene import Change, InterventionResult, intervene
from rnnviz.core.spectral import SpectralTracker, Spectrum, mean_forget
from rnnviz.core.tracing import trace_tokens
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.findunits import UnitRanking, feature_ranking, pattern_ranking

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.trainer import Trainer

#: Characters of context shown before (and after) a top-activating character.
CONTEXT_BEFORE = 24
CONTEXT_AFTER = 4
#: Held-out characters traced for a unit card (issue 12's latency target: <= 200 ms).
MAX_TRACE = 100_000
#: Entries differenced per parameter array when verifying a live model's gradients.
CHECK_ENTRIES = 24
#: Seed of the sequences a task feature is measured on (same seed, same ranking).
FEATURE_SEED = 0


@dataclass(frozen=True)
class Context:
    """One character of the held-out text and the unit's value there."""

    index: int  # position in the held-out text
    value: float
    before: str  # up to CONTEXT_BEFORE characters before it
    char: str
    after: str  # up to CONTEXT_AFTER characters after it


@dataclass(frozen=True)
class UnitContexts:
    """Where a unit is highest and lowest on the held-out text."""

    state: str
    unit: int
    step: int  # training step of the weights traced
    characters: int  # characters traced
    highest: tuple[Context, ...]
    lowest: tuple[Context, ...]


def _context(text: str, n: int, value: float) -> Context:
    return Context(
        n,
        float(value),
        text[max(0, n - CONTEXT_BEFORE) : n],
        text[n],
        text[n + 1 : n + 1 + CONTEXT_AFTER],
    )


def top_contexts(trainer: Trainer, state: str, unit: int, k: int = 8) -> UnitContexts:
    """The ``k`` held-out characters at which unit ``unit`` of ``state`` is highest and lowest.

    Raises
    ------
    TaskInputError
        The task reads no text (it has no held-out text to trace).
    ValueError
        An array the cell does not declare, or a unit outside the layer.
    """
    model = trainer.model
    if not 0 <= unit < model.cfg.hidden:
        raise ValueError(f"unit {unit} is outside the layer (0..{model.cfg.hidden - 1})")
    text, ids = trainer.task.held_out()
    text, ids = text[:MAX_TRACE], np.asarray(ids)[:MAX_TRACE]  # (N,)
    # only the unit shown is kept (the cell runs them all): storing every unit took 1.04x
    # (LSTM), 1.10x (GRU), 1.46x (RNN) the CPU time at 100,000 characters, H = 128
    values = trace_tokens(model, ids, names=(state,), units=(unit,))[state][:, 0]  # (N,)
    return unit_contexts(text, values, state, unit, trainer.step_count, k)


def unit_contexts(
    text: str, values: np.ndarray, state: str, unit: int, step: int, k: int = 8
) -> UnitContexts:
    """The ``k`` characters of ``text`` where ``values`` ((N,), one per character) is highest
    and lowest, each with the text around it (ties: the earlier character first among the
    lowest, the later among the highest)."""
    order = np.argsort(values, kind="stable")  # (N,) increasing
    k = min(k, values.size)
    high = tuple(_context(text, int(n), values[n]) for n in order[::-1][:k])
    low = tuple(_context(text, int(n), values[n]) for n in order[:k])
    return UnitContexts(state, unit, step, int(values.size), high, low)


@dataclass(frozen=True)
class ProbeIntervention:
    """An intervention on the probe, with what the task reads out of both runs."""

    step: int  # training step of the weights
    result: InterventionResult
    before: tuple  # StepPrediction per probe step, original run
    after: tuple  # StepPrediction per probe step, changed run


def probe_intervention(trainer: Trainer, change: Change) -> ProbeIntervention:
    """Apply ``change`` to the trainer's probe with the current weights (see core.intervene)."""
    probe = trainer.task.probe()
    res = intervene(trainer.model, probe.x, probe.y, change, probe.mask)
    try:
        before = trainer.task.describe(res.original.outputs, probe)
        after = trainer.task.describe(res.changed.outputs, probe)
    except NotImplementedError:
        before = after = ()
    return ProbeIntervention(trainer.step_count, res, tuple(before), tuple(after))


@dataclass(frozen=True)
class GradientCheck:
    """The gradient check of the live model at one training step."""

    step: int
    entries: int
    rows: tuple[CheckRow, ...]

    @property
    def ok(self) -> bool:
        """Whether every array passed."""
        return all(r.ok for r in self.rows)


def verify_gradients(trainer: Trainer, entries: int = CHECK_ENTRIES) -> GradientCheck:
    """Finite differences on a float64 copy of the live model (its weights are not changed)."""
    rng = np.random.default_rng(trainer.step_count)
    rows = gradcheck_model(trainer.model, rng, batch=2, length=6, entries=entries)
    return GradientCheck(trainer.step_count, entries, tuple(rows))


def rank_by_feature(trainer: Trainer, feature: str) -> UnitRanking:
    """Units ranked by |r| with the task feature ``feature`` (seeded sequences)."""
    rng = np.random.default_rng(FEATURE_SEED)
    return feature_ranking(trainer.model, trainer.task, feature, rng)


def rank_by_pattern(trainer: Trainer, pattern: str) -> UnitRanking:
    """Units ranked by |r| with the held-out characters the regular expression marks."""
    return pattern_ranking(trainer.model, trainer.task, pattern)


def feature_names(trainer: Trainer) -> tuple[str, ...]:
    """The task features units can be ranked against ("carry", "depth", ...)."""
    return tuple(trainer.task.feature_names())


def has_held_out(trainer: Trainer) -> bool:
    """Whether the task has held-out text to trace (text tasks)."""
    try:
        trainer.task.held_out()
    except TaskInputError:
        return False
    return True


@dataclass(frozen=True)
class SpectralPoint:
    """ρ and σ_max of every recurrent block, and the mean forget gate, at one training step."""

    step: int
    spectra: tuple[Spectrum, ...]
    forget: float | None  # mean forget gate on the probe (None: the cell has none)


@dataclass
class SpectralProbe:
    """Spectra of the trainer's recurrent blocks, warm-started call to call (worker only)."""

    tracker: SpectralTracker = field(default_factory=SpectralTracker)

    def __call__(self, trainer: Trainer) -> SpectralPoint:
        model = trainer.model
        spectra = self.tracker.update(model.cell, model.p)
        forget = mean_forget(model.cell, trainer.frame().states)
        return SpectralPoint(trainer.step_count, tuple(spectra), forget)
