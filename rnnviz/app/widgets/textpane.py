"""TextPane: rich text that changes often without relaying out the window.

A QLabel whose text changes asks its layout for a new geometry every time, and the window then
lays out (and repaints) every view, so walking the cursor cost several times more than drawing
what changed. A TextPane lays its text out in its own QTextDocument at its width and repaints
itself; it asks for a new height only when the text needs more or fewer lines than it has.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QSize
from PyQt6.QtGui import QPainter, QTextDocument
from PyQt6.QtWidgets import QSizePolicy, QWidget

from rnnviz.app.widgets._common import FOREGROUND


class TextPane(QWidget):
    """Word-wrapped rich text, repainted in place (see the module docstring)."""

    def __init__(self, html: str = "", tooltip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._doc = QTextDocument(self)
        self._doc.setDefaultFont(self.font())
        self._doc.setDefaultStyleSheet(f"body {{ color: {FOREGROUND}; }}")
        self._doc.setDocumentMargin(3)
        self._html = ""
        self._height = 0
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        if tooltip:
            self.setToolTip(tooltip)
        self.setText(html)

    def setText(self, html: str) -> None:
        """Show ``html``; repaints, and changes height only if the number of lines changes."""
        if html == self._html:
            return
        self._html = html
        self._doc.setHtml(f"<body>{html}</body>")
        self._fit()
        self.update()

    def text(self) -> str:
        """The rich text shown."""
        return self._html

    def plain_text(self) -> str:
        """The text shown, without markup."""
        return self._doc.toPlainText()

    def _fit(self) -> None:
        width = max(self.width(), 50)
        if width != self._doc.textWidth():  # (each call lays the whole text out again)
            self._doc.setTextWidth(width)
        height = math.ceil(self._doc.size().height()) if self._html else 0
        if height != self._height:
            self._height = height
            self.setFixedHeight(height)

    def sizeHint(self) -> QSize:
        return QSize(200, self._height)

    def minimumSizeHint(self) -> QSize:
        return QSize(50, self._height)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        self._doc.drawContents(p)
        p.end()
