"""Bounded training history: every step's loss and gradient norm, in a few hundred kilobytes.

The most recent steps are kept exactly. Older steps are folded into buckets that keep the
minimum, mean and maximum of each series; when the buckets run out, neighbouring buckets merge
pairwise and the bucket width doubles. Memory is therefore fixed by the two capacities, whatever
the number of steps: the defaults hold a million steps (or a billion) in about half a megabyte,
with full resolution for the last 4,096 to 8,192 steps and at most 4,096 buckets before that.

Only finite values are recorded; the trainer does not record a step that diverged.

Two running averages of the loss are kept, both the one bias-corrected moving average of
:mod:`rnnviz.train.smoothing` (``s_n = β s_{n-1} + (1 - β) l_n``, ``s_0 = 0``,
``avg_n = s_n / (1 - β^n)``), over two spans:

- :attr:`History.avg_loss`, with β = ``EMA_BETA`` = 0.98 (about the last 50 steps): the loss
  panel's smoothed curve, the divergence rule and the CLI's ``loss (avg)``;
- :attr:`History.long_avg_loss`, with β = ``LONG_BETA`` = 0.999 (about the last 1,000 steps,
  min-char-rnn's weight): the long average the CLI prints when training ends, in which the
  README's reference figures are given.

Both are saved with the history, so a resumed run continues them exactly. When a run blows up,
the trainer rolls both back with the weights (:meth:`History.averages` /
:meth:`History.set_averages`): they then describe the weights kept, while the recorded points
keep the losses of the blow-up, as they happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from rnnviz.train.smoothing import EMA_BETA, LONG_BETA, RunningAverage

SERIES = ("loss", "grad_norm")
#: (s_n, n) of each running average: :attr:`History.avg_loss`, then :attr:`History.long_avg_loss`.
Averages = tuple[tuple[float, int], tuple[float, int]]
#: derive(column, steps (n,), count (n,), mean loss (n,)) -> (n,) values of a new column.
Derive = Callable[[str, np.ndarray, np.ndarray, np.ndarray], np.ndarray]

# Largest capacities a saved history may declare (a corrupt file must not allocate gigabytes).
MAX_WINDOW = 1 << 16
MAX_BUCKETS = 1 << 16


class History:
    """Per-step series of a run (loss, gradient norm, ...) with bounded memory.

    Parameters
    ----------
    window : int
        Steps kept exactly (at least; up to ``2 * window`` before the oldest half is folded).
    max_buckets : int
        Capacity of the bucket arrays for older steps; must be even.
    columns : tuple of str
        The series recorded per step, the loss first (the running averages follow it). A
        checkpoint keeps :data:`SERIES`; a run model adds what its views draw (tokens seen, the
        smoothed loss, whether clipping fired).
    beta : float
        β of :attr:`avg_loss` (see :mod:`rnnviz.train.smoothing`).
    """

    def __init__(
        self,
        window: int = 4096,
        max_buckets: int = 4096,
        columns: tuple[str, ...] = SERIES,
        beta: float = EMA_BETA,
    ) -> None:
        if window < 1 or max_buckets < 2 or max_buckets % 2:
            raise ValueError("window must be >= 1 and max_buckets an even number >= 2")
        if not columns or columns[0] != "loss" or len(set(columns)) != len(columns):
            raise ValueError("columns must start with 'loss' and name each series once")
        self.window = int(window)
        self.max_buckets = int(max_buckets)
        self.columns = tuple(columns)
        K = len(self.columns)
        # Exact recent steps: filled up to 2 * window, then the oldest window is folded.
        self._steps = np.zeros(2 * self.window, dtype=np.int64)  # (2W,)
        self._values = np.zeros((2 * self.window, K), dtype=np.float64)  # (2W, K)
        self._n = 0
        # Buckets of older steps: first step, count, and per series min / sum / max.
        self._b_start = np.zeros(self.max_buckets, dtype=np.int64)  # (NB,)
        self._b_count = np.zeros(self.max_buckets, dtype=np.int64)  # (NB,)
        self._b_min = np.zeros((self.max_buckets, K), dtype=np.float64)  # (NB, K)
        self._b_sum = np.zeros((self.max_buckets, K), dtype=np.float64)  # (NB, K)
        self._b_max = np.zeros((self.max_buckets, K), dtype=np.float64)  # (NB, K)
        self._nb = 0
        self.width = 1  # steps per full bucket (a power of two)
        self.count = 0  # steps recorded in total
        self._avg = RunningAverage(beta)  # avg_loss
        self._long = RunningAverage(LONG_BETA)  # long_avg_loss

    # ------------------------------------------------------------------ recording
    def append(self, step: int, loss: float, *values: float) -> None:
        """Record one training step: ``loss`` in nats, then one value per further column
        (for :data:`SERIES`: the gradient norm before clipping)."""
        if self._n == 2 * self.window:
            self._fold()
        i = self._n
        self._steps[i] = step
        self._values[i, 0] = loss
        self._values[i, 1:] = values
        self._n = i + 1
        self.count += 1
        self._avg.add(loss)
        self._long.add(loss)

    def clear(self) -> None:
        """Forget everything (a reset run starts a new history)."""
        self._n = 0
        self._nb = 0
        self.width = 1
        self.count = 0
        self._avg.reset()
        self._long.reset()

    @property
    def avg_loss(self) -> float:
        """Bias-corrected moving average of the loss, ``s_n / (1 - β^n)``; nan before any step."""
        return self._avg.value

    @property
    def long_avg_loss(self) -> float:
        """The same average over about the last 1,000 steps (β = ``LONG_BETA``); nan before any
        step."""
        return self._long.value

    def avg_after(self, loss: float) -> float:
        """:attr:`avg_loss` as it would be after recording ``loss`` (nothing is recorded)."""
        return self._avg.peek(loss)

    def averages(self) -> Averages:
        """The running averages' state, ((s_n, n) of avg_loss, (s_n, n) of long_avg_loss), for
        :meth:`set_averages`."""
        return (self._avg.s, self._avg.n), (self._long.s, self._long.n)

    def set_averages(self, state: Averages) -> None:
        """Put back running averages saved by :meth:`averages`; the recorded points stay."""
        for avg, (s, n) in zip((self._avg, self._long), state, strict=True):
            avg.s, avg.n = float(s), int(n)

    @property
    def first_loss(self) -> float:
        """The loss of the first recorded step; once it is folded into a bucket, the mean of the
        first bucket (its first ``width`` steps). nan before any step."""
        if self._nb:
            return float(self._b_sum[0, 0] / self._b_count[0])
        return float(self._values[0, 0]) if self._n else float("nan")

    def _fold(self) -> None:
        """Move the oldest ``window`` exact steps into buckets."""
        w = self.window
        self._add_to_buckets(self._steps[:w], self._values[:w])
        self._steps[:w] = self._steps[w:]
        self._values[:w] = self._values[w:]
        self._n = w

    def _add_to_buckets(self, steps: np.ndarray, values: np.ndarray) -> None:
        """Append contiguous steps (n,) with values (n, K) to the bucket arrays."""
        pos = 0
        n = len(steps)
        while pos < n:
            nb = self._nb
            if nb > 0 and self._b_count[nb - 1] < self.width:
                # Top up the last, partial bucket.
                j = nb - 1
                take = min(self.width - int(self._b_count[j]), n - pos)
                v = values[pos : pos + take]  # (take, K)
                self._b_min[j] = np.minimum(self._b_min[j], v.min(axis=0))
                self._b_max[j] = np.maximum(self._b_max[j], v.max(axis=0))
                self._b_sum[j] += v.sum(axis=0)
                self._b_count[j] += take
                pos += take
                continue
            if nb == self.max_buckets:
                self._merge_pairs()
                continue
            # Open as many full buckets as fit (the last one may be partial).
            k = min((n - pos + self.width - 1) // self.width, self.max_buckets - nb)
            full = min(k, (n - pos) // self.width)
            if full > 0:
                v = values[pos : pos + full * self.width].reshape(full, self.width, -1)
                sl = slice(nb, nb + full)
                self._b_start[sl] = steps[pos : pos + full * self.width : self.width]
                self._b_count[sl] = self.width
                self._b_min[sl] = v.min(axis=1)
                self._b_max[sl] = v.max(axis=1)
                self._b_sum[sl] = v.sum(axis=1)
                self._nb = nb + full
                pos += full * self.width
            elif k > 0:
                # Fewer than `width` steps left: they start a new partial bucket.
                v = values[pos:n]
                self._b_start[nb] = steps[pos]
                self._b_count[nb] = n - pos
                self._b_min[nb] = v.min(axis=0)
                self._b_max[nb] = v.max(axis=0)
                self._b_sum[nb] = v.sum(axis=0)
                self._nb = nb + 1
                pos = n

    def _merge_pairs(self) -> None:
        """Halve the number of buckets by merging neighbours; the bucket width doubles."""
        nb = self._nb
        half = nb // 2
        a, b = slice(0, 2 * half, 2), slice(1, 2 * half, 2)
        start = self._b_start[a].copy()
        count = self._b_count[a] + self._b_count[b]
        bmin = np.minimum(self._b_min[a], self._b_min[b])
        bmax = np.maximum(self._b_max[a], self._b_max[b])
        bsum = self._b_sum[a] + self._b_sum[b]
        self._b_start[:half] = start
        self._b_count[:half] = count
        self._b_min[:half] = bmin
        self._b_max[:half] = bmax
        self._b_sum[:half] = bsum
        if nb % 2:  # an odd last bucket stays on its own
            for arr in (self._b_start, self._b_count, self._b_min, self._b_max, self._b_sum):
                arr[half] = arr[nb - 1]
            half += 1
        self._nb = half
        self.width *= 2

    # ------------------------------------------------------------------ reading
    def series(self, which: str = "loss") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The whole history of one series, oldest first.

        Parameters
        ----------
        which : str
            One of :attr:`columns`.

        Returns
        -------
        steps : ndarray
            (n,) float64 step of each point: the centre of a bucket, or the exact step.
        lo, mean, hi : ndarray
            (n,) float64 minimum, mean and maximum over each point's steps (all equal for
            exact steps).
        """
        if which not in self.columns:
            raise ValueError(f"series {which!r}: choose one of {', '.join(self.columns)}")
        k = self.columns.index(which)
        nb, n = self._nb, self._n
        count = self._b_count[:nb].astype(np.float64)  # (nb,)
        b_steps = self._b_start[:nb] + (count - 1.0) / 2.0  # (nb,)
        exact = self._values[:n, k]  # (n,)
        steps = np.concatenate([b_steps, self._steps[:n].astype(np.float64)])
        lo = np.concatenate([self._b_min[:nb, k], exact])
        mean = np.concatenate([self._b_sum[:nb, k] / np.maximum(count, 1.0), exact])
        hi = np.concatenate([self._b_max[:nb, k], exact])
        return steps, lo, mean, hi

    def counts(self) -> np.ndarray:
        """(n,) int64 steps behind each point of :meth:`series` (1 for an exact step)."""
        return np.concatenate([self._b_count[: self._nb], np.ones(self._n, dtype=np.int64)])

    def recent(self, which: str = "loss") -> tuple[np.ndarray, np.ndarray]:
        """The exactly kept recent steps: (steps (n,) int64, values (n,) float64), copies."""
        k = self.columns.index(which)
        return self._steps[: self._n].copy(), self._values[: self._n, k].copy()

    @property
    def nbytes(self) -> int:
        """Memory held by the history's arrays, in bytes (fixed at construction)."""
        arrays = (self._steps, self._values, self._b_start, self._b_count)
        arrays += (self._b_min, self._b_sum, self._b_max)
        return int(sum(a.nbytes for a in arrays))

    def __len__(self) -> int:
        return self.count

    @property
    def last_step(self) -> int:
        """The newest step recorded; 0 before any."""
        if self._n:
            return int(self._steps[self._n - 1])
        if self._nb:
            return int(self._b_start[self._nb - 1] + self._b_count[self._nb - 1] - 1)
        return 0

    def reshaped(self, columns: tuple[str, ...], derive: Derive) -> History:
        """A copy of this history with ``columns`` (same steps, buckets and averages).

        A column this history has is copied; any other column ``c`` is ``derive(c, steps,
        count, loss)``, evaluated once per point (an exact step, or a bucket: its centre step,
        its number of steps and its mean loss) and taken as the point's minimum, mean and
        maximum alike. It fills what a saved history does not keep (e.g. tokens seen).
        """
        h = History(self.window, self.max_buckets, columns, self._avg.beta)
        nb, n = self._nb, self._n
        steps, _, loss, _ = self.series("loss")  # (nb + n,) points, oldest first
        count = np.concatenate([self._b_count[:nb], np.ones(n, np.int64)])  # (nb + n,)
        for k, name in enumerate(columns):
            if name in self.columns:
                j = self.columns.index(name)
                sources = (self._values[:n, j], self._b_min[:nb, j], self._b_sum[:nb, j])
                sources += (self._b_max[:nb, j],)
            else:
                v = np.asarray(derive(name, steps, count, loss), dtype=np.float64)  # (nb + n,)
                sources = (v[nb:], v[:nb], v[:nb] * count[:nb], v[:nb])
            h._values[:n, k], h._b_min[:nb, k], h._b_sum[:nb, k], h._b_max[:nb, k] = sources
        h._steps[:n] = self._steps[:n]
        h._b_start[:nb] = self._b_start[:nb]
        h._b_count[:nb] = self._b_count[:nb]
        h._n, h._nb, h.width, h.count = n, nb, self.width, self.count
        h.set_averages(self.averages())
        return h

    # ------------------------------------------------------------------ persistence
    def state_dict(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """JSON-safe scalars and the (trimmed) arrays, for a checkpoint."""
        meta = {
            "window": self.window,
            "max_buckets": self.max_buckets,
            "width": self.width,
            "count": self.count,
            # The long average's value, as files before it carry it (min-char-rnn's then).
            "smoothed": None if self._long.n == 0 else float(self._long.value),
            "ema": float(self._avg.s),
            "ema_n": self._avg.n,
            "long_ema": float(self._long.s),
            "long_ema_n": self._long.n,
        }
        nb, n = self._nb, self._n
        arrays = {
            "steps": self._steps[:n].copy(),
            "values": self._values[:n].copy(),
            "b_start": self._b_start[:nb].copy(),
            "b_count": self._b_count[:nb].copy(),
            "b_min": self._b_min[:nb].copy(),
            "b_sum": self._b_sum[:nb].copy(),
            "b_max": self._b_max[:nb].copy(),
        }
        return meta, arrays

    @classmethod
    def from_state_dict(
        cls, meta: dict[str, Any], arrays: dict[str, np.ndarray], columns: tuple[str, ...] = SERIES
    ) -> History:
        """Rebuild a history saved by :meth:`state_dict` (with these ``columns``).

        Every field is checked before anything is allocated: capacities are bounded by
        ``MAX_WINDOW`` / ``MAX_BUCKETS``, the bucket width is a power of two, the step count
        equals the steps held, and all values are finite. A history saved before the long
        average was kept as (s_n, n) carries only its value, min-char-rnn's "smoothed": the long
        average then starts from that value (n = the short average's n, or the step count).
        A newer one carries both, and they must agree.

        Raises
        ------
        ValueError
            One line naming the inconsistent field.
        """
        try:
            window, max_buckets = _int(meta["window"]), _int(meta["max_buckets"])
            width, count = _int(meta["width"]), _int(meta["count"])
            smoothed = meta["smoothed"]
            ema, ema_n = meta.get("ema", 0.0), _int(meta.get("ema_n", 0))
            if "long_ema" in meta or "long_ema_n" in meta:
                long_ema, long_n = meta["long_ema"], _int(meta["long_ema_n"])
            else:  # saved before the long average's state was
                long_ema, long_n = None, _int(meta.get("ema_n", count))
            steps, values = arrays["steps"], arrays["values"]
            b = [arrays[k] for k in ("b_start", "b_count", "b_min", "b_sum", "b_max")]
        except (KeyError, TypeError) as exc:
            raise ValueError(f"history: missing or malformed field {exc}") from None
        if not (1 <= window <= MAX_WINDOW):
            raise ValueError(f"history: window {window} is outside 1..{MAX_WINDOW}")
        if not (2 <= max_buckets <= MAX_BUCKETS) or max_buckets % 2:
            raise ValueError(f"history: max_buckets {max_buckets} is not an even 2..{MAX_BUCKETS}")
        if not (1 <= width < 1 << 62) or width & (width - 1):
            raise ValueError(f"history: bucket width {width} is not a power of two")
        n, nb, K = len(steps), len(b[0]), len(columns)
        ok = (
            steps.shape == (n,)
            and values.shape == (n, K)
            and n <= 2 * window
            and nb <= max_buckets
            and all(x.shape[0] == nb for x in b)
            and b[0].shape == (nb,)
            and b[1].shape == (nb,)
            and all(x.shape == (nb, K) for x in b[2:])
            and steps.dtype.kind in "iu"
            and b[0].dtype.kind in "iu"
            and b[1].dtype.kind in "iu"
            and all(x.dtype.kind == "f" for x in (values, *b[2:]))
        )
        if not ok:
            raise ValueError("history: array shapes do not match its metadata")
        if nb and not (b[1].min() >= 1 and b[1].max() <= width):
            raise ValueError("history: bucket counts do not match the bucket width")
        if count != n + int(b[1].sum()) or not (0 <= ema_n <= count and 0 <= long_n <= count):
            raise ValueError(f"history: step count {count} does not match the steps held")
        if not all(np.isfinite(x).all() for x in (values, *b[2:])):
            raise ValueError("history: values contain NaN/Inf")
        if any((x < 0).any() for x in (values, *b[2:])) or (b[2] > b[4]).any():
            raise ValueError("history: losses and gradient norms must be >= 0, minima <= maxima")
        if not _in_order(steps, b[0], b[1]):
            raise ValueError("history: steps are not in increasing order")
        floats = [smoothed, ema, long_ema]
        given = (ema, long_ema if "long_ema" in meta else 0.0)  # numbers a file may not null
        if (
            not all(x is None or (_is_number(x) and np.isfinite(x)) for x in floats)
            or None in given
        ):
            raise ValueError("history: the running averages are not finite numbers")
        if long_ema is None:  # an older file: the long average's value only
            long_n = long_n if smoothed is not None else 0
            long_ema = float(smoothed) * (1.0 - LONG_BETA**long_n) if long_n else 0.0
        elif smoothed != (float(long_ema) / (1.0 - LONG_BETA**long_n) if long_n else None):
            raise ValueError("history: smoothed is not the value of long_ema and long_ema_n")
        h = cls(window, max_buckets, columns)
        h._steps[:n] = steps
        h._values[:n] = values
        h._n = n
        for dst, src in zip((h._b_start, h._b_count, h._b_min, h._b_sum, h._b_max), b, strict=True):
            dst[:nb] = src
        h._nb = nb
        h.width = width
        h.count = count
        h._avg.s, h._avg.n = float(ema), ema_n
        h._long.s, h._long.n = float(long_ema), long_n
        return h


def _in_order(steps: np.ndarray, start: np.ndarray, count: np.ndarray) -> bool:
    """Buckets and exact steps cover increasing, disjoint ranges of non-negative steps."""
    ends = start + count  # (nb,) first step after each bucket
    firsts = np.concatenate([start, steps])  # (nb + n,)
    lasts = np.concatenate([ends - 1, steps])  # (nb + n,)
    return bool(firsts.size == 0 or (firsts[0] >= 0 and (firsts[1:] > lasts[:-1]).all()))


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _int(x: object) -> int:
    """An exact JSON integer (bools and floats are malformed)."""
    if not isinstance(x, int) or isinstance(x, bool):
        raise TypeError(f"{x!r} is not an integer")
    return x
