"""However the frame view is opened (F2, the Frame menu, a step of the cursor), it is whole in its
dock on every screen, and the window stays on the screen.

At 1024x768 with --big, F2 docked the frame view at 273-330 px for a view needing 334 px and a
scroll bar beside it: the whole-layer box, the ⓘ, h_t and ŷ_t were cut off on its right. F2 did
not make the loss, gradient and samples column step aside as a step of the cursor did, and the
dock's minimum width left out its scroll bar. All three ways now go through one
(:meth:`~rnnviz.app.frame_dock.FrameDock.set_shown`).
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, QRect, Qt
from PyQt6.QtWidgets import QApplication, QWidget
from test_main_window import WAIT_MS, tiny_run
from test_projector import SCREENS, check_legible, maximised

from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


def window_at(qtbot, width: int, height: int, cell: str = "lstm") -> MainWindow:
    """A window (128 units) arranged for and resized to ``width`` x ``height``, shown."""
    w = MainWindow(tiny_run(cell=cell, hidden=128), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.arrange_for(width, height)
    w.show()
    w.resize(width, height)
    settle()
    return w


def frame_menu_toggle(w: MainWindow):
    """The Frame menu's "Frame view" entry."""
    menus = [a.menu() for a in w.menuBar().actions() if a.menu() is not None]
    frame = next(m for m in menus if m.title() == "F&rame")
    return next(a for a in frame.actions() if a.text() == "Frame view")


def open_frame_view(qtbot, w: MainWindow, how: str) -> None:
    """Open the frame view as a user does: F2, the Frame menu, or → (a step of the cursor)."""
    fd = w.frame_dock
    if how == "step":
        if not fd.dock.isVisible():
            assert fd.opens_on_step
            w.act_next.trigger()
        return
    if fd.dock.isVisible():  # shown from the start here: closed first, then opened
        fd.toggle.trigger()
        settle()
        assert not fd.dock.isVisible()
    if how == "F2":
        w.centralWidget().setFocus()
        qtbot.keyClick(w, Qt.Key.Key_F2)
    else:
        frame_menu_toggle(w).trigger()


def cut_widgets(view: QWidget, viewport: QWidget) -> list[tuple[str, QRect, int]]:
    """The frame view's shown parts that reach out of the dock's viewport on the left or right
    (the view scrolls up and down: its height is not checked)."""
    cut = []
    for part in (view, *view.findChildren(QWidget)):
        if not part.isVisible() or part.width() <= 0:
            continue
        rect = QRect(part.mapTo(viewport, QPoint(0, 0)), part.size())
        if rect.left() < 0 or rect.right() > viewport.width() - 1:
            cut.append((type(part).__name__, rect, viewport.width()))
    return cut


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("how", ["F2", "menu", "step"])
@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
def test_the_frame_view_is_whole_in_its_dock_however_it_is_opened(
    qtbot, qapp, scale: float, how: str, screen: tuple[int, int]
) -> None:
    apply_theme(qapp, scale)
    try:
        width, height = maximised(screen)
        w = window_at(qtbot, width, height)
        where = f"{screen} x{scale} {how}"
        open_frame_view(qtbot, w, how)
        fd = w.frame_dock
        qtbot.waitUntil(lambda: fd.view.closeup is not None, timeout=WAIT_MS)
        settle()
        assert fd.dock.isVisible() and fd.toggle.isChecked(), where
        hint = w.minimumSizeHint()
        assert hint.width() <= width and hint.height() <= height, (where, hint)
        assert (w.width(), w.height()) == (width, height), where  # not beyond the screen
        viewport = fd.dock.widget().viewport()
        assert fd.view.width() >= fd.view.minimumSizeHint().width(), where
        assert cut_widgets(fd.view, viewport) == [], where
        check_legible(w, where)
    finally:
        apply_theme(qapp, 1.0)


def arrangement(w: MainWindow) -> tuple[bool, bool, int]:
    """What opening the frame view left: the right-hand column and the controls shown, and the
    frame view's width."""
    return (w.right_column.isVisible(), w.controls_dock.isVisible(), w.frame_dock.dock.width())


@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
def test_f2_and_a_step_of_the_cursor_open_the_frame_view_alike(qtbot, qapp, scale) -> None:
    """At 1280x720 F2 left the loss, gradient and samples column beside the frame view, which a
    step of the cursor hid for it: the same view, squeezed or not, by the way it was opened."""
    apply_theme(qapp, scale)
    try:
        for screen in SCREENS:
            seen = {}
            for how in ("menu", "step"):
                w = window_at(qtbot, *maximised(screen))
                open_frame_view(qtbot, w, how)
                settle()
                seen[how] = arrangement(w)
                w.close()
            assert seen["menu"] == seen["step"], (screen, scale, seen)
    finally:
        apply_theme(qapp, 1.0)


