"""Small pieces of window furniture: the frame bar, the message banner and the status read-out.

The frame bar's probe strip is :mod:`rnnviz.app.probe_strip`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from PyQt6.QtCore import QEvent, QObject, QSize, Qt, pyqtSignal
from PyQt6.QtGui import (
    QTextDocumentFragment,
)
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QStatusBar,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.probe_strip import ProbeStrip, visible_token
from rnnviz.app.reveal import (
    HIDDEN_NOTE,
    HIDDEN_TOKEN,
    SHOW_ALL,
    TargetMask,
    masked_labels,
    shifted,
)
from rnnviz.app.step_name import step_name
from rnnviz.app.style import STATE_COLOURS

# Colour of a read-out that holds no current value (e.g. the throughput while paused).
IDLE_GREY = "#90a4ae"


class ReadoutSlot(QWidget):
    """Holds a rich-text label outside any layout, sized by :meth:`set_text`.

    A label in a layout asks it to lay out again at every new text, and every layout up to the
    window's then lays out again too (a pass of the event loop each): on every step of the
    cursor. In the slot a new text repaints the label and asks nothing; the slot asks for a new
    size only when the text needs more room than it has had since :meth:`reset` (the bar's
    width or the probe changed), so the slider beside it does not jitter from step to step.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self._hint = QSize(0, 0)
        self._minimum = 0

    def reset(self) -> None:
        """Forget the room texts took so far (the next text sets it afresh)."""
        self._hint, self._minimum = QSize(0, 0), 0

    def set_text(self, html: str, minimum: int) -> None:
        """Show ``html``; ``minimum``: the narrowest width the slot may be given (pixels)."""
        self.label.setText(html)
        need = self.label.sizeHint()
        hint = QSize(max(self._hint.width(), need.width(), minimum), need.height())
        minimum = max(self._minimum, minimum)
        if (hint, minimum) != (self._hint, self._minimum):
            self._hint, self._minimum = hint, minimum
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return QSize(self._hint)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, self._hint.height())

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.label.setFixedSize(self.size())  # (fixed: its new texts post no layout request)


class WrappedSlot(QWidget):
    """Holds a word-wrapped ``label`` outside any layout (its lines follow the slot's width).

    A wrapped label in a layout asks it, and every layout up to the window's, to lay out again
    at every new text (a pass of the event loop each). In the slot a new text repaints the label
    and asks nothing; the slot asks for a new height only when the text takes another number of
    lines at its width.
    """

    def __init__(self, label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        label.setWordWrap(True)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self._height = self._need(self.width())

    def set_text(self, text: str) -> None:
        """Show ``text``; a new height is asked for only if its line count changed."""
        self.label.setText(text)
        need = self._need(self.width())
        if need != self._height:
            self._height = need
            self.updateGeometry()

    def _need(self, width: int) -> int:
        return self.label.heightForWidth(width) if width > 0 else self.label.sizeHint().height()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._need(width)

    def sizeHint(self) -> QSize:
        return QSize(self.label.sizeHint().width(), self._height)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.label.fontMetrics().height())

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._height = self._need(self.width())
        self.label.setGeometry(0, 0, self.width(), self.height())


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
        self._targets: tuple[str, ...] = ()
        self._mask = SHOW_ALL
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 2, 6, 2)
        outer.setSpacing(2)
        self.strip = ProbeStrip()
        outer.addWidget(self.strip)
        lay = QHBoxLayout()
        lay.setSpacing(4)
        outer.addLayout(lay)
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
        self.slider.setMinimumWidth(40)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.slider.setToolTip("Time step of the probe shown by the cursor in every view")
        self.slot = ReadoutSlot()
        self.readout = self.slot.label
        self._readout = ("", "")  # the read-out on one line, and on two (the target below)
        lay.addWidget(self.prev)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.next)
        lay.addWidget(self.slot)
        self.prev.clicked.connect(lambda: self.move(-1))
        self.next.clicked.connect(lambda: self.move(+1))
        self.slider.valueChanged.connect(self._on_value)
        self.strip.frameClicked.connect(self.set_frame)
        self._show(0)

    def frame(self) -> int:
        """The selected time step."""
        return int(self.slider.value())

    def set_labels(self, labels: Sequence[str], targets: Sequence[str] = ()) -> bool:
        """Use a new probe's labels (keeps the frame if it still exists); True if they changed.

        Parameters
        ----------
        labels : sequence of str
            (T,) the input at every step.
        targets : sequence of str
            (T,) each step's target ("" where not scored), or empty. When every target is the
            next step's input, the last one is an element the model never reads: the strip
            shows it after the last step, marked as a target.
        """
        labels, targets = tuple(labels), tuple(targets)
        if (labels, targets) == (self._labels, self._targets):
            return False
        self._labels, self._targets = labels, targets
        self._label_strip()
        self.slider.setRange(0, max(len(labels) - 1, 0))
        self.slot.reset()
        self._show(self.frame())
        return True

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: hide the targets ``mask`` hides (in the read-out, and the
        inputs that are targets in the strip); :data:`~rnnviz.app.reveal.SHOW_ALL` shows all."""
        if mask == self._mask:
            return
        self._mask = mask
        self._label_strip()
        self._show(self.frame())

    def _label_strip(self) -> None:
        labels, targets = self._labels, self._targets
        final = targets[-1] if shifted(labels, targets) else ""
        hide_final = bool(final) and self._mask.hides(len(labels) - 1)
        self.strip.set_labels(masked_labels(labels, targets, self._mask), final, hide_final)

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
        self.strip.set_frame(t)
        n = len(self._labels)
        if n == 0:
            self.slot.set_text("no probe yet", 0)
            return
        token = visible_token(self._labels[t]) if t < n else ""
        target = self._targets[t] if t < len(self._targets) else ""
        text = f"{step_name(t)} &nbsp;input {_token_html(token, '#fff3c4')}"
        if target and self._mask.hides(t):
            after = f"→ target {_token_html(HIDDEN_TOKEN, '#eef1f5')} <i>{HIDDEN_NOTE}</i>"
        else:
            after = f"→ target {_token_html(visible_token(target), '#eef1f5')}" if target else ""
        self._readout = (f"{text} {after}", f"{text}<br>{after}" if after else text)
        self._fit_readout()

    def _fit_readout(self) -> None:
        """One line when it fits beside the slider, else the target on a second line."""
        one, two = self._readout
        metrics = self.readout.fontMetrics()

        def width(html: str) -> int:
            lines = QTextDocumentFragment.fromHtml(html).toPlainText().splitlines() or [""]
            return round(1.1 * max(metrics.horizontalAdvance(line) for line in lines)) + 8

        room = self.width() - 2 * self.prev.sizeHint().width() - self.slider.minimumWidth() - 40
        # never narrower than the two-line form needs
        self.slot.set_text(one if width(one) <= room else two, width(two))

    def resizeEvent(self, event: object) -> None:
        """Re-fit the read-out to the new width."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.slot.reset()
        self._fit_readout()

    def readout_text(self) -> str:
        """The read-out as plain text, single-spaced (tests)."""
        return " ".join(QTextDocumentFragment.fromHtml(self.readout.text()).toPlainText().split())


