"""rnnviz bench --gui's report says whether the frame view was on screen while it measured."""

from __future__ import annotations

from rnnviz.bench.gui import GuiBench


def test_the_report_says_whether_the_frame_view_was_shown() -> None:
    figures = dict(
        first_heatmap_s=1.0,
        frame_median_ms=16.0,
        frame_p95_ms=20.0,
        max_stall_ms=50.0,
        frames_drawn_per_s=5.0,
        gui_tokens_per_s=900.0,
        headless_tokens_per_s=1000.0,
        close_s=0.01,
    )
    shown = GuiBench(**figures, frame_view=True).report().splitlines()
    hidden = GuiBench(**figures).report().splitlines()
    assert shown[0].split() == ["frame", "view", "shown"]
    assert hidden[0].split() == ["frame", "view", "hidden"]
    assert "longest stall" in shown[4] and "50.0 ms" in shown[4]
