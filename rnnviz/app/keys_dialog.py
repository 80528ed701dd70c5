"""The key list (F1, Help ▸ Keyboard shortcuts): every key on one line, the box on the screen.

A message box wraps its text at a fixed narrow width: the 22 keys, their descriptions broken
over two to five lines each, made a box 940 px tall at normal fonts and 2,088 px with ``--big``,
taller than a 1024×768, 1280×720 (and, at ``--big``, 1920×1080) screen, its last keys and its
OK button out of reach. Here the table keeps each key on one line, the box is at most the
screen's available size (:data:`SCREEN_SHARE` of it) and what does not fit scrolls (the arrow
and page keys scroll it, Esc or Enter closes it).
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

#: The largest part of the screen's available width and height the box takes.
SCREEN_SHARE = 0.9


class KeysDialog(QDialog):
    """The key list ``table`` (rich text, one key a row) over ``note``, sized to the screen.

    Parameters
    ----------
    table : str
        Rich text of the keys (an HTML table); rows are not wrapped.
    note : str
        Rich text under the table, wrapped to the box's width.
    parent : QWidget, optional
        The window it belongs to (and is centred on).
    """

    def __init__(self, table: str, note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QLabel(table)
        self.table.setTextFormat(Qt.TextFormat.RichText)
        self.table.setWordWrap(False)
        self.table.setContentsMargins(6, 6, 6, 6)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.table)
        self.scroll.setWidgetResizable(True)
        self.note = QLabel(note)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(self.scroll, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.buttons)
        self.scroll.setFocus()  # the arrow and page keys scroll the list

    def fitted_size(self, room: QSize) -> QSize:
        """The box's size in ``room`` (the screen's available size): the whole table where it
        fits, else :data:`SCREEN_SHARE` of the room (the table scrolls)."""
        bar = self.scroll.verticalScrollBar().sizeHint().width()
        frame = 2 * self.scroll.frameWidth()
        margins = self.layout().contentsMargins()
        table = self.table.sizeHint()
        width = table.width() + bar + frame + margins.left() + margins.right()
        width = min(width, round(room.width() * SCREEN_SHARE))
        inner = width - margins.left() - margins.right()
        rest = self.layout().spacing() * 2 + margins.top() + margins.bottom()
        rest += (
            self.note.heightForWidth(inner) + self.findChild(QDialogButtonBox).sizeHint().height()
        )
        height = min(table.height() + frame + rest, round(room.height() * SCREEN_SHARE))
        return QSize(width, height)

    def show_on_screen(self) -> None:
        """Open (window-modal, without blocking), as large as the table, within the screen."""
        screen = self.screen() if self.parent() is None else self.parentWidget().screen()
        self.resize(self.fitted_size(screen.availableGeometry().size()))
        self.open()


__all__ = ["SCREEN_SHARE", "KeysDialog"]
