"""The bias-corrected moving average of the training loss: the one smoothing definition.

Equations, for losses l_1, l_2, ... (non-finite values are skipped)::

    s_n = β s_{n-1} + (1 - β) l_n,   s_0 = 0
    avg_n = s_n / (1 - β^n)

Dividing by 1 - β^n removes the pull towards s_0 = 0, so the average follows the losses from
the first step on. It spans roughly the last 1 / (1 - β) steps, and is used with two β:

- ``EMA_BETA`` = 0.98, about the last 50 steps: the window's smoothed loss, the progress bar
  and ``loss (avg)`` of ``rnnviz train``, and the divergence rule;
- ``LONG_BETA`` = 0.999, about the last 1,000 steps: min-char-rnn's weight, for the long average
  ``rnnviz train`` prints when it ends (the presets' reference figures). min-char-rnn's own
  average, 0.999 · old + 0.001 · new started at the first loss, differs from avg_n by
  β^(n-1) (l_1 - avg_n) at most: 2e-8 of that gap after an epoch of 17,671 steps.
"""

from __future__ import annotations

import math

import numpy as np

# Weight of the old value: about the last 50 steps, smooth enough to read a noisy batch-1 curve.
EMA_BETA = 0.98
# min-char-rnn's weight: about the last 1,000 steps, a run's level with batch-1 noise averaged out.
LONG_BETA = 0.999


class RunningAverage:
    """Bias-corrected exponential moving average (see the module docstring).

    Parameters
    ----------
    beta : float
        β in [0, 1): the weight of the old value.
    """

    def __init__(self, beta: float = EMA_BETA) -> None:
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {beta}")
        self.beta = float(beta)
        self.s = 0.0  # s_n
        self.n = 0  # finite losses folded in

    @property
    def value(self) -> float:
        """avg_n = s_n / (1 - β^n); nan before the first finite loss."""
        return self.s / (1.0 - self.beta**self.n) if self.n else math.nan

    def add(self, loss: float) -> float:
        """Fold in one loss (skipped if not finite); returns avg_n."""
        if math.isfinite(loss):
            self.s = self.beta * self.s + (1.0 - self.beta) * loss
            self.n += 1
        return self.value

    def peek(self, loss: float) -> float:
        """avg_{n+1} if ``loss`` were folded in next (nothing changes); avg_n if not finite."""
        if not math.isfinite(loss):
            return self.value
        s = self.beta * self.s + (1.0 - self.beta) * loss
        return s / (1.0 - self.beta ** (self.n + 1))

    def add_mean(self, mean: float, count: int) -> float:
        """Fold in ``count`` losses whose mean is ``mean`` as if each were ``mean``; returns avg_n.

        s_{n+c} = β^c s_n + (1 - β^c) mean: what ``count`` calls of :meth:`add` with that value
        give. A bucket of a bounded history holds only the mean of its steps, so its average is
        this approximation of the exact one.
        """
        if math.isfinite(mean) and count > 0:
            w = self.beta**count
            self.s = w * self.s + (1.0 - w) * mean
            self.n += int(count)
        return self.value

    def add_many(self, losses: np.ndarray) -> np.ndarray:
        """Fold in (n,) losses in order; returns (n,) avg after each one."""
        return np.array([self.add(x) for x in np.asarray(losses, np.float64).tolist()])

    def reset(self) -> None:
        """Forget every loss."""
        self.s, self.n = 0.0, 0
