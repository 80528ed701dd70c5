"""Predict-then-reveal: which steps' targets the window hides while a class guesses.

While the model's answer at the cursor's step t is hidden, so is the answer the class is
guessing: the target at t, and everything that gives it away — for a next-element probe the
input of step t+1 *is* the target of step t, so the probe strip, the heatmaps' token axis and the
frame bar hide the inputs after t too. A step stays hidden until it is revealed (R); steps
before t are the class's past and are shown.

A :class:`TargetMask` is the one answer to "is the target of step u hidden?", handed by the
frame view to every widget that shows targets or probe tokens; a :class:`MaskedTokens` keeps a
widget's token axes (the heatmaps', the gradient plot's, the unit inspector's) labelled with the
probe's inputs as the mask lets them show.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

#: What a hidden target or token reads.
HIDDEN_TOKEN = "?"
#: The note beside a hidden target.
HIDDEN_NOTE = "hidden — press R to reveal"


@dataclass(frozen=True)
class TargetMask:
    """The targets hidden now: of every step from ``start`` on that is not in ``revealed``.

    Attributes
    ----------
    start : int or None
        The cursor's step while predict-then-reveal is on; None: nothing is hidden.
    revealed : frozenset of int
        Steps whose answer was revealed.
    """

    start: int | None = None
    revealed: frozenset[int] = frozenset()

    def hides(self, u: int) -> bool:
        """Whether the target of step ``u`` is hidden."""
        return self.start is not None and u >= self.start and u not in self.revealed

    @property
    def active(self) -> bool:
        """Whether anything is hidden."""
        return self.start is not None


#: Nothing hidden (predict-then-reveal off).
SHOW_ALL = TargetMask()


def shifted(labels: Sequence[str], targets: Sequence[str]) -> bool:
    """Whether each step's target is the next step's input (a next-element probe)."""
    return len(targets) == len(labels) > 0 and tuple(targets[:-1]) == tuple(labels[1:])


def masked_labels(
    labels: Sequence[str], targets: Sequence[str], mask: TargetMask
) -> tuple[str, ...]:
    """``labels`` with :data:`HIDDEN_TOKEN` for every input that is a hidden target.

    Parameters
    ----------
    labels : sequence of str
        (T,) the input at every step.
    targets : sequence of str
        (T,) each step's target, or empty (then nothing can be given away by an input).
    mask : TargetMask
        The targets hidden now.
    """
    labels = tuple(labels)
    if not mask.active or not shifted(labels, targets):
        return labels
    return tuple(HIDDEN_TOKEN if s > 0 and mask.hides(s - 1) else lb for s, lb in enumerate(labels))


class Labelled(Protocol):
    """Anything labelled with one token per probe step (a token axis)."""

    def set_labels(self, labels: Sequence[str]) -> None: ...


class MaskedTokens:
    """The probe's inputs as a widget's token axes show them: :func:`masked_labels` of the
    probe under the mask, set on the axes only when they change.

    Parameters
    ----------
    axes : callable
        ``axes()`` returns the axes to label now (asked at each change: panels come and go).
    """

    def __init__(self, axes: Callable[[], Iterable[Labelled]]) -> None:
        self._axes = axes
        self.probe: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())  # (T,) inputs, targets
        self.mask = SHOW_ALL
        self.labels: tuple[str, ...] = ()  # (T,) as shown: "?" where a target is hidden

    def set_probe(self, labels: Sequence[str], targets: Sequence[str]) -> bool:
        """A probe's inputs and targets; returns whether the labels shown changed."""
        self.probe = (tuple(labels), tuple(targets))
        return self._relabel()

    def set_mask(self, mask: TargetMask) -> bool:
        """The targets hidden now; returns whether the labels shown changed."""
        self.mask = mask
        return self._relabel()

    def forget(self) -> None:
        """The axes lost their labels (new panels): the next change labels them again."""
        self.labels = ()

    def clear(self) -> None:
        """No probe: the axes show no labels."""
        self.probe = ((), ())
        self.labels = ()
        for axis in self._axes():
            axis.set_labels(())

    def _relabel(self) -> bool:
        labels = masked_labels(*self.probe, self.mask)
        if labels == self.labels:
            return False
        self.labels = labels
        for axis in self._axes():
            axis.set_labels(labels)
        return True
