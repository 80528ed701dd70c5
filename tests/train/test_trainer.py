"""Trainer: determinism, updates (records and frames), live settings, divergence handling."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest

from rnnviz.config import ConfigError, ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.tasks.base import TaskInputError
from rnnviz.train.trainer import Trainer


def _train(t: Trainer, n: int) -> list[float]:
    return [t.step().loss for _ in range(n)]


def test_same_seed_gives_bit_identical_losses_and_weights(run: RunConfig) -> None:
    a, b = Trainer(run), Trainer(run)
    assert _train(a, 25) == _train(b, 25)
    np.testing.assert_array_equal(a.model.params, b.model.params)
    other = Trainer(run.replace(train=dataclasses.replace(run.train, seed=4)))
    assert _train(other, 25) != _train(Trainer(run), 25)


def test_sampling_does_not_change_the_training_stream(make_run: Callable[..., RunConfig]) -> None:
    often, never = Trainer(make_run(sample_every=2)), Trainer(make_run())
    never.auto_evaluate = False
    assert _train(often, 20) == _train(never, 20)
    np.testing.assert_array_equal(often.model.params, never.model.params)


def test_training_lowers_the_loss(run: RunConfig) -> None:
    t = Trainer(run)
    losses = _train(t, 150)
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) - 0.5
    assert t.step_count == 150 and t.tokens_seen == 150 * 2 * 8
    assert len(t.history) == 150


def test_model_sizes_come_from_the_task(run: RunConfig) -> None:
    t = Trainer(run)
    assert t.run.model.input_size == t.task.input_size == t.run.model.output_size
    assert t.run.model.head == "softmax"


def test_update_carries_the_frame_and_every_step_once(run: RunConfig) -> None:
    t = Trainer(run)
    for _ in range(5):
        t.step()
    u = t.update()
    f = u.frame
    T = len("the quick fox") - 1
    assert f is not None and f.run_id == u.run_id == t.run_id and f.step == 5
    assert u.status.step == 5 and u.status.tokens_seen == 80
    assert set(f.states) == {"h", "c", "i", "f", "o", "g"} and f.cell == "lstm"
    assert [sp.name for sp in f.specs] == list(f.states)
    assert all(a.shape == (T, 12) for a in f.states.values())
    assert f.outputs.shape == (T, t.task.output_size)
    assert f.loss_t.shape == (T,) and len(f.labels) == T and f.text == "the quick fox"
    assert len(f.output_labels) == t.task.output_size  # the vocabulary names the outputs
    assert list(f.flows) == ["h", "c"]  # one curve per carried state, in the cell's order
    for flow in (*f.flows.values(), f.flow_last):
        assert flow is not None and flow.shape == (T,) and np.all(np.isfinite(flow))
    assert [r.step for r in u.records] == [1, 2, 3, 4, 5]
    assert [r.tokens_seen for r in u.records] == [16, 32, 48, 64, 80]
    assert set(f.param_norms) == set(t.model.p)
    last = u.records[-1]
    assert last.loss == t.history.recent("loss")[1][-1]
    assert last.grad_norm_clipped <= last.grad_norm + 1e-9
    assert last.lr == 0.01 and u.status.state == "running" and u.status.lr == 0.01
    # The arrays are copies: training on does not change them, and they are read-only.
    h0 = f.states["h"].copy()
    t.step()
    np.testing.assert_array_equal(f.states["h"], h0)
    with pytest.raises(ValueError):
        f.states["h"][0, 0] = 1.0
    # A second update has only the new step; with no step in between, none at all, and the
    # same frame object (nothing was recomputed).
    u2 = t.update()
    assert [r.step for r in u2.records] == [6]
    u3 = t.update()
    assert u3.records == () and u3.frame is u2.frame
    assert not np.array_equal(u2.frame.states["h"], h0)


def test_samples_and_validation_follow_their_schedule(run: RunConfig) -> None:
    t = Trainer(run)  # sample_every 7, eval_every 11
    for _ in range(6):
        t.step()
    u = t.update()
    assert u.samples == () and t.val_loss is None
    assert all(r.metrics is None for r in u.records)
    t.step()
    u = t.update()
    (sample,) = u.samples
    assert sample.step == 7 and len(sample.text) >= 20
    (record,) = u.records
    assert record.metrics is not None and "val_loss" in record.metrics and "bpc" in record.metrics
    assert sample.metrics == record.metrics
    assert t.update().samples == ()  # a sample is delivered once


def test_stateful_mode_carries_state_between_batches(make_run: Callable[..., RunConfig]) -> None:
    stateful = Trainer(make_run())
    stateless = Trainer(make_run(stateful=False))
    assert _train(stateful, 3)[0] == _train(stateless, 3)[0]  # first batch starts from zero
    assert stateful.carry is not None and stateless.carry is None
    assert _train(stateful, 5) != _train(stateless, 5)


def test_hyper_parameters_change_between_steps(run: RunConfig) -> None:
    t = Trainer(run)
    t.step()
    t.set_lr(0.05)
    assert t.optimizer.lr == 0.05 and t.update().status.lr == 0.05
    t.set_optim(OptimConfig(name="sgd", lr=0.1, clip_value=None, clip_norm=0.5))
    r = t.step()
    (record,) = t.update().records
    assert r.clipped and record.clipped and record.lr == 0.1
    assert record.grad_norm_clipped == pytest.approx(0.5, rel=1e-4)
    t.set_temperature(0.5)
    assert t.run.train.temperature == 0.5
    with pytest.raises(ConfigError, match="batch"):
        t.set_train(batch=4)
    with pytest.raises(ConfigError):
        t.set_lr(-1.0)


def test_probe_can_be_replaced(run: RunConfig) -> None:
    t = Trainer(run)
    t.set_probe("to be or not")
    assert t.frame().states["h"].shape == (11, 12)
    with pytest.raises(TaskInputError):
        t.set_probe("é☃")


def test_reset_restores_the_initial_weights_and_can_change_seed(run: RunConfig) -> None:
    t = Trainer(run)
    initial = t.model.params.copy()
    _train(t, 5)
    t.reset()
    assert t.step_count == 0 and len(t.history) == 0 and t.tokens_seen == 0
    np.testing.assert_array_equal(t.model.params, initial)
    assert _train(t, 5) == _train(Trainer(run), 5)
    t.reset(seed=9)
    assert t.run.train.seed == 9
    assert not np.array_equal(t.model.params, initial)


def _poison_backward(t: Trainer, name: str) -> None:
    backward = t.model.backward

    def bad(tr, **kw):  # type: ignore[no-untyped-def]
        grads, flow = backward(tr, **kw)
        t.model.grad_views(grads)[name][...] = np.nan
        return grads, flow

    t.model.backward = bad  # type: ignore[method-assign]


def test_nan_gradient_stops_the_step_and_restores_the_newest_good_state(run: RunConfig) -> None:
    t = Trainer(run)
    initial = t.model.params.copy()
    _train(t, 3)
    _poison_backward(t, "W_h")
    r = t.step()
    assert r.diverged and r.step == 3 and t.step_count == 3
    # Three steps are too few to trust a newer state: the run goes back to where it started.
    np.testing.assert_array_equal(t.model.params, initial)
    assert t.diverged is not None
    assert "step 4" in t.diverged and "W_h" in t.diverged and "learning rate" in t.diverged
    assert "restored the weights and optimiser state of step 0" in t.diverged
    s = t.update(state="diverged").status
    assert s.state == "diverged" and s.message == t.diverged
    assert len(t.history) == 3  # the diverged step is not recorded


def test_nan_loss_is_reported_without_raising(run: RunConfig) -> None:
    t = Trainer(run)
    forward = t.model.forward

    def bad(*a, **kw):  # type: ignore[no-untyped-def]
        return dataclasses.replace(forward(*a, **kw), loss=math.inf)

    t.model.forward = bad  # type: ignore[method-assign]
    r = t.step()
    assert r.diverged and "loss" in (t.diverged or "") and "clipping" in (t.diverged or "")


def test_nonfinite_weights_after_update_restore_the_backup(run: RunConfig) -> None:
    t = Trainer(run)
    _train(t, 4)
    update = t.optimizer.update

    def bad(params, grads):  # type: ignore[no-untyped-def]
        update(params, grads)
        t.model.p["W_y"][0, 0] = np.inf

    t.optimizer.update = bad  # type: ignore[method-assign]
    r = t.step()
    assert r.diverged and "W_y" in (t.diverged or "") and "state of step 0" in (t.diverged or "")
    assert np.isfinite(t.model.params).all()


def test_large_learning_rate_diverges_cleanly() -> None:
    run = RunConfig(
        task=TaskConfig(name="sine"),
        model=ModelConfig(cell="rnn", hidden=16, init="random"),
        optim=OptimConfig(name="sgd", lr=10.0, clip_value=None),
        train=TrainConfig(seq_len=20, batch=4),
    )
    t = Trainer(run)
    initial = t.model.params.copy()
    losses = []
    while not (r := t.step()).diverged and len(losses) < 200:
        losses.append(r.loss)
    assert r.diverged and np.isfinite(losses).all()
    assert "smoothed loss" in (t.diverged or "")  # caught while every number was finite
    np.testing.assert_array_equal(t.model.params, initial)  # no step of it was trusted


@pytest.mark.parametrize(
    ("name", "cell"), [("binary-addition", "rnn"), ("echo", "gru"), ("brackets", "lstm")]
)
def test_every_task_trains_and_snapshots(name: str, cell: str) -> None:
    run = RunConfig(
        task=TaskConfig(name=name),
        model=ModelConfig(cell=cell, hidden=8),
        train=TrainConfig(seq_len=10, batch=4, sample_every=3, eval_every=3),
    )
    t = Trainer(run)
    for _ in range(3):
        assert not t.step().diverged
    u = t.update()
    assert u.samples and u.records[-1].metrics
    assert all(a.shape[1] == 8 for a in u.frame.states.values())


def test_a_task_that_cannot_feed_the_batches_fails_at_construction(
    make_run: Callable[..., RunConfig],
) -> None:
    with pytest.raises(TaskInputError, match="sequence"):
        Trainer(make_run(seq_len=5000))


def test_throughput_is_reported_before_a_full_rate_window(run: RunConfig) -> None:
    t = Trainer(run)
    assert t.tokens_per_s == 0.0
    t.step()
    assert t.tokens_per_s > 0.0  # a short run shows its running total, not 0
    assert t.update().status.tokens_per_s > 0.0
    t.reset()
    assert t.tokens_per_s == 0.0


def test_saved_step_marks_the_steps_a_save_or_load_covers(run: RunConfig, tmp_path) -> None:
    t = Trainer(run)
    assert (t.step_count, t.saved_step) == (0, 0)  # fresh weights: nothing to lose
    for _ in range(3):
        t.step()
    assert t.saved_step == 0  # three unsaved steps
    t.save(tmp_path / "a.npz")
    assert t.saved_step == 3
    t.step()
    loaded = Trainer.load(tmp_path / "a.npz")
    assert (loaded.step_count, loaded.saved_step) == (3, 3)
    t.reset()
    assert (t.step_count, t.saved_step) == (0, 0)
