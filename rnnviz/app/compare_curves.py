"""The compare window's curves: every run's smoothed loss on one plot, its gradient flow on another.

Each plot is a panel (:class:`CurvePanel`): the plot and, on its right, its legend, one entry
per line (one colour per run, in run order), so no legend lies over a curve at any size and the
legend costs no height (a projector at 1024x768 has none to spare). The flow panel draws, per
run, ‖∂L/∂h_t‖ (solid) and the last-step signal ‖∂L_T/∂h_t‖ (dotted) on a log axis; its legend
ends with the key to the two line styles.

Drawing is cheap by construction: :meth:`CompareCurves.draw` sets the curves of every run that
changed in one pass (one repaint per plot, however many runs changed), and the axes move only
when the data passes a round number (:class:`~rnnviz.app.widgets._common.RangeAnchor`): an
autoranged axis that moved on every update was laid out and painted again each time.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from rnnviz.app.widgets._common import (
    COLOURS,
    FOREGROUND,
    LogAxis,
    RangeAnchor,
    cache_axes,
    line_width,
    over_training,
    plot_axes,
    plot_widget,
    positive_or_nan,
    set_curve,
    style_axis,
)
from rnnviz.train.frame import Frame

#: One colour per run, in run order (colour-blind safe).
RUN_COLOURS = (COLOURS["blue"], COLOURS["orange"], COLOURS["green"], COLOURS["purple"])
#: The flow panel's key to its two line styles (after the runs' colours), in one line.
FLOW_STYLES = (
    (FOREGROUND, "━━", "‖∂L/∂h<sub>t</sub>‖"),
    (FOREGROUND, "┈┈", "last step"),
)


def legend_lines(
    title: str, entries: Sequence[tuple[str, str, str]], key: Sequence[tuple[str, str, str]] = ()
) -> str:
    """Rich text: the bold ``title``, one entry per line ((colour, glyph, text) -> "━━ text"),
    then the entries of ``key`` (line styles) together on the last line."""

    def entry(colour: str, glyph: str, text: str) -> str:
        return (
            f"<span style='color:{colour}; font-weight:bold'>{glyph}</span>&nbsp;"
            f"{text.replace(' ', '&nbsp;')}"
        )

    lines = [f"<b>{title}</b>", *(entry(*e) for e in entries)]
    if key:
        lines.append(" &nbsp;".join(entry(*e) for e in key))
    return "<br>".join(lines)


class CurvePanel(QWidget):
    """One plot with its legend on its right, one entry per line.

    Parameters
    ----------
    title : str
        The legend's first line: what the plot shows.
    entries : sequence of (colour, glyph, text)
        The legend's entries, in order.
    key : sequence of (colour, glyph, text)
        Line styles, explained together on the last line.
    plot : pg.PlotWidget
        The plot.
    tooltip : str
        What the panel shows.
    """

    def __init__(
        self,
        title: str,
        entries: Sequence[tuple[str, str, str]],
        key: Sequence[tuple[str, str, str]],
        plot: pg.PlotWidget,
        tooltip: str = "",
    ) -> None:
        super().__init__()
        self.legend = QLabel(legend_lines(title, entries, key))
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.legend.setStyleSheet(f"color: {FOREGROUND}; padding: 6px 6px 0 2px;")
        self.legend.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.setToolTip(tooltip)
        self.plot_widget = plot
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(plot, 1)
        layout.addWidget(self.legend)


class CompareCurves:
    """The loss and gradient-flow panels of runs ``labels`` (see the module docstring).

    Attributes
    ----------
    loss_panel, flow_panel : CurvePanel
    loss_plot, flow_plot : pg.PlotItem
    loss_curves, flow_curves, last_curves : list of pg.PlotDataItem
        One per run, in run order.
    flow_cursor : pg.InfiniteLine
        The shared time-step cursor on the flow plot.
    """

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = tuple(labels)
        runs = [(RUN_COLOURS[i], "━━", label) for i, label in enumerate(self.labels)]

        loss = plot_widget(left=LogAxis("left"))
        self.loss_plot = loss.getPlotItem()
        style_axis(self.loss_plot.getAxis("left"), "loss")
        style_axis(self.loss_plot.getAxis("bottom"), "training step")
        self.loss_plot.showGrid(x=False, y=True, alpha=0.25)
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        over_training(self.loss_plot)
        self.loss_anchor = RangeAnchor(self.loss_plot)
        self.loss_panel = CurvePanel(
            "smoothed loss",
            runs,
            (),
            loss,
            "Each run's training loss, smoothed as in the main window (one colour per run)",
        )

        flow = plot_widget(left=LogAxis("left"))
        self.flow_plot = flow.getPlotItem()
        self.flow_plot.setLogMode(x=False, y=True)
        self.flow_plot.showGrid(x=False, y=True, alpha=0.25)
        style_axis(self.flow_plot.getAxis("left"), "norm")
        style_axis(self.flow_plot.getAxis("bottom"), "step t")
        self.flow_anchor = RangeAnchor(self.flow_plot)  # the y axis moves only by decades
        self.flow_panel = CurvePanel(
            "gradient flow",
            runs,
            FLOW_STYLES,
            flow,
            "On the probe, per run: the norm of the gradient of the whole loss with respect to "
            "the hidden state at step t (solid), and of the last step's loss alone (dotted)",
        )

        self.loss_curves: list[pg.PlotDataItem] = []
        self.flow_curves: list[pg.PlotDataItem] = []
        self.last_curves: list[pg.PlotDataItem] = []
        for i in range(len(self.labels)):
            pen = pg.mkPen(RUN_COLOURS[i], width=line_width(2))
            dots = pg.mkPen(RUN_COLOURS[i], width=line_width(1.5), style=Qt.PenStyle.DotLine)
            self.loss_curves.append(self.loss_plot.plot(pen=pen))
            self.flow_curves.append(self.flow_plot.plot(pen=pen, connect="finite"))
            self.last_curves.append(self.flow_plot.plot(pen=dots, connect="finite"))
        self.flow_cursor = pg.InfiniteLine(angle=90, pen=pg.mkPen(COLOURS["black"], width=1))
        self.flow_plot.addItem(self.flow_cursor, ignoreBounds=True)
        cache_axes(*plot_axes(self.loss_plot), *plot_axes(self.flow_plot))
        self._loss: list[tuple[np.ndarray, np.ndarray]] = [(np.zeros(0), np.zeros(0))] * len(
            self.labels
        )  # per run: steps, smoothed loss (n,) each
        self._flow: list[np.ndarray] = [np.zeros(0)] * len(self.labels)  # per run: (2 T,)
        self._T = 0

    def legend_text(self, panel: str = "loss") -> str:
        """The legend of the ``"loss"`` or ``"flow"`` panel (rich text)."""
        return (self.loss_panel if panel == "loss" else self.flow_panel).legend.text()

    def set_loss(self, i: int, steps: np.ndarray, smoothed: np.ndarray) -> None:
        """Run ``i``'s smoothed loss ``smoothed`` (n,) at training steps ``steps`` (n,)."""
        self._loss[i] = (steps, smoothed)
        set_curve(self.loss_curves[i], steps, smoothed)  # one point: a dot, else a line

    def set_flow(self, i: int, frame: Frame) -> None:
        """Run ``i``'s gradient flow over its probe ``frame`` (zeros leave a gap: log axis)."""
        t = np.arange(frame.T)  # (T,)
        flows = list(frame.flows.values())
        whole = positive_or_nan(flows[0]) if flows else np.full(frame.T, np.nan)  # (T,)
        last = (
            positive_or_nan(frame.flow_last)
            if frame.flow_last is not None
            else np.full(frame.T, np.nan)
        )  # (T,)
        self.flow_curves[i].setData(t, whole)
        self.last_curves[i].setData(t, last)
        self._flow[i] = np.concatenate([whole, last])  # (2 T,)
        if frame.T > self._T:  # x spans the probe's steps exactly (not out to a round number)
            self._T = int(frame.T)
            self.flow_plot.setXRange(0, self._T - 1, padding=0.02)

    def anchor(self) -> None:
        """Move the axes' anchors for the data of every run (call once after a pass of sets)."""
        x_hi = max((float(s[-1]) for s, _ in self._loss if len(s)), default=None)
        self.loss_anchor.update(x_hi, np.concatenate([y for _, y in self._loss]))
        flows = np.concatenate(self._flow)  # (sum of 2 T,)
        self.flow_anchor.update(None, flows, log_y=True)  # y only: x is the probe's steps
