"""An event filter that records which events of chosen types reach which widgets.

Tests use it to check that something does *not* happen: a cursor move or a new status text
that asks no widget to lay out again (``QEvent.Type.LayoutRequest``) or to re-polish.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject


class Events(QObject):
    """Records (event type, receiver's class) of the types ``kinds`` delivered while installed."""

    def __init__(self, *kinds: QEvent.Type, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kinds = kinds
        self.seen: list[tuple[str, str]] = []

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() in self.kinds:
            self.seen.append((event.type().name, type(obj).__name__))
        return False
