"""Units ranked by correlation, and gate saturation, against direct computations."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.model import Model
from rnnviz.core.units import correlations, gate_names, rank_units, saturation, saturations


def test_correlations_equal_numpys() -> None:
    rng = np.random.default_rng(0)
    y = rng.normal(size=200)
    s = rng.normal(size=(200, 5)) + np.outer(y, [0.0, 2.0, -1.0, 0.1, 0.0])
    want = [np.corrcoef(s[:, j], y)[0, 1] for j in range(5)]
    np.testing.assert_allclose(correlations(s, y), want, rtol=1e-12)


def test_ranking_is_best_absolute_first_and_skips_units_that_never_move() -> None:
    rng = np.random.default_rng(1)
    y = (rng.random(300) > 0.5).astype(float)
    h = rng.normal(size=(300, 4))
    h[:, 2] = y + 0.1 * rng.normal(size=300)  # strongly positive
    h[:, 3] = 0.25  # constant: no correlation
    c = rng.normal(size=(300, 4))
    c[:, 1] = -y + 0.3 * rng.normal(size=300)  # negative, weaker
    ranked = rank_units({"h": h, "c": c}, y)
    assert [(r.state, r.unit) for r in ranked[:2]] == [("h", 2), ("c", 1)]
    assert ranked[1].correlation < -0.8
    assert ("h", 3) not in {(r.state, r.unit) for r in ranked}
    assert len(ranked) == 7
    assert len(rank_units({"h": h, "c": c}, y, top=3)) == 3
    with pytest.raises(ValueError, match="does not change"):
        rank_units({"h": h}, np.ones(300))


def test_saturation_counts_strictly_beyond_the_thresholds() -> None:
    g = np.array([[0.05, 0.1, 0.95], [0.5, 0.9, 0.91], [0.0, 0.2, 1.0], [0.099, 0.901, 0.3]])
    sat = saturation(g, "f")
    np.testing.assert_allclose(sat.left, [3 / 4, 0.0, 0.0])
    np.testing.assert_allclose(sat.right, [0.0, 1 / 4, 3 / 4])
    assert sat.share_right == pytest.approx(1 / 3)
    with pytest.raises(ValueError):
        saturation(np.zeros((0, 3)))


def test_gate_names_come_from_the_diagram() -> None:
    for cell, gates in (("rnn", ()), ("lstm", {"i", "f", "o"}), ("gru", {"r", "z"})):
        m = Model(ModelConfig(cell=cell, hidden=3), np.random.default_rng(0))
        assert set(gate_names(m.cell.diagram)) == set(gates)
    states = {"f": np.full((2, 3), 0.95), "h": np.zeros((2, 3))}
    assert [s.gate for s in saturations(states, ("i", "f"))] == ["f"]


def test_best_pair_is_the_largest_multiple_correlation_numpy_finds() -> None:
    """R of every pair by least squares (numpy), against the closed form of best_pair."""
    from itertools import combinations

    from rnnviz.core.units import best_pair

    rng = np.random.default_rng(3)
    y = (rng.random(400) > 0.6).astype(float)
    w = rng.normal(size=400)
    h = rng.normal(size=(400, 5))
    h[:, 1] = y + w  # r < 1 alone ...
    h[:, 3] = 0.7 * w + 0.2 * rng.normal(size=400)  # ... nearly cancelled by this one
    g = rng.normal(size=(400, 3)) + 0.5 * y[:, None]

    def lstsq_r(s: np.ndarray) -> float:
        X = np.c_[s, np.ones(len(s))]  # (N, 3)
        fit = X @ np.linalg.lstsq(X, y, rcond=None)[0]  # (N,)
        return float(np.corrcoef(fit, y)[0, 1])

    want = max(
        (lstsq_r(v[:, [j, k]]), name, {j, k})
        for name, v in (("h", h), ("g", g))
        for j, k in combinations(range(v.shape[1]), 2)
    )
    pair = best_pair({"h": h, "g": g}, y)
    assert pair is not None
    assert (pair.first.state, {pair.first.unit, pair.second.unit}) == (want[1], want[2])
    assert pair.together == pytest.approx(want[0], rel=1e-9)
    assert abs(pair.first.correlation) >= abs(pair.second.correlation)
    assert pair.first.correlation == pytest.approx(np.corrcoef(h[:, 1], y)[0, 1], rel=1e-12)


def test_naming_one_unit_a_spread_pair_or_none() -> None:
    """|r| >= 0.9 names the unit; else a pair with R >= 0.9 names both (spread); else none."""
    from rnnviz.core.units import NAMED_R, best_pair, name_units

    rng = np.random.default_rng(4)
    y = (rng.random(500) > 0.5).astype(float)
    w = rng.normal(size=500)
    exact = np.c_[rng.normal(size=500), y]  # h[1] is the feature itself
    scores = rank_units({"h": exact}, y)
    named = name_units("carry", scores, best_pair({"h": exact}, y))
    assert named is not None and not named.spread
    assert [(u.state, u.unit) for u in named.units] == [("h", 1)]
    assert named.label == "carry" and named.together == pytest.approx(1.0)
    assert named.describe() == "h[1] is the carry unit (r = +1.000)"

    spread = np.c_[y + 0.6 * w, 0.6 * w, rng.normal(size=500)]  # their difference is y
    scores = rank_units({"h": spread}, y)
    assert abs(scores[0].correlation) < NAMED_R  # no unit alone
    named = name_units("carry", scores, best_pair({"h": spread}, y))
    assert named is not None and named.spread and named.label == "carry (spread)"
    assert {u.unit for u in named.units} == {0, 1}
    assert named.together == pytest.approx(1.0)
    assert named.describe().startswith("carry is spread over h[0] (r = ")

    weak = np.c_[y + 0.6 * w, rng.normal(size=500)]  # r ~ 0.64, and nothing to cancel w
    scores = rank_units({"h": weak}, y)
    pair = best_pair({"h": weak}, y)
    assert abs(scores[0].correlation) < NAMED_R and pair is not None and pair.together < NAMED_R
    assert name_units("carry", scores, pair) is None
    # just below the threshold is not named either
    near = rank_units({"h": y[:, None] + 0.27 * w[:, None]}, y)  # r ~ 0.88
    assert 0.85 < abs(near[0].correlation) < NAMED_R
    assert name_units("carry", near, None) is None
