"""Beside the controls and the frame view, every heatmap the cell declares fits, legibly.

At 1920×1080 with ``--big`` the window showed two of an LSTM's six heatmaps (and a chooser for
the others) beside the controls and the frame view: the docks kept their own widths however
little that left the heatmaps. Now the docks give up width, down to their legible least.
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtWidgets import QApplication, QWidget
from test_frame_opens import open_frame_view, settle, window_at
from test_main_window import tiny_run
from test_projector import SCREENS, check_legible, maximised

from rnnviz.app.layout import Column, fit_columns, heatmaps_width
from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme
from rnnviz.app.widgets.heatmaps import MIN_IMAGE_H, MIN_IMAGE_W


def test_the_docks_give_up_width_in_proportion_to_what_they_can_spare() -> None:
    columns = [Column(500, 400), Column(400, 100)]  # can spare 100 and 300
    assert fit_columns(2000, 1000, columns) == [500, 400]  # room enough: their own widths
    assert fit_columns(1700, 1000, columns) == [450, 250]  # 200 short: a quarter, three quarters
    widths = fit_columns(1333, 700, columns)
    assert widths is not None and 1333 - sum(widths) >= 700  # rounding never short-changes
    assert fit_columns(1499, 1000, columns) is None  # not even at their least


def test_the_heatmaps_width_is_the_narrowest_that_shows_them_all(qapp) -> None:
    one, six = heatmaps_width(1, 800), heatmaps_width(6, 800)
    assert heatmaps_width(0, 800) == 0
    assert one is not None and six is not None and six > one
    assert heatmaps_width(6, 100) is None  # no width gives six legible rows in 100 px


def rect_in(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("cell", ["lstm", "gru"])
@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
@pytest.mark.parametrize("maximise", [False, True], ids=["1920x1080", "maximised"])
def test_at_1920x1080_every_heatmap_fits_beside_the_controls_and_the_frame_view(
    qtbot, qapp, scale: float, cell: str, maximise: bool
) -> None:
    apply_theme(qapp, scale)
    try:
        w = MainWindow(tiny_run(cell=cell, hidden=128), confirm=lambda *_: True, start_worker=False)
        qtbot.addWidget(w)
        width, height = maximised((1920, 1080)) if maximise else (1920, 1080)
        w.arrange_for(width, height)
        w.show()
        w.resize(width, height)
        QApplication.processEvents()
        where = f"{cell} x{scale} {width}x{height}"
        fd, controls = w.frame_dock, w.controls_dock
        assert fd.dock.isVisible() and controls.isVisible(), where
        declared = [s.name for s in w.trainer.model.specs]
        assert sorted(w.heatmaps.shown()) == sorted(declared), where
        assert not w.heatmaps.chooser_bar.isVisible(), where
        for name in declared:
            vb = w.heatmaps.panels[name].plot.getViewBox().geometry()
            assert vb.width() >= MIN_IMAGE_W and vb.height() >= MIN_IMAGE_H, (where, name, vb)
        assert fd.dock.width() >= fd.view.minimumSizeHint().width(), where
        assert controls.width() >= controls.minimumSizeHint().width(), where
        window = w.rect()
        parts = [rect_in(p, w) for p in (controls, w.centralWidget(), fd.dock)]
        for part in parts:
            assert window.contains(part), (where, part)
        for i, a in enumerate(parts):
            for b in parts[i + 1 :]:
                assert not a.intersects(b), (where, a, b)
        for button in (w.controls.run_button, w.controls.step_button):  # reachable at once
            assert button.isVisible() and parts[0].contains(rect_in(button, w)), where
        check_legible(w, where)
    finally:
        apply_theme(qapp, 1.0)


def test_a_new_run_with_more_arrays_gets_the_room_for_them(qtbot, qapp) -> None:
    """An RNN's one heatmap fits beside the docks at their own widths; applying an LSTM (six)
    narrows them as the window's first size did."""
    apply_theme(qapp, BIG_SCALE)
    try:
        w = MainWindow(
            tiny_run(cell="rnn", hidden=128), confirm=lambda *_: True, start_worker=False
        )
        qtbot.addWidget(w)
        w.arrange_for(1920, 1080)
        w.show()
        w.resize(1920, 1080)
        QApplication.processEvents()
        frame_width = w.frame_dock.dock.width()
        assert w.frame_dock.dock.isVisible() and w.heatmaps.shown() == ("h",)
        assert w.apply_config(tiny_run(cell="lstm", hidden=128))
        qtbot.waitUntil(
            lambda: len(w.heatmaps.panels) == 6 and w.heatmaps.complete(), timeout=30_000
        )
        QApplication.processEvents()
        assert len(w.heatmaps.shown()) == 6 and not w.heatmaps.chooser_bar.isVisible()
        assert w.frame_dock.dock.width() < frame_width
        check_legible(w, "LSTM applied at 1920x1080 --big")
    finally:
        apply_theme(qapp, 1.0)


def narrowed(w: MainWindow) -> bool:
    """Whether the docks gave up width for the heatmaps."""
    fd = w.frame_dock
    return fd.dock.width() < fd.room.width() or w.controls_dock.width() < w._dock_width


