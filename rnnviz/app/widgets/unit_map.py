"""A unit × step map: rows of units over the probe's steps, as an image in a plot.

The unit inspector's overview and the intervention's difference view both draw a block of an
array on the probe this way::

    pixel (row i, column t) = img[i, t] = s_t[j_i]     (j_i: the unit of row i)

with row 0 at the top, each pixel centred on its step and row (so step t sits over the input
label t of the token axis), the mouse fixed (a click picks a row, it does not pan).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtGui import QFontMetrics

from rnnviz.app.widgets._common import TokenAxis, plot_widget, tick_font


class UnitMap:
    """One plot holding one row-major image of (rows, T) values, top row first.

    Attributes
    ----------
    axis : TokenAxis
        The bottom axis (the probe's input labels).
    widget : pg.PlotWidget
        The plot to lay out.
    image : pg.ImageItem
        The image (colour map and levels are the owner's: set them on it, or give it a
        :class:`~rnnviz.app.widgets.colourbar.ColourBar`).
    """

    def __init__(self) -> None:
        self.axis = TokenAxis("bottom")
        self.widget = plot_widget(bottom=self.axis)
        plot = self.plot
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.getViewBox().invertY(True)
        plot.setLabel("left", "unit")
        # room above for half a tick label: a colour bar beside the map labels its top end
        # there (with no title row above, "1.5" was cut in half)
        half = math.ceil(QFontMetrics(tick_font()).height() / 2) + 1
        plot.layout.setContentsMargins(1, half, 1, 1)
        self.image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.image)

    @property
    def plot(self) -> pg.PlotItem:
        """The plot item (for extra items and the left axis' ticks)."""
        return self.widget.getPlotItem()

    def show(self, img: np.ndarray, levels: tuple[float, float]) -> None:
        """Draw ``img`` (rows, T) with ``levels`` mapped to the ends of the colour map."""
        rows, T = img.shape
        self.image.setImage(np.ascontiguousarray(img), levels=levels)
        self.image.setRect(-0.5, -0.5, T, rows)  # pixel (i, t) centred on (t, i)
        self.plot.setXRange(-0.5, T - 0.5, padding=0)
        self.plot.setYRange(-0.5, rows - 0.5, padding=0)

    def clear(self) -> None:
        """Draw nothing."""
        self.image.clear()


__all__ = ["UnitMap"]
