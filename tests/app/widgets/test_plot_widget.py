"""plot_widget: the axes it is given are the plot's axes, and no other axis is made."""

from __future__ import annotations

import pytest

from rnnviz.app.widgets import _common
from rnnviz.app.widgets._common import LegibleAxis, LogAxis, TokenAxis, plot_widget


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sides of every LegibleAxis plot_widget makes by itself."""
    sides: list[str] = []

    def counted(side: str, **kwargs: object) -> LegibleAxis:
        sides.append(side)
        return LegibleAxis(side, **kwargs)

    monkeypatch.setattr(_common, "LegibleAxis", counted)
    return sides


def test_given_axes_are_used_and_none_thrown_away(qtbot, made: list[str]) -> None:
    left, bottom = LogAxis("left"), TokenAxis("bottom")
    widget = plot_widget(left=left, bottom=bottom)
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    assert plot.getAxis("left") is left and plot.getAxis("bottom") is bottom
    assert made == []  # before: a LegibleAxis per side, built and dropped


def test_missing_sides_get_a_legible_axis(qtbot, made: list[str]) -> None:
    left = LogAxis("left")
    widget = plot_widget(left=left)
    qtbot.addWidget(widget)
    plot = widget.getPlotItem()
    assert plot.getAxis("left") is left
    assert made == ["bottom"]
    assert type(plot.getAxis("bottom")) is LegibleAxis
