"""Recordings: what a run sends, written to one file, read back the same, also when cut short."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import RunConfig
from rnnviz.train.chunks import HEAD_BYTES, MAGIC
from rnnviz.train.frame import Frame
from rnnviz.train.recording import (
    Recorder,
    Recording,
    RecordingError,
    Schedule,
    record_training,
)
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer

STEPS = 23


def _record(run: RunConfig, path: Path, steps: int = STEPS, every: int = 5) -> Trainer:
    t = Trainer(run)
    rec = Recorder(path, t.run, t.run_id, Schedule(every))
    assert record_training(t, rec, steps) == "stopped"
    assert rec.closed
    return t


def _live(run: RunConfig, steps: int = STEPS) -> tuple[RunModel, dict[int, Frame], list]:
    """The same run fed to a RunModel live, one update per step; its frames by step; samples."""
    t, model, frames, samples = Trainer(run), RunModel(max_frames=1000), {}, []
    u = t.update()
    model.ingest(u)
    frames[0] = u.frame
    for _ in range(steps):
        t.step()
        u = t.update()
        model.ingest(u)
        frames[t.step_count] = u.frame
        samples.extend(u.samples)
    return model, frames, samples


def _same_frame(a: Frame, b: Frame) -> None:
    assert (a.step, a.cell, a.labels, a.targets, a.text) == (
        b.step,
        b.cell,
        b.labels,
        b.targets,
        b.text,
    )
    assert a.states.keys() == b.states.keys() and a.flows.keys() == b.flows.keys()
    for k in a.states:
        np.testing.assert_array_equal(a.states[k], b.states[k])
    for k in a.flows:
        np.testing.assert_array_equal(a.flows[k], b.flows[k])
    np.testing.assert_array_equal(a.outputs, b.outputs)
    np.testing.assert_array_equal(a.loss_t, b.loss_t)
    assert dict(a.param_norms) == dict(b.param_norms)


def test_a_recording_holds_every_step_sample_and_scheduled_frame(
    run: RunConfig, tmp_path: Path
) -> None:
    path = tmp_path / "run.rnnrec"
    t = _record(run, path)
    live, frames, samples = _live(run)
    with Recording(path) as r:
        assert r.tail == "" and r.run == t.run and r.run_id == t.run_id
        assert r.frame_steps.tolist() == [0, 1, 2, 5, 10, 15, 20, 23]
        assert r.records["step"].tolist() == list(range(1, STEPS + 1))
        steps, losses = live.history.recent("loss")
        assert steps.tolist() == list(range(1, STEPS + 1))
        assert r.records["loss"].tolist() == losses.tolist()
        assert r.records["grad_norm"].tolist() == live.history.recent("grad_norm")[1].tolist()
        assert r.records["tokens_seen"].tolist() == live.history.recent("tokens")[1].tolist()
        for step in r.frame_steps:
            _same_frame(r.frame_at(int(step)), frames[int(step)])
        assert [(s.step, s.text, s.marks) for s in r.samples] == [
            (s.step, s.text, s.marks) for s in samples
        ]
        assert sorted(r.evaluations) == [e.step for e in live.evaluations]
        assert [s.state for s in r.statuses] == ["running", "stopped"]


def test_a_run_model_filled_from_a_recording_is_the_live_one(
    run: RunConfig, tmp_path: Path
) -> None:
    path = tmp_path / "run.rnnrec"
    _record(run, path)
    live, _, _ = _live(run)
    replayed = RunModel(max_frames=1000)
    with Recording(path) as r:
        r.fill(replayed)
    for column in live.history.columns:
        np.testing.assert_array_equal(
            replayed.history.recent(column)[1], live.history.recent(column)[1], err_msg=column
        )
    assert [s.text for s in replayed.samples] == [s.text for s in live.samples]
    assert [(e.step, e.metrics) for e in replayed.evaluations] == [
        (e.step, e.metrics) for e in live.evaluations
    ]
    assert sorted(replayed.frames) == [0, 1, 2, 5, 10, 15, 20, 23]
    assert replayed.status.state == "stopped" and replayed.step == STEPS


def test_a_replay_up_to_a_step_and_the_frame_at_any_step(run: RunConfig, tmp_path: Path) -> None:
    path = tmp_path / "run.rnnrec"
    _record(run, path)
    with Recording(path) as r:
        model = RunModel()
        r.fill(model, upto=12)
        assert model.history.last_step == 12 and max(model.frames) == 10
        assert all(s.step <= 12 for s in model.samples)
        assert r.frame_at(14).step == 10 and r.frame_at(15).step == 15
        assert r.frame_at(-3).step == 0 and r.frame_at(10**9).step == STEPS


@pytest.mark.parametrize(("every", "steps"), [(10, [0, 1, 2, 5, 10, 20, 30, 40]), (1, None)])
def test_the_frame_schedule(every: int, steps: list[int] | None) -> None:
    s = Schedule(every)
    due, last = [], None
    for step in range(41):
        if s.due(step, last, 0.0):
            due.append(step)
            last = step
    assert due == (steps or list(range(41)))
    timed = Schedule(None, 2.0)
    assert timed.due(7, 3, 2.0) and not timed.due(7, 3, 1.9) and timed.due(7, None, 0.0)
    with pytest.raises(RecordingError, match="every K steps or every S seconds"):
        Schedule(None, None)


def _offsets(path: Path) -> tuple[list[int], set[int]]:
    """Cut points (every chunk boundary, a few bytes around it, inside every chunk), and the
    chunk boundaries."""
    data = path.read_bytes()
    with Recording(path) as r:
        refs = [f.chunk for f in r.frames]
    bounds, ends = {len(MAGIC)}, {len(MAGIC)}
    pos = len(MAGIC)
    while pos < len(data):
        n = int.from_bytes(data[pos + 4 : pos + 12], "little")
        end = pos + HEAD_BYTES + n
        bounds |= {pos + 1, pos + HEAD_BYTES - 1, pos + HEAD_BYTES, (pos + end) // 2, end - 1, end}
        ends.add(end)
        pos = end
    assert refs and pos == len(data)
    return sorted(b for b in bounds if len(MAGIC) <= b <= len(data)), ends


def test_a_recording_cut_short_anywhere_replays_to_its_last_complete_frame(
    run: RunConfig, tmp_path: Path
) -> None:
    path = tmp_path / "run.rnnrec"
    _record(run, path)
    data = path.read_bytes()
    with Recording(path) as full:
        all_steps = full.records["step"].tolist()
        all_frames = full.frame_steps.tolist()
    n = len(MAGIC)
    head_end = n + HEAD_BYTES + int.from_bytes(data[n + 4 : n + 12], "little")
    cut_path = tmp_path / "cut.rnnrec"
    opened = 0
    cuts, ends = _offsets(path)
    for cut in cuts:
        cut_path.write_bytes(data[:cut])
        if cut < head_end:
            with pytest.raises(RecordingError, match="cut short before its header"):
                Recording(cut_path)
            continue
        with Recording(cut_path) as r:
            opened += 1
            steps, frames = r.records["step"].tolist(), r.frame_steps.tolist()
            assert steps == all_steps[: len(steps)] and frames == all_frames[: len(frames)]
            assert (r.tail == "") == (cut in ends), cut
            if frames:  # the whole history up to the last frame is there
                assert (steps[-1] if steps else 0) >= frames[-1]
                assert r.frame_at(frames[-1]).step == frames[-1]
                model = RunModel()
                r.fill(model)
                assert model.newest_frame.step == frames[-1]
                assert model.history.last_step == (steps[-1] if steps else 0)
    assert opened > 20


def test_a_damaged_chunk_ends_the_replay_before_it(run: RunConfig, tmp_path: Path) -> None:
    path = tmp_path / "run.rnnrec"
    _record(run, path)
    with Recording(path) as r:
        ref = r.frames[4].chunk
    data = bytearray(path.read_bytes())
    data[ref.offset + ref.length // 2] ^= 0x55
    path.write_bytes(bytes(data))
    with Recording(path) as r:
        assert r.frame_steps.tolist() == [0, 1, 2, 5]
        assert "damaged chunk" in r.tail


def test_bad_files_get_one_line(run: RunConfig, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello", encoding="utf-8")
    cases = {
        tmp_path / "missing.rnnrec": "no such file",
        text: "not an rnnviz recording",
        tmp_path: "folder",
    }
    for path, message in cases.items():
        with pytest.raises(RecordingError, match=message) as info:
            Recording(path)
        assert "\n" not in str(info.value)
    existing = tmp_path / "run.rnnrec"
    existing.write_bytes(b"keep me")
    with pytest.raises(RecordingError, match="exists; choose another name"):
        Recorder(existing, run, "x")
    assert existing.read_bytes() == b"keep me"


def test_a_reset_ends_the_recording(make_run: Callable[..., RunConfig], tmp_path: Path) -> None:
    t = Trainer(make_run())
    rec = Recorder(tmp_path / "r.rnnrec", t.run, t.run_id, Schedule(1))
    rec.add(t.update())
    t.step()
    rec.add(t.update())
    t.reset()
    rec.add(t.update())
    assert rec.closed and "reset" in rec.closed_because
    with Recording(tmp_path / "r.rnnrec") as r:
        assert r.frame_steps.tolist() == [0, 1] and r.last_step == 1


def test_a_diverging_run_records_why_it_stopped(
    make_run: Callable[..., RunConfig], tmp_path: Path
) -> None:
    run = make_run()
    run = run.replace(optim=dataclasses.replace(run.optim, name="sgd", lr=10.0, clip_value=None))
    t = Trainer(run)
    rec = Recorder(tmp_path / "r.rnnrec", t.run, t.run_id, Schedule(5))
    assert record_training(t, rec, 200) == "diverged"
    with Recording(tmp_path / "r.rnnrec") as r:
        assert r.statuses[-1].state == "diverged" and "diverged" in r.statuses[-1].message
        assert r.frame_steps[-1] == t.step_count


def test_a_continued_run_replays_with_the_steps_before_it(run: RunConfig, tmp_path: Path) -> None:
    first = Trainer(run)
    for _ in range(9):
        first.step()
    first.save(tmp_path / "ckpt.npz")
    live, recorded = Trainer.load(tmp_path / "ckpt.npz"), Trainer.load(tmp_path / "ckpt.npz")
    model = RunModel()
    for _ in range(6):
        model.ingest(live.update())
        live.step()
    model.ingest(live.update())
    rec = Recorder(tmp_path / "r.rnnrec", recorded.run, recorded.run_id, Schedule(5))
    record_training(recorded, rec, 6)
    replayed = RunModel()
    with Recording(tmp_path / "r.rnnrec") as r:
        assert r.history is not None and r.history.last_step == 9
        assert r.records["step"].tolist() == list(range(10, 16))
        r.fill(replayed)
    for column in model.history.columns:
        np.testing.assert_array_equal(
            replayed.history.recent(column)[1], model.history.recent(column)[1], err_msg=column
        )
    assert replayed.history.last_step == 15 and replayed.status.tokens_seen == live.tokens_seen


def test_a_hostile_saved_history_ends_the_readable_part(run: RunConfig, tmp_path: Path) -> None:
    from rnnviz.train.chunks import ChunkWriter

    path = tmp_path / "r.rnnrec"
    t = Trainer(run)
    rec = Recorder(path, t.run, t.run_id)
    rec.close()
    with open(path, "ab") as f:
        w = ChunkWriter(f)
        w.append("HIST", b"PK\x03\x04 not really an archive")
        w.append("STEP", b"")
    with Recording(path) as r:
        assert r.history is None and "does not check out" in r.tail
