"""Smoke test of `rnnviz bench --load`: output format only, a small file, never timing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The offscreen platform's note about size hints says nothing about rnnviz (as in tests/app).
pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")


def test_measure_reports_each_load(tmp_path: Path) -> None:
    from rnnviz.bench.load import measure

    path = tmp_path / "small.txt"
    path.write_text("the cat sat on the mat.\n" * 2000, encoding="utf-8")
    results = measure(path, repeat=2, settle_ms=50)
    assert len(results) == 2
    for r in results:
        assert not r.error
        assert r.load_s > 0 and r.install_ms >= 0
        assert r.ticks == 0 or r.loading_max_ms >= r.loading_p99_ms >= 0
        assert r.line().startswith("loaded in")


def test_a_file_that_cannot_be_loaded_is_reported(tmp_path: Path) -> None:
    from rnnviz.bench.load import measure

    path = tmp_path / "empty.txt"
    path.write_text("   \n", encoding="utf-8")
    results = measure(path, repeat=3, settle_ms=50)
    assert len(results) == 1 and "only whitespace" in results[0].error


def test_cli_refuses_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from rnnviz.cli import main

    assert main(["bench", "--load", str(tmp_path / "nope.txt")]) == 2
    assert "no such file" in capsys.readouterr().err
