"""``rnnviz record`` and ``rnnviz export``: files that open, numbers that match, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import rnnviz.train.export_csv as export_csv
from rnnviz.cli import main
from rnnviz.train.recording import Recording


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "echo.rnnrec"
    args = ["record", "--preset", "echo", "--steps", "12", "--every", "5", "--out", str(path)]
    assert main([*args, "--quiet", "--seed", "1"]) == 0
    return path


def test_record_writes_a_recording_of_the_run(
    recorded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Recording(recorded) as r:
        assert r.tail == "" and r.label == "echo" and r.run.train.seed == 1
        assert r.records["step"].tolist() == list(range(1, 13))
        assert r.frame_steps.tolist() == [0, 1, 2, 5, 10, 12]


def test_record_refuses_an_existing_file_and_a_run_without_an_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keep = tmp_path / "keep.txt"
    keep.write_text("mine", encoding="utf-8")
    assert main(["record", "--preset", "echo", "--steps", "3", "--out", str(keep)]) == 2
    assert "exists; choose another name" in _err(capsys)
    assert keep.read_text(encoding="utf-8") == "mine"
    assert main(["record", "--preset", "echo", "--out", str(tmp_path / "x")]) == 2
    assert "give --steps N or --time DURATION" in _err(capsys)
    assert not (tmp_path / "x").exists()


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_export_training_csv_equals_the_recording(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "steps.csv"
    assert (
        main(["export", str(recorded), "--format", "csv", "--what", "training", "--out", str(out)])
        == 0
    )
    rows = _csv(out)
    with Recording(recorded) as r:
        assert [int(x["step"]) for x in rows] == r.records["step"].tolist()
        assert [float(x["loss"]) for x in rows] == r.records["loss"].tolist()
        assert [float(x["grad_norm"]) for x in rows] == r.records["grad_norm"].tolist()


def test_export_frames_at_a_step_and_all_frames(recorded: Path, tmp_path: Path) -> None:
    one, every = tmp_path / "one.csv", tmp_path / "all.csv"
    assert (
        main(["export", str(recorded), "--what", "frames", "--step", "7", "--out", str(one)]) == 0
    )
    assert {x["step"] for x in _csv(one)} == {"5"}  # the frame at or before step 7
    args = ["export", str(recorded), "--what", "frames", "--step", "all", "--quiet"]
    assert main([*args, "--out", str(every)]) == 0
    rows = _csv(every)
    with Recording(recorded) as r:
        per_frame = len(_csv(one))
        assert len(rows) == per_frame * len(r.frames)
        assert sorted({int(x["step"]) for x in rows}) == r.frame_steps.tolist()


def test_export_of_a_checkpoint(tmp_path: Path) -> None:
    ckpt = tmp_path / "echo.npz"
    args = ["train", "--preset", "echo", "--hidden", "6", "--steps", "9", "--save", str(ckpt)]
    assert main([*args, "--quiet"]) == 0
    out = tmp_path / "history.csv"
    assert main(["export", str(ckpt), "--what", "training", "--out", str(out)]) == 0
    rows = _csv(out)
    assert [float(x["step"]) for x in rows] == list(range(1, 10))
    frame = tmp_path / "frame.csv"
    assert main(["export", str(ckpt), "--what", "frames", "--out", str(frame)]) == 0
    assert {x["step"] for x in _csv(frame)} == {"9"}


def test_export_cancelled_leaves_no_file(
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = export_csv.write_frames

    def interrupted(frames, f, progress=None):  # type: ignore[no-untyped-def]
        def stop(k: int) -> None:
            if k == 2:
                raise KeyboardInterrupt  # Ctrl-C while the second frame is written

        return real(frames, f, stop)

    monkeypatch.setattr(export_csv, "write_frames", interrupted)
    out = tmp_path / "all.csv"
    args = ["export", str(recorded), "--what", "frames", "--step", "all", "--out", str(out)]
    assert main([*args, "--quiet"]) == 130
    assert "export cancelled" in _err(capsys)
    assert list(tmp_path.iterdir()) == []  # neither the file nor a temporary one


def test_export_mistakes_get_one_line(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    out.write_text("precious", encoding="utf-8")
    assert main(["export", str(recorded), "--out", str(out)]) == 2
    assert "exists" in _err(capsys) and out.read_text(encoding="utf-8") == "precious"
    assert main(["export", str(tmp_path / "missing.rnnrec"), "--out", str(tmp_path / "y")]) == 2
    assert "no such file" in _err(capsys)
    text = tmp_path / "notes.txt"
    text.write_text("not a run", encoding="utf-8")
    assert main(["export", str(text), "--out", str(tmp_path / "z.csv")]) == 2
    assert "checkpoint" in _err(capsys)
    assert main(["export", str(recorded), "--what", "frames", "--step", "x", "--out", "y"]) == 2
    assert "is not a whole number" in _err(capsys)


def test_bench_record_prints_the_slow_down_frame_cost_and_size(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    args = ["bench", "--record", "--preset", "echo", "--steps", "3", "--repeats", "2"]
    assert main([*args, "--size-steps", "600", "--frame-samples", "2", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [r["pair"] for r in lines[:2]] == [1, 2]
    assert all(r["plain_steps_s"] > 0 and r["recorded_steps_s"] > 0 for r in lines[:2])
    cost, size = lines[2]["frame_cost"], lines[2]["size"]
    assert cost["frames"] == 12 and cost["step_s"] > 0 and cost["frame_s"] > 0  # 0..250, 500, 600
    assert size["steps"] == 600 and size["frames"] == 12 and size["bytes"] > 0


def _damaged(recorded: Path, tmp_path: Path) -> Path:
    """A copy of ``recorded`` whose first chunk after the header no longer checks out."""
    data = bytearray(recorded.read_bytes())
    for i in range(1000, len(data), 997):
        data[i] ^= 0x5A
    bad = tmp_path / "damaged.rnnrec"
    bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "png", "--what", "frames", "--out", "x.gif"], "--out x.gif: a png file"),
        (["--format", "gif", "--out", "x.png"], "--out x.png: a gif file"),
        (["--format", "csv", "--out", "x.png"], "--out x.png: a csv file"),
        (["--format", "gif", "--out", "no/such/folder/x.gif"], "folder no/such/folder does not"),
        (["--format", "csv", "--what", "frames", "--step", "99999"], "--step 99999: the recording"),
        (["--format", "png", "--what", "frames", "--step", "99999"], "--step 99999: the recording"),
    ],
)
def test_export_refuses_what_it_cannot_do_before_drawing(
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    """A name that does not say the format, a folder that is not there, a step after the end:
    one line, before any frame is drawn (a GIF into a missing folder was drawn to the end
    first; --step 99999 silently gave the last frame; --format png wrote a PNG named x.gif)."""
    monkeypatch.chdir(tmp_path)
    if "--out" not in args:
        args = [*args, "--out", "x." + args[1]]
    assert main(["export", str(recorded), *args, "--quiet"]) == 2
    assert message in _err(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_export_of_a_damaged_recording_says_so(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A recording damaged before its first step is refused with the damage (it gave an empty
    CSV and status 0); a recording cut short exports what it holds and says where it ends."""
    bad = _damaged(recorded, tmp_path)
    out = tmp_path / "steps.csv"
    assert main(["export", str(bad), "--what", "training", "--out", str(out)]) == 2
    assert "holds no training step (a damaged chunk at byte" in _err(capsys)
    assert not out.exists()
    cut = tmp_path / "cut.rnnrec"
    cut.write_bytes(recorded.read_bytes()[: recorded.stat().st_size * 2 // 3])
    with Recording(cut) as r:
        last, tail = r.last_step, r.tail
    assert main(["export", str(cut), "--what", "training", "--out", str(out)]) == 0
    assert len(_csv(out)) == last and tail
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tail}: exported up to step {last}" in err


def test_export_pictures_of_a_checkpoint_say_what_a_checkpoint_gives(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ckpt = tmp_path / "echo.npz"
    args = ["train", "--preset", "echo", "--hidden", "6", "--steps", "2", "--save", str(ckpt)]
    assert main([*args, "--quiet"]) == 0
    out = tmp_path / "x.png"
    assert main(["export", str(ckpt), "--format", "png", "--out", str(out)]) == 2
    assert "is a checkpoint: pictures and animations are drawn from a recording" in _err(capsys)


def test_record_into_a_missing_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no" / "run.rnnrec"
    assert main(["record", "--preset", "echo", "--steps", "2", "--out", str(out), "--quiet"]) == 2
    assert "cannot create it" in _err(capsys)
