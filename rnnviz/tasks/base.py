"""What every task provides to the trainer and the views.

A task is pure NumPy: it knows its vocabulary or input/output sizes, draws batches from the run's
seeded generator, owns a probe sequence for the heatmaps, decodes inputs/outputs for display, and
evaluates a model with metrics that mean something to a student.
"""

from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.config import ConfigError, ModelConfig, shown

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model


class TaskInputError(ValueError):
    """Bad user input to a task (file, probe text, option); the message is one line with the fix."""


# Sequences an evaluation may draw at most (a task option): evaluations stay short.
MAX_EVAL_COUNT = 100_000


def int_option(name: str, value: object, lo: int, hi: int) -> int:
    """A whole-number task option in [lo, hi] (a JSON number; true/false and 2.5 are refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise TaskInputError(
            f"task option {name} = {shown(value)}: give a whole number from {lo} to {hi}"
        )
    return value


def float_option(name: str, value: object, lo: float, hi: float, below_hi: bool = False) -> float:
    """A finite number task option in [lo, hi] (or [lo, hi) with ``below_hi``)."""
    number = (
        float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    )
    inside = number is not None and math.isfinite(number) and lo <= number
    inside = inside and (number < hi if below_hi else number <= hi)
    if not inside:
        upper = f"below {hi:g}" if below_hi else f"{hi:g}"
        raise TaskInputError(
            f"task option {name} = {shown(value)}: give a number from {lo:g} to {upper}"
        )
    return float(number)


def bool_option(name: str, value: object) -> bool:
    """A yes/no task option: JSON true or false (a string such as "no" is refused, not true)."""
    if not isinstance(value, bool):
        raise TaskInputError(f"task option {name} = {shown(value)}: give true or false")
    return value


@dataclass(frozen=True)
class Batch:
    """One training batch.

    Attributes
    ----------
    x : ndarray
        (B, T) int64 token ids, or (B, T, D) float input vectors.
    y : ndarray
        (B, T) int64 target ids (softmax head), or (B, T, O) float targets (sigmoid/linear heads).
    mask : ndarray or None
        (B, T) float loss weights; None means every step counts.
    reset : bool
        True when these sequences do not continue the previous batch (state must start from zero).
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None = None
    reset: bool = True


class BatchStream(ABC):
    """An endless stream of batches drawn with the run's batch generator, resumable in O(1).

    ``position()`` is everything besides that generator's state needed to continue the stream
    exactly: a small JSON-safe dict of ints. A stream that ``Task.batches`` builds with the
    generator in a saved state and the position saved with it yields the very batches the
    original stream would have, however many were drawn before.
    """

    def __iter__(self) -> BatchStream:
        return self

    @abstractmethod
    def __next__(self) -> Batch:
        """The next batch."""

    def position(self) -> dict[str, int] | None:
        """Where the stream is, apart from its generator's state.

        Empty when the generator's state says it all; None when it is not known (a checkpoint
        of format 1 whose task data is unavailable).
        """
        return {}

    def advance(self, n: int) -> None:
        """Move past ``n`` batches as if they had been drawn.

        Only needed for checkpoints of format 1, which stored a count instead of a position;
        streams with a position override it with something cheaper than drawing.
        """
        for _ in range(n):
            next(self)


class DrawnBatches(BatchStream):
    """A stream of independently drawn batches: the generator's state is its whole position.

    Parameters
    ----------
    draw : callable
        Returns the next batch, drawing from the run's generator.
    position : mapping or None
        A saved position; such a stream has none, so it must be empty.
    """

    def __init__(self, draw: Callable[[], Batch], position: Mapping[str, int] | None = None):
        if position:
            raise TaskInputError(
                f"stream position {dict(position)!r}: this task's batches have no position"
            )
        self._draw = draw

    def __next__(self) -> Batch:
        return self._draw()


class UnavailableBatches(BatchStream):
    """The stream of a task whose data is unavailable (a checkpoint whose corpus is gone).

    It keeps the saved position, so saving the run again loses nothing, and drawing a batch
    raises ``reason`` as a TaskInputError.
    """

    def __init__(self, reason: str, position: Mapping[str, int] | None = None) -> None:
        self.reason = reason
        self._position = None if position is None else dict(position)

    def __next__(self) -> Batch:
        raise TaskInputError(self.reason)

    def position(self) -> dict[str, int] | None:
        return None if self._position is None else dict(self._position)


@dataclass(frozen=True)
class Probe:
    """The fixed sequence the heatmaps show (batch of one, batch dimension included).

    Attributes
    ----------
    x, y, mask : ndarray
        As in :class:`Batch`, with B = 1.
    labels : tuple[str, ...]
        (T,) one short display label per time step: the input character or bits.
    text : str
        The probe as the user would edit it.
    targets : tuple[str, ...]
        (T,) display label of each step's target ("" where the step is not scored), or empty
        when the task gives none. For next-element tasks (text, series) targets[t] is the
        input at t+1, and the last target is the one element of ``text`` never read.
    """

    x: np.ndarray
    y: np.ndarray
    mask: np.ndarray | None
    labels: tuple[str, ...]
    text: str
    targets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    """A task's evaluation of a model.

    Attributes
    ----------
    metrics : dict[str, float]
        Named figures, e.g. {"val_loss": 1.31, "bpc": 1.89} or {"bit_accuracy": 0.99}.
    text : str
        What to show in the samples panel: generated text, or "a + b = predicted (true)" lines.
    marks : tuple[tuple[int, int], ...]
        Optional (start, end) character ranges of ``text`` to highlight (e.g. wrong bits).
    """

    metrics: dict[str, float]
    text: str
    marks: tuple[tuple[int, int], ...] = ()


