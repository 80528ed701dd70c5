"""The bias-corrected moving average shared by the CLI (History) and the loss panel."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnviz.train.history import History
from rnnviz.train.smoothing import RunningAverage


def test_matches_the_formula_and_skips_non_finite_losses() -> None:
    losses = [4.0, math.nan, 3.0, math.inf, 2.0]
    avg = RunningAverage(0.9)
    got = avg.add_many(np.array(losses))  # (5,)
    s1 = 0.1 * 4.0
    s2 = 0.9 * s1 + 0.1 * 3.0
    s3 = 0.9 * s2 + 0.1 * 2.0
    want = [s1 / 0.1, s1 / 0.1, s2 / (1 - 0.81), s2 / (1 - 0.81), s3 / (1 - 0.729)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert avg.n == 3
    avg.reset()
    assert math.isnan(avg.value)


def test_history_reports_the_same_average() -> None:
    losses = np.linspace(3.0, 1.0, 40)  # (40,)
    history = History()
    for i, loss in enumerate(losses.tolist(), start=1):
        history.append(i, loss, 1.0)
    assert history.avg_loss == RunningAverage().add_many(losses)[-1]


def test_rejects_a_weight_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        RunningAverage(1.0)
