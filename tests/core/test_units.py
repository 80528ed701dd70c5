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
