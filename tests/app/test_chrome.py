"""Window furniture: the probe strip in the frame bar and the status read-outs."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QStatusBar

from rnnviz.app.chrome import FrameBar, StatusPanel


def test_probe_strip_names_every_step_and_follows_the_frame(qtbot):
    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.resize(900, 80)
    bar.show()
    labels = tuple("hello world")
    bar.set_labels(labels)
    strip = bar.strip
    assert strip.visible_range() == range(len(labels))  # 11 steps fit: one cell each
    bar.set_frame(4)
    assert strip._frame == 4
    w = strip.cell_width()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(int(6.5 * w), 5))
    assert bar.frame() == 6  # a click on a cell selects that step everywhere


def test_probe_strip_windows_a_long_probe_around_the_frame(qtbot):
    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.resize(300, 80)
    bar.show()
    bar.set_labels(tuple("x" * 400))
    bar.set_frame(200)
    shown = bar.strip.visible_range()
    assert 200 in shown and len(shown) < 400
    grab = bar.strip.grab()  # paints without error
    assert not grab.isNull()


def test_the_probe_s_final_character_is_shown_as_the_last_target(qtbot):
    """A probe "hello" showed only "h e l l": its last character, a target, silently vanished."""
    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.resize(900, 80)
    bar.show()
    text = "hello world"
    bar.set_labels(tuple(text[:-1]), tuple(text[1:]))  # inputs, and each step's next char
    strip = bar.strip
    assert strip.final_target() == "d"
    assert strip.visible_range() == range(len(text))  # one more cell than there are steps
    assert "final character" in strip.toolTip()
    bar.set_frame(9)
    assert bar.readout_text().split() == ["t", "=", "9", "input", "l", "→", "target", "d"]
    w = strip.cell_width()
    qtbot.mouseClick(strip, Qt.MouseButton.LeftButton, pos=QPoint(int(10.5 * w), 5))
    assert bar.frame() == 9  # the target's cell is not a step
    assert not strip.grab().isNull()
    # a task whose targets are not the next inputs (echo: only the cue's answer) gets no cell
    bar.set_labels(tuple("BCCA?"), ("", "", "", "", "B"))
    assert bar.strip.final_target() == ""
    bar.set_frame(4)
    assert bar.readout_text().endswith("→ target B")
    bar.set_frame(2)
    assert "target" not in bar.readout_text()


def test_status_headline_metric(qtbot):
    status_bar = QStatusBar()
    qtbot.addWidget(status_bar)
    status = StatusPanel(status_bar)
    status.set_metric("sum accuracy <b>100 %</b>", "sum accuracy 100 % · bit 100 %")
    assert "100 %" in status.metric.text() and not status.metric.isHidden()
    status.set_numbers(5, 50, 1.0, 1.0, 1.2, val_name="train text")
    assert "train text 1.200" in status.loss.text()
    status.set_metric("")
    assert status.metric.isHidden()


def test_throughput_reads_as_paused_when_nothing_trains(qtbot):
    status_bar = QStatusBar()
    qtbot.addWidget(status_bar)
    status = StatusPanel(status_bar)
    status.set_state("running")
    status.set_numbers(10, 6400, 12345.0, 2.0, None)
    assert status.rate_text() == "12,345 tok/s"
    status.set_state("paused")
    assert "12,345" not in status.rate_text() and "—" in status.rate_text()
    assert "12,345 tok/s when it last ran" in status.speed.toolTip()
    status.set_numbers(11, 7040, 12000.0, 2.0, None)  # a single step while paused
    assert "—" in status.rate_text()
    status.set_state("running")
    assert status.rate_text() == "12,000 tok/s"


def test_a_floating_banner_is_as_tall_as_its_text_needs_at_its_width(qtbot):
    """At 1920x1080 the divergence message (two lines) got a banner 122 px tall, the height its
    text needs when wrapped at the label's narrow preferred width, covering the loss plot's top."""
    from PyQt6.QtWidgets import QWidget

    from rnnviz.app.chrome import MessageBanner

    host = QWidget()
    qtbot.addWidget(host)
    banner = MessageBanner()
    banner.float_over(host)
    host.resize(1500, 800)
    host.show()
    text = "Training diverged at step 173: the smoothed loss rose to 37.1, over 1.5 × " * 3
    for width in (1500, 900, 500):
        host.resize(width, 800)
        banner.show_message(text, "warning")
        lines = banner.label.heightForWidth(banner.label.width())  # the text at its width
        margins = banner.contentsMargins().top() + banner.contentsMargins().bottom()
        inner = banner.layout().contentsMargins()
        needed = max(lines, banner.close_button.sizeHint().height())
        assert banner.width() == width - 2 * banner.MARGIN
        assert banner.height() == needed + margins + inner.top() + inner.bottom()
    assert banner.height() > 3 * banner.fontMetrics().height()  # narrow: it wraps, all shown


@pytest.mark.parametrize(("width", "steps"), [(900, 40), (1300, 110), (300, 200)])
def test_the_probe_strip_repaints_what_a_step_changes(qtbot, width, steps):
    """A step of the cursor repaints only the cells around the old and the new step (the whole
    strip when its window of steps moves): what is on screen after each is a full repaint's."""
    from screen import stale_pixels

    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.resize(width, 80)
    bar.show()
    qtbot.waitExposed(bar)
    bar.set_labels(tuple("ab cd efghi" * 20)[:steps])
    strip = bar.strip
    windowed = len(strip.visible_range()) < steps
    assert windowed == (steps == 200)
    if steps == 110:
        assert QFontMetrics(strip.index_font).horizontalAdvance("100") > strip.cell_width()
    # (at 1300 px each of the 110 cells is narrower than the step numbers "100".."110" under it)
    for t in (
        0,
        1,
        2,
        3,
        4,
        5,
        6,
        9,
        10,
        11,
        15,
        14,
        13,
        30,
        31,
        5,
        46,
        47,
        48,
        49,
        50,
        51,
        52,
        53,
        54,
        55,
        56,
        57,
        58,
        59,
        100,
        101,
        199,
    ):
        bar.set_frame(t)
        if t < steps:
            assert stale_pixels(strip) == 0, t


