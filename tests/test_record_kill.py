"""``rnnviz record`` killed with SIGKILL while it writes: the file still opens and replays.

The recorder is a real subprocess. The test waits until the reader finds enough complete frames
in the growing file (polling it, with a generous deadline: nothing depends on how fast the
machine is), then kills the process at whatever point it has reached and replays what is left.
Every cut offset of a recording is checked in ``tests/train/test_recording.py``; this is the
end-to-end case: a process that never gets to close its file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rnnviz.train.recording import Recording, RecordingError
from rnnviz.train.runmodel import RunModel

FRAMES = 8  # complete frames on file before the kill (0, 1, 2, 5, 10, 15, 20, 25 at --every 5)
DEADLINE_S = 600.0  # generous: a shared 2-core machine may take minutes to import and train
POLL_S = 0.05  # between two reads of the growing file


def _frames_on_file(path: Path) -> int:
    """Complete frames the reader finds in ``path`` now (0 before its header is complete)."""
    try:
        with Recording(path) as r:
            return len(r.frames)
    except RecordingError:
        return 0


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A `rnnviz record` that would run for days; killed at the end of the test whatever
    happens."""
    out = tmp_path / "killed.rnnrec"
    argv = [sys.executable, "-m", "rnnviz", "record", "--preset", "echo", "--every", "5"]
    argv += ["--steps", str(10**9), "--quiet", "--out", str(out)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        yield proc, out
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=DEADLINE_S)


def test_a_recording_killed_while_it_writes_replays_to_its_last_complete_frame(
    recorder: tuple[subprocess.Popen[bytes], Path],
) -> None:
    proc, path = recorder
    tick = threading.Event()  # never set: its wait paces the polling
    for _ in range(int(DEADLINE_S / POLL_S)):
        if proc.poll() is not None:
            pytest.fail(f"rnnviz record ended by itself: {proc.communicate()[1].decode()}")
        if path.exists() and _frames_on_file(path) >= FRAMES:
            break
        tick.wait(POLL_S)
    else:
        pytest.fail(f"no {FRAMES} frames on file within {DEADLINE_S:.0f} s")
    seen = _frames_on_file(path)
    proc.send_signal(signal.SIGKILL)  # mid-write or between writes: wherever it is
    _, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == -signal.SIGKILL, err.decode()

    with Recording(path) as r:  # opens: no exception, whatever was cut
        frames = r.frame_steps.tolist()
        steps = r.records["step"].tolist()
        assert len(frames) >= seen >= FRAMES  # nothing already on file was lost
        assert frames[:FRAMES] == [0, 1, 2, 5, 10, 15, 20, 25]
        assert steps == list(range(1, len(steps) + 1))  # every step, in order
        assert steps[-1] >= frames[-1]  # the history reaches the last complete frame
        last = r.frame_at(frames[-1])
        assert last is not None and last.step == frames[-1]
        model = RunModel()
        r.fill(model)  # replayed the way a live run is shown
    assert model.newest_frame is not None and model.newest_frame.step == frames[-1]
    assert model.history.last_step == steps[-1] and len(model.history) == len(steps)
    assert r.tail == "" or r.tail.startswith("a chunk cut short at byte ")  # killed mid-chunk