@pytest.mark.parametrize("height", [796, 800, 804, 808, 812, 816, 820])
def test_the_docks_give_up_width_only_where_every_heatmap_then_fits(qtbot, qapp, height) -> None:
    """The heatmaps' height the docks were narrowed for was estimated 4 px (normal) to 13 px
    (--big) taller than the layout gave: at 1920x800 --big the docks gave up width and the
    view still showed two of the six heatmaps. It is now the layouts' own height."""
    apply_theme(qapp, BIG_SCALE)
    try:
        w = window_at(qtbot, 1920, height)
        assert w.frame_dock.dock.isVisible() and w.controls_dock.isVisible()
        every = len(w.heatmaps.shown()) == len(w.trainer.model.specs)
        assert narrowed(w) == every, (height, w.heatmaps.shown())
        check_legible(w, f"1920x{height} --big")
    finally:
        apply_theme(qapp, 1.0)


@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
def test_the_heatmaps_height_is_the_one_the_layouts_give(qtbot, qapp, scale) -> None:
    """At every screen size, and for a window 100 px shorter (asked before it is resized), the
    heatmaps' height the docks are shared by is the one the heatmap view has (the estimate
    was 4 px too tall at normal fonts, 13 px at --big)."""
    apply_theme(qapp, scale)
    try:
        for screen in SCREENS:
            width, height = maximised(screen)
            w = window_at(qtbot, width, height)
            hm, room = w.heatmaps, w.frame_dock.room
            assert room.heatmaps_height(height, hm.width()) == hm.grid_height(
                hm.height(), hm.width()
            ), screen
            w.frame_dock.set_shown(False)  # the heatmaps keep their width: only heights change
            QApplication.processEvents()
            across = hm.width()
            predicted = room.heatmaps_height(height - 100, across)
            w.resize(width, height - 100)
            QApplication.processEvents()
            assert hm.width() == across and hm.height() < height - 100
            assert predicted == hm.grid_height(hm.height(), across), screen
            w.close()
    finally:
        apply_theme(qapp, 1.0)


@pytest.mark.parametrize(
    ("scale", "big", "small", "made_way"),
    [(BIG_SCALE, (1920, 1016), (1400, 860), True), (1.0, (1920, 1016), (1280, 656), False)],
    ids=["big", "normal"],
)
def test_maximise_and_restore_share_the_room_again(
    qtbot, qapp, scale, big, small, made_way
) -> None:
    """Restored to a smaller size the docks were squeezed to their least beside the loss,
    gradient and samples column, and maximised again they kept those widths (the frame view
    387 px for 468, the controls 317 for 370 at --big; failed before). Now the column makes way
    while the frame view does not keep its least width beside it (1400x860 --big), and comes
    back with the room; the docks go back to their own widths less what the heatmaps need, as
    at the window's first size. At 1280x656 the frame view keeps its least beside it."""
    apply_theme(qapp, scale)
    try:
        w = window_at(qtbot, *big)
        fd = w.frame_dock

        def arrangement():
            return (
                fd.dock.width(),
                w.controls_dock.width(),
                w.right_column.isVisible(),
                tuple(w.heatmaps.shown()),
            )

        def reshared() -> None:
            qtbot.waitUntil(lambda: not fd.room._reshare.isActive(), timeout=5000)
            for _ in range(4):
                QApplication.processEvents()

        first = arrangement()
        assert fd.dock.isVisible() and w.right_column.isVisible()
        w.resize(*small)  # restored
        reshared()
        assert w.right_column.isHidden() == made_way
        assert (w.width(), w.height()) == small
        assert fd.dock.width() >= fd.scroll.least_width()
        check_legible(w, f"restored to {small}")
        w.resize(*big)  # maximised again
        reshared()
        assert arrangement() == first
        check_legible(w, f"maximised again to {big}")
    finally:
        apply_theme(qapp, 1.0)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_at_1024x768_big_beside_the_frame_view_the_arrays_left_out_are_named(
    qtbot, qapp, cell
) -> None:
    """At 1024x768 with --big and F2 the heatmaps show one array of an LSTM's six (h and
    another do not both fit legibly beside the frame view); the bar above them said "1 of 6
    arrays fit: showing [h]" and nothing of the five left out, which only the mouse reached.
    It now names them, whole, and A (Shift+A) shows each in turn, the window still legible."""
    apply_theme(qapp, BIG_SCALE)
    try:
        width, height = maximised(SCREENS[0])
        w = window_at(qtbot, width, height, cell)
        open_frame_view(qtbot, w, "F2")
        settle()
        assert w.frame_dock.dock.isVisible()
        hm = w.heatmaps
        declared = [s.name for s in w.trainer.model.specs]
        shown = hm.shown()
        assert 1 <= len(shown) < len(declared)  # the case in question: not all fit
        note = hm.hidden_note
        assert hm.chooser_bar.isVisible() and note.isVisible()
        seen = set()
        for k in range(len(declared)):
            where = f"{cell} 1024x768 --big, F2, A pressed {k} times"
            check_legible(w, where)
            left = [n for n in declared if n not in hm.shown()]
            assert note.fontMetrics().horizontalAdvance(note.text()) <= note.width(), where
            named = note.text().removeprefix("not shown: ").removesuffix(" (A: next)")
            assert named == ", ".join(left), (where, note.text())
            seen |= set(hm.shown())
            before = hm.shown()
            w.centralWidget().setFocus()
            qtbot.keyClick(w, Qt.Key.Key_A)
            settle()
            assert len(hm.shown()) == len(shown) and hm.shown() != before, where
        assert seen == set(declared)
        before = hm.shown()
        qtbot.keyClick(w, Qt.Key.Key_A)
        settle()
        qtbot.keyClick(w, Qt.Key.Key_A, Qt.KeyboardModifier.ShiftModifier)  # back again
        settle()
        assert hm.shown() == before
    finally:
        apply_theme(qapp, 1.0)
