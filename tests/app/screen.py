"""What a shown widget's window really holds on screen, to check partial repaints.

``widget.grab()`` paints the whole widget afresh, so it cannot show pixels a repaint of too
small a region left stale. :func:`on_screen` reads the widget's part of its window's backing
store (what was painted and flushed, one update region at a time); a view that repaints only
what changed must leave there exactly what a full repaint draws: ``on_screen(w) == fresh(w)``
once :func:`drawn` has run the event loop until nothing is queued.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPoint, QRect
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QApplication, QWidget

from rnnviz.bench.settle import settle


def drawn() -> None:
    """Run the event loop until every queued repaint is painted and flushed."""
    settle(QApplication.instance())


def _shown(widget: QWidget) -> QRect:
    """The part of ``widget`` inside all its parents (a widget in a scroll area may be cut)."""
    shown, parent = widget.rect(), widget.parentWidget()
    while parent is not None:
        corner = widget.mapFrom(parent, QPoint(0, 0))
        shown &= QRect(corner, parent.size())
        parent = parent.parentWidget()
    return shown


def fresh(widget: QWidget) -> QImage:
    """The shown part of ``widget`` painted whole, now."""
    return widget.grab(_shown(widget)).toImage()


def on_screen(widget: QWidget) -> QImage:
    """The shown part of ``widget`` in its window's backing store, in :func:`fresh`'s format."""
    shown = _shown(widget)
    top = widget.mapTo(widget.window(), shown.topLeft())
    shot = widget.screen().grabWindow(
        widget.window().winId(), top.x(), top.y(), shown.width(), shown.height()
    )
    return shot.toImage().convertToFormat(fresh(widget).format())


def pixels(image: QImage) -> np.ndarray:
    """(h, w, 4) uint8 RGBA of ``image``."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    raw = np.frombuffer(rgba.constBits().asstring(rgba.sizeInBytes()), np.uint8)
    rows = raw.reshape(rgba.height(), rgba.bytesPerLine())  # (h, stride)
    return rows[:, : 4 * rgba.width()].reshape(rgba.height(), rgba.width(), 4)  # (h, w, 4)


def stale_pixels(widget: QWidget) -> int:
    """How many of ``widget``'s shown pixels differ from a full repaint (0: none)."""
    drawn()
    a, b = pixels(on_screen(widget)), pixels(fresh(widget))
    assert a.shape == b.shape and a.size > 0
    return int(np.count_nonzero(np.any(a != b, axis=2)))