def _token_html(token: str, background: str) -> str:
    """A token in a monospace box for the frame bar's read-out."""
    esc = token.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        f"<span style='font-family: monospace; font-size: 120%; background:{background};'>"
        f"&nbsp;{esc}&nbsp;</span>"
    )


class MessageBanner(QFrame):
    """A dismissible message above the views (user errors, divergence, crashes, loading).

    After :meth:`float_over` it floats over the top edge of a host widget instead of taking
    room in a layout: a banner that pushed the views down made every plot lay itself out and
    repaint twice (when it came and when it went), a freeze of a few hundred milliseconds on
    every Apply.
    """

    #: Pixels between the floating banner and the host's edges.
    MARGIN = 6

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
        self._styled = ""
        self._host: QWidget | None = None
        self.setVisible(False)

    def float_over(self, host: QWidget) -> None:
        """Float at the top of ``host`` (above its children), following its width."""
        self._host = host
        self.setParent(host)
        host.installEventFilter(self)
        self._place()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Follow the host's size."""
        if obj is self._host and event is not None and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    def _place(self) -> None:
        host = self._host
        if host is None:
            return
        width = max(host.width() - 2 * self.MARGIN, 1)
        # The height the wrapped text needs at this width. (The size hint's height is the text
        # wrapped at the label's narrow preferred width: five lines for two, at 1920 px.)
        height = self.heightForWidth(width)
        if height < 0:
            height = self.sizeHint().height()
        self.setGeometry(self.MARGIN, self.MARGIN, width, max(height, self.minimumHeight()))
        self.raise_()

    def show_message(self, text: str, level: str = "error") -> None:
        """Show ``text`` styled for ``level`` ("info", "warning" or "error")."""
        if level != self._styled:  # restyling re-polishes the frame: only when it changes
            self._styled = level
            bg, fg = self.COLOURS.get(level, self.COLOURS["error"])
            self.setStyleSheet(
                f"QFrame#banner {{ background: {bg}; border: 1px solid {fg}; }}"
                f"QFrame#banner QLabel {{ color: {fg}; }}"
            )
        self.level = level
        self.label.setText(text)
        self.setVisible(True)
        self._place()

    def text(self) -> str:
        """The message shown ("" when hidden)."""
        return self.label.text() if not self.isHidden() else ""

    def dismiss(self) -> None:
        """Hide the banner."""
        self.label.clear()
        self.level = ""
        self.setVisible(False)


