"""settle: the event loop runs until the work a change queued, however deferred, is painted."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import QApplication, QWidget

from rnnviz.bench.settle import settle


class Painted(QWidget):
    """Counts its paints."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def paintEvent(self, event: object) -> None:
        self.paints += 1


class Relay(QObject):
    """Each step queues the next (a queued call, as a pyqtgraph scene's change does); the last
    asks ``widget`` to repaint."""

    step = pyqtSignal(int)

    def __init__(self, widget: QWidget, steps: int) -> None:
        super().__init__()
        self.widget, self.steps, self.done = widget, steps, 0
        self.step.connect(self._on_step, Qt.ConnectionType.QueuedConnection)

    def _on_step(self, k: int) -> None:
        self.done = k
        if k < self.steps:
            self.step.emit(k + 1)
        else:
            self.widget.update()


def test_settle_returns_after_the_last_queued_paint(qtbot) -> None:
    app = QApplication.instance()
    widget = Painted()
    qtbot.addWidget(widget)
    widget.resize(40, 30)
    widget.show()
    qtbot.waitExposed(widget)
    settle(app)
    widget.paints = 0
    relay = Relay(widget, steps=4)
    relay.step.emit(1)
    passes = settle(app)
    assert relay.done == 4  # one processEvents ran only the first step
    assert widget.paints == 1
    assert passes >= 5  # a pass per queued step, the paint, then the quiet one
    assert settle(app) == 1  # nothing left


def test_settle_refuses_work_that_never_ends(qtbot) -> None:
    app = QApplication.instance()
    widget = Painted()
    qtbot.addWidget(widget)
    relay = Relay(widget, steps=10**9)
    relay.step.emit(1)
    with pytest.raises(RuntimeError, match="still queued after 5 passes"):
        settle(app, max_passes=5)
    relay.steps = 0  # the next step ends the chain
    settle(app)
