"""Checkpoints: bit-identical resume, atomic writes, and clear errors for bad files."""

from __future__ import annotations

import dataclasses
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
from rnnviz.train.safe_write import SaveError
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
    assert b.history.long_avg_loss == a.history.long_avg_loss
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
    with pytest.raises(SaveError, match=f"cannot save checkpoint {path}: disk full"):
        t.save(path)
    assert path.read_bytes() == good
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".tmp")]


def test_checkpoint_gets_the_mode_of_an_ordinary_file(run: RunConfig, tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = Trainer(run).save(tmp_path / "shared.npz")
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600


def test_saving_onto_a_directory_is_refused(run: RunConfig, tmp_path: Path) -> None:
    with pytest.raises(SaveError, match="it is a folder, not a regular file"):
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
    _check_error(p, "not an .npz/zip file")


def test_npy_file_is_not_a_checkpoint(tmp_path: Path) -> None:
    p = tmp_path / "a.npy"
    np.save(p, np.arange(3))
    _check_error(p, "not an .npz/zip file")


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
    _check_error(tmp_path / "f.npz", "record.step is missing")


def test_invalid_run_config(run: RunConfig, tmp_path: Path) -> None:
    data = read_checkpoint(Trainer(run).save(tmp_path / "r.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    meta["run"]["model"]["hidden"] = -5
    meta["run"]["optim"]["lr"] = "abc"
    write_checkpoint(tmp_path / "r.npz", meta, dict(data.arrays))
    _check_error(tmp_path / "r.npz", r": record\.run\.model\.hidden = -5: must be between 1 and")
    meta["run"]["model"]["hidden"] = 12
    write_checkpoint(tmp_path / "r.npz", meta, dict(data.arrays))
    _check_error(tmp_path / "r.npz", r": record\.run\.optim\.lr = 'abc': must be a number$")


def test_rng_states_survive_json() -> None:
    g = np.random.Generator(np.random.PCG64(123))
    g.random(5)
    state = json.loads(json.dumps(checkpoint.json_safe_state(g.bit_generator.state)))
    h = np.random.Generator(np.random.PCG64())
    h.bit_generator.state = checkpoint.restore_generator_state(state)
    assert h.random() == g.random()


def _as_format_1(meta: dict) -> None:
    """What the record of the same run looked like in format 1 (no stream, no corpus hash)."""
    meta["version"] = 1
    del meta["stream"]
    del meta["task"]["corpus_sha256"]


def test_a_format_1_stream_that_replays_differently_is_refused(
    run: RunConfig, tmp_path: Path
) -> None:
    """Format 1 stored a count of batches: the walk there must reach the saved generator."""
    t = Trainer(run)
    _losses(t, 3)
    data = read_checkpoint(t.save(tmp_path / "d.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    _as_format_1(meta)
    other = np.random.Generator(np.random.PCG64(99))  # a state the replay cannot reach
    meta["rng"]["batch"] = checkpoint.json_safe_state(other.bit_generator.state)
    write_checkpoint(tmp_path / "d.npz", meta, dict(data.arrays))
    with pytest.raises(CheckpointError, match="batch stream differs"):
        Trainer.load(tmp_path / "d.npz", corpus=run.task.options["corpus"])


def test_avg_loss_is_consistent_across_resume(run: RunConfig, tmp_path: Path) -> None:
    straight = Trainer(run)
    _losses(straight, 30)
    a = Trainer(run)
    _losses(a, 13)
    b = Trainer.load(a.save(tmp_path / "e.npz"))
    _losses(b, 17)
    assert b.history.avg_loss == straight.history.avg_loss
    assert b.history.long_avg_loss == straight.history.long_avg_loss


def _rewrite(path: Path, edit: Callable[[dict, dict], None]) -> None:
    """Read a checkpoint, let ``edit(meta, arrays)`` change it, write it back."""
    data = read_checkpoint(path)
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    arrays = dict(data.arrays)
    edit(meta, arrays)
    write_checkpoint(path, meta, arrays)


@pytest.fixture
def tiny_ckpt(make_run: Callable[..., RunConfig], tmp_path: Path) -> Path:
    """A few kilobytes: a 3-unit LSTM after 3 Adam steps."""
    run = make_run(sample_every=10**6, eval_every=10**6)
    run = run.replace(model=dataclasses.replace(run.model, hidden=3))
    t = Trainer(run)
    _losses(t, 3)
    return t.save(tmp_path / "tiny.npz")


@pytest.mark.parametrize(
    ("field", "value"),
    [("window", 10**12), ("max_buckets", 10**12), ("width", 3), ("count", 10**15)],
)
def test_absurd_history_metadata(tiny_ckpt: Path, field: str, value: int) -> None:
    _rewrite(tiny_ckpt, lambda meta, arrays: meta["history"].__setitem__(field, value))
    _check_error(tiny_ckpt, f"record.history.{field} must be|history: step count")


def test_nonfinite_weights_are_refused(tiny_ckpt: Path) -> None:
    def poison(meta: dict, arrays: dict) -> None:
        arrays["model/W_h"] = arrays["model/W_h"].copy()
        arrays["model/W_h"][0, 0] = np.nan

    _rewrite(tiny_ckpt, poison)
    _check_error(tiny_ckpt, "weights contain NaN/Inf .*W_h")


@pytest.mark.parametrize("buffer", ["m", "v2"])
def test_missing_optimiser_buffer_is_an_error(tiny_ckpt: Path, buffer: str) -> None:
    _rewrite(tiny_ckpt, lambda meta, arrays: arrays.pop(f"optim/{buffer}"))
    _check_error(tiny_ckpt, f"optimiser buffer '{buffer}' is missing")


def test_missing_optimiser_buffer_without_a_listing(tiny_ckpt: Path) -> None:
    """Files written before the buffer listing still imply Adam's moments from its step count."""

    def edit(meta: dict, arrays: dict) -> None:
        _as_format_1(meta)
        del meta["optim_buffers"]
        arrays.pop("optim/m")

    _rewrite(tiny_ckpt, edit)
    _check_error(tiny_ckpt, "optimiser buffer 'm' is missing")


def test_flipped_compression_method(tiny_ckpt: Path) -> None:
    raw = bytearray(tiny_ckpt.read_bytes())
    entry = raw.find(b"PK\x01\x02")  # first central-directory record
    assert entry > 0
    raw[entry + 10] ^= 0x40  # its compression method: 0 (stored) -> 64 (unsupported)
    tiny_ckpt.write_bytes(bytes(raw))
    _check_error(tiny_ckpt, "compression method 64")


def test_truncated_anywhere(tiny_ckpt: Path) -> None:
    data = tiny_ckpt.read_bytes()
    for cut in range(0, len(data), max(1, len(data) // 40)):
        tiny_ckpt.write_bytes(data[:cut])
        _check_error(tiny_ckpt, "not an .npz|truncated|corrupt|no such|not an rnnviz")


def _fingerprint(t: Trainer) -> tuple:
    opt = t.optimizer.state_dict()
    hist_meta, hist_arrays = t.history.state_dict()
    return (
        t.model.params.tobytes(),
        tuple(sorted((k, v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in opt.items())),
        json.dumps(hist_meta, sort_keys=True),
        tuple(sorted((k, v.tobytes()) for k, v in hist_arrays.items())),
        t.step_count,
        t.tokens_seen,
        t.batches_drawn,
        json.dumps(t.run.to_dict(), sort_keys=True),
        t.rng_sample.bit_generator.state["state"]["state"],
    )


def test_flipped_bytes_never_escape_as_other_errors(tiny_ckpt: Path) -> None:
    """Flip one byte at many offsets: either a CheckpointError or exactly the saved run."""
    data = tiny_ckpt.read_bytes()
    reference = _fingerprint(Trainer.load(tiny_ckpt))
    offsets = sorted(set(range(0, len(data), max(1, len(data) // 800))) | {len(data) - 1})
    loaded = 0
    for off in offsets:
        raw = bytearray(data)
        raw[off] ^= 0xFF
        tiny_ckpt.write_bytes(bytes(raw))
        try:
            t = Trainer.load(tiny_ckpt)
        except CheckpointError as exc:
            assert "\n" not in str(exc) and str(tiny_ckpt) in str(exc)
            continue
        assert _fingerprint(t) == reference, f"byte {off} changed the loaded run silently"
        loaded += 1
    assert loaded < len(offsets)  # most flips are detected


def test_a_checkpoint_whose_corpus_became_a_fifo_is_not_read(
    run: RunConfig, corpus: Path, tmp_path: Path
) -> None:
    import os
    import threading

    path = tmp_path / "run.npz"
    Trainer(run).save(path)
    corpus.unlink()
    os.mkfifo(corpus)  # the record names it; opening it for reading would wait for a writer
    said: list[str] = []

    def load() -> None:
        try:
            said.append(Trainer.load(path).task.data_error or "")
        except CheckpointError as exc:
            said.append(str(exc))

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and said
    assert "is a FIFO (named pipe), not a regular file" in said[0]


def test_a_missing_history_names_the_file_once(run: RunConfig, tmp_path: Path) -> None:
    path = Trainer(run).save(tmp_path / "run.npz")
    data = read_checkpoint(path)
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version", "history")}
    write_checkpoint(path, meta, data.arrays)
    with pytest.raises(CheckpointError) as info:
        Trainer.load(path)
    message = str(info.value)
    assert message.count(str(path)) == 1 and "history is missing" in message


def test_a_checkpoint_keeps_only_the_validation_loss_of_the_weights_it_holds(
    run: RunConfig, tmp_path: Path
) -> None:
    """A checkpoint saved at step 12 stored the validation loss and metrics measured at step 11
    (eval_every 11): loaded, the window showed them as the saved weights' figures."""
    t = Trainer(run)
    _losses(t, 11)  # evaluated at step 11
    measured = t.val_loss
    assert measured is not None and "val_loss" in t.metrics
    t.save(tmp_path / "at11.npz")
    at11 = Trainer.load(tmp_path / "at11.npz")
    assert at11.val_loss == measured and at11.metrics == t.metrics  # they belong to step 11
    _losses(t, 1)  # step 12 (no evaluation): the weights changed since
    t.save(tmp_path / "at12.npz")
    at12 = Trainer.load(tmp_path / "at12.npz")
    assert at12.step_count == 12 and at12.val_loss is None and at12.metrics == {}
    at12.save(tmp_path / "again.npz")  # saved again without training: still nothing stale
    assert Trainer.load(tmp_path / "again.npz").val_loss is None
    at11.save(tmp_path / "at11-again.npz")  # the loaded step-11 figures still hold
    assert Trainer.load(tmp_path / "at11-again.npz").val_loss == measured


def test_a_checkpoint_from_before_the_long_average_state_continues_from_its_value(
    run: RunConfig, tmp_path: Path
) -> None:
    """Older files carry the ~1,000-step average as min-char-rnn's value ("smoothed") only."""
    t = Trainer(run)
    _losses(t, 12)
    data = read_checkpoint(t.save(tmp_path / "old.npz"))
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    for key in ("long_ema", "long_ema_n"):
        del meta["history"][key]
    meta["history"]["smoothed"] = 2.5
    write_checkpoint(tmp_path / "old.npz", meta, dict(data.arrays))
    b = Trainer.load(tmp_path / "old.npz")
    assert b.history.long_avg_loss == pytest.approx(2.5, rel=1e-12)
    assert b.history.avg_loss == t.history.avg_loss and len(b.history) == 12
