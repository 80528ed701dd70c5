"""Smoke test of `rnnviz bench --record --window`: what it measures and prints, never timing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The offscreen platform's note about size hints says nothing about rnnviz (as in tests/app).
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def test_each_pair_trains_plainly_and_through_the_record_toggle(qapp, tmp_path: Path) -> None:
    from rnnviz.bench.record_gui import measure
    from rnnviz.train.recording import Recording

    pairs = measure("echo", seconds=2.0, rounds=2, folder=tmp_path)
    assert len(pairs) == 2
    for k, pair in enumerate(pairs):
        assert pair["plain_steps_s"] >= 0 and pair["recorded_steps_s"] >= 0
        with Recording(tmp_path / f"pair{k}.rnnrec") as rec:  # closed, whole, one run's steps
            assert rec.last_step >= 1 and len(rec.frame_steps) >= 1
        assert pair["recorded_bytes"] == (tmp_path / f"pair{k}.rnnrec").stat().st_size


def test_cli_refuses_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    from rnnviz.cli import main

    assert main(["bench", "--record", "--window", "--rounds", "0"]) == 2
    assert "--rounds must be 1-100" in capsys.readouterr().err
    assert main(["bench", "--record", "--window", "--preset", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
