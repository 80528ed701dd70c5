"""Which units do what: units ranked by correlation with a feature, and gate saturation.

Find units (LSTMVis's select-a-pattern, Karpathy et al.'s carry and quote units). For a feature
y (N,) measured at N time steps (the carry bit, a bracket depth, "inside quotes") and every unit
j of every declared array s (N, H), the Pearson correlation over the steps::

    r_sj = Σ_n (s_nj - mean_j)(y_n - mean_y) / sqrt(Σ_n (s_nj - mean_j)^2 · Σ_n (y_n - mean_y)^2)

Units are ranked by |r|, best first; a unit that never moves (zero variance) has no correlation
and is left out.

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