def set_steady_text(label: QLabel, html: str) -> None:
    """Show ``html`` in ``label`` without asking the window to lay out again while it fits.

    A label's new text asks its layout to lay out again, and that the window's (a pass of the
    event loop each; the window's reads every view's minimum size): the status bar's read-outs
    did so at every frame while training. A label of fixed size asks nothing, so ``label`` is
    held at the size of the widest text it has shown (its minimum width at least), and grows,
    once, when a text needs more room.
    """
    label.setText(html)
    need = label.sizeHint()
    width = max(need.width(), label.minimumWidth())
    fixed = label.minimumWidth() == label.maximumWidth()
    if not fixed or width > label.minimumWidth() or need.height() != label.minimumHeight():
        label.setFixedSize(width, need.height())


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
        self.metric = QLabel()
        self.limit = QLabel()
        self.limit.setToolTip("Training is slowed to this many steps per second (Run ▸ Speed)")
        self.limit.setVisible(False)
        for w in (self.step, self.speed, self.loss):
            w.setMinimumWidth(110)
        bar.addPermanentWidget(self.step)
        bar.addPermanentWidget(self.speed)
        bar.addPermanentWidget(self.loss)
        bar.addPermanentWidget(self.metric)
        bar.addPermanentWidget(self.limit)
        bar.addPermanentWidget(self.state)
        self.state_name = "ready"
        self._rate = 0.0  # the throughput of the last status shown (tokens per second)
        self._step = 0  # the step shown
        self._diverged_at: int | None = None  # the step shown when the run diverged
        self._numbers: tuple[float | None, float | None, str] = (None, None, "val")
        self.set_state("ready")
        self.set_numbers(0, 0, 0.0, None, None)

    def set_state(self, state: str, reason: str = "") -> None:
        """Show the run state; ``reason`` becomes the tooltip (e.g. why it diverged)."""
        colour = STATE_COLOURS.get(state, "#546e7a")
        self.state.setStyleSheet(f"background: {colour};")
        self.state.setText(state.capitalize())
        self.state.setToolTip(reason)
        self.state_name = state
        if state == "diverged":
            self._diverged_at = self._step
            self._show_loss()
        self._show_rate()

    def set_numbers(
        self,
        step: int,
        tokens: int,
        tokens_per_s: float,
        loss: float | None,
        val_loss: float | None,
        val_name: str = "val",
    ) -> None:
        """Update the step, throughput and loss read-outs.

        ``val_name`` names the evaluation loss ("train text" when a corpus had no held-out
        part, so the figure is measured on text the network trains on).
        """
        set_steady_text(self.step, f"step <b>{step:,}</b>")
        self.step.setToolTip(f"{tokens:,} tokens seen")
        self._rate = float(tokens_per_s)
        self._show_rate()
        if self._diverged_at is not None and step != self._diverged_at:
            self._diverged_at = None  # a step after the divergence, or another run
        self._step = step
        self._numbers = (loss, val_loss, val_name)
        self._show_loss()

    def _show_loss(self) -> None:
        """The last step's training loss, unless a divergence has since put other weights back.

        After a divergence the newest losses belong to weights that were dropped (the blow-up);
        the step counter stays, and the weights are those of an earlier step, whose loss is not
        this step's: no training loss is shown until a step of the restored weights.
        """
        loss, val_loss, val_name = self._numbers
        dropped = self._diverged_at is not None and loss is not None
        text = "loss —" if loss is None or dropped else f"loss <b>{loss:.3f}</b>"
        if val_loss is not None:
            text += f" · {val_name} {val_loss:.3f}"
        set_steady_text(self.loss, text)
        self.loss.setToolTip(
            f"The last step's loss ({loss:.3g}) belongs to weights that were dropped: the "
            "weights of an earlier step are back (see the message)"
            if dropped
            else "Training loss of the last step"
        )

    def _show_rate(self) -> None:
        """Throughput while running; a grey dash otherwise (nothing trains, so no rate)."""
        if self.state_name == "running":
            set_steady_text(self.speed, f"<b>{self._rate:,.0f}</b> tok/s")
            self.speed.setToolTip("Training throughput: tokens per second spent training")
            return
        set_steady_text(self.speed, f"<span style='color:{IDLE_GREY}'>— tok/s</span>")
        last = f"; {self._rate:,.0f} tok/s when it last ran" if self._rate > 0 else ""
        self.speed.setToolTip(f"Not training ({self.state_name}){last}")

    def set_speed_limit(self, text: str | None) -> None:
        """Show the speed limit (e.g. "1 step/s"), or hide it with None (unlimited)."""
        self.limit.setText(f"⏱ {text}" if text else "")
        self.limit.setVisible(bool(text))

    def rate_text(self) -> str:
        """The throughput read-out as plain text (tests, screenshots)."""
        return QTextDocumentFragment.fromHtml(self.speed.text()).toPlainText()

    def set_metric(self, html: str, tooltip: str = "") -> None:
        """Show the run's headline task metric (hidden when ``html`` is empty)."""
        set_steady_text(self.metric, html)
        self.metric.setToolTip(tooltip)
        self.metric.setVisible(bool(html))
