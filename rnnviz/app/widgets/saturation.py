"""Gate saturation (after Karpathy, Johnson and Fei-Fei): how often each gate unit is shut or open.

One dot per unit j of every gate k (a declared array on the 0..1 scale), at the frame on screen::

    x = left_j  = #{t : k_t[j] < 0.1} / T      (fraction of probe steps nearly shut)
    y = right_j = #{t : k_t[j] > 0.9} / T      (fraction of probe steps nearly open)

computed by :func:`rnnviz.core.units.saturations`; every dot lies in the triangle x + y <= 1
(drawn). Redrawn with every frame, so the dots move while the network trains. Under the plot, the
plain-language note of :func:`rnnviz.core.notes.saturation_note` for each gate that has one.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from rnnviz.app.widgets._common import (
    COLOURS,
    FOREGROUND,
    LegibleAxis,
    header_label,
    legend_html,
    line_width,
    plot_widget,
)
from rnnviz.app.widgets.info import InfoButton
from rnnviz.config import ConfigError
from rnnviz.core.notes import saturation_note
from rnnviz.core.registry import cell_class
from rnnviz.core.units import LEFT, RIGHT, Saturation, saturations
from rnnviz.train.frame import Frame

GATE_COLOURS = ("blue", "orange", "green", "purple", "red", "grey")
SYMBOLS = ("o", "s", "t", "d", "+", "x")


def gates_of(frame: Frame) -> tuple[str, ...]:
    """The frame's gate arrays: declared on the sequential 0..1 scale."""
    return tuple(s.name for s in frame.specs if s.scale == "sequential")


class SaturationPlot(QWidget):
    """The saturation scatter of every gate (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.legend = header_label("")
        self.widget = plot_widget(left=LegibleAxis("left"), bottom=LegibleAxis("bottom"))
        plot = self.widget.getPlotItem()
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        # axis titles are rich text: "<" would open a tag and cut the title short
        plot.setLabel("bottom", html.escape(f"fraction of steps nearly shut (< {LEFT:g})"))
        plot.setLabel("left", html.escape(f"fraction nearly open (> {RIGHT:g})"))
        plot.setXRange(0, 1, padding=0.03)
        plot.setYRange(0, 1, padding=0.03)
        plot.getViewBox().setAspectLocked(False)
        edge = pg.PlotDataItem(
            [0, 1],
            [1, 0],
            pen=pg.mkPen(FOREGROUND, width=line_width(1), style=Qt.PenStyle.DashLine),
        )
        plot.addItem(edge)
        self.notes = header_label("")
        self.scatters: dict[str, pg.ScatterPlotItem] = {}
        self.shown: dict[str, Saturation] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        head = QHBoxLayout()
        head.addWidget(self.legend, 1)
        head.addWidget(InfoButton("saturation"))
        lay.addLayout(head)
        lay.addWidget(self.widget, 1)
        lay.addWidget(self.notes)

    def set_frame(self, frame: Frame | None) -> None:
        """Draw the saturation of the frame's gates (None: clear)."""
        gates = () if frame is None else gates_of(frame)
        sats = [] if frame is None else saturations(frame.states, gates)
        self.shown = {s.gate: s for s in sats}
        plot = self.widget.getPlotItem()
        for key in [k for k in self.scatters if k not in self.shown]:
            plot.removeItem(self.scatters.pop(key))
        entries, notes = [], []
        specs = {} if frame is None else {s.name: s for s in frame.specs}
        forget = self._forget_gate(frame)
        for k, sat in enumerate(sats):
            colour = COLOURS[GATE_COLOURS[k % len(GATE_COLOURS)]]
            symbol = SYMBOLS[k % len(SYMBOLS)]
            sc = self.scatters.get(sat.gate)
            if sc is None:
                sc = pg.ScatterPlotItem(
                    size=line_width(7), pen=pg.mkPen(colour), brush=pg.mkBrush(colour + "99")
                )
                plot.addItem(sc)
                self.scatters[sat.gate] = sc
            sc.setData(x=sat.left, y=sat.right, symbol=symbol)
            label = specs[sat.gate].label if sat.gate in specs else sat.gate
            glyph = {"o": "●", "s": "■", "t": "▼", "d": "◆", "+": "+", "x": "×"}[symbol]
            entries.append((colour, glyph, html.escape(label)))
            note = saturation_note(sat, label, forget=sat.gate == forget)
            if note:
                notes.append(note)
        if frame is not None and not sats:
            self.legend.setText("<b>Gate saturation</b> &nbsp; this cell has no gates")
        else:
            entries.append((FOREGROUND, "┄┄", "x + y = 1: always shut or open"))
            self.legend.setText(legend_html("Gate saturation, one dot per unit", entries))
        self.notes.setText("<br>".join(f"• {html.escape(n)}" for n in notes))

    @staticmethod
    def _forget_gate(frame: Frame | None) -> str | None:
        if frame is None:
            return None
        try:
            return cell_class(frame.cell).forget_gate
        except ConfigError:
            return None

    def points(self, gate: str) -> tuple[np.ndarray, np.ndarray]:
        """The (left, right) fractions drawn for ``gate``."""
        x, y = self.scatters[gate].getData()
        return np.asarray(x), np.asarray(y)


__all__ = ["SaturationPlot", "gates_of"]
