"""The probe strip: the probe's input tokens in a row of cells, the cursor's step highlighted."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PyQt6.QtCore import QRect, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetrics,
    QMouseEvent,
    QPainter,
    QPen,
    QRegion,
)
from PyQt6.QtGui import QPaintEvent as PaintEvent
from PyQt6.QtWidgets import QApplication, QSizePolicy, QWidget

from rnnviz.app.reveal import HIDDEN_TOKEN

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

    def set_labels(
        self, labels: Sequence[str], final: str = "", final_hidden: bool = False
    ) -> None:
        """One cell per label (whitespace shown by a visible stand-in), and the final target.

        Parameters
        ----------
        labels : sequence of str
            (T,) the input at every step, "?" where predict-then-reveal hides it.
        final : str
            A target the model never reads (the probe's last character), drawn after the last
            step; "" for none.
        final_hidden : bool
            Predict-then-reveal hides the final target: its cell reads "?".
        """
        self._labels = tuple(labels)
        self._final = final
        last = [HIDDEN_TOKEN if final_hidden else final] if final else []
        self._shown = tuple(visible_token(s) for s in (*self._labels, *last))
        self.setToolTip(self.TIP + (self.TARGET_TIP if final else ""))
        self._refit()
        self._frame = min(self._frame, max(len(self._labels) - 1, 0))
        self.update()

    def set_frame(self, t: int) -> None:
        """Highlight step ``t``: repaints the cells around the old and the new step only (the
        whole strip when its window of steps moves)."""
        if t == self._frame:
            return
        old, shown = self._frame, self.visible_range()
        self._frame = int(t)
        if self.visible_range() != shown:
            self.update()
            return
        for step in (old, self._frame):
            self.update(self.changed_rect(step))

    #: Cells either side of a step whose drawing depends on whether that step is selected: its
    #: neighbours hide their step number beside the selected one, and a step number is drawn
    #: one cell wide either side of its own cell.
    REACH = 2

    def changed_rect(self, t: int) -> QRect:
        """The pixels that change when step ``t`` is selected or unselected."""
        w = self.cell_width()
        k = t - self.visible_range().start
        left = math.floor((k - self.REACH) * w) - 1
        right = math.ceil((k + self.REACH + 1) * w) + 1
        return QRect(left, 0, right - left, self.height())

    def shown_tokens(self) -> tuple[str, ...]:
        """What every cell reads: the steps' inputs, then the final target if any ("?" where
        predict-then-reveal hides a target)."""
        return self._shown

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
        """Draw the cells, the highlight and every fifth step number (of the cells whose
        drawing reaches the region to repaint)."""
        painter = QPainter(self)
        try:
            steps = self.visible_range()
            w, row = self.cell_width(), self._row
            region = event.region() if event is not None else QRegion(self.rect())
            fonts = (self.token_font, QFont(self.token_font))
            fonts[1].setBold(True)
            for k, t in enumerate(steps):
                reach = QRectF((k - 1) * w, 0.0, 3 * w, float(self.height()))  # its number's too
                if not region.intersects(reach.toAlignedRect()):
                    continue
                cell = QRectF(k * w, 0.0, w, float(row))
                if t >= len(self._labels):  # the final target: never read, not a step
                    self._paint_final(painter, cell, self._shown[t])
                    continue
                current = t == self._frame
                painter.fillRect(cell, self.CURSOR_BG if current else self.CELL_BG[t % 2])
                token, shown = self._labels[t], self._shown[t]
                space = token.strip() == ""
                painter.setPen(self.WHITESPACE_FG if space and not current else self.TEXT_FG)
                painter.setFont(fonts[current])
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
