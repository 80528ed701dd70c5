"""Every task reaches its documented target with its preset configuration (CI-sized runs).

The engine is driven directly (forward, backward, clip, update) so these tests do not depend on
the Trainer. Each run stops as soon as the target is met and asserts it was met within a step
budget about twice what was measured (see each task's module docstring for the figures).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from rnnviz.config import RunConfig, TaskConfig
from rnnviz.core.model import Model
from rnnviz.core.optim import clip_gradients, make_optimizer
from rnnviz.presets import load_preset
from rnnviz.tasks import make_task
from rnnviz.tasks.base import Evaluation, Task
from rnnviz.tasks.sampling import sample_steps, sample_text
from rnnviz.tasks.text import TextTask


def _build(run: RunConfig, task: Task) -> Model:
    return Model(task.model_config(run.model), np.random.default_rng(run.train.seed))


def _train_until(
    run: RunConfig, max_steps: int, every: int, done, task: Task | None = None
) -> tuple[int | None, Evaluation, Model]:
    """Train with the run's settings; evaluate every ``every`` steps until ``done(evaluation)``."""
    task = task if task is not None else make_task(run.task)
    model = _build(run, task)
    rng = np.random.default_rng(run.train.seed)
    opt = make_optimizer(run.optim, model.params.size, model.dtype)
    stream = task.batches(run.train.batch, run.train.seq_len, rng)
    state = None
    ev = task.evaluate(model, np.random.default_rng(99))
    for step in range(1, max_steps + 1):
        batch = next(stream)
        keep = run.train.stateful and not batch.reset
        trace = model.forward(batch.x, batch.y, batch.mask, state0=state if keep else None)
        grads, _ = model.backward(trace)
        clip_gradients(grads, run.optim.clip_value, run.optim.clip_norm)
        opt.update(model.params, grads)
        state = trace.final
        assert np.isfinite(trace.loss)
        if step % every == 0:
            ev = task.evaluate(model, np.random.default_rng(99))
            if done(ev):
                return step, ev, model
    return None, ev, model


def test_binary_addition_learns_to_carry_and_generalises_to_longer_numbers() -> None:
    # Measured: 1000-2000 steps (seeds 0-3), under half a second.
    run = load_preset("binary-addition")
    step, ev, _ = _train_until(run, 6000, 250, lambda e: e.metrics["sum_accuracy"] == 1.0)
    assert step is not None, ev.metrics
    assert ev.metrics["bit_accuracy"] == 1.0
    assert ev.metrics["sum_accuracy_12bits"] >= 0.95
    assert ev.metrics["sum_accuracy_16bits"] >= 0.9


def test_echo_with_a_short_delay_is_solved_by_the_lstm() -> None:
    # Measured: 50 steps at delay 10 (and 250 steps at the preset's delay 50).
    run = load_preset("echo")
    run = run.replace(task=TaskConfig(name="echo", options={"delay": 10}))
    step, ev, _ = _train_until(run, 600, 50, lambda e: e.metrics["recall_accuracy"] >= 0.99)
    assert step is not None, ev.metrics


def test_brackets_depth_is_counted() -> None:
    # Measured: 300 steps to 100 % depth accuracy.
    run = load_preset("brackets")
    step, ev, _ = _train_until(run, 800, 100, lambda e: e.metrics["depth_accuracy"] >= 0.99)
    assert step is not None, ev.metrics
    assert ev.metrics["depth_accuracy_long"] >= 0.9  # the counter holds on 4x longer strings


def test_sine_prediction_beats_the_naive_baseline_tenfold() -> None:
    # Measured: mse 0.0093 after 200 steps (naive baseline 0.095, noise floor 0.0025).
    run = load_preset("sine")
    step, ev, _ = _train_until(run, 600, 100, lambda e: e.metrics["mse"] <= 0.01)
    assert step is not None, ev.metrics
    assert ev.metrics["skill"] >= 0.89


def test_text_lstm_learns_the_tiny_text_and_samples_from_it() -> None:
    # The default preset's settings on the bundled 'tiny' text with a smaller network.
    run = load_preset("default")
    run = run.replace(
        task=TaskConfig(name="text", options={"corpus": "tiny"}),
        model=dataclasses.replace(run.model, hidden=32),
        train=dataclasses.replace(run.train, batch=8, seq_len=32),
    )
    task = make_task(run.task)
    assert isinstance(task, TextTask)
    untrained = _build(run, task)
    loss0, count = task.val_loss(untrained)
    assert count > 50
    assert abs(loss0 - math.log(task.output_size)) < 0.2  # an untrained model is near uniform
    step, ev, model = _train_until(run, 400, 50, lambda e: e.metrics["bpc"] < 0.5, task=task)
    assert step is not None, ev.metrics
    assert ev.metrics["perplexity"] == pytest.approx(math.exp(ev.metrics["val_loss"]))
    assert ev.metrics["held_out"] == 1.0
    # A trained model continues the text with its words.
    text = sample_text(model, task.vocab, np.random.default_rng(0), 60, prime="the ", greedy=True)
    assert any(word in text for word in ("cat", "dog", "sat", "saw"))
    steps = sample_steps(model, task.vocab, np.random.default_rng(0), 20, temperature=0.8)
    assert all(s.top_probs[0] >= s.top_probs[-1] for s in steps)
    # Same seed, same sample.
    a = sample_text(model, task.vocab, np.random.default_rng(5), 40)
    assert a == sample_text(model, task.vocab, np.random.default_rng(5), 40)


def test_text_without_a_held_out_tail_reports_training_loss(tmp_path) -> None:
    path = tmp_path / "short.txt"
    path.write_text("abcd" * 30, encoding="utf-8")
    task = make_task(TaskConfig(name="text", options={"corpus": str(path), "val_fraction": 0.0}))
    run = load_preset("default")
    model = _build(run.replace(model=dataclasses.replace(run.model, hidden=4)), task)
    ev = task.evaluate(model, np.random.default_rng(0), length=12, prime="ab")
    assert ev.metrics["held_out"] == 0.0
    assert ev.metrics["val_chars"] == 117  # 3 streams of 39 of the 119 targets
    assert ev.text.startswith("ab") and len(ev.text) == 14
    assert set(ev.text) <= set("abcd")
