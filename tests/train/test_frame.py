"""Frames save to .npz with a JSON header and load back exactly; bad files are refused."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.presets import load_preset
from rnnviz.train.frame import Frame, FrameError, frame_bytes, load_frame, save_frame
from rnnviz.train.trainer import Trainer


def _frame(task: str = "binary-addition", cell: str = "lstm", dtype: str = "float32") -> Frame:
    run = RunConfig(
        task=TaskConfig(task, {}),
        model=ModelConfig(cell=cell, hidden=6, dtype=dtype),
        train=TrainConfig(seq_len=8, batch=4, sample_every=2, eval_every=2),
    )
    trainer = Trainer(run)
    for _ in range(3):
        trainer.step()
    return trainer.frame()


def _same(a: Frame, b: Frame) -> None:
    assert (a.run_id, a.step, a.cell, a.text) == (b.run_id, b.step, b.cell, b.text)
    assert a.specs == b.specs and a.labels == b.labels and a.targets == b.targets
    assert a.output_labels == b.output_labels and a.param_norms == b.param_norms
    assert list(a.states) == list(b.states) and list(a.flows) == list(b.flows)
    pairs = [(a.states[k], b.states[k]) for k in a.states]
    pairs += [(a.flows[k], b.flows[k]) for k in a.flows]
    pairs += [(a.outputs, b.outputs), (a.loss_t, b.loss_t), (a.flow_last, b.flow_last)]
    assert (a.flow_last is None) == (b.flow_last is None)
    for x, y in pairs:
        if x is None:
            continue
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_array_equal(x, y)
        assert not y.flags.writeable  # loaded frames are as read-only as live ones


@pytest.mark.parametrize(("task", "cell"), [("binary-addition", "lstm"), ("text", "gru")])
def test_a_frame_round_trips_through_a_file(tmp_path: Path, task: str, cell: str) -> None:
    frame = _frame(task, cell)
    path = tmp_path / "frame.npz"
    save_frame(frame, path)
    back = load_frame(path)
    _same(frame, back)
    assert len(frame.targets) == len(frame.labels) > 0
    assert back.param_norms and all(np.isfinite(list(back.param_norms.values())))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_non_finite_values_and_the_engine_dtype_survive(dtype: str) -> None:
    frame = _frame(dtype=dtype)
    assert frame.dtype == np.dtype(dtype) == frame.states["h"].dtype
    h = np.array(frame.states["h"])
    h[0, 0], h[1, 1], h[2, 2] = np.nan, np.inf, -np.inf
    bad = frame.replace(states={**frame.states, "h": h}, flow_last=None)
    back = load_frame(io.BytesIO(frame_bytes(bad)))
    _same(bad, back)
    assert back.flow_last is None


def test_the_file_is_plain_npz_without_pickle() -> None:
    data = frame_bytes(_frame())
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        header = json.loads(z["header"].tobytes())
        assert header["format"] == "rnnviz-frame" and header["T"] == len(header["labels"])
        assert all(z[k].dtype.kind in "fu" for k in z.files)


def test_the_default_preset_frame_is_under_a_megabyte() -> None:
    trainer = Trainer(load_preset("default"))
    trainer.step()
    assert len(frame_bytes(trainer.frame())) <= 1_000_000


def _rewrite(data: bytes, change) -> bytes:
    """The archive with its members passed through ``change(dict) -> dict``."""
    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        members = {k: z[k] for k in z.files}
    out = io.BytesIO()
    np.savez(out, **change(members))
    return out.getvalue()


def _with_header(data: bytes, **fields: object) -> bytes:
    def change(m: dict) -> dict:
        header = json.loads(m["header"].tobytes())
        header.update(fields)
        blob = json.dumps(header).encode()
        return {**m, "header": np.frombuffer(blob, dtype=np.uint8)}

    return _rewrite(data, change)


def test_hostile_files_are_refused_in_one_line(tmp_path: Path) -> None:
    good = frame_bytes(_frame())
    T = _frame().T
    cases = {
        "no 'header' member": _rewrite(
            good, lambda m: {k: v for k, v in m.items() if k != "header"}
        ),
        "member state_c is missing": _rewrite(
            good, lambda m: {k: v for k, v in m.items() if k != "state_c"}
        ),
        "member extra does not belong": _rewrite(good, lambda m: {**m, "extra": np.zeros(2)}),
        "state_h": _rewrite(good, lambda m: {**m, "state_h": np.zeros((T, 7), "f4")}),
        "state_h is stored as int64": _rewrite(
            good, lambda m: {**m, "state_h": np.zeros((T, 6), "i8")}
        ),
        "header.T": _with_header(good, T=-1),
        "header.format": _with_header(good, format="rnnviz-checkpoint"),
        "is not a field of header": _with_header(good, pickle=True),
        "but 1 labels": _with_header(good, labels=["a"]),
        "but 1 targets": _with_header(good, targets=["a"]),
        "more than a frame holds": _with_header(
            good, T=60000, H=60000, labels=["a"] * 60000, targets=[]
        ),
        "not an .npz/zip file": b"this is not an archive",
    }
    for expected, data in cases.items():
        with pytest.raises(FrameError) as info:
            load_frame(io.BytesIO(data))
        message = str(info.value)
        assert expected in message and "\n" not in message, (expected, message)
    with pytest.raises(FrameError, match="no such file"):
        load_frame(tmp_path / "missing.npz")
    with pytest.raises(FrameError, match=r"frame .*(folder|directory|regular)"):
        load_frame(tmp_path)
    pickled = io.BytesIO()
    with zipfile.ZipFile(pickled, "w") as z:
        z.writestr("header.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '|O', 'fortran_order': False}")
    with pytest.raises(FrameError):
        load_frame(io.BytesIO(pickled.getvalue()))
