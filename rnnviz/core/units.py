"""Which units do what: units ranked by correlation with a feature, and gate saturation.

Find units (LSTMVis's select-a-pattern, Karpathy et al.'s carry and quote units). For a feature
y (N,) measured at N time steps (the carry bit, a bracket depth, "inside quotes") and every unit
j of every declared array s (N, H), the Pearson correlation over the steps::

    r_sj = Σ_n (s_nj - mean_j)(y_n - mean_y) / sqrt(Σ_n (s_nj - mean_j)^2 · Σ_n (y_n - mean_y)^2)

Units are ranked by |r|, best first; a unit that never moves (zero variance) has no correlation
and is left out.

A network may hold a feature in two units together rather than one (an LSTM solving binary
addition often does: its best unit has r = 0.88, yet two units read it out linearly). For a pair
(j, k) of one array, with r_jk the correlation between the two units, the multiple correlation of
the least-squares fit y ≈ β_0 + β_j s_j + β_k s_k is::

    R_jk^2 = (r_j^2 + r_k^2 - 2 r_j r_k r_jk) / (1 - r_jk^2)

A feature is named after one unit when |r| >= NAMED_R, else after the best pair when R >= NAMED_R
(spread over two units), else after none (:func:`name_units`).

Gate saturation (Karpathy, Johnson & Fei-Fei 2015): per unit j of a gate g (values in 0..1), the
fraction of steps at which it is left-saturated (g < 0.1: closed) and right-saturated (g > 0.9:
open)::

    left_j = #{n : g_nj < 0.1} / N;   right_j = #{n : g_nj > 0.9} / N
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.core.cell import Diagram

#: Saturation thresholds: below LEFT a gate is closed, above RIGHT it is open.
LEFT, RIGHT = 0.1, 0.9
#: A feature is named after a unit from this |r| on, or after a pair of units from this R on.
NAMED_R = 0.9


@dataclass(frozen=True)
class UnitScore:
    """One unit's correlation with a feature."""

    state: str  # the declared array, e.g. "h", "c", "f"
    unit: int
    correlation: float


def correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit with ``feature`` over the steps.

    Parameters
    ----------
    values : ndarray
        (N, H) one array's values at N steps.
    feature : ndarray
        (N,) the feature at the same steps.

    Returns
    -------
    ndarray
        (H,) float64 r_j; NaN for a unit that does not vary (or when the feature does not).
    """
    s = np.asarray(values, np.float64)  # (N, H)
    y = np.asarray(feature, np.float64).reshape(-1)  # (N,)
    if s.ndim != 2 or s.shape[0] != y.shape[0]:
        raise ValueError(f"correlations: values {s.shape} and feature {y.shape} do not match")
    ds = s - s.mean(axis=0)  # (N, H)
    dy = y - y.mean()  # (N,)
    cov = dy @ ds  # (H,)
    scale = np.sqrt((ds * ds).sum(axis=0) * float(dy @ dy))  # (H,)
    # a spread below the rounding noise of the mean counts as none
    tiny = scale <= 1e-12 * max(1.0, float(np.abs(s).max(initial=0.0))) * max(
        1.0, float(np.abs(y).max(initial=0.0))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(tiny, np.nan, cov / np.where(tiny, 1.0, scale))  # (H,)
    return np.clip(r, -1.0, 1.0)


def rank_units(
    states: Mapping[str, np.ndarray], feature: np.ndarray, top: int | None = None
) -> list[UnitScore]:
    """Units of every array in ``states`` ranked by |correlation| with ``feature``, best first.

    Parameters
    ----------
    states : mapping
        name -> (N, H) values at N steps (the declared arrays: h, c, gates).
    feature : ndarray
        (N,) the feature at the same steps; it must vary.
    top : int, optional
        Keep the best ``top`` (all by default).

    Raises
    ------
    ValueError
        If the feature is constant over the steps (nothing to correlate with).
    """
    y = np.asarray(feature, np.float64).reshape(-1)  # (N,)
    if y.size < 2 or not np.ptp(y) > 0:
        raise ValueError("the feature does not change over these steps: nothing to correlate with")
    scores: list[UnitScore] = []
    for name, values in states.items():
        r = correlations(values, y)  # (H,)
        scores += [UnitScore(name, int(j), float(r[j])) for j in np.flatnonzero(np.isfinite(r))]
    scores.sort(key=lambda s: (-abs(s.correlation), s.state, s.unit))
    return scores if top is None else scores[:top]


@dataclass(frozen=True)
class UnitPair:
    """Two units of one array and the multiple correlation R of their joint linear fit."""

    first: UnitScore  # the one with the larger |r|
    second: UnitScore
    together: float  # R in 0..1


def best_pair(states: Mapping[str, np.ndarray], feature: np.ndarray) -> UnitPair | None:
    """The pair of units of one array whose least-squares fit follows ``feature`` best.

    Parameters
    ----------
    states : mapping
        name -> (N, H) values at N steps.
    feature : ndarray
        (N,) the feature at the same steps.

    Returns
    -------
    UnitPair or None
        The largest R_jk over every array and pair (see the module docstring); None when no array
        has two varying units.
    """
    y = np.asarray(feature, np.float64).reshape(-1)  # (N,)
    best: UnitPair | None = None
    for name, values in states.items():
        s = np.asarray(values, np.float64)  # (N, H)
        r = correlations(s, y)  # (H,)
        keep = np.flatnonzero(np.isfinite(r))  # (K,) varying units
        if keep.size < 2:
            continue
        rk = r[keep]  # (K,)
        ds = s[:, keep] - s[:, keep].mean(axis=0)  # (N, K)
        ds /= np.sqrt((ds * ds).sum(axis=0))  # (N, K) unit columns
        r_jk = np.clip(ds.T @ ds, -1.0, 1.0)  # (K, K) correlations between units
        num = rk[:, None] ** 2 + rk[None, :] ** 2 - 2 * rk[:, None] * rk[None, :] * r_jk  # (K, K)
        den = 1.0 - r_jk**2  # (K, K)
        ok = den > 1e-9  # a pair of (nearly) the same unit adds nothing
        np.fill_diagonal(ok, False)
        R2 = np.where(ok, num / np.where(ok, den, 1.0), -1.0)  # (K, K)
        a, b = np.unravel_index(int(np.argmax(R2)), R2.shape)
        if R2[a, b] < 0:
            continue
        together = float(np.sqrt(np.clip(R2[a, b], 0.0, 1.0)))
        if abs(rk[b]) > abs(rk[a]):
            a, b = b, a
        pair = UnitPair(
            UnitScore(name, int(keep[a]), float(rk[a])),
            UnitScore(name, int(keep[b]), float(rk[b])),
            together,
        )
        if best is None or pair.together > best.together:
            best = pair
    return best


@dataclass(frozen=True)
class Naming:
    """The unit (or pair of units) a feature is named after; see :func:`name_units`."""

    feature: str
    units: tuple[UnitScore, ...]  # one unit, or two when the feature is spread
    together: float  # |r| of the one unit, R of the pair

    @property
    def spread(self) -> bool:
        """Whether the feature is held by two units together, none alone."""
        return len(self.units) > 1

    @property
    def label(self) -> str:
        """What each named unit is called: "carry", or "carry (spread)" for each of a pair."""
        return f"{self.feature} (spread)" if self.spread else self.feature

    def describe(self) -> str:
        """One line: "h[0] is the carry unit (r = +0.998)" or the pair and their R."""
        if not self.spread:
            u = self.units[0]
            return f"{u.state}[{u.unit}] is the {self.feature} unit (r = {u.correlation:+.3f})"
        a, b = self.units
        return (
            f"{self.feature} is spread over {a.state}[{a.unit}] (r = {a.correlation:+.3f}) and "
            f"{b.state}[{b.unit}] (r = {b.correlation:+.3f}): together R = {self.together:.3f};"
            f" no single unit reaches |r| {NAMED_R:g}"
        )


def name_units(
    feature: str, scores: list[UnitScore], pair: UnitPair | None, threshold: float = NAMED_R
) -> Naming | None:
    """Name the unit that follows ``feature``: the best unit if |r| >= ``threshold``, else the
    best pair if its R >= ``threshold``, else none (None).

    Parameters
    ----------
    feature : str
        The feature's name, e.g. "carry".
    scores : list of UnitScore
        Units ranked best |r| first (:func:`rank_units`).
    pair : UnitPair or None
        The best pair (:func:`best_pair`).
    """
    if scores and abs(scores[0].correlation) >= threshold:
        return Naming(feature, (scores[0],), abs(scores[0].correlation))
    if pair is not None and pair.together >= threshold:
        return Naming(feature, (pair.first, pair.second), pair.together)
    return None


@dataclass(frozen=True)
class Saturation:
    """Per-unit saturation of one gate: (H,) fractions of steps below LEFT and above RIGHT."""

    gate: str
    left: np.ndarray  # (H,) fraction of steps with g < 0.1
    right: np.ndarray  # (H,) fraction of steps with g > 0.9

    @property
    def share_right(self) -> float:
        """Fraction of all (step, unit) values above RIGHT."""
        return float(self.right.mean()) if self.right.size else 0.0

    @property
    def share_left(self) -> float:
        """Fraction of all (step, unit) values below LEFT."""
        return float(self.left.mean()) if self.left.size else 0.0


def saturation(values: np.ndarray, gate: str = "") -> Saturation:
    """Left and right saturation of every unit of a gate over (N, H) values in 0..1."""
    g = np.asarray(values)  # (N, H)
    if g.ndim != 2 or g.shape[0] == 0:
        raise ValueError(f"saturation: expected (N, H) gate values with N >= 1, got {g.shape}")
    left = (g < LEFT).mean(axis=0)  # (H,)
    right = (g > RIGHT).mean(axis=0)  # (H,)
    return Saturation(gate, left.astype(np.float64), right.astype(np.float64))


def gate_names(diagram: Diagram) -> tuple[str, ...]:
    """Keys of a cell diagram's gate nodes (sigmoid gates in 0..1), in diagram order."""
    return tuple(n.key for n in diagram.nodes if n.kind == "gate")


def saturations(states: Mapping[str, np.ndarray], gates: tuple[str, ...]) -> list[Saturation]:
    """:func:`saturation` of every gate in ``gates`` present in ``states`` ((N, H) each)."""
    return [saturation(states[k], k) for k in gates if k in states]
