"""Checkpoints: bit-identical resume, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import RunConfig
from rnnviz.train import checkpoint
from rnnviz.train.checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from rnnviz.train.trainer import Trainer


def _losses(t: Trainer, n: int) -> list[float]:
    return [t.step().loss for _ in range(n)]


def test_resumed_run_continues_bit_identically(run: RunConfig, tmp_path: Path) -> None:
    # sample_every 7 and eval_every 11 fall on both sides of the save point.
    straight = Trainer(run)
    first = _losses(straight, 17)
    rest = _losses(straight, 15)
    straight_samples = straight.pop_sample()

    a = Trainer(run)
    assert _losses(a, 17) == first
    path = a.save(tmp_path / "run.npz")
    b = Trainer.load(path)
    assert b.step_count == 17 and b.tokens_seen == a.tokens_seen
    assert b.history.smoothed == a.history.smoothed
    assert _losses(b, 15) == rest
    np.testing.assert_array_equal(b.model.params, straight.model.params)
    assert b.pop_sample() == straight_samples
    assert b.val_loss == straight.val_loss
    for which in ("loss", "grad_norm"):
        for x, y in zip(b.history.series(which), straight.history.series(which), strict=True):
            np.testing.assert_array_equal(x, y)
    sa, sb = straight.optimizer.state_dict(), b.optimizer.state_dict()
    assert sa.keys() == sb.keys() and sa["t"] == sb["t"]
    np.testing.assert_array_equal(sa["m"], sb["m"])


def test_resume_of_a_resumed_run_and_stateless_mode(
    make_run: Callable[..., RunConfig], tmp_path: Path
) -> None:
    run = make_run(stateful=False)
    ref = Trainer(run)
    expected = _losses(ref, 12)
    t = Trainer(run)
    _losses(t, 4)
    t.save(tmp_path / "a.npz")
    t = Trainer.load(tmp_path / "a.npz")
    t.save(tmp_path / "a.npz")  # saved again before the replay happened
    t = Trainer.load(tmp_path / "a.npz")
    assert _losses(t, 3) == expected[4:7]
    t.save(tmp_path / "b.npz")  # saved after a resume and more steps
    t = Trainer.load(tmp_path / "b.npz")
    assert _losses(t, 5) == expected[7:]


def test_metadata_is_json_with_vocabulary_and_settings(run: RunConfig, tmp_path: Path) -> None:
    t = Trainer(run)
    _losses(t, 3)
    data = read_checkpoint(t.save(tmp_path / "m.npz"))
    meta = data.meta
    assert meta["format"] == checkpoint.FORMAT and meta["version"] == checkpoint.VERSION
    assert RunConfig.from_dict(meta["run"]) == t.run
    assert meta["task"]["vocab"] and meta["step"] == 3
    assert set(data.group("model")) == set(t.model.p)
    assert set(data.group("carry")) == {"h", "c"}


def test_write_is_atomic_and_leaves_no_temporary_file(
    run: RunConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    t = Trainer(run)
    path = t.save(tmp_path / "keep.npz")
    good = path.read_bytes()
    _losses(t, 2)

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        t.save(path)
    assert path.read_bytes() == good
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_saving_onto_a_directory_is_refused(run: RunConfig, tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="is a directory"):
        Trainer(run).save(tmp_path)


def _check_error(path: Path, pattern: str) -> None:
    with pytest.raises(CheckpointError, match=pattern) as info:
        Trainer.load(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    _check_error(tmp_path / "nope.npz", "no such")


def test_not_a_zip(tmp_path: Path) -> None:
    p = tmp_path / "text.npz"
    p.write_text("hello", encoding="utf-8")
    _check_error(p, "not an .npz")


def test_npy_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    p = tmp_path / "a.npy"
    np.save(p, np.arange(3))
    _check_error(p, "not an .npz")


def test_truncated_file(run: RunConfig, tmp_path: Path) -> None:
    p = Trainer(run).save(tmp_path / "t.npz")
    data = p.read_bytes()
    for cut in (len(data) // 2, len(data) - 30):
        p.write_bytes(data[:cut])
        _check_error(p, "not an .npz|truncated|corrupt")


def test_corrupt_member(run: RunConfig, tmp_path: Path) -> None:
    p = Trainer(run).save(tmp_path / "c.npz")
    raw = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("model/W_h.npy")
    start = info.header_offset + 30 + len(info.filename) + 200
    raw[start : start + 50] = b"\xff" * 50
    p.write_bytes(bytes(raw))
    _check_error(p, "corrupt")


def test_foreign_npz(tmp_path: Path) -> None:
    p = tmp_path / "foreign.npz"
    np.savez(p, weights=np.ones(3))
    _check_error(p, "not an rnnviz checkpoint")


def test_object_arrays_are_never_unpickled(tmp_path: Path) -> None:
    p = tmp_path / "pickle.npz"
    np.savez(p, rnnviz_meta=np.array([{"format": "x"}], dtype=object))
    _check_error(p, "corrupt|pickle")


def test_wrong_version(tmp_path: Path) -> None:
    p = tmp_path / "v.npz"
    blob = json.dumps({"format": checkpoint.FORMAT, "version": 99}).encode()
    np.savez(p, rnnviz_meta=np.frombuffer(blob, dtype=np.uint8))
    _check_error(p, "version 99.*upgrade")


def test_bad_json(tmp_path: Path) -> None:
    p = tmp_path / "j.npz"
    np.savez(p, rnnviz_meta=np.frombuffer(b"{not json", dtype=np.uint8))
    _check_error(p, "corrupt metadata")


def test_incompatible_shapes(run: RunConfig, tmp_path: Path) -> None:
    t = Trainer(run)
    data = read_checkpoint(t.save(tmp_path / "s.npz"))
    arrays = dict(data.arrays)
    arrays["model/W_h"] = np.zeros((3, 3), dtype=np.float32)
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    write_checkpoint(tmp_path / "s.npz", meta, arrays)
    _check_error(tmp_path / "s.npz", "W_h")


def test_missing_metadata_field(run: RunConfig, tmp_path: Path) -> None:
    data = read_checkpoint(Trainer(run).save(tmp_path / "f.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version", "step")}
    write_checkpoint(tmp_path / "f.npz", meta, dict(data.arrays))
    _check_error(tmp_path / "f.npz", "'step'")


def test_invalid_run_config(run: RunConfig, tmp_path: Path) -> None:
    data = read_checkpoint(Trainer(run).save(tmp_path / "r.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    meta["run"]["model"]["hidden"] = -5
    write_checkpoint(tmp_path / "r.npz", meta, dict(data.arrays))
    _check_error(tmp_path / "r.npz", "hidden")


def test_rng_states_survive_json() -> None:
    g = np.random.Generator(np.random.PCG64(123))
    g.random(5)
    state = json.loads(json.dumps(checkpoint.json_safe_state(g.bit_generator.state)))
    h = np.random.Generator(np.random.PCG64())
    h.bit_generator.state = checkpoint.restore_generator_state(state)
    assert h.random() == g.random()


def test_a_batch_stream_that_replays_differently_is_refused(run: RunConfig, tmp_path: Path) -> None:
    t = Trainer(run)
    _losses(t, 3)
    data = read_checkpoint(t.save(tmp_path / "d.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    other = np.random.Generator(np.random.PCG64(99))  # a state the replay cannot reach
    meta["rng"]["batch"] = checkpoint.json_safe_state(other.bit_generator.state)
    write_checkpoint(tmp_path / "d.npz", meta, dict(data.arrays))
    resumed = Trainer.load(tmp_path / "d.npz")
    with pytest.raises(CheckpointError, match="batch stream differs"):
        resumed.step()
