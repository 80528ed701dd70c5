"""TrainerState: everything that continues a run bit-identically, as plain data.

:meth:`Trainer.state` exports it and :meth:`Trainer.from_state` builds a trainer from it; a
checkpoint is this object written to a file (see :mod:`rnnviz.train.checkpoint`), so the
checkpoint code needs nothing from the Trainer's inside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from rnnviz.config import RunConfig
from rnnviz.tasks.base import Task
from rnnviz.train.history import History


def seed_generators(seed: int) -> tuple[np.random.Generator, ...]:
    """A run's independent generators for (initial weights, batches, sampling) from one seed."""
    children = np.random.SeedSequence(int(seed)).spawn(3)
    return tuple(np.random.Generator(np.random.PCG64(c)) for c in children)


@dataclass(frozen=True)
class TrainerState:
    """A run at a step boundary.

    Attributes
    ----------
    run : RunConfig
        The run's configuration (model sizes filled in from the task).
    task : Task
        The task, with its data, vocabulary and probe.
    params : dict[str, ndarray]
        The model's parameter blocks by name (``Model.state_dict()``), in the model's dtype.
    optimizer : dict[str, Any]
        ``Optimizer.state_dict()``: the buffers collected so far, (P,) each, and Adam's step "t".
    carry : dict[str, ndarray] or None
        The carried state, (B, H) per name, of a stateful run that has one.
    history : History
        The bounded loss and gradient-norm history.
    step, tokens_seen, batches_drawn : int
        Training steps done, time steps trained on, batches drawn (diverged steps draw one too).
    rng : dict[str, dict]
        ``bit_generator.state`` of the "init", "sample" and "batch" generators.
    stream : dict[str, int] or None
        The batch stream's position (``BatchStream.position()``), with ``rng["batch"]``; None
        when unknown (only for a task whose data is unavailable).
    val_loss : float or None
        The validation loss of ``params`` (None unless they were evaluated: a checkpoint never
        carries an earlier step's figure as theirs).
    metrics : dict[str, float]
        The task's metrics of ``params`` (empty unless they were evaluated).
    """

    run: RunConfig
    task: Task
    params: dict[str, np.ndarray]
    optimizer: dict[str, Any]
    carry: dict[str, np.ndarray] | None
    history: History
    step: int
    tokens_seen: int
    batches_drawn: int
    rng: dict[str, dict[str, Any]]
    stream: dict[str, int] | None
    val_loss: float | None
    metrics: dict[str, float]
