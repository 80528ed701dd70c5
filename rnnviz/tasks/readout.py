"""What the model says at each probe step, in the task's own terms (the frame view's read-out).

A task turns the head's outputs on its probe into one :class:`StepPrediction` per step
(``Task.describe``): the top-k next characters with their probabilities (text), the predicted
bit and its probability with the running sum (binary addition), predicted vs true value (sine),
the recalled vs true symbol (echo), the predicted depth (brackets). The helpers here serve the
tasks whose head is a softmax over named classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rnnviz.tasks.base import Probe, TaskInputError

#: How many of the most likely classes a read-out lists by default.
TOP_K = 3
#: Decimals of a real value (sine's input, target, prediction, error) wherever it is shown.
VALUE_DIGITS = 3


def value_text(v: float, sign: bool = False) -> str:
    """A real value as every view writes it: :data:`VALUE_DIGITS` decimals ("0.565")."""
    return f"{v:+.{VALUE_DIGITS}f}" if sign else f"{v:.{VALUE_DIGITS}f}"


@dataclass(frozen=True)
class StepPrediction:
    """The model's answer at one probe step.

    Attributes
    ----------
    t : int
        The step.
    input : str
        The input's label at t.
    target : str
        The target's label ("" where the step is not scored).
    predicted : str
        The model's answer: the most likely class, the predicted bit, or the predicted value.
    probability : float or None
        The probability the model gives ``predicted`` (None for a real-valued prediction).
    correct : bool or None
        Whether ``predicted`` is the target (None where not scored or not a class).
    top : tuple of (label, probability)
        The most likely classes, best first (softmax heads).
    value, true_value : float or None
        Predicted and true value (real-valued predictions).
    detail : str
        Anything else the task shows, e.g. the running sum of binary addition.
    quantity : str
        What the classes measure, when they are numbers of something ("depth"): the read-out
        names the target and the answer by it ("true depth 2", "model's depth: 2"). "" for
        classes that are their own name (characters, bits, symbols).
    """

    t: int
    input: str
    target: str
    predicted: str
    probability: float | None
    correct: bool | None
    top: tuple[tuple[str, float], ...] = ()
    value: float | None = None
    true_value: float | None = None
    detail: str = ""
    quantity: str = ""

    @property
    def text(self) -> str:
        """One line for a person, e.g. "e → m: m 41 %, n 20 %, s 10 % (right)"."""
        if self.top:
            said = ", ".join(f"{lb} {p:.0%}" for lb, p in self.top)
        elif self.probability is not None:
            said = f"{self.predicted} (p = {self.probability:.2f})"
        else:
            said = self.predicted
        verdict = "" if self.correct is None else (" (right)" if self.correct else " (wrong)")
        named = f"{self.quantity} " if self.quantity else ""
        target = f" → {named}{self.target}" if self.target else ""
        extra = f"; {self.detail}" if self.detail else ""
        return f"{self.input}{target}: {said}{verdict}{extra}"


def softmax_steps(
    outputs: np.ndarray,
    probe: Probe,
    names: tuple[str, ...],
    k: int = TOP_K,
    quantity: str = "",
) -> tuple[StepPrediction, ...]:
    """Read-out of a softmax head over classes ``names``: the top k at every step.

    Parameters
    ----------
    outputs : ndarray
        (T, O) probabilities on the probe.
    probe : Probe
        Its labels, targets (y (1, T) class ids) and mask (steps with mask 0 are not scored).
    names : tuple of str
        (O,) a label per class.
    quantity : str
        What the classes measure (see :attr:`StepPrediction.quantity`).
    """
    p = np.asarray(outputs, np.float64)  # (T, O)
    T = p.shape[0]
    k = max(1, min(k, p.shape[1]))
    order = np.argsort(-p, axis=1, kind="stable")[:, :k]  # (T, k)
    scored = np.ones(T, bool) if probe.mask is None else np.asarray(probe.mask)[0] > 0  # (T,)
    out = []
    for t in range(T):
        best = int(order[t, 0])
        target = probe.targets[t] if t < len(probe.targets) and scored[t] else ""
        out.append(
            StepPrediction(
                t=t,
                input=probe.labels[t],
                target=target,
                predicted=names[best],
                probability=float(p[t, best]),
                correct=bool(best == int(probe.y[0, t])) if scored[t] else None,
                top=tuple((names[j], float(p[t, j])) for j in order[t]),
                quantity=quantity,
            )
        )
    return tuple(out)


def pattern_marks(text: str, pattern: str) -> np.ndarray:
    """(len(text),) bool: the characters inside a match of the regular expression ``pattern``.

    Raises
    ------
    TaskInputError
        If ``pattern`` is not a regular expression, or matches only empty strings.
    """
    try:
        rx = re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}, deep nesting
        raise TaskInputError(f"pattern {pattern!r} is not a regular expression: {exc}") from None
    marks = np.zeros(len(text), bool)  # (N,)
    for m in rx.finditer(text):
        marks[m.start() : m.end()] = True
    return marks
