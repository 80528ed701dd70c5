"""Snapshots round-trip through JSON, so a run can be recorded and replayed."""

from __future__ import annotations

import json

import numpy as np

from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.train.snapshot import Snapshot
from rnnviz.train.trainer import Trainer


def _snapshot() -> Snapshot:
    run = RunConfig(
        task=TaskConfig("binary-addition", {}),
        model=ModelConfig(cell="lstm", hidden=6),
        train=TrainConfig(seq_len=8, batch=4, sample_every=2, eval_every=2),
    )
    trainer = Trainer(run)
    for _ in range(3):
        trainer.step()
    return trainer.snapshot()


def test_snapshot_round_trips_through_json() -> None:
    snap = _snapshot()
    text = json.dumps(snap.to_dict(), allow_nan=False)
    back = Snapshot.from_dict(json.loads(text))
    assert back.step == snap.step == 3
    assert back.specs == snap.specs
    assert back.probe_labels == snap.probe_labels
    assert back.probe_targets == snap.probe_targets  # the sum's bits
    assert len(snap.probe_targets) == len(snap.probe_labels) > 0
    assert set(back.probe_states) == {"h", "c", "i", "f", "o", "g"}
    for name, arr in snap.probe_states.items():
        assert back.probe_states[name].dtype == arr.dtype
        np.testing.assert_array_equal(back.probe_states[name], arr)
    np.testing.assert_array_equal(back.losses, snap.losses)
    np.testing.assert_array_equal(back.clipped, snap.clipped)
    assert back.clipped.dtype == np.bool_
    np.testing.assert_array_equal(back.flow_last, snap.flow_last)
    assert list(back.flows) == list(snap.flows) == ["h", "c"]
    for name, arr in snap.flows.items():
        assert back.flows[name].dtype == arr.dtype
        np.testing.assert_array_equal(back.flows[name], arr)
    assert back.param_norms == snap.param_norms
    assert back.sample_marks == snap.sample_marks


def test_non_finite_values_survive_strict_json() -> None:
    snap = _snapshot()
    bad = Snapshot(
        **{**snap.__dict__, "losses": np.array([np.nan, np.inf, 1.5]), "val_loss": np.nan}
    )
    back = Snapshot.from_dict(json.loads(json.dumps(bad.to_dict(), allow_nan=False)))
    assert np.isnan(back.losses[0]) and np.isinf(back.losses[1]) and back.losses[2] == 1.5
    assert back.val_loss is not None and np.isnan(back.val_loss)
