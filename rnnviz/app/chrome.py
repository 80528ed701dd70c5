"""Small pieces of window furniture: the frame bar, the message banner and the status read-out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from PyQt6.QtCore import QEvent, QObject, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPen,
    QTextDocumentFragment,
)
from PyQt6.QtGui import QPaintEvent as PaintEvent
from PyQt6.QtWidgets import (
    QApplication,
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

from rnnviz.app.style import STATE_COLOURS

# Colour of a read-out that holds no current value (e.g. the throughput while paused).
IDLE_GREY = "#90a4ae"

# Characters that would be invisible as a tick label are shown by a visible stand-in.
VISIBLE = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}


def visible_token(label: str) -> str:
    """A token label with whitespace made visible (``" "`` -> ``"␣"``)."""
    return "".join(VISIBLE.get(ch, ch) for ch in label) if label.strip() == "" else label


class ProbeStrip(QWidget):
    """The probe's input tokens in a row of equal monospace cells, the selected step highlighted.

    Legible from the back of a classroom where the heatmaps' token axes can only label every
    few steps: every step gets its cell, with the step number under every fifth. When the
    probe does not fit, the strip shows a window of steps that follows the selection. Painting
    happens only when the probe or the selected step changes.

    A next-character probe reads all but its last character, which is only the target of the
    last step: it gets a last, dashed cell (not a step, so not selectable; the tooltip and the
    frame bar's "→ target" read-out say what it is) instead of silently disappearing.

    Signals
    -------
    frameClicked(int)
        The user clicked the cell of step t.
    """

    frameClicked = pyqtSignal(int)
    CURSOR_BG = QColor("#fff3c4")
    CELL_BG = (QColor("#ffffff"), QColor("#eef1f5"))
    WHITESPACE_FG = QColor("#90a4ae")
    TEXT_FG = QColor("#263238")
    TARGET_FG = QColor("#607080")
    TIP = "The probe's input at every time step; click one to select it"
    TARGET_TIP = (
        "\nThe dashed last cell is the probe's final character: the model never reads it, "
        "it is the target of the last step (each step predicts the next character)."
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._labels: tuple[str, ...] = ()
        self._shown: tuple[str, ...] = ()
        self._final = ""  # the final target, shown after the last step ("" for none)
        self._frame = 0
        app = QApplication.instance()
        self._base = app.font().pointSizeF() if isinstance(app, QApplication) else 10.0
        self.token_font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.index_font = QFont()
        self.index_font.setPointSizeF(round(self._base * 0.75, 1))
        self._cell = 10.0
        self._fit(self.MAX_SCALE)
        self._row = QFontMetrics(self.token_font).height() + 6  # kept when the font shrinks
        index = QFontMetrics(self.index_font)
        self.setFixedHeight(self._row + index.height() + 2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(self.TIP)

    #: Token font size relative to the window's font: as large as fits, within these bounds.
    MAX_SCALE, MIN_SCALE = 1.3, 0.9

    def _fit(self, scale: float) -> None:
        """Use the token font at ``scale`` × the window font; recompute the cell width."""
        self.token_font.setPointSizeF(round(self._base * scale, 1))
        metrics = QFontMetrics(self.token_font)
        widest = max((metrics.horizontalAdvance(s) for s in self._shown), default=0)
        self._cell = float(max(widest, metrics.horizontalAdvance("M")) + 4)

    def _refit(self) -> None:
        """The largest token font at which every step fits (else the smallest, windowed)."""
        n = max(self._count(), 1)
        scale = self.MAX_SCALE
        self._fit(scale)
        while n * self._cell > self.width() and scale > self.MIN_SCALE:
            scale = max(self.MIN_SCALE, scale - 0.1)
            self._fit(scale)

    def resizeEvent(self, event: object) -> None:
        """Refit the font to the new width."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._refit()

    def sizeHint(self) -> QSize:
        """Room for about 40 cells."""
        return QSize(int(40 * self._cell), self.height())

    def minimumSizeHint(self) -> QSize:
        """A few cells at least."""
        return QSize(int(8 * self._cell), self.height())

    def set_labels(self, labels: Sequence[str], final: str = "") -> None:
        """One cell per label (whitespace shown by a visible stand-in), and the final target.

        Parameters
        ----------
        labels : sequence of str
            (T,) the input at every step.
        final : str
            A target the model never reads (the probe's last character), drawn after the last
            step; "" for none.
        """
        self._labels = tuple(labels)
        self._final = final
        self._shown = tuple(visible_token(s) for s in (*self._labels, *([final] if final else [])))
        self.setToolTip(self.TIP + (self.TARGET_TIP if final else ""))
        self._refit()
        self._frame = min(self._frame, max(len(self._labels) - 1, 0))
        self.update()

    def set_frame(self, t: int) -> None:
        """Highlight step ``t``."""
        if t != self._frame:
            self._frame = int(t)
            self.update()

    def final_target(self) -> str:
        """The target drawn after the last step ("" for none)."""
        return self._final

    def _count(self) -> int:
        """Cells drawn for the whole probe: the steps, and the final target if any."""
        return len(self._labels) + (1 if self._final else 0)

    def cell_width(self) -> float:
        """Pixels per step: widened (up to 2.5×) to spread a short probe over the strip."""
        n = self._count()
        if 0 < n <= self.width() // self._cell:
            return min(self.width() / n, 2.5 * self._cell)
        return self._cell

    def cells(self) -> int:
        """How many cells fit in the current width."""
        return max(1, int(self.width() // self._cell))

    def visible_range(self) -> range:
        """The cells drawn: all of them, or a window that keeps the selection in view.

        Index T (one past the last step) is the final target's cell, when there is one.
        """
        n, k = self._count(), self.cells()
        if n <= k:
            return range(n)
        first = min(max(self._frame - k // 2, 0), n - k)
        return range(first, first + k)

    def paintEvent(self, event: PaintEvent | None) -> None:
        """Draw the cells, the highlight and every fifth step number."""
        painter = QPainter(self)
        try:
            steps = self.visible_range()
            w, row = self.cell_width(), self._row
            for k, t in enumerate(steps):
                cell = QRectF(k * w, 0.0, w, float(row))
                if t >= len(self._labels):  # the final target: never read, not a step
                    self._paint_final(painter, cell, self._shown[t])
                    continue
                current = t == self._frame
                painter.fillRect(cell, self.CURSOR_BG if current else self.CELL_BG[t % 2])
                token, shown = self._labels[t], self._shown[t]
                space = token.strip() == ""
                painter.setPen(self.WHITESPACE_FG if space and not current else self.TEXT_FG)
                font = QFont(self.token_font)
                font.setBold(current)
                painter.setFont(font)
                painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, shown)
                if current:
                    painter.setPen(QPen(QColor("#000000"), 2.0))
                    painter.drawRect(cell.adjusted(1, 1, -1, -1))
                if current or (t % 5 == 0 and abs(t - self._frame) > 1):
                    painter.setPen(QColor("#000000" if current else "#607080"))
                    painter.setFont(self.index_font)
                    below = QRectF(k * w - w, float(row), 3 * w, float(self.height() - row))
                    painter.drawText(below, Qt.AlignmentFlag.AlignHCenter, str(t))
        finally:
            painter.end()

    def _paint_final(self, painter: QPainter, cell: QRectF, shown: str) -> None:
        """The final target: a dashed outline around its token in grey italics."""
        painter.setPen(QPen(self.TARGET_FG, 1.0, Qt.PenStyle.DashLine))
        painter.drawRect(cell.adjusted(1, 1, -1, -1))
        font = QFont(self.token_font)
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(self.TARGET_FG)
        painter.drawText(cell, Qt.AlignmentFlag.AlignCenter, shown)

    def step_at(self, x: float) -> int | None:
        """The step whose cell is at ``x`` pixels, or None (also for the final target)."""
        steps = self.visible_range()
        t = steps.start + int(x // self.cell_width())
        return t if x >= 0 and t in steps and t < len(self._labels) else None

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        """Select the clicked step."""
        if event is None or event.button() != Qt.MouseButton.LeftButton:
            return
        t = self.step_at(event.position().x())
        if t is not None:
            self.frameClicked.emit(t)


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
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self._readout = ("", "")  # the read-out on one line, and on two (the target below)
        lay.addWidget(self.prev)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.next)
        lay.addWidget(self.readout)
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
        shifted = len(targets) == len(labels) > 0 and targets[:-1] == labels[1:]
        self.strip.set_labels(labels, targets[-1] if shifted else "")
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
        self.strip.set_frame(t)
        n = len(self._labels)
        if n == 0:
            self.readout.setText("no probe yet")
            return
        token = visible_token(self._labels[t]) if t < n else ""
        target = self._targets[t] if t < len(self._targets) else ""
        text = f"t = <b>{t}</b>/{n - 1} &nbsp;input {_token_html(token, '#fff3c4')}"
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
        self.readout.setMinimumWidth(width(two))  # never wider than the two-line form needs
        self.readout.setText(one if width(one) <= room else two)

    def resizeEvent(self, event: object) -> None:
        """Re-fit the read-out to the new width."""
        super().resizeEvent(event)  # type: ignore[arg-type]
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
        self.step.setText(f"step <b>{step:,}</b>")
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
        self.loss.setText(text)
        self.loss.setToolTip(
            f"The last step's loss ({loss:.3g}) belongs to weights that were dropped: the "
            "weights of an earlier step are back (see the message)"
            if dropped
            else "Training loss of the last step"
        )

    def _show_rate(self) -> None:
        """Throughput while running; a grey dash otherwise (nothing trains, so no rate)."""
        if self.state_name == "running":
            self.speed.setText(f"<b>{self._rate:,.0f}</b> tok/s")
            self.speed.setToolTip("Training throughput: tokens per second spent training")
            return
        self.speed.setText(f"<span style='color:{IDLE_GREY}'>— tok/s</span>")
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
        self.metric.setText(html)
        self.metric.setToolTip(tooltip)
        self.metric.setVisible(bool(html))
