"""Speed controls: how many training steps per second, and a step to pause at.

At full speed binary addition learns to carry within a second; a teacher slows the run down to
watch it happen. :class:`SpeedPanel` offers a slider over :data:`SPEEDS` (slow motion to
unlimited) and a "pause at step" field; the window passes both to the run controller
(:meth:`~rnnviz.train.control.RunController.set_speed`,
:meth:`~rnnviz.train.control.RunController.set_pause_at`), which paces steps without busy waiting.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QWidget,
)

from rnnviz.app.fields import NumberEdit
from rnnviz.config import Limit

#: The slider's positions, slowest first (steps per second; None: unlimited).
SPEEDS: tuple[float | None, ...] = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, None)

#: The Run menu's presets: (menu text, speed).
PRESETS: tuple[tuple[str, float | None], ...] = (
    ("Slow motion (½ step/s)", 0.5),
    ("1 step/s", 1.0),
    ("10 steps/s", 10.0),
    ("Unlimited", None),
)

#: The largest step a user may ask to pause at.
MAX_PAUSE_STEP = 1_000_000_000
#: The steps a user may ask to pause at (an empty field is "off").
PAUSE_LIMIT = Limit(1, MAX_PAUSE_STEP, integer=True, why="empty means off")


def speed_text(rate: float | None) -> str:
    """A speed for people: "unlimited", "½ step/s", "1 step/s", "20 steps/s"."""
    if rate is None:
        return "unlimited"
    if rate == 0.5:
        return "½ step/s"
    unit = "step/s" if rate == 1 else "steps/s"
    return f"{rate:g} {unit}"


def nearest_position(rate: float | None) -> int:
    """The slider position of :data:`SPEEDS` closest to ``rate`` (on a log scale)."""
    if rate is None:
        return len(SPEEDS) - 1
    finite = [s for s in SPEEDS if s is not None]
    return min(range(len(finite)), key=lambda k: abs(finite[k] / rate - rate / finite[k]))


class SpeedPanel(QWidget):
    """A speed slider (½ step/s … unlimited) and a "pause at step" field.

    Signals
    -------
    speedChanged(object)
        Steps per second (float) or None for unlimited, on every user change.
    pauseAtChanged(object)
        The step to pause at (int), or None when the field is set to "off".
    """

    speedChanged = pyqtSignal(object)
    pauseAtChanged = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, len(SPEEDS) - 1)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setMinimumWidth(60)
        self.slider.setToolTip(
            "Training steps per second: slow motion to watch learning happen, or unlimited"
        )
        self.label = QLabel()
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("unlimited__"))
        self.pause_at = NumberEdit(PAUSE_LIMIT, None, optional=True, placeholder="off")
        self.pause_at.setToolTip(
            "Pause when training reaches this step (once; back to 'off' afterwards)"
        )
        self.pause_error = QLabel()
        self.pause_error.setProperty("role", "error")
        self.pause_error.setWordWrap(True)
        self.pause_error.setVisible(False)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        row.addWidget(self.label)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Speed", row)
        form.addRow("Pause at step", self.pause_at)
        form.addRow(self.pause_at.error)  # a step out of range
        form.addRow(self.pause_error)  # a step already done
        self.pause_at.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

        self._rate: float | None = None
        self._show(None)
        self.slider.valueChanged.connect(self._on_slider)
        self.pause_at.committed.connect(self._on_pause_at)

    def speed(self) -> float | None:
        """The speed shown (steps per second, None: unlimited)."""
        return self._rate

    def set_speed(self, rate: float | None) -> None:
        """Show ``rate`` (the nearest slider position) without emitting ``speedChanged``."""
        self._rate = rate
        self._show(rate)

    def set_pause_at(self, step: int | None) -> None:
        """Show ``step`` (None: "off") without emitting ``pauseAtChanged``."""
        self.pause_at.setValue(None if step is None else int(step))

    def show_pause_error(self, message: str) -> None:
        """Say why the step was refused (or hide the message with "")."""
        self.pause_error.setText(message)
        self.pause_error.setVisible(bool(message))

    def _show(self, rate: float | None) -> None:
        self.slider.blockSignals(True)
        try:
            self.slider.setValue(nearest_position(rate))
        finally:
            self.slider.blockSignals(False)
        self.label.setText(speed_text(rate))

    def _on_slider(self, position: int) -> None:
        self._rate = SPEEDS[position]
        self.label.setText(speed_text(self._rate))
        self.speedChanged.emit(self._rate)

    def _on_pause_at(self, value: int | None) -> None:
        self.show_pause_error("")
        self.pauseAtChanged.emit(value)
