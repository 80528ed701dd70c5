"""StateHeatmaps: one image per declared array, fixed colour ranges, frame cursor, hover."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, QRectF, Qt
from snapshots import Feed, SnapshotStream, make_snapshot, make_specs, replace

from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import round_up, visible_token
from rnnviz.app.widgets.heatmaps import (
    LEVEL_STEPS,
    MIN_ROWS,
    ZOOM_STEP,
    StateHeatmaps,
    display_order,
    grid_columns,
)
from rnnviz.core.types import StateSpec


@pytest.fixture
def view(qtbot):
    w = StateHeatmaps()
    qtbot.addWidget(w)
    w.resize(900, 560)
    w.show()
    return w


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("lstm", ["h", "c", "i", "f", "o", "g"]),
        ("gru", ["h", "r", "z", "n"]),
        ("rnn", ["h"]),
    ],
)
def test_one_image_per_spec_with_declared_levels(view, cell, names):
    snap = make_snapshot(cell, T=23, H=17)
    Feed(view)(snap)
    assert list(view.panels) == names
    for spec in snap.specs:
        panel = view.panels[spec.name]
        assert panel.image.image.shape == (17, 23)  # (H, T) row-major
        np.testing.assert_allclose(panel.image.image, snap.probe_states[spec.name].T)
        if spec.scale == "symmetric":  # ±max|x| rounded up to a round number
            lo, hi = panel.levels()
            m = float(np.abs(snap.probe_states[spec.name]).max())
            assert lo == -hi and hi == round_up(m, LEVEL_STEPS) and m <= hi < 1.25 * m
        else:
            assert panel.levels() == (spec.lo, spec.hi)
        assert panel.axis.labels()[:5] == tuple(visible_token(c) for c in snap.probe_labels[:5])


def test_a_new_cell_reuses_the_panels_relabelled_and_recoloured(view):
    """Apply LSTM -> GRU: the same plot items show the new arrays (building new ones took
    long enough to leave the view blank)."""
    stream = SnapshotStream("lstm", T=12, H=8)
    Feed(view)(stream.next())
    image = view.panels["h"].image
    plots = [panel.plot for panel in view.panels.values()]
    Feed(view)(stream.next())
    assert view.panels["h"].image is image  # same item, new data
    gru = make_snapshot("gru", T=12, H=8)
    Feed(view)(gru)
    assert list(view.panels) == ["h", "r", "z", "n"]
    assert [panel.plot for panel in view.panels.values()] == plots[:4]  # nothing rebuilt
    z = view.panels["z"]
    assert z.plot.titleLabel.text == "update gate z"
    assert z.bar.colormap() == "viridis" and z.levels() == (0.0, 1.0)
    np.testing.assert_allclose(z.image.image, gru.probe_states["z"].T)
    assert view.panels["n"].bar.colormap() == "CET-D1" and view.panels["n"].levels() == (-1, 1)
    assert view.shown() == ("h", "r", "z", "n")
    in_grid = [item for item in view.graphics.ci.items if isinstance(item, type(plots[0]))]
    assert len(in_grid) == 4  # the LSTM's two extra panels left the grid
    Feed(view)(make_snapshot("gru", T=30, H=5))
    assert view.panels["z"].image.image.shape == (5, 30)
    Feed(view)(make_snapshot("lstm", T=30, H=5))
    assert [panel.plot for panel in view.panels.values()] == plots


def test_symmetric_range_grows_at_once_and_shrinks_smoothly(view):
    snap = make_snapshot("lstm", T=10, H=4)
    big = {**snap.probe_states, "c": np.full((10, 4), 8.0, dtype=np.float32)}
    small = {**snap.probe_states, "c": np.full((10, 4), 1.0, dtype=np.float32)}
    Feed(view)(replace(snap, probe_states=big))
    assert view.panels["c"].levels() == pytest.approx((-8.0, 8.0))
    his = []
    for _ in range(6):  # shrinking by a tenth of the gap per update, shown at round numbers
        Feed(view)(replace(snap, probe_states=small))
        his.append(view.panels["c"].levels()[1])
    assert his == sorted(his, reverse=True) and 1.0 < his[-1] < 8.0  # towards 1, no jump
    hi = his[-1]
    nan = {**snap.probe_states, "c": np.full((10, 4), np.nan, dtype=np.float32)}
    Feed(view)(replace(snap, probe_states=nan))  # non-finite: keep the range
    assert view.panels["c"].levels()[1] == pytest.approx(hi)


def test_new_cell_needs_no_gui_code(view):
    spec = StateSpec("m", "memory m", -2.0, 2.0, "A made-up cell's memory.")
    snap = make_snapshot("rnn", T=6, H=3)
    states = {**snap.probe_states, "m": np.zeros((6, 3), dtype=np.float32)}
    Feed(view)(replace(snap, specs=(spec, *snap.specs), probe_states=states))
    assert list(view.panels) == ["h", "m"]  # hidden state first
    assert view.panels["m"].levels() == (-2.0, 2.0)


def test_set_frame_and_click(view, qtbot):
    Feed(view)(make_snapshot("gru", T=20, H=8))
    view.set_frame(5)
    for panel in view.panels.values():
        assert panel.marker.isVisible()
        assert panel.marker.column().center().x() == pytest.approx(5.0)
    view.set_frame(None)
    assert not any(p.marker.isVisible() for p in view.panels.values())
    # a click on the column of step 7 of the "z" heatmap
    vb = view.panels["z"].plot.getViewBox()
    scene_pos = vb.mapViewToScene(QPointF(7.0, 3.0))
    with qtbot.waitSignal(view.frameClicked, timeout=1000) as blocker:
        view._on_mouse_clicked(_FakeClick(scene_pos))
    assert blocker.args == [7]
    assert view.frame() == 7
    view._on_mouse_moved(scene_pos)
    text = view.readout.text()
    assert "update gate z" in text and "unit <b>3</b>" in text
    # the step named as the frame bar and the frame view name it: "t = 7", not "step 7"
    assert step_name(7) in text and "step" not in text.replace(view.panels["z"].spec.meaning, "")


def test_clear(view):
    Feed(view)(make_snapshot("lstm", T=5, H=4))
    view.clear()
    assert view.panels == {}
    Feed(view)(make_snapshot("rnn", T=5, H=4))
    assert list(view.panels) == ["h"]


def test_layout_helpers():
    assert [grid_columns(n) for n in (1, 2, 4, 6, 9)] == [1, 2, 2, 3, 3]
    assert grid_columns(6, width=600) == 2 and grid_columns(6, width=100) == 1
    assert display_order(make_specs("lstm"))[0].name == "h"


class _FakeClick:
    """The two methods of a pyqtgraph MouseClickEvent the view uses."""

    def __init__(self, pos: QPointF) -> None:
        self._pos = pos

    def button(self):
        from PyQt6.QtCore import Qt

        return Qt.MouseButton.LeftButton

    def scenePos(self) -> QPointF:
        return self._pos


def test_token_axis_labels_every_step_or_numbers_when_thinned(qtbot):
    from rnnviz.app.widgets._common import TokenAxis

    axis = TokenAxis("bottom")
    axis.set_labels(tuple("ABCDABCDAB"))
    ticks = axis.tickValues(-0.5, 9.5, 400)  # 40 px per step: every token fits
    assert ticks[0][0] == 1.0 and len(ticks[0][1]) == 10
    assert axis.tickStrings(ticks[0][1], 1.0, ticks[0][0]) == list("ABCDABCDAB")
    axis.set_labels(tuple("ABCD" * 12))  # 48 steps on 150 px: thinned, numbers not tokens
    ((stride, values),) = axis.tickValues(-0.5, 47.5, 150)
    assert stride > 1 and len(values) >= 4
    strings = axis.tickStrings(values, 1.0, stride)
    assert strings == [str(int(v)) for v in values]  # every k-th token would be misleading


def test_heatmap_axes_are_cached_and_titled_for_their_ticks(view):
    from PyQt6.QtWidgets import QGraphicsItem

    Feed(view)(make_snapshot("lstm", T=48, H=16))
    panel = view.panels["h"]
    cache = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert panel.axis.cacheMode() == cache and panel.bar.axis.cacheMode() == cache
    assert panel.plot.getAxis("left").cacheMode() == cache


def test_big_mode_enlarges_view_fonts(qtbot):
    from PyQt6.QtGui import QFont
    from PyQt6.QtWidgets import QApplication

    from rnnviz.app.widgets._common import TICK_PT, ui_scale

    app = QApplication.instance()
    normal = QFont(app.font())
    try:
        big = QFont(normal)
        big.setPointSizeF(13.0)  # what make_app(scale=1.3) sets
        app.setFont(big)
        assert ui_scale() == pytest.approx(1.3)
        w = StateHeatmaps()
        qtbot.addWidget(w)
        Feed(w)(make_snapshot("rnn", T=8, H=4))
        left = w.panels["h"].plot.getAxis("left")
        assert left.style["tickFont"].pointSizeF() == pytest.approx(TICK_PT * 1.3, abs=0.1)
    finally:
        app.setFont(normal)


@pytest.mark.parametrize(
    ("size", "cell"), [((900, 560), "lstm"), ((420, 900), "lstm"), ((700, 500), "rnn")]
)
def test_the_selected_column_keeps_every_value_visible(view, size, cell):
    """The cursor covered the selected column at the default probe length (48 steps)."""
    import math

    view.resize(*size)
    Feed(view)(make_snapshot(cell, T=48, H=32))
    view.set_frame(None)
    bare = view.graphics.grab().toImage()
    t = 20
    view.set_frame(t)
    marked = view.graphics.grab().toImage()
    for panel in (view.panels[name] for name in view.shown()):  # those with room on screen
        vb = panel.plot.getViewBox()
        top_left = view.graphics.mapFromScene(vb.mapViewToScene(QPointF(t - 0.5, -0.5)))
        bottom_right = view.graphics.mapFromScene(vb.mapViewToScene(QPointF(t + 0.5, 31.5)))
        x0, x1 = math.ceil(top_left.x()), math.floor(bottom_right.x())  # pixels inside
        y0, y1 = math.ceil(top_left.y()), math.floor(bottom_right.y())
        assert x1 - x0 >= 2, (size, x0, x1)  # a narrow column: 4-9 px wide
        inside = [(x, y) for x in range(x0, x1) for y in range(y0, y1)]
        covered = [p for p in inside if bare.pixel(*p) != marked.pixel(*p)]
        assert not covered, (panel.spec.name, size, covered[:5], (x0, x1))
        beside = [(x, (y0 + y1) // 2) for x in (*range(x0 - 3, x0), *range(x1, x1 + 3))]
        assert any(bare.pixel(*p) != marked.pixel(*p) for p in beside)  # the outline shows


def _wheel(view: StateHeatmaps, name: str, unit: float, notches: float, shift: bool = False):
    """A wheel turn over the row of ``unit`` in panel ``name`` (through the viewport)."""
    from PyQt6.QtCore import QPoint
    from PyQt6.QtGui import QWheelEvent
    from PyQt6.QtWidgets import QApplication

    vb = view.panels[name].plot.getViewBox()
    at = view.graphics.mapFromScene(vb.mapViewToScene(QPointF(3.0, unit)))
    mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    event = QWheelEvent(
        QPointF(at),
        QPointF(view.graphics.viewport().mapToGlobal(at)),
        QPoint(0, 0),
        QPoint(0, round(120 * notches)),
        Qt.MouseButton.NoButton,
        mods,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.graphics.viewport(), event)
    QApplication.processEvents()


def _labelled_rows(view: StateHeatmaps, name: str) -> list[tuple[int, int]]:
    """(label, row drawn beside it) for every tick label of panel ``name``'s unit axis: the
    label's centre taken to the image's pixel grid, whose row index is the unit drawn there."""
    from PyQt6.QtGui import QImage, QPainter

    panel = view.panels[name]
    axis = panel.plot.getAxis("left")
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    out = []
    for rect, _flags, text in specs[2]:
        centre = axis.mapToScene(rect.center())
        row = math.floor(panel.image.mapFromScene(centre).y())
        out.append((int(text), row))
    return out


def _check_rows(view: StateHeatmaps, H: int) -> None:
    from PyQt6.QtWidgets import QApplication

    QApplication.processEvents()  # laid out as on screen
    top, bottom = view.rows()
    shown = view.shown_units()
    for name in view.shown():
        vb = view.panels[name].plot.getViewBox()
        lo, hi = vb.viewRange()[1]
        assert (lo, hi) == pytest.approx((top, bottom)), name  # every panel: the same rows
        labels = _labelled_rows(view, name)
        assert len(labels) >= 2, (name, labels)
        for label, row in labels:
            assert label == row, (name, label, row, (top, bottom))  # a label names its row
            assert row in shown
    assert 0 <= shown.start < shown.stop <= H


def test_the_wheel_zooms_the_unit_rows_and_the_labels_name_the_rows_shown(view, qtbot):
    """At 128 units a row was a pixel: the wheel zooms the unit axis of every panel around
    the row under the pointer, and at every zoom each tick label stands beside its unit's row."""
    H = 128
    Feed(view)(make_snapshot("lstm", T=20, H=H))
    assert view.rows() == (-0.5, H - 0.5) and len(view.shown_units()) == H
    _check_rows(view, H)
    seen = set()
    for _ in range(10):  # zoom in around unit 40, to the fewest rows
        _wheel(view, "h", 40.0, 1)
        top, bottom = view.rows()
        assert top <= 40.0 <= bottom  # the row under the pointer stays on screen
        _check_rows(view, H)
        seen.add(len(view.shown_units()))
    assert min(seen) == MIN_ROWS and len(seen) >= 4
    px = view.panels["h"].plot.getViewBox().height() / MIN_ROWS
    assert px >= 10  # a row is readable
    _wheel(view, "h", 40.0, 3, shift=True)  # Shift scrolls up
    assert view.rows()[0] < top
    _check_rows(view, H)
    for _ in range(20):
        _wheel(view, "c", sum(view.rows()) / 2, -1)  # zoom out, over another panel
    assert view.rows() == (-0.5, H - 0.5)
    _check_rows(view, H)


