"""The compare window fits every classroom screen, legibly, with 2, 3 and 4 runs.

For each comparison preset (race: four LSTMs, cells: an RNN, an LSTM and a GRU, clipping and
learning-rates: two runs), normal and --big, the window is laid out at the size a maximised
window gets on a 1024×768, 1280×720 and 1920×1080 screen, and looked at as a user would, on
each of its pages when its views are tabbed: the window's minimum fits the screen, every run's
heatmaps, both curve plots and the frame bar are shown whole (not scrolled out of sight) on
some page at a legible size, nothing overlaps, no text is cut, and the shared time-step cursor
still moves every run.
"""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest
from PyQt6.QtCore import QPoint, QPointF, QRect
from PyQt6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QTabWidget,
    QWidget,
)
from test_main_window import WAIT_MS
from test_projector import SCREENS, label_rects, maximised, scale  # noqa: F401 (scale: fixture)

from rnnviz.app.compare_layout import ROWS_PX
from rnnviz.app.compare_window import PRESETS, CompareWindow
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import MIN_PLOT_PX
from rnnviz.app.widgets.heatmaps import MIN_IMAGE_H, MIN_IMAGE_W


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and widget.width() > 0 and widget.height() > 0


def _rect(w: QWidget, widget: QWidget) -> QRect:
    """``widget``'s rectangle in window coordinates."""
    return QRect(widget.mapTo(w, QPoint(0, 0)), widget.size())


def _whole(widget: QWidget) -> bool:
    """Shown and not clipped by any ancestor (a scroll area's viewport, a splitter)."""
    if not _shown(widget):
        return False
    seen, child = widget.rect(), widget
    while child.parentWidget() is not None and not child.isWindow():
        seen = seen.translated(child.pos()).intersected(child.parentWidget().rect())
        child = child.parentWidget()
    return seen.size() == widget.size()


def _pages(w: CompareWindow):
    """Show each page of the window in turn (each tab of a tabbed layout, or the one page)."""
    tabs = [t for t in w.findChildren(QTabWidget) if _shown(t)]
    if not tabs:
        yield 0
        return
    for index in range(tabs[0].count()):
        tabs[0].setCurrentIndex(index)
        QApplication.processEvents()
        yield index


def _check_text(w: CompareWindow, where: object) -> None:
    """No label, button or chooser shows less than its text."""
    for widget in w.findChildren((QLabel, QAbstractButton, QComboBox)):
        if not _shown(widget):
            continue
        text = widget.currentText() if isinstance(widget, QComboBox) else widget.text()
        if not text:
            continue
        if isinstance(widget, QLabel) and widget.wordWrap():
            need = widget.heightForWidth(widget.width())
            assert widget.height() >= need, (where, "text cut", text, widget.size(), need)
        else:
            need = widget.minimumSizeHint().width()
            assert widget.width() >= need, (where, "text cut", text, widget.width(), need)


def _check_axes(w: CompareWindow, where: object) -> None:
    """No axis title longer than its axis, no tick labels overlapping."""
    for view in w.findChildren(pg.GraphicsView):
        if not _shown(view):
            continue
        for item in view.scene().items():
            if not (isinstance(item, pg.AxisItem) and item.isVisible()):
                continue
            vertical = item.orientation in ("left", "right")
            length = item.geometry().height() if vertical else item.geometry().width()
            if item.label.isVisible() and item.labelText:
                title = item.label.boundingRect().width()
                assert title <= length + 1, (where, "axis title cut", item.labelText)
            for a, b in itertools.combinations(label_rects(item), 2):
                assert not a.intersects(b), (where, "tick labels overlap", item.labelText)


def _check_page(w: CompareWindow, where: object, seen: set[str]) -> None:
    """What this page shows is whole and legible; adds the names of the panels it shows."""
    bar = w.statusBar()
    assert _whole(bar) and w.rect().contains(_rect(w, bar)), (where, "status bar")
    assert _whole(w.frame_bar), (where, "frame bar hidden or clipped")
    parts: list[tuple[str, QWidget]] = [("status bar", bar), ("frame bar", w.frame_bar)]
    parts.append(("menu bar", w.menuBar()))
    for i, view in enumerate(w.heatmaps):
        if not _shown(view):
            continue
        assert _whole(view), (where, "heatmaps of run", i, "scrolled or clipped")
        seen.add(f"heatmaps{i}")
        parts.append((f"heatmaps{i}", view))
        assert view.shown(), (where, "no heatmap shown for run", i)
        for name in view.shown():
            vb = view.panels[name].plot.getViewBox().geometry()
            rows = min(len(view.shown_units()), ROWS_PX)
            assert vb.width() >= MIN_IMAGE_W and vb.height() >= MIN_IMAGE_H, (where, i, name, vb)
            assert vb.height() >= rows, (where, "less than a pixel per unit", i, name, vb, rows)
    for name, panel in (("loss", w.curves.loss_panel), ("flow", w.curves.flow_panel)):
        if not _shown(panel):
            continue
        assert _whole(panel), (where, name, "clipped")
        seen.add(name)
        vb = panel.plot_widget.getPlotItem().getViewBox().geometry()
        assert vb.height() >= MIN_PLOT_PX and vb.width() >= MIN_PLOT_PX, (where, name, vb)
        parts += [(f"{name} plot", panel.plot_widget), (f"{name} legend", panel.legend)]
    for label in w.findChildren(QLabel):
        if _shown(label) and label.text() and label is not w.run_status:
            parts.append((label.text()[:30], label))
    parts.append(("run status", w.run_status))
    window = w.rect()
    rects = {}
    for name, widget in parts:
        if _shown(widget):
            rects[name, id(widget)] = r = _rect(w, widget)
            assert window.contains(r), (where, name, "outside the window", r)
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        nested = ra.contains(rb) or rb.contains(ra)  # a status bar holds its label
        assert nested or not ra.intersects(rb), (where, "overlap", a[0], b[0], ra, rb)
    _check_text(w, where)
    _check_axes(w, where)


