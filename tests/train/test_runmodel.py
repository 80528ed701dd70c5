"""RunModel: one bounded history, samples, frames by step and a cursor, filled from Updates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core.types import StateSpec
from rnnviz.train.frame import Frame
from rnnviz.train.records import Sample, StepRecord
from rnnviz.train.runmodel import COLUMNS, Cursor, RunModel
from rnnviz.train.smoothing import RunningAverage
from rnnviz.train.trainer import Trainer
from rnnviz.train.update import Status, Update

SPEC = StateSpec("h", "hidden state h", -1.0, 1.0, "what the cell carries")


def _frame(step: int, run_id: str = "a", T: int = 3, H: int = 2) -> Frame:
    return Frame(
        run_id=run_id,
        step=step,
        cell="rnn",
        specs=(SPEC,),
        states={"h": np.full((T, H), step / 100.0, np.float32)},  # (T, H)
        outputs=np.zeros((T, 4), np.float32),  # (T, O)
        loss_t=np.ones(T, np.float32),  # (T,)
        flows={"h": np.ones(T)},  # (T,)
        flow_last=np.ones(T),  # (T,)
        param_norms={"W_h": 1.0},
        labels=tuple("abc"[:T]),
    )


def _records(first: int, n: int, rng: np.random.Generator) -> tuple[StepRecord, ...]:
    return tuple(
        StepRecord(s, 10 * s, float(rng.uniform(1, 3)), float(s), 1.0, s % 3 == 0, 0.01)
        for s in range(first, first + n)
    )


def test_records_fill_one_history_with_the_one_smoothing() -> None:
    rng = np.random.default_rng(0)
    records = _records(1, 50, rng)
    model = RunModel()
    assert model.history.columns == COLUMNS
    for k in range(0, 50, 7):  # delivered in uneven updates
        model.ingest(Update("a", Status(step=records[k : k + 7][-1].step), records[k : k + 7]))
    steps, values = model.history.recent("loss")
    np.testing.assert_array_equal(steps, np.arange(1, 51))
    np.testing.assert_array_equal(values, [r.loss for r in records])
    avg = RunningAverage()
    expected = [avg.add(r.loss) for r in records]  # the definition of rnnviz.train.smoothing
    np.testing.assert_allclose(model.history.recent("smoothed")[1], expected, rtol=1e-12)
    np.testing.assert_array_equal(model.history.recent("tokens")[1], 10 * steps)
    np.testing.assert_array_equal(model.history.recent("clipped")[1], steps % 3 == 0)
    np.testing.assert_array_equal(model.history.recent("grad_norm")[1], steps)
    assert model.step == 50 and model.last_loss == records[-1].loss


def test_the_history_stays_bounded_however_long_the_run() -> None:
    model = RunModel(window=64, max_buckets=16)
    rng = np.random.default_rng(1)
    for first in range(1, 20_001, 1000):
        model.ingest(Update("a", Status(step=first + 999), _records(first, 1000, rng)))
    size = model.history.nbytes
    assert model.history.count == 20_000 and model.history.last_step == 20_000
    for first in range(20_001, 40_001, 1000):
        model.ingest(Update("a", Status(step=first + 999), _records(first, 1000, rng)))
    assert model.history.count == 40_000 and model.history.nbytes == size


def test_another_run_id_starts_afresh_and_listeners_hear_it() -> None:
    model = RunModel()
    heard: list[frozenset[str]] = []
    unsubscribe = model.on_change(heard.append)
    rng = np.random.default_rng(2)
    model.ingest(Update("a", Status(step=5), _records(1, 5, rng), _frame(5)))
    assert heard[-1] >= {"reset", "history", "frame"} and model.epoch == 1
    model.ingest(Update("a", Status(step=5)))  # the same status, nothing new
    assert len(heard) == 1
    model.ingest(Update("b", Status(step=2), _records(1, 2, rng), _frame(2, "b")))
    assert "reset" in heard[-1] and model.epoch == 2 and model.run_id == "b"
    assert model.history.count == 2 and list(model.frames) == [2]
    unsubscribe()
    model.reset("c")
    assert len(heard) == 2 and model.history.count == 0 and model.frame is None  # unsubscribed


def test_frames_are_kept_by_step_bounded_and_spread_over_the_run() -> None:
    model = RunModel(max_frames=4)
    frames = [_frame(s) for s in range(0, 100, 10)]
    for f in frames:
        model.ingest(Update("a", Status(step=f.step), frame=f))
    kept = list(model.frames)
    assert len(kept) == 4 and kept[0] == 0 and kept[-1] == 90  # the first and newest stay
    assert model.frame is frames[-1]  # the cursor follows the newest
    assert not model.ingest(Update("a", Status(step=90), frame=frames[-1])) & {"frame"}
    assert not model.ingest(Update("a", Status(step=90), frame=_frame(50))) & {"frame"}  # late
    model.set_cursor(step=kept[2] + 1)
    assert model.frame is not None and model.frame.step == kept[2]  # newest at or before
    model.set_cursor(step=-5)
    assert model.frame is not None and model.frame.step == 0


def test_frames_weights_are_kept_within_the_budget_spread_over_the_run() -> None:
    """Each frame's weights (an update's) are kept with it while they fit in the budget; over it,
    the newest and the first stay and the others thin out evenly; a frame dropped drops its
    weights; a new run starts with none."""
    size = 80  # bytes of one frame's weights: 10 float64
    model = RunModel(max_frames=8, max_weight_bytes=4 * size)
    weights = {s: np.full(10, float(s)) for s in range(0, 160, 10)}
    for s, w in weights.items():
        model.ingest(Update("a", Status(step=s), frame=_frame(s), weights=w))
        assert model.weights_of(model.newest_frame) is w  # the newest always has its own
        assert sum(v.nbytes for v in model.weights.values()) <= 4 * size
        assert set(model.weights) <= set(model.frames)  # only kept frames' weights
    kept = list(model.weights)
    assert len(kept) == 4 and kept[-1] == 150 and kept[0] == min(model.frames)
    assert kept != list(model.frames)[-4:]  # spread over the run, not the newest four
    for step, frame in model.frames.items():
        w = model.weights_of(frame)
        assert (w is weights[step]) if step in kept else w is None
    assert model.weights_of(_frame(150)) is None  # not the frame kept: not its weights
    model.ingest(Update("b", Status(step=1), frame=_frame(1, run_id="b")))
    assert model.weights == {} and model.weights_of(model.frame) is None
    # weights larger than the whole budget are not kept at all
    small = RunModel(max_weight_bytes=size - 1)
    small.ingest(Update("a", Status(step=1), frame=_frame(1), weights=weights[0]))
    assert small.weights_of(small.frame) is None


def test_the_cursor_moves_and_says_so() -> None:
    model = RunModel()
    heard: list[frozenset[str]] = []
    model.on_change(heard.append)
    assert model.cursor == Cursor(None, None)
    model.set_cursor(t=3)
    assert model.cursor == Cursor(None, 3) and heard == [frozenset({"cursor"})]
    model.set_cursor(step=7)
    assert model.cursor == Cursor(7, 3) and model.version["cursor"] == 2
    model.set_cursor(step=7)  # no change, no news
    assert len(heard) == 2
    model.set_cursor(step=None, t=None)
    assert model.cursor == Cursor()
    model.reset("new")  # a new run is followed live; the time step stays
    model.set_cursor(t=1)
    model.reset("newer")
    assert model.cursor == Cursor(None, 1)


def test_samples_and_evaluations_are_bounded() -> None:
    model = RunModel(max_samples=3, max_evaluations=8)
    for s in range(1, 21):
        rec = StepRecord(s, s, 1.0, 1.0, 1.0, False, 0.1, {"val_loss": float(s)})
        model.ingest(Update("a", Status(step=s), (rec,), samples=(Sample(s, f"t{s}"),)))
    assert [x.text for x in model.samples] == ["t18", "t19", "t20"]
    assert model.samples_added == 20
    assert len(model.evaluations) <= 8 and model.evaluations[-1].step == 20
    steps, _, values = model.validation()
    assert steps[0] == 1 and np.all(np.diff(steps) > 0) and values[-1] == 20.0
    assert model.val_loss == 20.0


def test_arguments_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 frames"):
        RunModel(max_frames=1)
    with pytest.raises(ValueError, match="smoothing"):
        RunModel(smoothing=1.0)


def _run() -> RunConfig:
    return RunConfig(
        task=TaskConfig("text", {"corpus": "tiny"}),
        model=ModelConfig(cell="gru", hidden=6),
        train=TrainConfig(seq_len=8, batch=2, sample_every=10**6, eval_every=10**6),
    )


def test_a_live_trainer_fills_it_and_a_checkpoint_shows_its_whole_history() -> None:
    trainer = Trainer(_run())
    live = RunModel()
    for _ in range(3):
        for _ in range(10):
            trainer.step()
        live.ingest(trainer.update())
    assert live.history.count == 30 and live.frame is not None and live.frame.step == 30
    assert live.run_id == trainer.run_id and live.status.step == 30
    # A continued run's first update carries the saved history: every step shows.
    resumed = Trainer.from_state(trainer.state())
    model = RunModel()
    model.ingest(resumed.update(state="paused"))
    assert model.history.count == 30 and model.history.last_step == 30
    saved = trainer.history.series("loss")
    for a, b in zip(model.history.series("loss"), saved, strict=True):
        np.testing.assert_array_equal(a, b)
    tokens = model.history.recent("tokens")[1]
    assert tokens[-1] == pytest.approx(trainer.tokens_seen)
    assert model.history.avg_loss == pytest.approx(trainer.history.avg_loss)
    # ... once: training on adds only the new steps.
    resumed.step()
    model.ingest(resumed.update())
    assert model.history.count == 31 and model.history.last_step == 31
    assert math.isfinite(model.history.recent("smoothed")[1][-1])
