"""Gradient panel: how the gradient travels back through time, and its size over training.

Top plot (latest snapshot, probe sequence, log scale over time step t):

* ||dL/dh_t|| — how much the whole loss depends on the hidden state at step t;
* ||dL/dc_t|| — the same for the LSTM cell state (the "gradient highway");
* ||dL_T/dh_t|| — the *last-step signal*: the loss of only the final step, traced back to step t.
  If it falls by orders of magnitude going left, the gradient vanishes; if it grows, it explodes.

Bottom plot (over training, log scale): the global gradient norm before clipping per step and
the steps where clipping fired as markers. With global-norm clipping the threshold is a line and
a marker means ‖g‖ was above it. With element-wise (value) clipping there is no norm threshold:
a marker means at least one gradient entry |g_i| exceeded the clip value (and was cut to it),
which can happen at any ‖g‖ — the legend says which rule the markers follow.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from rnnviz.app.widgets._common import (
    COLOURS,
    GrowingBuffer,
    LogAxis,
    TokenAxis,
    cache_axes,
    header_label,
    legend_html,
    plot_axes,
    plot_widget,
    positive_or_nan,
    style_axis,
)
from rnnviz.train.snapshot import Snapshot

FLOW_TIP = (
    "Gradient norms on the probe sequence, per time step t (log scale).\n"
    "||dL/dh_t||: how much the total loss depends on the hidden state at step t.\n"
    "||dL/dc_t||: the same for the LSTM cell state.\n"
    "Last-step signal ||dL_T/dh_t||: only the loss at the final step T, traced back to step t.\n"
    "Falling by orders of magnitude to the left = vanishing gradient (long-range\n"
    "dependencies cannot be learned); growing = exploding gradient (clipping helps)."
)
NORM_TIP = (
    "Global gradient norm ||g|| before clipping, one point per training step (log scale).\n"
    "Global-norm clipping: the dashed line is the threshold; a red dot marks a step whose\n"
    "||g|| was above it (the whole gradient was scaled down to the threshold).\n"
    "Value clipping: each entry g_i is cut to [-v, v]; a red dot marks a step where at least\n"
    "one |g_i| was above v. That can happen at any ||g||, so there is no line to compare with."
)


class GradientPanel(QWidget):
    """Gradient flow through time (latest snapshot) above gradient norm over training.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._norms = GrowingBuffer(2)  # step, norm before clipping
        self._clips = GrowingBuffer(2)  # step, norm at clip events
        self._last_step = -1
        self._clip_norm: float | None = None
        self._clip_value: float | None = None
        self._fired_under: set[str] = set()  # clipping rules in force when markers were added
        # (a) flow over time steps of the probe
        self._flow_axis = TokenAxis("bottom")
        self.flow_widget = plot_widget(bottom=self._flow_axis, left=LogAxis("left"))
        self.flow_plot: pg.PlotItem = self.flow_widget.getPlotItem()
        self.flow_header = header_label("", FLOW_TIP)
        style_axis(self.flow_plot.getAxis("left"), "norm")
        style_axis(self._flow_axis, "input at step t")
        self.flow_plot.setLogMode(x=False, y=True)
        self.flow_plot.showGrid(x=False, y=True, alpha=0.25)
        self.flow_plot.setMouseEnabled(x=False, y=True)
        self.flow_plot.hideButtons()
        self.dh_curve = self.flow_plot.plot(
            pen=pg.mkPen(COLOURS["blue"], width=2), name="dh", connect="finite"
        )
        self.dc_curve = self.flow_plot.plot(
            pen=pg.mkPen(COLOURS["green"], width=2, style=Qt.PenStyle.DashLine),
            name="dc",
            connect="finite",
        )
        self.last_curve = self.flow_plot.plot(
            pen=pg.mkPen(COLOURS["orange"], width=2), name="last", connect="finite"
        )
        self._has_dc: bool | None = None
        self._set_flow_legend(True)
        self._frame_line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#000", width=1))
        self._frame_line.setVisible(False)
        self.flow_plot.addItem(self._frame_line, ignoreBounds=True)
        self._labels: tuple[str, ...] = ()
        self._frame: int | None = None
        self._T = 0

        # (b) global norm over training
        self.norm_widget = plot_widget(left=LogAxis("left"))
        self.norm_plot: pg.PlotItem = self.norm_widget.getPlotItem()
        self.norm_header = header_label("", NORM_TIP)
        style_axis(self.norm_plot.getAxis("left"), "‖g‖")
        style_axis(self.norm_plot.getAxis("bottom"), "training step")
        self.norm_plot.setLogMode(x=False, y=True)
        self.norm_plot.showGrid(x=False, y=True, alpha=0.25)
        self.norm_plot.setDownsampling(auto=True, mode="peak")
        self.norm_plot.setClipToView(True)
        self.norm_curve = self.norm_plot.plot(
            pen=pg.mkPen(COLOURS["blue"], width=1), name="‖g‖", connect="finite"
        )
        self.clip_points = self.norm_plot.plot(
            pen=None,
            symbol="o",
            symbolSize=5,
            symbolPen=None,
            symbolBrush=pg.mkBrush(COLOURS["red"]),
            name="clipping fired",
        )
        self.clip_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            pen=pg.mkPen(COLOURS["red"], width=1.5, style=Qt.PenStyle.DashLine),
        )
        self.clip_line.setVisible(False)
        self.norm_plot.addItem(self.clip_line, ignoreBounds=False)
        self._set_norm_legend()

        cache_axes(*plot_axes(self.flow_plot), *plot_axes(self.norm_plot))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.flow_header)
        layout.addWidget(self.flow_widget, 1)
        layout.addWidget(self.norm_header)
        layout.addWidget(self.norm_widget, 1)

    # ------------------------------------------------------------------ public API
    def update_snapshot(self, snap: Snapshot) -> None:
        """Show the flow of ``snap`` and append its gradient norms to the training history."""
        self.set_clipping(snap.clip_value, snap.clip_norm)  # the rule its clip events fired under
        self._update_flow(snap)
        self._append_norms(snap)

    def set_clipping(self, clip_value: float | None, clip_norm: float | None) -> None:
        """The clipping rule in force, for the legend and the threshold line.

        Every snapshot carries it; the window also calls this when the user changes clipping
        while paused, so the legend follows before the next snapshot.
        """
        ok = clip_value is not None and math.isfinite(clip_value) and clip_value > 0
        value = float(clip_value) if ok else None  # type: ignore[arg-type]
        if value != self._clip_value:
            self._clip_value = value
            self._set_norm_legend()
        self._set_clip_norm(clip_norm)

    def clip_rule(self) -> str:
        """ "none", "value", "norm" or "both": the clipping the legend describes."""
        if self._clip_value is not None and self._clip_norm is not None:
            return "both"
        if self._clip_value is not None:
            return "value"
        return "norm" if self._clip_norm is not None else "none"

    def legend_text(self) -> str:
        """The gradient-norm legend as rich text (tests, screenshots)."""
        return self.norm_header.text()

    def clear(self) -> None:
        """Forget the history and blank both plots."""
        self._norms.clear()
        self._clips.clear()
        self._fired_under.clear()
        self._last_step = -1
        for curve in (self.dh_curve, self.dc_curve, self.last_curve):
            curve.setData([], [])
        self.norm_curve.setData([], [])
        self.clip_points.setData([], [])
        self._set_clip_norm(None)
        self._labels = ()
        self._flow_axis.set_labels(())
        self._T = 0
        self._place_frame()

    def set_frame(self, t: int | None) -> None:
        """Mark time step ``t`` on the flow plot (None hides the line)."""
        self._frame = None if t is None else int(t)
        self._place_frame()

    def history_length(self) -> int:
        """Number of training steps whose gradient norm is held."""
        return len(self._norms)

    # ------------------------------------------------------------------ internals
    def _update_flow(self, snap: Snapshot) -> None:
        if snap.probe_labels != self._labels:
            self._labels = tuple(snap.probe_labels)
            self._flow_axis.set_labels(self._labels)
        series = ((self.dh_curve, snap.flow_dh), (self.dc_curve, snap.flow_dc))
        for curve, values in (*series, (self.last_curve, snap.flow_last)):
            if values is None:
                curve.setData([], [])
            else:
                curve.setData(np.arange(values.shape[0]), positive_or_nan(values))
        self._set_flow_legend(snap.flow_dc is not None)
        T = snap.flow_dh.shape[0] if snap.flow_dh is not None else len(snap.probe_labels)
        if T != self._T:
            self._T = T
            self.flow_plot.setXRange(-0.5, max(T, 1) - 0.5, padding=0.0)
            self._place_frame()

    def _set_flow_legend(self, has_dc: bool) -> None:
        """Legend text for the flow plot; the cell-state entry only for cells that have c."""
        if has_dc == self._has_dc:
            return
        self._has_dc = has_dc
        self.dc_curve.setVisible(has_dc)
        entries = [(COLOURS["blue"], "━━", "‖dL/dh<sub>t</sub>‖")]
        if has_dc:
            entries.append((COLOURS["green"], "╍╍", "‖dL/dc<sub>t</sub>‖"))
        entries.append(
            (COLOURS["orange"], "━━", "last-step signal ‖dL<sub>T</sub>/dh<sub>t</sub>‖")
        )
        self.flow_header.setText(legend_html("Gradient flow back through time", entries))

    def _append_norms(self, snap: Snapshot) -> None:
        steps = np.asarray(snap.loss_steps)
        if steps.size == 0:
            return
        if steps[0] <= self._last_step:  # the run was reset: start a fresh history
            self._norms.clear()
            self._clips.clear()
            self._fired_under.clear()
        self._last_step = int(steps[-1])
        norms = positive_or_nan(snap.grad_norms)  # (n,)
        self._norms.append(steps, norms)
        clipped = np.asarray(snap.clipped, dtype=bool)
        if clipped.any():
            self._clips.append(steps[clipped], norms[clipped])
            if self.clip_rule() not in self._fired_under:
                self._fired_under.add(self.clip_rule())
                self._set_norm_legend()
        self.norm_curve.setData(self._norms.column(0), self._norms.column(1))
        self.clip_points.setData(self._clips.column(0), self._clips.column(1))

    def _set_clip_norm(self, clip_norm: float | None) -> None:
        ok = clip_norm is not None and math.isfinite(clip_norm) and clip_norm > 0
        value = float(clip_norm) if ok else None  # type: ignore[arg-type]
        if value == self._clip_norm:
            return
        self._clip_norm = value
        self.clip_line.setVisible(value is not None)
        if value is not None:
            self.clip_line.setValue(math.log10(value))  # the plot's y axis is log10-mapped
        self._set_norm_legend()

    def _set_norm_legend(self) -> None:
        entries = [(COLOURS["blue"], "━━", "‖g‖ before clipping")]
        if self._clip_norm is not None:
            entries.append((COLOURS["red"], "╍╍", f"norm threshold {self._clip_norm:g}"))
        marker = self._marker_text()
        if marker:
            entries.append((COLOURS["red"], "●", marker))
        self.norm_header.setText(legend_html("Gradient norm over training", entries))

    def _marker_text(self) -> str:
        """What a red dot means under the rule(s) in force when dots were added."""
        rules = self._fired_under | ({self.clip_rule()} - {"none"})
        if len(rules) != 1 or "both" in rules:
            return "clipping fired" if rules else ""
        if "norm" in rules:
            return "clipped (‖g‖ &gt; threshold)"
        v = f"{self._clip_value:g}" if self._clip_value is not None else "the clip value"
        return f"value clipping fired (some |g<sub>i</sub>| &gt; {v})"

    def _place_frame(self) -> None:
        t = self._frame
        visible = t is not None and 0 <= t < self._T
        if visible:
            self._frame_line.setValue(t)
        self._frame_line.setVisible(visible)

    def clip_norm(self) -> float | None:
        """The clipping threshold drawn, or None."""
        return self._clip_norm
