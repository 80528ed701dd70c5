"""A light colour bar: a gradient strip and a value axis beside a heatmap, recolourable in place.

pyqtgraph's ColorBarItem is a whole PlotItem (menus, four axes, a view box): about 20 ms to
build, and a heatmap panel needs one. This bar is a view box holding a 256-step gradient image
and one axis (about 1 ms), and it can take a new colour map and range at any time, so the
heatmap view reuses its panels when a new run declares different arrays instead of building new
ones (which left the heatmaps blank after Apply).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QFontMetrics

from rnnviz.app.widgets._common import FOREGROUND, LegibleAxis, tick_font

#: Width of the gradient strip in pixels (before the presentation scale).
STRIP_PX = 12

#: The widest tick label the bar's axis makes room for (a cell state of a few thousandths).
WIDEST_LABEL = "−0.0005"


def axis_width() -> int:
    """Pixels the bar's value axis takes: its widest label, the tick and a margin."""
    return QFontMetrics(tick_font()).horizontalAdvance(WIDEST_LABEL) + 12


class BarAxis(LegibleAxis):
    """A colour bar's value axis: its two ends are always labelled, so the bar always says the
    range its colours span, with the ticks between them that keep clear of the ends.

    On a short bar (a heatmap at its least height, ``--big`` fonts) the legible spacing for a
    cell state's ±40 is 50, and the bar read "0" alone: any colour could have meant any value.
    """

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's levels, the major one with the ends put in (and ticks too near an end,
        which its label would overlap, left out); minor ticks as they were."""
        levels = super().tickValues(minVal, maxVal, size)
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or size <= 0:
            return levels
        clear = self.label_extent(lo, hi) * (1.0 + self.GAP) * (hi - lo) / size  # data units
        major = list(levels[0][1]) if levels else []
        inner = [float(v) for v in major if v - lo >= clear and hi - v >= clear]
        return [(hi - lo, [lo, *inner, hi]), *levels[1:]]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Each value with the digits it needs ("40", "0.0005", "1.2"), not the digits of the
        spacing (an end of ±0.0005 is no multiple of it)."""
        return [f"{v * scale:.3g}" for v in values]


_GRADIENT = np.linspace(0.0, 1.0, 256, dtype=np.float32)[:, None]  # (256, 1), low at the bottom


class ColourBar:
    """A colour scale for one :class:`pyqtgraph.ImageItem`, drawn right of its plot.

    Parameters
    ----------
    plot : pg.PlotItem
        The plot holding ``image``; the strip and its axis join the plot's own layout row.
    image : pg.ImageItem
        Gets the colour map and the levels set here.
    width : float
        Width of the strip in pixels.
    """

    def __init__(self, plot: pg.PlotItem, image: pg.ImageItem, width: float = STRIP_PX) -> None:
        self.image = image
        self.strip = pg.ViewBox(enableMouse=False, enableMenu=False, defaultPadding=0.0)
        self.strip.setMouseEnabled(x=False, y=False)
        self.gradient = pg.ImageItem(axisOrder="row-major")
        self.gradient.setImage(_GRADIENT, levels=(0.0, 1.0))
        self.gradient.setRect(QRectF(0.0, 0.0, 1.0, 1.0))
        self.strip.addItem(self.gradient)
        self.strip.setRange(xRange=(0.0, 1.0), yRange=(0.0, 1.0), padding=0.0)
        self.strip.setBorder(pg.mkPen(FOREGROUND))
        self.axis = BarAxis("right")
        self.axis.setPen(pg.mkPen(FOREGROUND))
        self.axis.setTextPen(pg.mkPen(FOREGROUND))
        self.axis.setStyle(tickFont=tick_font(), autoExpandTextSpace=False)
        self.axis.setWidth(axis_width())  # fixed: labels never dropped for want of room
        layout = plot.layout
        layout.setColumnFixedWidth(4, 6)  # a gap between the plot's right edge and the strip
        layout.addItem(self.strip, 2, 5)
        layout.setColumnFixedWidth(5, width)
        layout.addItem(self.axis, 2, 6)
        self._cmap = ""
        self._levels = (0.0, 1.0)

    def set_colormap(self, name: str) -> None:
        """Use the pyqtgraph colour map ``name`` for the strip and the image."""
        if name == self._cmap:
            return
        self._cmap = name
        cmap = pg.colormap.get(name)
        self.gradient.setColorMap(cmap)
        self.image.setColorMap(cmap)

    def colormap(self) -> str:
        """The colour map's name."""
        return self._cmap

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Map ``levels`` = (low, high) to the ends of the colour map (image and axis)."""
        lo, hi = float(levels[0]), float(levels[1])
        self._levels = (lo, hi)
        self.image.setLevels((lo, hi))
        self.axis.setRange(lo, hi)

    def levels(self) -> tuple[float, float]:
        """The colour range in force, (low, high)."""
        return self._levels
