"""Trace reports the loss per step, per sequence and per counted step, in nats and bits."""

from __future__ import annotations

import math

import numpy as np

from rnnviz.config import ModelConfig
from rnnviz.core.model import Model


def test_per_step_per_sequence_and_mean_losses_agree() -> None:
    cfg = ModelConfig(cell="gru", input_size=5, hidden=4, output_size=5, dtype="float64")
    model = Model(cfg, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, (3, 7))  # (B, T)
    y = rng.integers(0, 5, (3, 7))  # (B, T)
    mask = (rng.uniform(size=(3, 7)) > 0.3).astype(np.float64)  # (B, T)
    tr = model.forward(x, y, mask=mask)
    p_y = np.take_along_axis(tr.outputs, y[..., None], axis=2)[..., 0]  # (B, T)
    want_t = -np.log(p_y) * mask  # (B, T) cross-entropy in nats where counted
    np.testing.assert_allclose(tr.loss_t, want_t, rtol=1e-10)
    np.testing.assert_allclose(tr.seq_loss, want_t.sum(axis=1), rtol=1e-10)
    assert math.isclose(tr.loss, want_t.sum() / mask.sum(), rel_tol=1e-12)
    assert math.isclose(tr.bits_per_step, tr.loss / math.log(2), rel_tol=1e-12)
