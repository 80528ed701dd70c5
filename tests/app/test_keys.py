"""The run's keys act on the run unless a text is being edited; Enter hands focus back."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, QSize, Qt
from PyQt6.QtWidgets import QApplication
from test_main_window import WAIT_MS, tiny_run
from test_projector import SCREENS, maximised

from rnnviz.app.keys_dialog import KeysDialog
from rnnviz.app.main_window import MainWindow
from rnnviz.app.menus import SHORTCUTS, SHORTCUTS_NOTE
from rnnviz.app.style import BIG_SCALE, apply_theme


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=lambda *_: True)
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)  # a laptop screen: the controls are shown
    w.show()
    w.activateWindow()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_space_after_editing_the_learning_rate_runs_and_keeps_the_rate(qtbot, window) -> None:
    spin = window.controls.lr.field
    spin.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is spin, timeout=WAIT_MS)
    spin.selectAll()
    qtbot.keyClicks(spin, "0.02")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert spin.value() == pytest.approx(0.02)
    assert not window.controls.isAncestorOf(focused())  # the keyboard is back on the view
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert window.is_running()
    assert spin.value() == pytest.approx(0.02) and spin.text() == "0.02"
    qtbot.waitUntil(lambda: window.trainer.run.optim.lr == pytest.approx(0.02), timeout=WAIT_MS)
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert not window.is_running()


def test_run_keys_act_from_a_spin_box_that_is_not_being_edited(qtbot, window) -> None:
    hidden = window.controls.hidden
    hidden.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is hidden, timeout=WAIT_MS)
    before = hidden.text()
    qtbot.keyClick(hidden, Qt.Key.Key_Space)
    assert window.is_running() and hidden.text() == before
    qtbot.keyClick(hidden, Qt.Key.Key_Space)
    assert not window.is_running()
    window.frame_bar.set_frame(3)
    qtbot.keyClick(hidden, Qt.Key.Key_Right)
    assert window.frame_bar.frame() == 4
    qtbot.keyClick(hidden, Qt.Key.Key_Home)
    assert window.frame_bar.frame() == 0
    qtbot.keyClick(hidden, Qt.Key.Key_End)
    assert window.frame_bar.frame() == window.frame_bar.slider.maximum()


def test_a_field_being_edited_keeps_its_keys(qtbot, window) -> None:
    probe = window.controls.probe
    probe.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is probe, timeout=WAIT_MS)
    probe.clear()
    qtbot.keyClicks(probe, "a S b")  # a space and an S typed into the probe
    assert probe.text() == "a S b" and not window.is_running()
    assert window.trainer.step_count == 0  # S typed a letter, it did not train a step
    qtbot.keyClick(probe, Qt.Key.Key_Return)
    assert QApplication.focusWidget() is not probe
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    assert window.is_running()

    window.pause()
    seq = window.controls.seq_len
    seq.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is seq, timeout=WAIT_MS)
    seq.selectAll()
    qtbot.keyClicks(seq, "1")
    qtbot.keyClick(seq, Qt.Key.Key_Left)  # editing: the cursor moves, the probe step does not
    frame = window.frame_bar.frame()
    qtbot.keyClick(seq, Qt.Key.Key_Space)
    assert not window.is_running() and window.frame_bar.frame() == frame


def test_no_two_actions_share_a_key(window) -> None:
    """Reset and Record were both Ctrl+R: Qt then triggers neither ("Ambiguous shortcut
    overload") and the key did nothing."""
    from PyQt6.QtGui import QAction

    owners: dict[str, list[str]] = {}
    for action in set(window.findChildren(QAction)) | set(window.actions()):
        for key in action.shortcuts():
            owners.setdefault(key.toString(), []).append(action.text())
    shared = {key: names for key, names in owners.items() if key and len(names) > 1}
    assert not shared


def test_ctrl_r_records_and_ctrl_shift_r_resets(qtbot, window, monkeypatch) -> None:
    from PyQt6.QtWidgets import QFileDialog

    asked: list[str] = []

    def cancel(parent, title, *rest):
        asked.append(title)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancel)
    reset: list[bool] = []
    window.act_reset.triggered.connect(lambda *_: reset.append(True))
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Record to"] and not window.recorder.recording  # asked where; cancelled
    assert not reset
    qtbot.keyClick(
        window,
        Qt.Key.Key_R,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert reset == [True] and asked == ["Record to"]


@pytest.mark.parametrize("scale", [1.0, BIG_SCALE], ids=["normal", "big"])
@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_key_list_fits_the_screen_with_every_key_on_one_line(qtbot, qapp, screen, scale):
    """F1's message box wrapped every description over up to five lines: 940 px tall at normal
    fonts, 2,088 px with --big, its last keys and OK below a 768 or 720 px screen."""
    apply_theme(qapp, scale)
    try:
        dialog = KeysDialog(SHORTCUTS, SHORTCUTS_NOTE)
        qtbot.addWidget(dialog)
        room = QSize(*maximised(screen))
        dialog.resize(dialog.fitted_size(room))
        dialog.show()
        QApplication.processEvents()
        assert dialog.width() <= room.width() and dialog.height() <= room.height()
        table, viewport = dialog.table, dialog.scroll.viewport()
        assert viewport.width() >= table.sizeHint().width()  # no description cut on the right
        lines = table.fontMetrics().lineSpacing()
        rows = SHORTCUTS.count("<tr>")
        assert table.sizeHint().height() < (rows + 1) * 2 * lines  # one line a key, not two to five
        bar = dialog.scroll.verticalScrollBar()  # every key within reach: shown, or scrolled to
        assert bar.maximum() + viewport.height() >= table.height() >= table.sizeHint().height()
        ok = dialog.buttons.rect().translated(dialog.buttons.mapTo(dialog, QPoint(0, 0)))
        assert dialog.rect().contains(ok)
    finally:
        apply_theme(qapp, 1.0)


def test_f1_opens_the_key_list_within_the_screen(qtbot, window) -> None:
    window.centralWidget().setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    qtbot.waitUntil(
        lambda: any(d.isVisible() for d in window.findChildren(KeysDialog)), timeout=WAIT_MS
    )
    dialog = next(d for d in window.findChildren(KeysDialog) if d.isVisible())
    assert dialog.height() <= window.screen().availableGeometry().height()
    dialog.accept()
