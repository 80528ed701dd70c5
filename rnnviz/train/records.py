"""StepRecord and Sample: the per-step scalars of a run and its evaluations, as they happen.

The trainer appends one :class:`StepRecord` per training step that was applied (a diverged step
is neither applied nor recorded). Records are sent to the window once each, in order, and never
again; whoever keeps them (a :class:`~rnnviz.train.runmodel.RunModel`) folds them into its
bounded history. A record is a handful of Python scalars: making one costs microseconds next to
the milliseconds of a training step.

A :class:`Sample` is what an evaluation showed: the generated text (or a task's own display),
the character ranges to highlight and the metrics measured with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One applied training step.

    Attributes
    ----------
    step : int
        Steps done after this one (1 for the first).
    tokens_seen : int
        Time steps consumed so far, this step's included (batch x length per step).
    loss : float
        Mean training loss of the batch in nats per counted step.
    grad_norm : float
        Global gradient norm before clipping, ||g||.
    grad_norm_clipped : float
        Global gradient norm after clipping (equal to ``grad_norm`` when nothing was clipped).
    clipped : bool
        Whether clipping changed the gradient.
    lr : float
        Learning rate the update used.
    metrics : Mapping[str, float] or None
        The task's metrics (``val_loss``, ``bpc``, accuracies, ...) when they were measured at
        this step, else None.
    """

    step: int
    tokens_seen: int
    loss: float
    grad_norm: float
    grad_norm_clipped: float
    clipped: bool
    lr: float
    metrics: Mapping[str, float] | None = None


@dataclass(frozen=True)
class Sample:
    """What one evaluation showed.

    Attributes
    ----------
    step : int
        The training step it was made at.
    text : str
        Generated text, or the task's display ("a + b = predicted (true)" lines).
    marks : tuple[tuple[int, int], ...]
        (start, end) character ranges of ``text`` to highlight (wrong bits, ...).
    metrics : Mapping[str, float]
        The metrics measured with it.
    """

    step: int
    text: str
    marks: tuple[tuple[int, int], ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)
