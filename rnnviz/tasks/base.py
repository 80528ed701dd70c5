"""What every task provides to the trainer and the views.

A task is pure NumPy: it knows its vocabulary or input/output sizes, draws batches from the run's
seeded generator, owns a probe sequence for the heatmaps, decodes inputs/outputs for display, and
evaluates a model with metrics that mean something to a student.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.config import ModelConfig

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model


class TaskInputError(ValueError):
    """Bad user input to a task (file, probe text, option); the message is one line with the fix."""


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

    @abstractmethod
    def batches(self, batch: int, seq_len: int, rng: np.random.Generator) -> Iterator[Batch]:
        """An endless stream of batches drawn with ``rng``."""

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

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        """Time steps (sequences × length) of one training batch, and of all the passes of one
        evaluation together (the engine keeps each shape's arrays), for the memory estimate."""
        return int(batch) * int(seq_len), 0

    def source_files(self) -> tuple[str, ...]:
        """The user's files this task reads its data from (a save must never replace them)."""
        return ()
