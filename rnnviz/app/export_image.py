"""Pictures of the window and its panels: PNG (what is on screen) and SVG (vectors).

* PNG: the widget rendered as it shows (``QWidget.grab``), headers, legends and read-outs
  included, at the screen's pixel size.
* SVG: the widget painted into Qt's ``QSvgGenerator`` (the SVG back end pyqtgraph's own exporter
  builds on): curves, axes, legends and text stay vectors, heatmap images are embedded as
  bitmaps, the size is the widget's. pyqtgraph's ``SVGExporter`` is not used: in pyqtgraph
  0.14.0 with Qt 6 it raises on every closed path Qt writes (a view box's frame ends in "Z"),
  and it draws one plot scene only, without the panel's legend headers.

Both are written atomically (:func:`rnnviz.train.safe_write.write_atomic`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PyQt6.QtCore import QBuffer, QIODevice, QPoint, QRect
from PyQt6.QtGui import QImage, QPainter
from PyQt6.QtSvg import QSvgGenerator
from PyQt6.QtWidgets import QWidget

from rnnviz.train.safe_write import write_atomic

#: Picture formats of a panel, and their extensions.
PICTURE_FORMATS = {"png": ".png", "svg": ".svg"}


def grab_rgb(widget: QWidget) -> np.ndarray:
    """The widget as it shows now: (H, W, 3) uint8 RGB, a copy."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    rows = np.frombuffer(bits, dtype=np.uint8).reshape(h, stride)  # (H, stride)
    return rows[:, : w * 3].reshape(h, w, 3).copy()  # (H, W, 3)


def png_bytes(widget: QWidget) -> bytes:
    """The widget as it shows now, encoded as PNG."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    widget.grab().save(buffer, "PNG")
    return bytes(buffer.data())


def svg_bytes(widget: QWidget) -> bytes:
    """``widget`` drawn through Qt's SVG generator: curves, axes and text as vectors."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    size = widget.size()
    generator.setSize(size)
    generator.setViewBox(QRect(QPoint(0, 0), size))
    generator.setTitle(widget.windowTitle() or type(widget).__name__)
    generator.setDescription("rnnviz")
    painter = QPainter(generator)
    try:
        widget.render(painter)
    finally:
        painter.end()
    return bytes(buffer.data())


def save_picture(
    widget: QWidget,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    replaceable: Callable[[Path], bool] = lambda _: True,
) -> Path:
    """Write ``widget`` to ``path`` as PNG or SVG (``fmt``, else the path's extension).

    Raises
    ------
    ValueError
        An unknown format, or SVG of a widget without plots (one line).
    rnnviz.train.safe_write.SaveError
        The file cannot be written there (one line).
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt == "png":
        data = png_bytes(widget)
    elif fmt == "svg":
        data = svg_bytes(widget)
    else:
        raise ValueError(f"picture format {fmt!r}: choose png or svg")
    write_atomic(path, lambda f: f.write(data), replaceable, what=f"{fmt.upper()} file")
    return path
