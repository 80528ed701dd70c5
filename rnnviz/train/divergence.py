"""The blow-up rule: when a run counts as diverged although every number is still finite.

With l_n the training loss of step n, avg_n the bias-corrected moving average of the losses
(β = 0.98, :attr:`History.avg_loss`: the smoothed curve of the loss panel and the CLI's
"loss (avg)"), best_n = min_{k ≤ n} avg_k and l_0 the untrained loss (the loss of the run's first
step, computed with the initial weights), step n has blown up when::

    avg_n > limit_n = max(ABOVE_UNTRAINED · l_0, ABOVE_BEST · best_n)

Why these numbers (each figure measured with the bundled presets, see the trainer's tests):

- ``ABOVE_UNTRAINED = 1.5``: the untrained loss is what the network costs knowing nothing
  (about log V nats for V characters). A smoothed loss half as large again means everything
  learned is gone and the network is confidently wrong; no healthy run gets there by noise.
- ``ABOVE_BEST = 3`` guards the first steps, while the best is still the untrained loss and the
  loss may rise before it falls: min-char-rnn (Adagrad 0.1, batch 1) climbs to 1.9 l_0, 9 nats
  per character, in its first 20 steps and then learns.
- The average, never one step's loss: with batch 1 one step is noisy, and a confidently wrong
  echo answer costs 10-20 nats, ten times its untrained loss, in a healthy run. A step that
  really destroys the weights still trips at once: it costs hundreds of nats, and the 2 % it
  weighs in the average lifts the average over the limit.

Every preset stays below 0.64 of the limit over its first 600-2,000 steps (seeds 0-11); a
learning rate ten times the presets' (Adam or Adagrad 1, SGD 10) trips within 2-3 steps.

A state is *calm*, worth keeping to go back to, when the run keeps at least half of what
training gained: ``avg_n ≤ best_n + CALM · (max(l_0, best_n) - best_n)`` with ``CALM = 0.5``.

Non-finite values (loss, gradient, weights) are divergence as well; the trainer checks those.
"""

from __future__ import annotations

import math

from rnnviz.train.history import History

ABOVE_UNTRAINED = 1.5
ABOVE_BEST = 3.0
CALM = 0.5


class BlowUpRule:
    """The rule of the module docstring for one run: holds l_0 and best_n."""

    def __init__(self) -> None:
        self.untrained = math.nan  # l_0
        self.best = math.inf  # best_n

    def reset(self) -> None:
        """Forget the run (new weights)."""
        self.untrained, self.best = math.nan, math.inf

    def start(self, history: History, loss: float) -> None:
        """Take l_0 on the first step: ``loss`` on a fresh run; from ``history`` on a resumed one.

        A resumed run's best is not saved: its current average stands in for it (which can only
        make the rule more lenient, never trip a healthy run).
        """
        if math.isfinite(self.untrained):
            return
        if history.count:
            self.untrained = history.first_loss
            self.best = history.avg_loss
        else:
            self.untrained = loss

    def limit(self) -> float:
        """limit_n: the smoothed loss above which the run has blown up."""
        return max(ABOVE_UNTRAINED * self.untrained, ABOVE_BEST * self.best)

    def check(self, avg: float) -> str:
        """Why ``avg`` (avg_n with this step's loss) is a blow-up, or "" when it is not."""
        limit = self.limit()
        if not avg > limit:
            return ""
        if ABOVE_BEST * self.best >= ABOVE_UNTRAINED * self.untrained:
            what = f"{ABOVE_BEST:g} × its best ({_num(self.best)})"
        else:
            what = f"{ABOVE_UNTRAINED:g} × the untrained loss ({_num(self.untrained)})"
        return f"the smoothed loss rose to {_num(avg)}, over {what}"

    def observe(self, avg: float) -> bool:
        """Record avg_n of a step that passed; returns whether the state is calm."""
        self.best = min(self.best, avg)
        top = max(self.untrained, self.best)
        return avg <= self.best + CALM * (top - self.best)


def _num(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1e6 else f"{x:.2e}"
