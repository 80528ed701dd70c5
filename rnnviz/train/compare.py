"""Comparison: two to four runs trained in lockstep on the same data stream.

A comparison answers "what does this one change do?" (another optimiser, clipping on or off,
another learning rate, another cell) by holding everything else fixed::

    round n:  for each run r:  trainer_r.step()     # batch n of the shared stream

* **Same data.** Every run has the same task, sequence length, batch, statefulness and seed, so
  each draws bit-identical batches from its own stream (streams are per run, so runs stay
  independent): batch n of one run is batch n of every other, diverged steps included (a
  diverged step draws its batch too).
* **Same initial weights where the shapes allow.** Runs whose models are alike (the same cell,
  sizes, head, initialisation and forget bias; the dtype and the nonlinearity may differ) start
  from the same numbers: the first such run's initial weights, rounded to the narrowest dtype
  among them, are loaded into all of them before any step. An RNN, an LSTM and a GRU cannot
  share weights (their parameter blocks differ); they start from the same seed instead.
* **Independent afterwards.** Each run owns its trainer, task copy, weights, optimiser state and
  random generators; changing one run's settings or stepping one run leaves the others as they
  were. A run trained inside a comparison gives the same numbers as the same run trained alone.

Lockstep is sequential in one thread: a round costs the sum of the runs' steps and nothing else
(``rnnviz bench --compare`` measures how much of the one-after-another throughput it keeps).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rnnviz.config import ConfigError, ModelConfig, RunConfig
from rnnviz.tasks import make_task
from rnnviz.train.trainer import StepResult, Trainer
from rnnviz.train.update import Update

MIN_RUNS = 2
MAX_RUNS = 4
# What every run of a comparison shares: the data stream is a function of exactly these.
SHARED_TRAIN_FIELDS = ("seq_len", "batch", "seed", "stateful")


@dataclass(frozen=True)
class RunSpec:
    """One run of a comparison: a short label for legends and tables, and its configuration."""

    label: str
    run: RunConfig


def check_specs(specs: Sequence[RunSpec]) -> None:
    """Refuse (ConfigError, one line) a set of runs that cannot be compared in lockstep.

    Two to four runs with distinct non-empty labels, valid configurations, and the same task and
    data settings (:data:`SHARED_TRAIN_FIELDS`): what is compared must be the only difference.
    """
    if not MIN_RUNS <= len(specs) <= MAX_RUNS:
        raise ConfigError(f"a comparison has {MIN_RUNS} to {MAX_RUNS} runs, not {len(specs)}")
    labels = [s.label for s in specs]
    for label in labels:
        if not isinstance(label, str) or not label.strip() or len(label) > 40:
            raise ConfigError(f"run label {label!r}: must be 1 to 40 characters")
    if len(set(labels)) != len(labels):
        raise ConfigError(f"run labels must differ; {labels!r} repeats one")
    first = specs[0]
    for spec in specs:
        spec.run.validate()
        if spec.run.task != first.run.task:
            raise ConfigError(
                f"run {spec.label!r} has another task than {first.label!r}; "
                "the runs of a comparison train on the same data"
            )
        for name in SHARED_TRAIN_FIELDS:
            mine, theirs = getattr(spec.run.train, name), getattr(first.run.train, name)
            if mine != theirs:
                raise ConfigError(
                    f"run {spec.label!r} has train.{name} = {mine!r}, {first.label!r} has "
                    f"{theirs!r}; the runs of a comparison share the data stream"
                )


class Comparison:
    """Two to four trainers stepped in lockstep (see the module docstring).

    Parameters
    ----------
    specs : sequence of RunSpec
        The runs, checked by :func:`check_specs`.

    Attributes
    ----------
    labels : tuple[str, ...]
        The runs' labels, in order.
    trainers : tuple[Trainer, ...]
        One trainer per run, in order.
    weights_from : tuple[int, ...]
        For each run, the index of the run whose initial weights it starts from (itself when
        no earlier run has a model of the same configuration).

    Raises
    ------
    ConfigError, TaskInputError
        Runs that cannot be compared, or invalid settings.
    """

    def __init__(self, specs: Sequence[RunSpec]) -> None:
        specs = tuple(specs)
        check_specs(specs)
        task = make_task(specs[0].run.task)  # built once (a corpus is read once), copied per run
        self.labels = tuple(s.label for s in specs)
        self.trainers = tuple(
            Trainer(s.run, task if i == 0 else copy.deepcopy(task)) for i, s in enumerate(specs)
        )
        self.weights_from = self._share_initial_weights()

    def _share_initial_weights(self) -> tuple[int, ...]:
        """Give every group of alike runs the first member's initial weights; each run's source."""
        keys = [weights_key(t.run.model) for t in self.trainers]
        sources = tuple(keys.index(k) for k in keys)
        for j in sorted(set(sources)):
            group = [self.trainers[i] for i in range(len(keys)) if sources[i] == j]
            if len(group) == 1:
                continue
            narrowest = min((t.model.dtype for t in group), key=lambda d: np.dtype(d).itemsize)
            weights = {k: v.astype(narrowest) for k, v in group[0].model.state_dict().items()}
            for t in group:
                t.model.load_state_dict(weights)  # cast to each run's own dtype, exactly
        return sources

    def __len__(self) -> int:
        return len(self.trainers)

    @property
    def rounds(self) -> int:
        """Lockstep rounds done (batches drawn by every run)."""
        return self.trainers[0].batches_drawn

    def step(self) -> tuple[StepResult, ...]:
        """One lockstep round: every run trains on the next batch of the shared stream."""
        return tuple(t.step() for t in self.trainers)

    def updates(self, state: str = "running") -> tuple[Update, ...]:
        """Each run's update (records since the last call, frame, samples), in run order: one
        :class:`~rnnviz.train.runmodel.RunModel` per run ingests its own."""
        return tuple(t.update(state) for t in self.trainers)

    def same_initial_weights(self, i: int, j: int) -> bool:
        """Whether runs ``i`` and ``j`` started from one array of weights."""
        return self.weights_from[i] == self.weights_from[j]


def weights_key(model: ModelConfig) -> ModelConfig:
    """What decides whether two runs can start from the same weights: the model configuration
    without its dtype and nonlinearity (neither changes the parameters' names or shapes)."""
    return dataclasses.replace(model, dtype="float64", nonlinearity="")


def params_equal(a: Trainer, b: Trainer) -> bool:
    """Whether two trainers' weights are the same numbers (same blocks, shapes and values; a
    float32 and a float64 run compare by value)."""
    pa, pb = a.model.state_dict(), b.model.state_dict()
    return pa.keys() == pb.keys() and all(np.array_equal(pa[k], pb[k]) for k in pa)
