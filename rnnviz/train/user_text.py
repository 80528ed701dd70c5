"""A user's own text (a pasted paragraph) traced through the live model, for the unit card.

The worker thread runs :func:`trace_text` on the trainer (never the window's thread). The text
is read the way the model was trained to read it, and every change is reported, never made
silently:

- a task that lower-cases its corpus reads the text lower-cased (``TextRead.lowered``);
- characters outside the model's vocabulary are skipped: not read, so the characters on both
  sides of them are read as neighbours (``TextRead.unknown``, ``TextRead.skipped``; the card
  draws them struck through);
- an empty text, a text with no character of the vocabulary, a text longer than
  :data:`MAX_USER_CHARS` or a task that reads no text is refused (:class:`TaskInputError`).

Then, for unit j of array s, with the kept characters c_0 .. c_{N-1} (ids x_n)::

    v_n = s_n[j]    after reading x_0 .. x_n from a zero state   (core.tracing.trace_tokens)

and the characters where v is highest and lowest (:func:`rnnviz.train.inspection.unit_contexts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.core.tracing import trace_tokens
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.vocab import display_char
from rnnviz.train.inspection import UnitContexts, unit_contexts

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.trainer import Trainer

#: Longest text traced (ten times the held-out trace, ~2 s of the worker at H = 128).
MAX_USER_CHARS = 1_000_000
#: Distinct skipped characters named in the one-line report.
NAMED_UNKNOWN = 10


@dataclass(frozen=True)
class TextRead:
    """A user's text as the model reads it."""

    text: str  # as given (lower-cased when the task lowers its corpus)
    kept: np.ndarray  # (M,) bool per character of ``text``: read by the model
    ids: np.ndarray  # (N,) int64 token ids of the kept characters, N = kept.sum()
    unknown: tuple[str, ...]  # distinct characters skipped, in code-point order
    lowered: bool  # the text was lower-cased

    @property
    def skipped(self) -> int:
        """How many characters were skipped (not in the vocabulary)."""
        return int(self.kept.size - self.ids.size)

    @property
    def read(self) -> str:
        """The characters the model reads, in order."""
        return "".join(c for c, k in zip(self.text, self.kept, strict=True) if k)

    def note(self) -> str:
        """One line on what was changed ('' when the text is read as given)."""
        parts = []
        if self.unknown:
            shown = " ".join(display_char(c) for c in self.unknown[:NAMED_UNKNOWN])
            more = " …" if len(self.unknown) > NAMED_UNKNOWN else ""
            n = self.skipped
            parts.append(
                f"{n:,} character{'s' if n != 1 else ''} not in the model's vocabulary "
                f"skipped (struck through, not read): {shown}{more}"
            )
        if self.lowered:
            parts.append("read in lower case, as the model was trained")
        return "; ".join(parts)


def read_text(task: object, text: str) -> TextRead:
    """``text`` as the model of ``task`` reads it (see the module docstring).

    Raises
    ------
    TaskInputError
        Empty, too long, no character of the vocabulary, or a task that reads no text.
    """
    vocab = getattr(task, "vocab", None)
    if vocab is None:
        raise TaskInputError("this task reads no text: only text tasks can trace your text")
    if not text:
        raise TaskInputError("nothing to trace: paste or type some text first")
    if len(text) > MAX_USER_CHARS:
        raise TaskInputError(
            f"{len(text):,} characters, more than {MAX_USER_CHARS:,}; trace a shorter text"
        )
    lowered = bool(getattr(task, "lower", False)) and text.lower() != text
    if getattr(task, "lower", False):
        text = text.lower()
    stoi = vocab.stoi
    kept = np.fromiter((c in stoi for c in text), bool, len(text))  # (M,)
    ids = np.fromiter((stoi[c] for c in text if c in stoi), np.int64)  # (N,)
    if ids.size == 0:
        raise TaskInputError(
            "none of these characters is in the model's vocabulary: nothing to trace"
        )
    unknown = tuple(vocab.unknown(text))
    return TextRead(text, kept, ids, unknown, lowered)


@dataclass(frozen=True)
class TracedText:
    """A user's text traced for one unit: its value at every kept character and the contexts."""

    source: TextRead
    values: np.ndarray  # (N,) s_n[j] at each kept character
    contexts: UnitContexts  # where it is highest and lowest, in the kept text


def trace_text(trainer: Trainer, text: str, state: str, unit: int, k: int = 8) -> TracedText:
    """Trace ``text`` with the trainer's current weights and keep unit ``unit`` of ``state``.

    Raises
    ------
    TaskInputError
        See :func:`read_text`.
    ValueError
        An array the cell does not declare, or a unit outside the layer.
    """
    model = trainer.model
    if not 0 <= unit < model.cfg.hidden:
        raise ValueError(f"unit {unit} is outside the layer (0..{model.cfg.hidden - 1})")
    source = read_text(trainer.task, text)
    values = trace_tokens(model, source.ids, names=(state,), units=(unit,))[state][:, 0]  # (N,)
    ctx = unit_contexts(source.read, values, state, unit, trainer.step_count, k)
    return TracedText(source, values, ctx)


def reads_text(trainer: Trainer) -> bool:
    """Whether the run's model reads characters (a user's text can be traced)."""
    return getattr(trainer.task, "vocab", None) is not None and (
        trainer.model.cfg.input_kind == "tokens"
    )


__all__ = ["MAX_USER_CHARS", "TextRead", "TracedText", "read_text", "reads_text", "trace_text"]
