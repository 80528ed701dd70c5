"""rnnviz bench --gui's cursor move: every cell, one unit and the whole layer, with figures."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from rnnviz.bench.cursor import measure_cursor
from rnnviz.core.registry import cell_names


@pytest.mark.qt_log_ignore("does not support propagateSizeHints")  # the offscreen platform's
def test_cursor_moves_are_timed_for_every_cell_and_view(qtbot) -> None:
    rows = measure_cursor(passes=1, hidden=8, steps=6)
    assert [(r.cell, r.layer) for r in rows] == [
        (c, layer) for c in cell_names() for layer in (False, True)
    ]
    for r in rows:
        assert r.moves == 6 and 0 < r.median_ms <= r.p95_ms
        assert f"cursor move {r.cell}" in r.line() and "target <= 16 ms" in r.line()
        assert 0 <= r.cpu_median_ms <= r.cpu_p95_ms and "UI thread CPU p50" in r.line()