def test_status_numbers_ask_for_no_layout_while_they_fit(qtbot):
    """Every frame sets the step, rate, loss and metric: a label's new text asked the status bar
    and the window to lay out again (two passes of the event loop, every view's minimum read).
    Once a read-out has the room for its text, a new text repaints it and asks nothing."""
    from events import Events
    from PyQt6.QtCore import QEvent
    from PyQt6.QtWidgets import QApplication, QMainWindow, QWidget

    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QWidget())
    status = StatusPanel(window.statusBar())
    status.set_state("running")
    window.show()
    qtbot.waitExposed(window)
    spy = Events(QEvent.Type.LayoutRequest, parent=window)
    asked = spy.seen
    for obj in (window, window.statusBar()):
        obj.installEventFilter(spy)

    def frame(step: int, loss: float) -> None:
        status.set_numbers(step, 64 * step, 12_345.0 + step, loss, 1.25)
        status.set_metric(f"accuracy <b>{step % 100} %</b>")
        QApplication.processEvents()

    frame(98_765, 1.875)  # the widest texts first: the read-outs take their room
    for _ in range(5):  # the layout requests that growth asked for, up to the window
        QApplication.processEvents()
    asked.clear()
    for step in range(10, 40):  # narrower texts: they fit
        frame(step, 1.0 + step / 100)
    assert asked == []
    for label in (status.step, status.speed, status.loss, status.metric):
        assert label.width() >= label.sizeHint().width()  # every text whole
    frame(123_456_789, 2.5)  # a wider step: its read-out grows, once
    assert status.step.width() >= status.step.sizeHint().width()
    assert "123,456,789" in status.step.text()


def test_a_wrapped_slot_grows_when_its_text_takes_more_lines(qtbot):
    from PyQt6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

    from rnnviz.app.chrome import WrappedSlot

    host = QWidget()
    qtbot.addWidget(host)
    slot = WrappedSlot(QLabel())
    lay = QVBoxLayout(host)
    lay.addWidget(slot)
    lay.addStretch(1)
    host.resize(160, 300)
    host.show()
    qtbot.waitExposed(host)
    slot.set_text("step 1")
    for _ in range(5):
        QApplication.processEvents()
    one_line = slot.height()
    slot.set_text("live: step 1,234, the newest frame (PgUp: an earlier one)")
    qtbot.waitUntil(lambda: slot.height() > one_line)
    label = slot.label
    assert label.height() >= label.heightForWidth(slot.width())  # every line shown
