"""Small pieces of window furniture: the frame bar, the message banner and the status read-out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStatusBar,
    QStyle,
    QToolButton,
    QWidget,
)

from rnnviz.app.style import STATE_COLOURS

# Characters that would be invisible as a tick label are shown by a visible stand-in.
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def visible_token(label: str) -> str:
    """A token label with whitespace made visible (``" "`` -> ``"␣"``)."""
    return "".join(VISIBLE.get(ch, ch) for ch in label) if label.strip() == "" else label


class FrameBar(QWidget):
    """Pick one time step of the probe: buttons, a slider and the token under the cursor.

    Signals
    -------
    frameChanged(int)
        The selected time step t (0-based).
    """

    frameChanged = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: tuple[str, ...] = ()
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(4)
        pix = QStyle.StandardPixmap
        self.prev = QToolButton(icon=self.style().standardIcon(pix.SP_MediaSeekBackward))
        self.next = QToolButton(icon=self.style().standardIcon(pix.SP_MediaSeekForward))
        self.prev.setToolTip("Previous step (←; Home for the first)")
        self.next.setToolTip("Next step (→; End for the last)")
        for b in (self.prev, self.next):
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(5)
        self.slider.setMinimumWidth(80)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Time step of the probe shown by the cursor in every view")
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.prev)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.next)
        lay.addWidget(self.readout)
        self.prev.clicked.connect(lambda: self.move(-1))
        self.next.clicked.connect(lambda: self.move(+1))
        self.slider.valueChanged.connect(self._on_value)
        self._show(0)

    def frame(self) -> int:
        """The selected time step."""
        return int(self.slider.value())

    def set_labels(self, labels: Sequence[str]) -> bool:
        """Use a new probe's labels (keeps the frame if it still exists); True if they changed."""
        labels = tuple(labels)
        if labels == self._labels:
            return False
        self._labels = labels
        self.slider.setRange(0, max(len(labels) - 1, 0))
        self._show(self.frame())
        return True

    def set_frame(self, t: int) -> None:
        """Select step ``t`` (clamped to the probe)."""
        self.slider.setValue(max(0, min(int(t), self.slider.maximum())))

    def move(self, delta: int) -> None:
        """Step the cursor by ``delta`` time steps."""
        self.set_frame(self.frame() + delta)

    def _on_value(self, t: int) -> None:
        self._show(t)
        self.frameChanged.emit(int(t))

    def _show(self, t: int) -> None:
        n = len(self._labels)
        if n == 0:
            self.readout.setText("no probe yet")
            return
        token = visible_token(self._labels[t]) if t < n else ""
        esc = token.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.readout.setText(
            f"t = <b>{t}</b>/{n - 1} &nbsp;input "
            f"<span style='font-family: monospace; font-size: 120%; background:#fff3c4;'>"
            f"&nbsp;{esc}&nbsp;</span>"
        )


class MessageBanner(QFrame):
    """A dismissible one-line message above the views (user errors, divergence, crashes)."""

    COLOURS: ClassVar[dict[str, tuple[str, str]]] = {
        "info": ("#e3f2fd", "#0d47a1"),
        "warning": ("#fff3e0", "#8a4b00"),
        "error": ("#ffebee", "#b71c1c"),
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="banner")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 4, 4)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.close_button = QToolButton(text="✕")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Dismiss")
        lay.addWidget(self.label, 1)
        lay.addWidget(self.close_button)
        self.close_button.clicked.connect(self.dismiss)
        self.level = ""
        self.setVisible(False)

    def show_message(self, text: str, level: str = "error") -> None:
        """Show ``text`` styled for ``level`` ("info", "warning" or "error")."""
        bg, fg = self.COLOURS.get(level, self.COLOURS["error"])
        self.setStyleSheet(
            f"QFrame#banner {{ background: {bg}; border: 1px solid {fg}; }}"
            f"QFrame#banner QLabel {{ color: {fg}; }}"
        )
        self.level = level
        self.label.setText(text)
        self.setVisible(True)

    def text(self) -> str:
        """The message shown ("" when hidden)."""
        return self.label.text() if not self.isHidden() else ""

    def dismiss(self) -> None:
        """Hide the banner."""
        self.label.clear()
        self.level = ""
        self.setVisible(False)


class StatusPanel:
    """Permanent status-bar read-outs: state pill, step, tokens/s, loss.

    Parameters
    ----------
    bar : QStatusBar
        The window's status bar; the labels are added to it.
    """

    def __init__(self, bar: QStatusBar) -> None:
        self.state = QLabel(objectName="statePill")
        self.step = QLabel()
        self.speed = QLabel()
        self.loss = QLabel()
        for w in (self.step, self.speed, self.loss):
            w.setMinimumWidth(110)
        bar.addPermanentWidget(self.step)
        bar.addPermanentWidget(self.speed)
        bar.addPermanentWidget(self.loss)
        bar.addPermanentWidget(self.state)
        self.set_state("ready")
        self.set_numbers(0, 0, 0.0, None, None)

    def set_state(self, state: str, reason: str = "") -> None:
        """Show the run state; ``reason`` becomes the tooltip (e.g. why it diverged)."""
        colour = STATE_COLOURS.get(state, "#546e7a")
        self.state.setStyleSheet(f"background: {colour};")
        self.state.setText(state.capitalize())
        self.state.setToolTip(reason)
        self.state_name = state

    def set_numbers(
        self,
        step: int,
        tokens: int,
        tokens_per_s: float,
        loss: float | None,
        val_loss: float | None,
    ) -> None:
        """Update the step, throughput and loss read-outs (losses in nats per step)."""
        self.step.setText(f"step <b>{step:,}</b>")
        self.step.setToolTip(f"{tokens:,} tokens seen")
        self.speed.setText(f"<b>{tokens_per_s:,.0f}</b> tok/s")
        text = "loss —" if loss is None else f"loss <b>{loss:.3f}</b>"
        if val_loss is not None:
            text += f" · val {val_loss:.3f}"
        self.loss.setText(text)