def test_a_click_picks_the_unit_of_the_row_under_it_at_every_zoom(view, qtbot):
    from PyQt6.QtWidgets import QApplication

    H = 128
    Feed(view)(make_snapshot("gru", T=20, H=H))
    QApplication.processEvents()
    for notches in (0, 1, 3, 6):
        if notches:
            _wheel(view, "z", 90.0, notches)
        units = view.shown_units()
        for unit in (units[0], units[len(units) // 2], units[-1]):
            image = view.panels["z"].image
            centre = image.mapToScene(QPointF(7 + 0.5, unit + 0.5))  # pixel (row unit, col 7)
            at = view.graphics.mapFromScene(centre)
            with qtbot.waitSignal(view.unitClicked, timeout=1000) as blocker:
                qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=at)
            assert blocker.args == ["z", unit], (notches, view.rows())


def test_keys_zoom_and_scroll_the_rows(view):
    H = 64
    Feed(view)(make_snapshot("rnn", T=10, H=H))
    keys = {a.text(): [k.toString() for k in a.shortcuts()] for a in view.zoom_actions}
    assert keys["Zoom rows in"] == ["Ctrl+=", "Ctrl++"] and keys["Every unit"] == ["Ctrl+0"]
    acts = {a.text(): a for a in view.zoom_actions}
    acts["Zoom rows in"].trigger()
    acts["Zoom rows in"].trigger()
    top, bottom = view.rows()
    assert bottom - top == round(round(H / ZOOM_STEP) / ZOOM_STEP)
    acts["Rows down"].trigger()
    assert view.rows()[0] > top
    for _ in range(10):  # the fewest rows, each tall: labelled with whole units only
        acts["Zoom rows in"].trigger()
    assert len(view.shown_units()) == MIN_ROWS
    _check_rows(view, H)
    acts["Every unit"].trigger()
    assert view.rows() == (-0.5, H - 0.5)
    acts["Rows down"].trigger()  # nothing to scroll
    assert view.rows() == (-0.5, H - 0.5)


def test_the_outlines_bounds_follow_a_zoom_and_a_resize(view, qtbot):
    """The outline's padding (device pixels in view units) is measured once per view
    transform: after a zoom and a resize its bounds are those measured afresh."""
    view.resize(700, 500)
    Feed(view)(make_snapshot("lstm", T=48, H=32))
    view.set_frame(20)
    panel = view.panels[view.shown()[0]]
    marker, vb = panel.marker, panel.plot.getViewBox()

    def fresh() -> QRectF:
        pad = marker._inner + marker._outer + 1
        px, py = pad * marker.pixelWidth(), pad * marker.pixelHeight()
        return marker.column().adjusted(-px, -py, px, py)

    view.graphics.grab()
    first = marker.boundingRect()
    assert first == fresh()
    vb.setXRange(10, 30, padding=0)  # zoom in: fewer view units a pixel
    view.graphics.grab()
    assert marker.boundingRect() == fresh() and marker.boundingRect().width() < first.width()
    view.resize(1200, 800)
    qtbot.waitUntil(lambda: marker.boundingRect() == fresh(), timeout=5000)
    assert marker.boundingRect() != first


def test_every_panel_is_in_the_scene_from_the_moment_it_is_built(qtbot):
    """Panels built one per redraw (the compare window, the main window's first frames) while
    the grid shows others, its layout unchanged, are hidden in the view's scene at once:
    the scene owns them and deletes them with the view. None is left out of the scene for
    Python's collector to free at an arbitrary moment (hidden panels left to it outlived their
    scene: a crash)."""
    view = StateHeatmaps()
    qtbot.addWidget(view)
    view.resize(480, 380)  # no room for six arrays: the grid shows fewer
    view.show()
    feed = Feed(view)
    snap = make_snapshot("lstm", T=12, H=8)
    for _ in range(12):
        if feed(snap, build_budget=1):
            break
    assert list(view.panels) == ["h", "c", "i", "f", "o", "g"]
    assert len(view.shown()) < 6  # the others were built while the grid stayed as it was
    scene = view.graphics.scene()
    for name, panel in view.panels.items():
        assert panel.plot.scene() is scene, name
        assert panel.plot.isVisible() == (name in view.shown()), name
