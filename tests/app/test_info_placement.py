"""No ⓘ covers what a panel draws, at any screen size or font scale.

At 1024x768, 1280x720 and 1920x1080, normal and --big, with every tab of the right-hand column
in turn, each ⓘ visible in the window is checked as a user would see it: its rectangle (mapped
to the window) meets no plot's data area (a ViewBox's scene rectangle), no heatmap image or
colour bar, no legend, no axis's tick label or title, and no other widget (a text area, a
header's text, a button) except the panels that hold it; it lies inside the window, and a click
at its centre reaches it and shows its explanation. (An ⓘ pinned over a plot's top-right corner
covered the end of the gradient-flow curves.)
"""

from __future__ import annotations

import pyqtgraph as pg
import pytest
from PyQt6.QtCore import QPoint, QRect
from PyQt6.QtWidgets import QApplication, QToolTip, QWidget
from test_main_window import tiny_run
from test_projector import SCREENS, label_rects, maximised

from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.info import VIEW_INFOS, InfoButton, attach_info

#: Items of a plot's scene that an ⓘ must not cover: data areas, images, colour bars, legends.
DATA_ITEMS = (pg.ViewBox, pg.ImageItem, pg.ColorBarItem, pg.LegendItem)


@pytest.fixture(params=[1.0, BIG_SCALE], ids=["normal", "big"])
def scale(request, qapp):
    apply_theme(qapp, request.param)
    yield request.param
    apply_theme(qapp, 1.0)


def on_window(widget: QWidget, window: QWidget) -> QRect:
    """``widget``'s rectangle in ``window``'s coordinates."""
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def data_areas(window: QWidget) -> list[tuple[str, QRect]]:
    """Every visible data area, image, colour bar (its strip and its labels) and legend of the
    window's plots (every set of heatmaps it holds: the compare window has one per run)."""
    bars = tuple(
        panel.bar.axis
        for heatmaps in window.findChildren(StateHeatmaps)
        for panel in heatmaps.panels.values()
    )
    areas = []
    for view in window.findChildren(pg.GraphicsView):
        if not view.isVisible():
            continue
        for item in view.scene().items():
            if (isinstance(item, DATA_ITEMS) or item in bars) and item.isVisible():
                rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
                rect = rect.intersected(view.rect())
                if not rect.isEmpty():
                    rect.translate(view.mapTo(window, QPoint(0, 0)))
                    areas.append((f"{type(item).__name__} of {type(view).__name__}", rect))
            if isinstance(item, pg.AxisItem) and item.isVisible():
                texts = [item.mapRectToScene(r) for r in label_rects(item)]
                if item.label.isVisible() and item.labelText:
                    texts.append(item.label.sceneBoundingRect())
                for text in texts:
                    rect = view.mapFromScene(text).boundingRect()
                    rect.translate(view.mapTo(window, QPoint(0, 0)))
                    areas.append((f"tick label or title of {item.labelText!r}", rect))
    return areas


def other_widgets(window: QWidget, button: InfoButton) -> list[tuple[str, QRect]]:
    """Every visible widget that neither holds ``button`` nor is it, nor is a plot (a plot's
    axis margins are a place for an ⓘ: its data areas and legends are checked item by item)."""
    plots = window.findChildren(pg.GraphicsView)
    rects = []
    for widget in window.findChildren(QWidget):
        if widget is button or widget.isAncestorOf(button) or button.isAncestorOf(widget):
            continue
        if isinstance(widget, pg.GraphicsView) or widget.parentWidget() in plots:
            continue
        if widget.isVisible() and not widget.isWindow() and widget.width() and widget.height():
            name = widget.objectName() or type(widget).__name__
            rects.append((name, on_window(widget, window)))
    return rects


#: What a page of the main window draws at least: data areas, maps and their colour bars.
DRAWN = frozenset({"ViewBox", "ImageItem", "BarAxis"})


def check_infos(window: QWidget, where: str, drawn_at_least: frozenset = DRAWN) -> set[str]:
    """Each visible ⓘ covers nothing, is inside the window and answers a click at its centre;
    the keys of the visible ones. The page must draw at least ``drawn_at_least`` (items' types)."""
    keys = set()
    areas = data_areas(window)
    drawn = {name.split()[0] for name, _rect in areas}
    assert drawn_at_least <= drawn, (where, drawn)  # the plots (maps and bars) are shown
    for button in window.findChildren(InfoButton):
        if not button.isVisible():
            continue
        keys.add(button.key)
        rect = on_window(button, window)
        assert window.rect().contains(rect), (where, button.key, "outside the window", rect)
        for name, area in areas:
            assert not rect.intersects(area), (where, button.key, "covers", name, rect, area)
        for name, other in other_widgets(window, button):
            assert not rect.intersects(other), (where, button.key, "covers", name, rect, other)
        centre = rect.center()
        assert window.childAt(centre) is button, (where, button.key, "not clickable", centre)
        QToolTip.hideText()
        button.click()
        assert QToolTip.isVisible() and QToolTip.text() == button.toolTip(), (where, button.key)
    QToolTip.hideText()
    return keys


def test_no_info_button_covers_a_plot_a_map_a_legend_or_text(qtbot, scale: float) -> None:
    w = MainWindow(tiny_run(hidden=128), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.show()
    for screen in SCREENS:
        width, height = maximised(screen)
        w.arrange_for(width, height)
        w.resize(width, height)
        QApplication.processEvents()
        seen: set[str] = set()
        tabs = w.right_column.tabs
        for index in range(tabs.count() if w.right_column.mode() == "tabs" else 1):
            tabs.setCurrentIndex(index)
            QApplication.processEvents()
            seen |= check_infos(w, f"{screen} x{scale} tab {index}")
        assert seen >= {key for key, _path, _place in VIEW_INFOS}, (screen, scale, seen)


def test_an_info_button_needs_a_row_to_sit_in(qtbot) -> None:
    """A widget outside any box layout has no row for its ⓘ: refused, not pinned over it."""
    lonely = QWidget()
    qtbot.addWidget(lonely)
    with pytest.raises(ValueError, match="not in a box layout"):
        attach_info(lonely, "loss")
    assert not lonely.findChildren(InfoButton)
