"""rnnviz bench --gui's report: whether the frame view was on screen, the longest collection."""

from __future__ import annotations

from rnnviz.bench.gc_watch import Collection
from rnnviz.bench.gui import GuiBench

FIGURES = dict(
    first_heatmap_s=1.0,
    frame_median_ms=16.0,
    frame_p95_ms=20.0,
    max_stall_ms=50.0,
    frames_drawn_per_s=5.0,
    gui_tokens_per_s=900.0,
    headless_tokens_per_s=1000.0,
    close_s=0.01,
)


def test_the_report_says_whether_the_frame_view_was_shown() -> None:
    shown = GuiBench(**FIGURES, frame_view=True).report().splitlines()
    hidden = GuiBench(**FIGURES).report().splitlines()
    assert shown[0].split() == ["frame", "view", "shown"]
    assert hidden[0].split() == ["frame", "view", "hidden"]
    assert "longest stall" in shown[4] and "50.0 ms" in shown[4]


def test_the_report_names_the_longest_collection_and_its_thread() -> None:
    longest = Collection(ms=12.5, generation=2, thread="rnnviz-trainer-1", collected=40)
    lines = GuiBench(**FIGURES, collections=7, longest_collection=longest).report().splitlines()
    row = lines[lines.index(next(x for x in lines if "longest stall" in x)) + 1]
    assert row.split()[:4] == ["longest", "collection", "12.5", "ms"]
    assert "generation 2" in row and "rnnviz-trainer-1" in row and "of 7 " in row
    none = GuiBench(**FIGURES).report()
    assert "no garbage collection while measured" in none
