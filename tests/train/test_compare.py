"""Comparison: runs in lockstep share the data stream and, where shapes allow, initial weights,
and are independent of one another afterwards."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest

from rnnviz.config import ConfigError, RunConfig
from rnnviz.train.compare import Comparison, RunSpec, check_specs, params_equal
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer

OPTIMISERS = (("sgd", 0.1), ("adagrad", 0.1), ("rmsprop", 0.005), ("adam", 0.01))


def _with(run: RunConfig, **changes: object) -> RunConfig:
    """``run`` with model/optim fields changed (by field name)."""
    model = {k: v for k, v in changes.items() if hasattr(run.model, k)}
    optim = {k: v for k, v in changes.items() if hasattr(run.optim, k) and k not in model}
    return run.replace(
        model=dataclasses.replace(run.model, **model),
        optim=dataclasses.replace(run.optim, **optim),
    )


def _race(run: RunConfig) -> Comparison:
    return Comparison([RunSpec(n, _with(run, name=n, lr=lr)) for n, lr in OPTIMISERS])


def test_an_optimiser_race_starts_from_identical_weights(run: RunConfig) -> None:
    c = _race(run)
    assert c.weights_from == (0, 0, 0, 0)
    first = c.trainers[0]
    for t in c.trainers[1:]:
        assert params_equal(first, t)
        assert not np.shares_memory(first.model.params, t.model.params)
        assert t.run.optim.name != first.run.optim.name
    # same weights and the same first batch: the first losses are the same numbers
    losses = [r.loss for r in c.step()]
    assert losses == [losses[0]] * 4
    # then each optimiser moved the weights its own way
    assert not any(params_equal(first, t) for t in c.trainers[1:])


def test_runs_of_another_dtype_start_from_the_same_numbers(run: RunConfig) -> None:
    c = Comparison(
        [
            RunSpec("float32", _with(run, dtype="float32")),
            RunSpec("f64", _with(run, dtype="float64")),
        ]
    )
    a, b = c.trainers
    assert a.model.dtype == np.float32 and b.model.dtype == np.float64
    assert c.weights_from == (0, 0) and params_equal(a, b)
    # alone, a float64 run draws weights that float32 cannot hold exactly
    assert not params_equal(a, Trainer(_with(run, dtype="float64")))


def test_cells_cannot_share_weights_and_start_from_the_same_seed(run: RunConfig) -> None:
    c = Comparison([RunSpec(cell, _with(run, cell=cell)) for cell in ("rnn", "lstm", "gru")])
    assert c.weights_from == (0, 1, 2)
    assert not c.same_initial_weights(0, 1)
    for t in c.trainers:
        alone = Trainer(t.run)  # what the same seed gives without a comparison
        assert params_equal(t, alone)
    c.step()
    assert c.rounds == 1 and [t.step_count for t in c.trainers] == [1, 1, 1]


def test_every_run_draws_the_same_batches(run: RunConfig) -> None:
    c = Comparison([RunSpec(cell, _with(run, cell=cell)) for cell in ("rnn", "gru")])
    for _ in range(9):
        c.step()
    a, b = (t.state() for t in c.trainers)
    assert a.batches_drawn == b.batches_drawn == 9
    assert a.rng["batch"] == b.rng["batch"] and a.stream == b.stream
    # two runs that differ only in their label are one run twice: every loss equal
    twins = Comparison([RunSpec("a", run), RunSpec("b", run)])
    rounds = [twins.step() for _ in range(12)]
    assert all(r[0].loss == r[1].loss for r in rounds)
    np.testing.assert_array_equal(twins.trainers[0].model.params, twins.trainers[1].model.params)


def test_a_run_in_a_comparison_is_the_same_run_as_alone(run: RunConfig) -> None:
    c = _race(run)
    for _ in range(15):
        c.step()
    for t in c.trainers:
        alone = Trainer(t.run)
        losses = [alone.step().loss for _ in range(15)]
        assert t.history.recent("loss")[1].tolist() == losses
        np.testing.assert_array_equal(t.model.params, alone.model.params)


def test_runs_are_independent_after_the_start(run: RunConfig) -> None:
    c = _race(run)
    c.step()
    a, b = c.trainers[0], c.trainers[3]
    before = b.model.params.copy()
    b_optim = b.run.optim
    a.set_lr(0.05)
    a.set_probe("other probe text")
    for _ in range(3):
        a.step()
    assert b.run.optim == b_optim and b.step_count == 1
    np.testing.assert_array_equal(b.model.params, before)
    assert b.task.probe().text != a.task.probe().text


def test_lockstep_survives_a_diverging_run(make_run: Callable[..., RunConfig]) -> None:
    run = make_run(sample_every=1000, eval_every=1000)
    c = Comparison([RunSpec("calm", run), RunSpec("wild", _with(run, name="sgd", lr=10.0))])
    results = [c.step() for _ in range(20)]
    assert any(r[1].diverged for r in results) and not any(r[0].diverged for r in results)
    assert c.rounds == 20 and c.trainers[0].step_count == 20
    assert c.trainers[1].batches_drawn == 20  # the diverged steps drew their batches too


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (lambda r: [RunSpec("a", r)], "2 to 4 runs, not 1"),
        (lambda r: [RunSpec(str(i), r) for i in range(5)], "2 to 4 runs, not 5"),
        (lambda r: [RunSpec("a", r), RunSpec("a", r)], "labels must differ"),
        (lambda r: [RunSpec("a", r), RunSpec(" ", r)], "1 to 40 characters"),
        (
            lambda r: [
                RunSpec("a", r),
                RunSpec("b", r.replace(train=dataclasses.replace(r.train, batch=3))),
            ],
            "run 'b' has train.batch = 3, 'a' has 2",
        ),
        (
            lambda r: [
                RunSpec("a", r),
                RunSpec("b", r.replace(train=dataclasses.replace(r.train, seed=9))),
            ],
            "train.seed = 9",
        ),
        (
            lambda r: [RunSpec("a", r), RunSpec("b", r.replace(task=RunConfig().task))],
            "has another task",
        ),
    ],
)
def test_runs_that_cannot_be_compared_are_refused(
    run: RunConfig, specs: Callable[[RunConfig], list[RunSpec]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        check_specs(specs(run))
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Comparison(specs(run))


def test_each_run_feeds_its_own_run_model(run: RunConfig) -> None:
    c = _race(run)
    models = [RunModel() for _ in c.trainers]
    for _ in range(4):
        c.step()
        for model, update in zip(models, c.updates(), strict=True):
            model.ingest(update)
    ids = {m.run_id for m in models}
    assert len(ids) == 4 and all(m.history.last_step == 4 for m in models)
    for model, t in zip(models, c.trainers, strict=True):
        assert model.history.recent("loss")[1].tolist() == t.history.recent("loss")[1].tolist()
        assert model.newest_frame.step == 4 and model.newest_frame.run_id == t.run_id
    # the first step's loss is shared (same weights, same batch); the frames differ afterwards
    assert len({m.history.recent("loss")[1][0] for m in models}) == 1
    assert not np.array_equal(models[0].newest_frame.outputs, models[3].newest_frame.outputs)