@pytest.mark.parametrize("preset", PRESETS)
def test_the_window_fits_every_classroom_screen_legibly(qtbot, scale, preset) -> None:  # noqa: F811
    w = CompareWindow(preset)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS)
    for screen in SCREENS:
        size = maximised(screen)
        where = (preset, scale, screen)
        hint = w.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], (where, hint)
        w.resize(*size)
        QApplication.processEvents()
        w.redraw_all()
        QApplication.processEvents()
        assert (w.width(), w.height()) == size, where
        seen: set[str] = set()
        for page in _pages(w):
            _check_page(w, (*where, page), seen)
        runs = {f"heatmaps{i}" for i in range(len(w.models))}
        assert seen >= runs | {"loss", "flow"}, (where, "never shown", runs - seen)
        t = w.frame_bar.slider.maximum() // 2
        w.frame_bar.set_frame(t)  # the shared cursor moves every run at every size
        assert [view.frame() for view in w.heatmaps] == [t] * len(w.models), where
        assert w.flow_cursor.value() == t, where


def test_one_read_out_line_names_the_run_under_the_pointer(qtbot) -> None:
    """Hovering a run's heatmap shows that run's name and the value under the pointer on the
    window's one read-out line."""
    w = CompareWindow("cells")
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS)
    w.resize(*maximised(SCREENS[1]))
    QApplication.processEvents()
    w.redraw_all()
    QApplication.processEvents()
    for i, view in enumerate(w.heatmaps):
        panel = view.panels["h"]
        vb = panel.plot.getViewBox()
        scene_pos = vb.mapViewToScene(QPointF(3.0, 2.0))  # step 3, unit 2
        view.graphics.scene().sigMouseMoved.emit(scene_pos)
        text = w.readout.text()
        value = float(w.models[i].frame.states["h"][3, 2])
        assert w.labels[i] in text and f"{value:+.3f}" in text, (i, text)
        assert "unit <b>2</b>" in text and step_name(3) in text and "step" not in text, text


@pytest.fixture
def big_race_tabbed(qtbot, qapp):
    """The race's four runs at --big, maximised on a 1024×768 screen: their views are tabbed."""
    from rnnviz.app.style import BIG_SCALE, apply_theme

    apply_theme(qapp, BIG_SCALE)
    try:
        w = CompareWindow("race")
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(
            lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS
        )
        w.resize(*maximised(SCREENS[0]))
        QApplication.processEvents()
        w.redraw_all()
        assert w.area.mode == "tabs"
        yield w
    finally:
        apply_theme(qapp, 1.0)


def test_exporting_a_panel_on_a_hidden_tab_shows_it_first(big_race_tabbed, tmp_path) -> None:
    """Four runs at 1024×768 --big are tabbed: File → Export of the loss plot while the
    heatmaps' tab is shown brings the plot's tab forward, so the picture is the plot as laid
    out on screen (a hidden tab's plot had never been laid out: a stale 318×168 picture)."""
    from PIL import Image

    w = big_race_tabbed
    w.area.tabs.setCurrentIndex(0)
    QApplication.processEvents()
    for name, panel in (("loss", w.curves.loss_panel), ("gradients", w.curves.flow_panel)):
        path = w.exporter.picture(name, "png", str(tmp_path / f"{name}.png"))
        assert _whole(panel), name
        vb = panel.plot_widget.getPlotItem().getViewBox().geometry()
        assert vb.height() >= MIN_PLOT_PX, (name, vb)
        with Image.open(path) as im:
            assert im.size == (panel.width(), panel.height())
    path = w.exporter.picture("heatmaps", "png", str(tmp_path / "heatmaps.png"))
    assert _whole(w.heatmap_grid) and w.area.tabs.currentIndex() == 0


def test_the_read_out_beside_the_tabs_keeps_the_tabs_and_the_value(big_race_tabbed) -> None:
    """Four runs at 1024×768 --big: the read-out sits beside the tabs. A value read out there
    leaves both tabs whole and shows the run and the value (a long line pushed the tabs out of
    sight and was cut on the left)."""
    w = big_race_tabbed
    view = w.heatmaps[2]
    vb = view.panels["h"].plot.getViewBox()
    view.graphics.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(10.0, 5.0)))
    QApplication.processEvents()
    bar, readout = w.area.tabs.tabBar(), w.readout
    assert bar.width() >= bar.sizeHint().width() and _whole(bar), bar.geometry()
    assert not _rect(w, bar).intersects(_rect(w, readout))
    assert _whole(readout) and w.rect().contains(_rect(w, readout))
    value = float(w.models[2].frame.states["h"][10, 5])
    lead = f"{w.labels[2]}: value {value:+.3f}"
    assert lead in readout.text().replace("<b>", "").replace("</b>", "").split("'>")[-1] or (
        lead.split(":")[1] in readout.text().replace("<b>", "").replace("</b>", "")
    )
    assert readout.fontMetrics().horizontalAdvance(lead) <= readout.width()
