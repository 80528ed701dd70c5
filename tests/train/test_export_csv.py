"""CSV export: the numbers read back from the file are the history's and the frame's, exactly."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import RunConfig
from rnnviz.train.export_csv import (
    FRAME_COLUMNS,
    number,
    write_frames,
    write_history,
    write_training,
)
from rnnviz.train.recording import Recorder, Recording, Schedule, record_training
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def recording(run: RunConfig, tmp_path: Path) -> Recording:
    t = Trainer(run)
    record_training(t, Recorder(tmp_path / "r.rnnrec", t.run, t.run_id, Schedule(5)), 30)
    with Recording(tmp_path / "r.rnnrec") as r:
        yield r


def test_training_csv_holds_every_recorded_step_exactly(recording: Recording) -> None:
    out = io.StringIO(newline="")
    assert write_training(recording.records, recording.evaluations, out) == 30
    rows = _rows(out.getvalue())
    rec = recording.records
    assert [int(r["step"]) for r in rows] == rec["step"].tolist()
    assert [int(r["tokens_seen"]) for r in rows] == rec["tokens_seen"].tolist()
    for name in ("loss", "grad_norm", "grad_norm_clipped", "lr"):
        assert [float(r[name]) for r in rows] == rec[name].tolist(), name
    assert [r["clipped"] == "1" for r in rows] == rec["clipped"].astype(bool).tolist()
    measured = {int(r["step"]): r["val_loss"] for r in rows if r["val_loss"] != ""}
    assert measured.keys() == recording.evaluations.keys() and measured
    for step, text in measured.items():
        assert float(text) == recording.evaluations[step]["val_loss"]


def test_history_csv_is_the_run_models_history(recording: Recording) -> None:
    model = RunModel()
    recording.fill(model)
    out = io.StringIO(newline="")
    write_history(model, out)
    rows = _rows(out.getvalue())
    h = model.history
    for column in h.columns:
        steps, lo, mean, hi = h.series(column)
        assert [float(r["step"]) for r in rows] == steps.tolist()
        assert [float(r[column]) for r in rows] == mean.tolist(), column
        assert [float(r[f"{column}_min"]) for r in rows] == lo.tolist(), column
        assert [float(r[f"{column}_max"]) for r in rows] == hi.tolist(), column


def test_frame_csv_holds_every_array_of_the_frame_exactly(recording: Recording) -> None:
    frame = recording.frame_at(10)
    out = io.StringIO(newline="")
    rows_written = write_frames([frame], out)
    rows = _rows(out.getvalue())
    assert list(rows[0]) == list(FRAME_COLUMNS) and len(rows) == rows_written
    by_array: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        by_array.setdefault(r["array"], []).append(r)
    T = frame.T
    for spec in frame.specs:
        a = frame.states[spec.name]  # (T, H)
        got = np.array([float(r["value"]) for r in by_array[spec.name]]).reshape(a.shape)
        np.testing.assert_array_equal(got.astype(a.dtype), a)
        assert np.array_equal(got, a.astype(np.float64))  # no rounding on the way
    outputs = by_array["output"]
    assert [r["unit"] for r in outputs[: frame.outputs.shape[1]]] == list(frame.output_labels)
    got = np.array([float(r["value"]) for r in outputs]).reshape(frame.outputs.shape)
    assert np.array_equal(got, frame.outputs.astype(np.float64))
    assert [float(r["value"]) for r in by_array["loss"]] == frame.loss_t.tolist()
    for name, flow in frame.flows.items():
        assert [float(r["value"]) for r in by_array[f"flow_{name}"]] == flow.tolist()
    assert [r["input"] for r in by_array["loss"]] == list(frame.labels)
    assert [r["t"] for r in by_array["loss"]] == [str(t) for t in range(T)]
    assert {r["step"] for r in rows} == {"10"}


def test_several_frames_share_one_table_and_report_progress(recording: Recording) -> None:
    out = io.StringIO(newline="")
    seen: list[int] = []
    frames = [recording.frame(k) for k in range(3)]
    rows = write_frames(frames, out, seen.append)
    assert seen == [1, 2, 3]
    steps = [r["step"] for r in _rows(out.getvalue())]
    assert len(steps) == rows and sorted(set(steps), key=int) == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("x", "text"),
    [(1.0, "1"), (-0.1, "-0.1"), (1e20, "1e+20"), (math.inf, "inf"), (math.nan, ""), (3, "3")],
)
def test_numbers_are_written_in_their_shortest_exact_form(x: float, text: str) -> None:
    assert number(x) == text
    if text:
        assert float(text) == x
    value = float(np.float32(0.1))
    assert float(number(value)) == value