class Task(ABC):
    """Base class of all tasks. Subclasses set the class attributes and implement the methods."""

    name: str  # registry key, e.g. "text", "binary-addition"
    title: str  # display name
    input_kind: str  # "tokens" or "vectors"
    head: str  # "softmax", "sigmoid" or "linear"
    # What one scored prediction is, for the loss axis ("nats/char"); a step unless it is more.
    loss_unit: str = "step"
    # A reference point for a cross-entropy loss in this task's terms (the loss axis' tooltip).
    loss_note: str = "ln(number of classes) is a uniform guess."

    @property
    @abstractmethod
    def input_size(self) -> int:
        """Vocabulary size (tokens) or input vector width (vectors)."""

    @property
    @abstractmethod
    def output_size(self) -> int:
        """Number of output units."""

    def model_config(self, base: ModelConfig) -> ModelConfig:
        """``base`` with the input, output sizes and head this task needs filled in."""
        return dataclasses.replace(
            base,
            input_kind=self.input_kind,
            input_size=int(self.input_size),
            output_size=int(self.output_size),
            head=self.head,
        )

    def batches(
        self,
        batch: int,
        seq_len: int,
        rng: np.random.Generator,
        position: Mapping[str, int] | None = None,
    ) -> BatchStream:
        """An endless stream of batches drawn with ``rng``.

        ``position`` continues a stream saved with :meth:`BatchStream.position` (``rng`` then
        in the state saved with it); None starts a new one. A position that does not fit this
        task's data raises TaskInputError. By default every batch is drawn afresh by
        :meth:`fresh_batch`, so the generator's state is the whole position; a task whose
        batches follow one another (the text task) overrides this.
        """
        B, T = int(batch), int(seq_len)
        return DrawnBatches(lambda: self.fresh_batch(B, T, rng), position)

    def fresh_batch(self, batch: int, seq_len: int, rng: np.random.Generator) -> Batch:
        """One batch drawn independently of those before it (see :meth:`batches`)."""
        raise NotImplementedError(f"task {self.name} draws no independent batches")

    @abstractmethod
    def probe(self) -> Probe:
        """The current probe sequence."""

    @abstractmethod
    def set_probe(self, text: str) -> None:
        """Replace the probe from user text; raises TaskInputError with a clear message."""

    @abstractmethod
    def evaluate(self, model: Model, rng: np.random.Generator, **options: Any) -> Evaluation:
        """Task metrics and display text for ``model`` (sample text for the text task).

        ``options`` may hold ``state0``, the (B, H) state training carries: a task whose
        batches continue one another (text) reads on from it; tasks of independent sequences
        ignore it.
        """

    @abstractmethod
    def meta(self) -> dict[str, Any]:
        """JSON-safe description (options, vocabulary) saved with checkpoints."""

    @classmethod
    def from_meta(cls, meta: dict[str, Any], corpus: str | None = None) -> Task:
        """Rebuild from :meth:`meta` (its options were checked by ``task_from_meta``).

        ``corpus`` names a text corpus anew; a task that reads none refuses it.
        """
        if corpus is not None:
            raise ConfigError(f"a corpus applies to the text task, not {cls.name}")
        return cls(**meta.get("options", {}))

    def output_labels(self) -> tuple[str, ...]:
        """A display name per output unit (the vocabulary for text); empty when they have none."""
        return ()

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        """Time steps (sequences × length) of one training batch, and of all the passes of one
        evaluation together (the engine keeps each shape's arrays), for the memory estimate."""
        return int(batch) * int(seq_len), 0

    def source_files(self) -> tuple[str, ...]:
        """The user's files this task reads its data from (a save must never replace them)."""
        return ()

    # ------------------------------------------------------------------ read-out and features
    def describe(self, outputs: np.ndarray, probe: Probe, k: int = 3) -> tuple:
        """What the model says at each probe step, in this task's terms.

        Parameters
        ----------
        outputs : ndarray
            (T, O) the head's outputs on ``probe``.
        probe : Probe
            The probe they were computed on.
        k : int
            How many of the most likely classes to list (softmax heads).

        Returns
        -------
        tuple of rnnviz.tasks.readout.StepPrediction
            One per step.
        """
        raise NotImplementedError(f"task {self.name} has no read-out")

    def feature_names(self) -> tuple[str, ...]:
        """The features this task knows (e.g. "carry", "depth"), for finding units."""
        return ()

    def features(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Every feature of :meth:`feature_names` at every step of inputs ``x``.

        Parameters
        ----------
        x : ndarray
            (N, T) token ids or (N, T, D) vectors, as in a batch.

        Returns
        -------
        dict
            name -> (N, T) float64 values.
        """
        return {}

    def feature_inputs(self, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` fresh input sequences to measure features on: (N, T) or (N, T, D)."""
        raise TaskInputError(f"task {self.name} knows no features")

    def check_feature(self, name: str) -> str:
        """``name`` if this task knows that feature; a TaskInputError listing them otherwise."""
        known = self.feature_names()
        if name not in known:
            choices = f"choose one of {', '.join(known)}" if known else "it knows none"
            raise TaskInputError(
                f"feature {name!r}: the {self.name} task has no such feature; {choices}"
            )
        return name

    def held_out(self) -> tuple[str, np.ndarray]:
        """The held-out text a pattern is matched on and its (N,) token ids (text tasks)."""
        raise TaskInputError(
            f"a pattern marks characters of a text; the {self.name} task reads no text"
            + (
                f" (its features: {', '.join(self.feature_names())})"
                if self.feature_names()
                else ""
            )
        )
