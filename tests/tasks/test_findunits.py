"""Find units: the carry unit of a trained binary-addition RNN, and pattern rankings on text."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.model import Model
from rnnviz.core.optim import make_optimizer
from rnnviz.core.tracing import trace_tokens
from rnnviz.core.units import NAMED_R, correlations
from rnnviz.presets import load_preset
from rnnviz.tasks import make_task
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.findunits import feature_ranking, pattern_ranking
from rnnviz.tasks.text import TextTask


def _solved_binary_addition(seed: int) -> tuple[Model, object]:
    """The binary-addition preset (sigmoid RNN, 16 units, SGD 0.1) trained until every sum of
    a check is right: 1,500-1,750 steps for seeds 0-2 (under a second)."""
    run = load_preset("binary-addition")
    task = make_task(run.task)
    model = Model(task.model_config(run.model), np.random.default_rng(seed))
    opt = make_optimizer(run.optim, model.params.size, model.dtype)
    rng = np.random.default_rng(seed)
    for step in range(1, 4001):
        b = task.fresh_batch(1, 8, rng)
        grads, _ = model.backward(model.forward(b.x, b.y))
        opt.update(model.params, grads)
        if step % 250 == 0:
            ev = task.evaluate(model, np.random.default_rng(99))
            if ev.metrics["sum_accuracy"] == 1.0:
                return model, task
    raise AssertionError("binary addition was not solved in 4,000 steps")


@pytest.mark.parametrize("seed", [0, 1])
def test_the_carry_unit_is_found_once_the_task_is_solved(seed: int) -> None:
    model, task = _solved_binary_addition(seed)
    ranking = feature_ranking(model, task, "carry", np.random.default_rng(5), top=5)
    best = ranking.scores[0]
    assert best.state == "h"
    assert abs(best.correlation) > 0.95  # measured 0.98 and 0.97
    assert ranking.steps == 256 * 8
    # the same number computed directly
    x = task.feature_inputs(256, np.random.default_rng(5))
    h = model.forward(x).states["h"].reshape(-1, 16)
    carry = task.features(x)["carry"].reshape(-1)
    assert best.correlation == pytest.approx(np.corrcoef(h[:, best.unit], carry)[0, 1], rel=1e-6)


def test_pattern_ranking_on_held_out_text() -> None:
    task = TextTask(corpus="poem", val_fraction=0.3)
    cfg = task.model_config(ModelConfig(cell="lstm", hidden=12, dtype="float64"))
    model = Model(cfg, np.random.default_rng(0))
    ranking = pattern_ranking(model, task, r"[aeiou]", top=4)
    text, ids = task.held_out()
    states = trace_tokens(model, ids)
    marks = np.array([c in "aeiou" for c in text], float)
    best = ranking.scores[0]
    r = correlations(states[best.state], marks)
    assert best.correlation == pytest.approx(r[best.unit], rel=1e-12)
    assert all(
        abs(best.correlation) >= np.nanmax(np.abs(correlations(v, marks))) - 1e-12
        for v in states.values()
    )
    assert ranking.marked == int(marks.sum()) and ranking.steps == len(text)
    assert len(ranking.scores) == 4


def test_pattern_mistakes() -> None:
    task = TextTask(corpus="poem")
    model = Model(task.model_config(ModelConfig(hidden=4)), np.random.default_rng(0))
    with pytest.raises(TaskInputError, match="marks no character of the held-out text"):
        pattern_ranking(model, task, "QQQQZZZ")
    with pytest.raises(TaskInputError, match="marks every character"):
        pattern_ranking(model, task, r"[\s\S]")
    with pytest.raises(TaskInputError, match="not a regular expression"):
        pattern_ranking(model, task, "[")


def _hand_built_adder(carry_unit: bool) -> tuple[Model, object]:
    """A sigmoid RNN with 2 units written by hand on the binary-addition task.

    h_t[0] = σ(k (a_t + b_t + h_{t−1}[0] − 1.5)) with k = 40 is the carry out of step t (within
    e^−20 of 0 or 1) when ``carry_unit``; otherwise σ(k (a_t + b_t − 1.5)), a AND b: the carry
    generated at t only, blind to the carry coming in. h_t[1] = σ(a_t − b_t) is a bystander.
    """
    run = load_preset("binary-addition")
    task = make_task(run.task)
    cfg = dataclasses.replace(task.model_config(run.model), hidden=2)
    model = Model(cfg, np.random.default_rng(0))
    k = 40.0
    model.p["W_x"][...] = [[k, 1.0], [k, -1.0]]  # (I=2, H=2): rows a_t, b_t
    model.p["W_h"][...] = [[k if carry_unit else 0.0, 0.0], [0.0, 0.0]]  # (H, H)
    model.p["b"][...] = [-1.5 * k, 0.0]  # (H,)
    return model, task


def test_a_hand_built_carry_unit_is_named_and_a_weaker_unit_is_not() -> None:
    model, task = _hand_built_adder(carry_unit=True)
    ranking = feature_ranking(model, task, "carry", np.random.default_rng(5))
    x = task.feature_inputs(256, np.random.default_rng(5))  # the same draws
    carry = task.features(x)["carry"].reshape(-1)  # (N*T,)
    h = model.forward(x).states["h"].reshape(-1, 2)  # (N*T, 2)
    np.testing.assert_allclose(h[:, 0], carry, atol=1e-6)  # the unit is the carry
    named = ranking.naming()
    assert named is not None and not named.spread and named.label == "carry"
    assert [(u.state, u.unit) for u in named.units] == [("h", 0)]
    assert named.together == pytest.approx(np.corrcoef(h[:, 0], carry)[0, 1], rel=1e-6)
    assert named.together > 0.999999

    model, task = _hand_built_adder(carry_unit=False)  # a AND b
    ranking = feature_ranking(model, task, "carry", np.random.default_rng(5))
    h = model.forward(x).states["h"].reshape(-1, 2)  # (N*T, 2)
    r = np.corrcoef(h[:, 0], carry)[0, 1]
    assert ranking.scores[0].correlation == pytest.approx(r, rel=1e-6)
    assert 0.5 < r < NAMED_R  # measured 0.67
    assert ranking.pair is not None and ranking.pair.together < NAMED_R
    assert ranking.naming() is None