def test_a_window_with_no_room_says_how_wide_it_must_be(qtbot, qapp) -> None:
    """A window narrowed to its least (--big, 760 px) has no room for the frame view: F2 leaves
    it hidden and says how wide the window must be, where before it docked it and the window
    grew past its width. At that width it opens, whole."""
    apply_theme(qapp, BIG_SCALE)
    try:
        w = window_at(qtbot, 760, 640)
        fd = w.frame_dock
        assert not fd.dock.isVisible()
        fd.toggle.trigger()  # F2
        settle()
        assert not fd.dock.isVisible() and not fd.toggle.isChecked()
        assert w.width() == 760
        text = w.banner.text()
        assert text.startswith("No room for the frame view") and "760 px" in text
        needed = int(text.split("at least ")[1].split(" px")[0])
        assert needed > 760
        w.resize(needed, 640)
        settle()
        fd.toggle.trigger()
        qtbot.waitUntil(lambda: fd.view.closeup is not None, timeout=WAIT_MS)
        settle()
        assert fd.dock.isVisible() and w.width() == needed
        assert cut_widgets(fd.view, fd.dock.widget().viewport()) == []
    finally:
        apply_theme(qapp, 1.0)


def test_f2_beside_the_controls_hides_them_and_says_so(qtbot, qapp) -> None:
    """At 1024x768 --big with the controls shown (Ctrl+D) the frame view and the controls do
    not both fit: F2 hides the controls and says so (before, the window grew past the screen);
    Ctrl+D then brings them back and the frame view gives way. A step of the cursor does not
    hide the controls the user asked for: it says that F2 opens the frame view."""
    apply_theme(qapp, BIG_SCALE)
    try:
        width, height = maximised(SCREENS[0])
        w = window_at(qtbot, width, height)
        fd = w.frame_dock
        w.controls_dock.toggleViewAction().trigger()  # Ctrl+D
        settle()
        w.act_next.trigger()  # a step: the controls stay, the frame view waits for F2
        settle()
        assert w.controls_dock.isVisible() and not fd.dock.isVisible()
        assert "F2" in w.statusBar().currentMessage()
        fd.toggle.trigger()  # F2
        qtbot.waitUntil(lambda: fd.view.closeup is not None, timeout=WAIT_MS)
        settle()
        assert fd.dock.isVisible() and not w.controls_dock.isVisible()
        assert "controls are hidden" in w.banner.text()
        assert (w.width(), w.height()) == (width, height)
        assert cut_widgets(fd.view, fd.dock.widget().viewport()) == []
        w.controls_dock.toggleViewAction().trigger()  # Ctrl+D
        settle()
        assert w.controls_dock.isVisible() and not fd.dock.isVisible()
        assert w.right_column.isVisible() and (w.width(), w.height()) == (width, height)
    finally:
        apply_theme(qapp, 1.0)


def test_closing_the_dock_by_its_own_button_brings_the_column_back(qtbot, qapp) -> None:
    """The loss, gradient and samples column made way for the frame view; closed by the dock's
    close button (not F2), the frame view left the column hidden."""
    width, height = maximised((1280, 720))
    w = window_at(qtbot, width, height)
    fd = w.frame_dock
    fd.toggle.trigger()
    settle()
    assert fd.dock.isVisible() and not w.right_column.isVisible()
    fd.dock.close()  # its title bar's close button
    settle()
    assert not fd.toggle.isChecked() and w.right_column.isVisible()


def test_a_scrolled_column_is_never_narrower_than_its_widget_and_scroll_bar(qtbot) -> None:
    """The frame view's dock took its scroll area's minimum width (68 px, whatever it held):
    squeezed, the vertical scroll bar covered the view's right edge."""
    from PyQt6.QtWidgets import QVBoxLayout

    from rnnviz.app.layout import ScrollColumn

    inner, child = QWidget(), QWidget()
    child.setMinimumSize(300, 900)
    QVBoxLayout(inner).addWidget(child)
    column = ScrollColumn(inner)
    qtbot.addWidget(column)
    column.show()
    bar = column.verticalScrollBar().sizeHint().width()
    assert bar > 0
    assert column.minimumSizeHint().width() == inner.minimumSizeHint().width() + bar
    child.setMinimumWidth(360)  # a wider text: the column's minimum follows
    qtbot.waitUntil(lambda: column.minimumSizeHint().width() >= 360 + bar, timeout=5000)
