"""Noisy sines: series, probe parsing, metrics."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task, task_from_meta
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.series import SineTask


def test_batches_predict_the_next_observation() -> None:
    task = make_task(TaskConfig(name="sine"))
    assert (task.input_kind, task.head, task.input_size, task.output_size) == (
        "vectors",
        "linear",
        1,
        1,
    )
    batch = next(task.batches(8, 30, np.random.default_rng(0)))
    assert batch.x.shape == batch.y.shape == (8, 30, 1)
    assert np.array_equal(batch.x[:, 1:], batch.y[:, :-1])
    assert np.abs(batch.x).max() < 1.5 + 0.5  # amplitudes 1 + 0.5 plus a little noise


def test_noise_free_series_is_the_sum_of_sines() -> None:
    task = SineTask(periods=[10.0], amplitudes=[2.0], noise=0.0)
    v = task.draw(3, 20, np.random.default_rng(0))
    assert v.shape == (3, 21)
    assert np.allclose(v[:, :10], v[:, 10:20])  # period 10
    assert np.abs(v).max() <= 2.0 + 1e-12


def test_probe_parsing() -> None:
    task = SineTask()
    probe = task.probe()
    assert probe.x.shape == (1, 60, 1) and probe.labels[0] == "0.000"
    task.set_probe("0, 0.5; 1  0.5")
    assert task.probe().y[0, :, 0].tolist() == [0.5, 1.0, 0.5]
    with pytest.raises(TaskInputError, match="separated by commas"):
        task.set_probe("1, two, 3")
    with pytest.raises(TaskInputError, match="at least 2"):
        task.set_probe("1")
    with pytest.raises(TaskInputError, match="finite"):
        task.set_probe("1, nan")
    assert task_from_meta(task.meta()).probe().text == task.probe().text


def test_bad_options() -> None:
    with pytest.raises(TaskInputError, match="one amplitude per period"):
        SineTask(periods=[10.0, 5.0], amplitudes=[1.0])
    with pytest.raises(TaskInputError, match="at least 2 steps"):
        SineTask(periods=[1.0], amplitudes=[1.0])
    with pytest.raises(TaskInputError, match="noise"):
        SineTask(noise=-1.0)


def test_metrics_of_a_perfect_and_a_naive_predictor() -> None:
    task = SineTask(noise=0.0, eval_count=16)

    class Model:
        dtype = np.float64

        def __init__(self, fn) -> None:
            self.fn = fn

        def forward(self, x):
            out = self.fn(x)

            class _T:
                outputs = out

            return _T()

    # Noise-free: the naive predictor has skill 0 by definition.
    naive = task.evaluate(Model(lambda x: x), np.random.default_rng(0))
    assert naive.metrics["skill"] == pytest.approx(0.0)
    assert naive.metrics["noise_floor"] == 0.0
    assert naive.text.startswith("  t    true")
