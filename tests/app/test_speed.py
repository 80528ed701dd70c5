"""The speed controls and "pause at step" reach the run controller."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.main_window import MainWindow
from rnnviz.app.speed import SPEEDS, SpeedPanel, nearest_position, speed_text


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=lambda *_: True)
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)  # a laptop screen: the controls are shown
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


def test_the_slider_and_the_run_menu_set_the_controllers_speed(qtbot, window) -> None:
    panel = window.controls.speed
    assert window.controller.steps_per_s is None and panel.label.text() == "unlimited"
    panel.slider.setValue(SPEEDS.index(2.0))  # as a user drags it
    assert window.controller.steps_per_s == 2.0 and window.speed() == 2.0
    assert panel.label.text() == "2 steps/s" and "2 steps/s" in window.status.limit.text()
    slow = next(a for a in window.speed_actions.actions() if a.data() == 0.5)
    slow.trigger()
    assert window.controller.steps_per_s == 0.5 and slow.isChecked()
    assert panel.slider.value() == 0 and panel.label.text() == "½ step/s"
    unlimited = next(a for a in window.speed_actions.actions() if a.data() is None)
    unlimited.trigger()
    assert window.controller.steps_per_s is None and window.status.limit.isHidden()


def test_plus_and_minus_keys_change_the_speed(qtbot, window) -> None:
    window.set_speed(10.0)
    qtbot.keyClick(window.centralWidget(), Qt.Key.Key_Minus)
    assert window.controller.steps_per_s == 5.0
    qtbot.keyClick(window.centralWidget(), Qt.Key.Key_Plus)
    qtbot.keyClick(window.centralWidget(), Qt.Key.Key_Plus)
    assert window.controller.steps_per_s == 20.0


def test_the_speed_carries_over_to_a_new_run(qtbot, window) -> None:
    window.set_speed(5.0)
    old = window.trainer
    assert window.apply_config(tiny_run(cell="gru"))
    qtbot.waitUntil(lambda: window.trainer is not old, timeout=WAIT_MS)
    assert window.controller.steps_per_s == 5.0


def test_pause_at_step_pauses_the_run_once_and_says_so(qtbot, window) -> None:
    field = window.controls.speed.pause_at
    _type(qtbot, field, "6")
    assert window.controller.pause_at == 6 and window.pause_at() == 6
    window.run()
    qtbot.waitUntil(lambda: not window.is_running(), timeout=WAIT_MS)
    assert window.trainer.step_count == 6 and window.controller.state == "paused"
    assert window.status.state_name == "paused"
    assert "Paused at step 6" in window.status.state.toolTip()
    assert field.text() == "" and field.placeholderText() == "off" and window.pause_at() is None
    qtbot.waitUntil(lambda: window.last_status.step == 6, timeout=WAIT_MS)
    window.run()  # one-shot: Run trains on
    qtbot.waitUntil(lambda: window.trainer.step_count > 8, timeout=WAIT_MS)
    assert window.is_running()


def test_a_pause_step_already_done_is_refused_visibly(qtbot, window) -> None:
    for _ in range(3):
        window.step_once()
    qtbot.waitUntil(lambda: window.last_status.step == 3, timeout=WAIT_MS)
    panel = window.controls.speed
    _type(qtbot, panel.pause_at, "2")
    assert window.pause_at() is None and window.controller.pause_at is None
    assert not panel.pause_error.isHidden() and "already done" in panel.pause_error.text()
    assert panel.pause_at.text() == ""  # the field shows what is in force: off
    _type(qtbot, panel.pause_at, "10")
    assert window.pause_at() == 10 and panel.pause_error.isHidden()


def test_a_pause_step_out_of_range_is_refused_visibly(qtbot, window) -> None:
    panel = window.controls.speed
    _type(qtbot, panel.pause_at, "5000000000")
    assert (
        panel.pause_at.text() == "5000000000"
        and "between 1 and 1000000000" in panel.pause_at.problem()
    )
    assert window.pause_at() is None and panel.pause_at.error.isVisibleTo(window)
    _type(qtbot, panel.pause_at, "")
    assert panel.pause_at.problem() == "" and window.pause_at() is None


def _type(qtbot, field, text: str) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_speed_panel_positions_and_texts(qtbot) -> None:
    panel = SpeedPanel()
    qtbot.addWidget(panel)
    seen: list[object] = []
    panel.speedChanged.connect(seen.append)
    panel.set_speed(1.0)  # shown, not emitted
    assert seen == [] and panel.slider.value() == SPEEDS.index(1.0)
    panel.slider.setValue(len(SPEEDS) - 1)
    assert seen == [None] and panel.speed() is None
    assert nearest_position(3.0) == SPEEDS.index(2.0) and nearest_position(4.0) == SPEEDS.index(5.0)
    assert [speed_text(r) for r in (0.5, 1.0, 10.0, None)] == [
        "½ step/s",
        "1 step/s",
        "10 steps/s",
        "unlimited",
    ]
