"""Every panel has an ⓘ: the main window's views, the frame view's parts, the replay window's.

Each ⓘ says what its panel shows, its formula, how to read it and what to look for (four
parts, none empty), and sits on its panel: pinned into its corner, or beside it on its row.
"""

from __future__ import annotations

from PyQt6.QtCore import QPoint, QRect
from PyQt6.QtWidgets import QApplication, QWidget
from test_frame_dock import shown
from test_main_window import WAIT_MS
from test_replay import recording, replay  # noqa: F401 (fixtures)

from rnnviz.app.widgets.info import EXPLANATIONS, InfoButton


def _on(button: InfoButton, panel: QWidget) -> bool:
    """Whether ``button`` is pinned on ``panel``, or beside it: right of it, within its rows."""
    if button.parentWidget() is panel:
        return True
    top = panel.window()
    rect = QRect(panel.mapTo(top, QPoint(0, 0)), panel.size())
    spot = button.mapTo(top, QPoint(button.width() // 2, button.height() // 2))
    return spot.x() >= rect.right() - button.width() and rect.top() <= spot.y() <= rect.bottom()


def _check(buttons: dict[str, InfoButton], panels: dict[str, QWidget]) -> None:
    assert set(panels) <= set(buttons), set(panels) - set(buttons)
    for key, panel in panels.items():
        button = buttons[key]
        assert button.isVisible(), key
        assert _on(button, panel), key
        e = button.explanation
        assert e is EXPLANATIONS[key]
        assert all(part.strip() for part in (e.title, e.shows, e.formula, e.read, e.look_for))
        assert e.title in button.toolTip()


def _buttons(window: QWidget) -> dict[str, InfoButton]:
    return {b.key: b for b in window.findChildren(InfoButton)}


def test_every_panel_of_the_frame_view_has_its_explanation(qtbot, tiny_window) -> None:
    tiny_window.resize(1920, 1080)  # room for the frame view beside every view (800 px: not)
    QApplication.processEvents()
    w = shown(tiny_window)
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    QApplication.processEvents()
    panels = {
        "frame": view.title,
        "readout": view.readout.label,
        "diagram": view.unit,  # the diagram's row: unit selector, whole layer, ⓘ
        "equations": view.equations,
    }
    _check(_buttons(w), panels)
    assert view.infos["waveform"].parentWidget() is view.readout.wave  # shown for values
    # the main window's own views keep theirs
    main = {
        "heatmaps": w.heatmaps,
        "gradients": w.gradients.flow_widget,
        "grad_norm": w.gradients.norm_widget,
        "loss": w.loss.plot_widget,
        "samples": w.samples.count_label,  # the ⓘ ends the samples' title row
    }
    assert w.right_column.isVisible()
    if w.right_column.mode() == "stacked":
        _check(_buttons(w), main)


def test_every_panel_of_the_replay_window_has_its_explanation(replay) -> None:  # noqa: F811
    w = replay
    w.resize(1920, 1080)
    QApplication.processEvents()
    panels = {
        "heatmaps": w.heatmaps,
        "gradients": w.gradients.flow_widget,
        "grad_norm": w.gradients.norm_widget,
        "loss": w.loss.plot_widget,
        "samples": w.samples.count_label,  # the ⓘ ends the samples' title row
        "timeline": w.timeline.speed,  # at the timeline's right end
    }
    _check(_buttons(w), panels)
