"""Spectral radius and largest singular value: exact up to EXACT_MAX, Krylov estimates beyond."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.model import Model
from rnnviz.core.spectral import (
    EXACT_MAX,
    SpectralTracker,
    largest_singular_value,
    mean_forget,
    recurrent_spectra,
    spectral_radius,
)


def test_small_matrices_are_exact() -> None:
    A = np.random.default_rng(0).normal(size=(EXACT_MAX, EXACT_MAX)) / 8
    assert spectral_radius(A)[0] == pytest.approx(np.abs(np.linalg.eigvals(A)).max(), rel=1e-12)
    assert largest_singular_value(A)[0] == pytest.approx(np.linalg.norm(A, 2), rel=1e-12)


@pytest.mark.parametrize("outlier", [0.0, 1.3])
def test_large_matrices_are_estimated_closely(outlier: float) -> None:
    rng = np.random.default_rng(1)
    n = 200
    A = rng.normal(size=(n, n)) / np.sqrt(n) * 0.9
    u = rng.normal(size=n)
    A += outlier * np.outer(u, u) / (u @ u)  # a trained RNN's matrix often has an outlier
    rho = np.abs(np.linalg.eigvals(A)).max()
    est, _ = spectral_radius(A)
    assert est == pytest.approx(rho, rel=0.03 if outlier == 0 else 1e-6)
    assert largest_singular_value(A)[0] == pytest.approx(np.linalg.norm(A, 2), rel=1e-8)


def test_tracker_per_gate_and_warm_start() -> None:
    cfg = ModelConfig(cell="lstm", hidden=80, input_size=3, output_size=3)
    m = Model(cfg, np.random.default_rng(2))
    tracker = SpectralTracker()
    first = tracker.update(m.cell, m.p)
    assert [s.gate for s in first] == list(m.cell.GATES)
    q = m.cell.unfuse(m.p)
    for s in first:
        W = q[f"W_h{s.gate}"].astype(np.float64)
        assert s.sigma_max == pytest.approx(np.linalg.norm(W, 2), rel=1e-6)
        assert s.radius == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=0.05)
    again = tracker.update(m.cell, m.p)  # from the leading vectors of the first estimate
    for a, s in zip(again, first, strict=True):
        W = q[f"W_h{s.gate}"].astype(np.float64)
        exact = np.abs(np.linalg.eigvals(W)).max()
        assert abs(a.radius - exact) <= abs(s.radius - exact) + 1e-9
    assert recurrent_spectra(m.cell, m.p)[0].sigma_max == pytest.approx(first[0].sigma_max)


def test_mean_forget_gate() -> None:
    lstm = Model(ModelConfig(cell="lstm", hidden=3), np.random.default_rng(0))
    states = {"f": np.array([[0.2, 0.4, 0.6], [0.8, 1.0, 0.0]])}
    assert mean_forget(lstm.cell, states) == pytest.approx(0.5)
    gru = Model(ModelConfig(cell="gru", hidden=3), np.random.default_rng(0))
    assert mean_forget(gru.cell, states) is None
