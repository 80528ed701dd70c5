"""Gradient panel: how the gradient travels back through time, and its size over training.

Top plot (the frame of a run model, probe sequence, log scale over time step t):

* ||dL/ds_t|| for every state s the cell carries from step to step: ||dL/dh_t||, how much the
  whole loss depends on the hidden state at step t, and for the LSTM ||dL/dc_t||, the same for
  the cell state (the "gradient highway"); one curve each, in the cell's order;
* ||dL_T/dh_t|| — the *last-step signal*: the loss of only the final step, traced back to step t.
  If it falls by orders of magnitude going left, the gradient vanishes; if it grows, it explodes.

When the loss counts only at the last step (echo), ||dL/dh_t|| (the first carried state's curve,
the state the output layer reads) and the last-step signal are the same numbers: the total curve
is then drawn dashed on top and the legend says so. A norm that is
exactly 0 (the engine's gradient underflowed: every entry below the dtype's smallest number, or
saturated units passed nothing back) cannot sit on a log axis: it gets a ▼ marker a decade below
the lowest drawn point, and the legend says where and why ("▼ t ≤ 5: 0 in float32, below
1e-45").

Bottom plot (over training, log scale): the global gradient norm before clipping per step and
the steps where clipping fired. With global-norm clipping the threshold is a line and an event
means ‖g‖ was above it. With element-wise (value) clipping there is no norm threshold: an event
means at least one gradient entry |g_i| exceeded the clip value (and was cut to it), which can
happen at any ‖g‖ — the legend says which rule the events follow. Rare events are red dots;
once they are dense (value clipping often fires at nearly every step, and dots would cover the
curve) they are summarised as the percentage of steps clipped per window of steps, a shaded step
curve on the right-hand axis (0-100 %).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from rnnviz.app.reveal import MaskedTokens, TargetMask
from rnnviz.app.widgets._common import (
    COLOURS,
    FOREGROUND,
    LogAxis,
    RangeAnchor,
    TokenAxis,
    cache_axes,
    fresh_view,
    header_label,
    legend_html,
    line_width,
    over_training,
    plot_axes,
    plot_widget,
    positive_or_nan,
    set_curve,
    set_data,
    show_true_values,
    style_axis,
)
from rnnviz.app.widgets.cursor_line import CursorLine
from rnnviz.core.types import OUTPUT_STATE
from rnnviz.train.frame import Frame
from rnnviz.train.runmodel import RunModel

FLOW_TIP = "Gradient norms on the probe sequence, per time step t (log scale).\n"
#: One tooltip line per carried state s, with the label the cell gives it.
FLOW_TIP_STATE = "||dL/d{name}_t||: how much the total loss depends on the {label} at step t.\n"
FLOW_TIP_LAST = (
    "Last-step signal ||dL_T/d{name}_t||: only the loss at the final step T, traced back to\n"
    "step t. Falling by orders of magnitude to the left = vanishing gradient (long-range\n"
    "dependencies cannot be learned); growing = exploding gradient (clipping helps)."
)
ZERO_TIP = (
    "\n▼ marks steps where a norm is exactly 0 in the engine's arithmetic: every entry of the\n"
    "gradient fell below the smallest number the dtype holds (underflow), or saturated units\n"
    "passed nothing back. A log axis has no 0, so the marker sits below the lowest point."
)
NORM_TIP = (
    "Global gradient norm ||g|| before clipping, one point per training step (log scale).\n"
    "Global-norm clipping: the dashed line is the threshold; a red dot marks a step whose\n"
    "||g|| was above it (the whole gradient was scaled down to the threshold).\n"
    "Value clipping: each entry g_i is cut to [-v, v]; a red dot marks a step where at least\n"
    "one |g_i| was above v. That can happen at any ||g||, so there is no line to compare with.\n"
    "When clipping fires often, the dots give way to the percentage of steps clipped in each\n"
    "window of steps: the shaded curve, read on the right-hand axis."
)
#: Colour and line style of the flow curve of the first, second, ... carried state (the first is
#: h, the state the output layer reads and the last-step signal is traced from).
FLOW_STYLES = (
    ("blue", Qt.PenStyle.SolidLine, "━━"),
    ("green", Qt.PenStyle.DashLine, "╍╍"),
    ("purple", Qt.PenStyle.DotLine, "┅┅"),
    ("grey", Qt.PenStyle.DashDotLine, "╍┅"),
)
#: Key of the last-step signal among ``GradientPanel.zero_marks`` (the others are state names).
LAST = "last"
#: Clip events are drawn as dots while at most this fraction of the steps held clipped ...
DOTS_MAX_FRACTION = 0.03
#: ... or while there are at most this many of them.
DOTS_MAX_COUNT = 20
#: Windows the history is cut into for the percentage of clipped steps (window = a round number
#: of steps: 1, 2 or 5 × 10^k).
CLIP_WINDOWS = 60


class GradientPanel(QWidget):
    """Gradient flow through time (a run model's frame) above gradient norm over training.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        empty = np.zeros(0)
        # what is drawn, read from a run model: per point (a step, or a bucket of older steps)
        # its step, ‖g‖ before clipping, and the steps and clipped steps up to it so far
        self._norms = (empty, empty, empty, empty)
        self._clips = (empty, empty)  # step, ‖g‖ of the points where clipping fired
        self._clipped_total = 0.0  # clipped steps drawn (new ones: the rule in force fired)
        self._drawn: tuple[int, int] | None = None  # (epoch, history version) drawn
        self._frame_drawn: Frame | None = None
        self._clip_norm: float | None = None
        self._clip_value: float | None = None
        self._fired_under: set[str] = set()  # clipping rules in force when markers were added
        # (a) flow over time steps of the probe
        self._flow_axis = TokenAxis("bottom")
        self.flow_widget = plot_widget(bottom=self._flow_axis, left=LogAxis("left"))
        self.flow_plot: pg.PlotItem = self.flow_widget.getPlotItem()
        self.flow_header = header_label("", FLOW_TIP)
        self._flow_labels: dict[str, str] = {}  # carried state -> the label its cell gives it
        style_axis(self.flow_plot.getAxis("left"), "norm")
        style_axis(self._flow_axis, "input at step t")
        self.flow_plot.setLogMode(x=False, y=True)
        self.flow_plot.showGrid(x=False, y=True, alpha=0.25)
        self.flow_plot.setMouseEnabled(x=False, y=True)
        self.flow_plot.hideButtons()
        # one curve per carried state, made when a cell first declares it, in the cell's order
        self.flow_curves: dict[str, pg.PlotDataItem] = {}
        self.last_curve = self.flow_plot.plot(
            pen=pg.mkPen(COLOURS["orange"], width=line_width(2)), name=LAST, connect="finite"
        )
        # ▼ where a norm is exactly 0 (no place on a log axis): state name or LAST -> markers
        self.zero_marks: dict[str, pg.PlotDataItem] = {LAST: self._zero_marker("orange")}
        self._flow_names: tuple[str, ...] = ()  # the carried states of the frame drawn
        self.flow_anchor = RangeAnchor(self.flow_plot)  # the y axis moves only by decades
        self._legend_key: tuple | None = None
        self._coincide = False
        self._zero_text = ""
        self._show_flow_names((OUTPUT_STATE,))  # before a frame: the state every cell carries
        self._set_flow_legend()
        self._frame_line = CursorLine(
            angle=90, movable=False, pen=pg.mkPen("#000", width=line_width(1))
        )
        self._frame_line.setVisible(False)
        self.flow_plot.addItem(self._frame_line, ignoreBounds=True)
        # the token axis's inputs: "?" where predict-then-reveal hides a target
        self._tokens = MaskedTokens(lambda: (self._flow_axis,))
        self._frame: int | None = None
        self._T = 0
        self._drawn_from: int | None = None  # backward stepping: curves from this step on
        self._flow_series: dict[str, np.ndarray | None] = {}

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
        over_training(self.norm_plot)
        self.norm_anchor = RangeAnchor(self.norm_plot)  # axes move only at round numbers
        self.norm_curve = self.norm_plot.plot(
            pen=pg.mkPen(COLOURS["blue"], width=line_width(1)), name="‖g‖", connect="finite"
        )
        self.clip_points = self.norm_plot.plot(
            pen=None,
            symbol="o",
            symbolSize=line_width(5),
            symbolPen=None,
            symbolBrush=pg.mkBrush(COLOURS["red"]),
            name="clipping fired",
        )
        self.clip_line = pg.InfiniteLine(
            angle=0,
            movable=False,
            pen=pg.mkPen(COLOURS["red"], width=line_width(1.5), style=Qt.PenStyle.DashLine),
        )
        self.clip_line.setVisible(False)
        self.norm_plot.addItem(self.clip_line, ignoreBounds=False)
        # percentage of clipped steps per window, on its own 0-100 % scale (right-hand axis)
        self.clip_view = pg.ViewBox(enableMouse=False, enableMenu=False)
        self.clip_view.setYRange(0.0, 100.0, padding=0.0)
        self.clip_view.setXLink(self.norm_plot.getViewBox())
        self.norm_plot.scene().addItem(self.clip_view)
        self.clip_view.setZValue(self.norm_plot.getViewBox().zValue() - 1)  # under ‖g‖
        right = self.norm_plot.getAxis("right")
        right.setLogMode(False)  # the plot's log mode reached this axis too; percent is linear
        right.linkToView(self.clip_view)
        show_true_values(right)
        style_axis(right, "clipped %")
        self.norm_plot.showAxis("right", False)
        self.clip_rate = pg.PlotDataItem(
            stepMode="center",
            fillLevel=0.0,
            pen=pg.mkPen(COLOURS["red"], width=line_width(1)),
            brush=pg.mkBrush(COLOURS["red"] + "33"),
        )
        self.clip_view.addItem(self.clip_rate)
        self._clip_window = 0  # steps per window of the percentage curve (0: not drawn)
        self.norm_plot.getViewBox().sigResized.connect(self._fit_clip_view)
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
    def draw_model(self, model: RunModel) -> None:
        """Show the flow of ``model``'s frame and the gradient norms of its history."""
        if self._drawn is not None and self._drawn[0] != model.epoch:
            self.clear()  # another run
        s = model.status
        self.set_clipping(s.clip_value, s.clip_norm)  # the rule its clip events fired under
        frame = model.frame
        if frame is not None and frame is not self._frame_drawn:
            self._frame_drawn = frame
            self._update_flow(frame)
        key = (model.epoch, model.version["history"])
        if key != self._drawn:
            self._drawn = key
            self._draw_norms(model)

    def fit_x(self, on: bool = True) -> None:
        """End the norm plot's x axis exactly at the data (True: a picture that no longer
        grows) or at a round number ahead of it (False: live, the axis moves rarely)."""
        self.norm_anchor.fit = bool(on)
        steps, norms = self._norms[:2]
        if len(steps):
            self.norm_anchor.update(float(steps[-1]), norms, log_y=True)

    def set_clipping(self, clip_value: float | None, clip_norm: float | None) -> None:
        """The clipping rule in force, for the legend and the threshold line.

        Every status carries it; the window also calls this when the user changes clipping
        while paused, so the legend follows before the next update.
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
        """Blank both plots (their ranges start afresh too); the next draw_model draws again."""
        empty = np.zeros(0)
        self._norms = (empty, empty, empty, empty)
        self._clips = (empty, empty)
        self._clipped_total = 0.0
        self._drawn = None
        self._frame_drawn = None
        self._fired_under.clear()
        for curve in (*self.flow_curves.values(), self.last_curve):
            curve.setData([], [])
        self._mark_zeros({}, np.float32)
        self.norm_curve.setData([], [])
        self.norm_anchor.clear()
        self.flow_anchor.clear()
        self._draw_clip_events()
        self._set_clip_norm(None)
        self._tokens.clear()
        self._T = 0
        self._place_frame()
        fresh_view(self.norm_plot)

    def clip_window(self) -> int:
        """Steps per window of the clipped-percentage curve; 0 while events are drawn as dots."""
        return self._clip_window

    def flow_legend_text(self) -> str:
        """The gradient-flow legend as rich text (tests, screenshots)."""
        return self.flow_header.text()

    def zero_note_text(self) -> str:
        """The legend's note on the ▼ markers of exact zeros ("" when there are none)."""
        return self._zero_text

    def set_frame(self, t: int | None) -> None:
        """Mark time step ``t`` on the flow plot (None hides the line)."""
        self._frame = None if t is None else int(t)
        self._place_frame()

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: the token axis shows "?" for every input that is a target
        ``mask`` hides."""
        self._tokens.set_mask(mask)

    def set_drawn_from(self, t: int | None) -> None:
        """Backward stepping: draw the flow curves from step ``t`` to the last only (the part the
        backward pass has reached); None draws them whole."""
        t = None if t is None else int(t)
        if t != self._drawn_from:
            self._drawn_from = t
            self._draw_flow_series()

    def _draw_flow_series(self) -> None:
        curves = {**self.flow_curves, LAST: self.last_curve}
        start = self._drawn_from or 0
        for name, values in self._flow_series.items():
            if values is None:
                set_data(curves[name], [], [])
                continue
            y = positive_or_nan(values)  # (T,)
            x = np.arange(values.shape[0])  # (T,)
            curves[name].setData(x[start:], y[start:])

    def history_length(self) -> int:
        """Number of training steps whose gradient norm is drawn."""
        steps = self._norms[2]
        return int(steps[-1]) if len(steps) else 0

    def flow_curve(self, state: str) -> pg.PlotDataItem | None:
        """The curve of ||dL/ds_t|| for carried state ``state`` (None if never shown)."""
        return self.flow_curves.get(state)

    # ------------------------------------------------------------------ internals
    def _zero_marker(self, colour: str) -> pg.PlotDataItem:
        return self.flow_plot.plot(
            pen=None,
            symbol="t",
            symbolSize=line_width(10),
            symbolPen=None,
            symbolBrush=COLOURS[colour],
        )

    def _flow_pen(self, k: int, dashed: bool = False) -> pg.QtGui.QPen:
        colour, style, _ = FLOW_STYLES[k % len(FLOW_STYLES)]
        return pg.mkPen(
            COLOURS[colour],
            width=line_width(2),
            style=Qt.PenStyle.DashLine if dashed else style,
        )

    def _show_flow_names(self, names: tuple[str, ...]) -> None:
        """One visible curve (and ▼ markers) per carried state in ``names``, in that order."""
        if names == self._flow_names:
            return
        self._flow_names = names
        for k, name in enumerate(names):
            colour = FLOW_STYLES[k % len(FLOW_STYLES)][0]
            if name not in self.flow_curves:
                self.flow_curves[name] = self.flow_plot.plot(name=name, connect="finite")
                self.zero_marks[name] = self._zero_marker(colour)
            self.zero_marks[name].setSymbolBrush(COLOURS[colour])
            self.flow_curves[name].setPen(self._flow_pen(k))
            # the first (h) on top: drawn dashed when it equals the last-step signal
            self.flow_curves[name].setZValue(2 if k == 0 else 1)
        for name, curve in self.flow_curves.items():
            curve.setVisible(name in names)
            if name not in names:
                set_data(curve, [], [])

    def _update_flow(self, frame: Frame) -> None:
        self._tokens.set_probe(frame.labels, frame.targets)
        if frame.flows:  # a frame without a probe keeps the curves (emptied) and legend
            self._flow_labels = {s.name: s.label for s in frame.specs}
            self._show_flow_names(tuple(frame.flows))
        names = self._flow_names
        series: dict[str, np.ndarray | None] = {n: frame.flows.get(n) for n in names}
        series[LAST] = frame.flow_last
        self._flow_series = dict(series)
        self._draw_flow_series()
        drawn = [v for v in series.values() if v is not None]
        ys = np.concatenate(drawn) if drawn else np.zeros(0)  # (sum of T,)
        self.flow_anchor.update(None, ys, log_y=True)  # decades: the axis moves rarely
        first = names[0] if names else None
        self._coincide = first is not None and _same(series[first], frame.flow_last)
        if first is not None:
            # equal curves: the total dashed on top of a wide last-step line, both in sight
            self.flow_curves[first].setPen(self._flow_pen(0, dashed=self._coincide))
        wide = line_width(6 if self._coincide else 2)
        self.last_curve.setPen(pg.mkPen(COLOURS["orange"], width=wide))
        if self._coincide:  # one set of markers for the two equal curves
            series[first] = None  # type: ignore[index]
        self._mark_zeros(series, frame.dtype)
        self._set_flow_legend()
        lengths = [v.shape[0] for v in frame.flows.values()]
        T = lengths[0] if lengths else frame.T
        if T != self._T:
            self._T = T
            self.flow_plot.setXRange(-0.5, max(T, 1) - 0.5, padding=0.0)
            self._place_frame()

    def _mark_zeros(self, series: dict[str, np.ndarray | None], dtype: np.dtype) -> None:
        """▼ at every step where a curve is exactly 0, a decade below the lowest drawn point."""
        lows = [float(v[v > 0].min()) for v in series.values() if v is not None and (v > 0).any()]
        floor = min(lows) / 10.0 if lows else 1.0
        notes: list[str] = []
        for name, marks in self.zero_marks.items():
            values = series.get(name)
            zeros = np.flatnonzero(values == 0) if values is not None else np.array([], int)
            set_data(marks, zeros, np.full(zeros.size, floor))  # rarely new
            if zeros.size:
                notes.append(_zero_note(values, zeros, dtype))  # type: ignore[arg-type]
        self._zero_text = "; ".join(dict.fromkeys(notes))  # the legend entry of the ▼

    def _set_flow_legend(self) -> None:
        """Legend text for the flow plot: one entry per carried state, then the last step."""
        key = (self._flow_names, self._coincide, self._zero_text, str(self._flow_labels))
        if key == self._legend_key:
            return
        self._legend_key = key
        entries = []
        for k, name in enumerate(self._flow_names):
            colour, _, glyph = FLOW_STYLES[k % len(FLOW_STYLES)]
            text = f"‖dL/d{name}<sub>t</sub>‖"
            if k == 0 and self._coincide:
                glyph = "╍╍"
                text += " = last-step signal here (only the last step is scored)"
            entries.append((COLOURS[colour], glyph, text))
        last = f"last-step signal ‖dL<sub>T</sub>/d{OUTPUT_STATE}<sub>t</sub>‖"
        entries.append((COLOURS["orange"], "━━", last))
        if self._zero_text:
            entries.append((FOREGROUND, "▼", self._zero_text))
        self.flow_header.setText(legend_html("Gradient flow back through time", entries))
        tip = FLOW_TIP + "".join(
            FLOW_TIP_STATE.format(name=name, label=self._flow_labels.get(name, f"state {name}"))
            for name in self._flow_names
        )
        tip += FLOW_TIP_LAST.format(name=OUTPUT_STATE)
        self.flow_header.setToolTip(tip + (ZERO_TIP if self._zero_text else ""))

    def _draw_norms(self, model: RunModel) -> None:
        """‖g‖ per point of the history, and where clipping fired (dots or percentages)."""
        steps, norms = model.series("grad_norm")  # (n,) each
        norms = positive_or_nan(norms)  # (n,)
        fraction = model.series("clipped")[1]  # (n,) share of each point's steps clipped
        count = model.history.counts()  # (n,) steps per point
        fired = fraction * count  # (n,) clipped steps per point
        self._norms = (steps, norms, np.cumsum(count), np.cumsum(fired))
        hit = fired > 0  # (n,)
        self._clips = (steps[hit], norms[hit])
        total = float(self._norms[3][-1]) if len(steps) else 0.0
        if total > self._clipped_total and self.clip_rule() not in self._fired_under:
            self._fired_under.add(self.clip_rule())  # new events fired under this rule
            self._set_norm_legend()
        self._clipped_total = total
        set_curve(self.norm_curve, steps, norms)  # one point: a dot, else a line
        if len(steps):
            self.norm_anchor.update(float(steps[-1]), norms, log_y=True)
        self._draw_clip_events()

    def _draw_clip_events(self) -> None:
        """Dots while clip events are rare; the percentage of clipped steps once they are dense."""
        steps, _, held, count = self._norms  # (n,) each: running steps and clipped steps
        n = float(held[-1]) if len(held) else 0.0
        k = float(count[-1]) if len(count) else 0.0
        dense = k > DOTS_MAX_COUNT and k > DOTS_MAX_FRACTION * n
        if dense:
            set_data(self.clip_points, [], [])
            first = steps[0] - (held[0] - 1) / 2.0  # the first step of the first point
            window = _round_window(math.ceil((steps[-1] - first + 1) / CLIP_WINDOWS))
            W = int((steps[-1] - first) // window) + 1  # windows
            edges = first - 0.5 + window * np.arange(W + 1, dtype=np.float64)  # (W+1,)
            # running counts read at the window edges: O(W log n) however long the run
            idx = np.searchsorted(steps, edges)  # (W+1,) first point held past each edge
            before = np.where(idx > 0, count[np.maximum(idx, 1) - 1], 0.0)  # (W+1,)
            steps_before = np.where(idx > 0, held[np.maximum(idx, 1) - 1], 0.0)  # (W+1,)
            per_window = np.diff(steps_before)  # (W,) steps recorded per window
            rate = 100.0 * np.diff(before) / np.maximum(per_window, 1)  # (W,)
            edges[-1] = min(edges[-1], steps[-1] + 0.5)
            set_data(self.clip_rate, edges, rate)
        else:
            set_data(self.clip_points, *self._clips)  # new only when clipping fired
            set_data(self.clip_rate, [], [])
            window = 0
        if window != self._clip_window:
            self._clip_window = window
            self.norm_plot.showAxis("right", bool(window))
            self._fit_clip_view()
            self._set_norm_legend()

    def _fit_clip_view(self) -> None:
        """Keep the percentage view over the norm plot's data area."""
        self.clip_view.setGeometry(self.norm_plot.getViewBox().sceneBoundingRect())

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
        if marker and self._clip_window:
            entries.append((COLOURS["red"], "▆", self._rate_text()))
        elif marker:
            entries.append((COLOURS["red"], "●", marker))
        self.norm_header.setText(legend_html("Gradient norm over training", entries))

    def _rate_text(self) -> str:
        """What the shaded percentage curve counts, under the rule(s) its events fired under."""
        rules = self._fired_under | ({self.clip_rule()} - {"none"})
        if rules == {"norm"}:
            what = "steps with ‖g‖ &gt; threshold"
        elif rules == {"value"}:
            v = f"{self._clip_value:g}" if self._clip_value is not None else "the clip value"
            what = f"steps where value clipping fired (some |g<sub>i</sub>| &gt; {v})"
        else:
            what = "steps where clipping fired"
        return f"% of {what}, per {self._clip_window:,}-step window (right axis)"

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


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Whether two flow curves hold the same numbers (to rounding): then one hides the other."""
    if a is None or b is None or a.shape != b.shape or a.size == 0:
        return False
    return bool(np.allclose(a, b, rtol=1e-6, atol=0.0, equal_nan=True))


def _zero_note(values: np.ndarray, zeros: np.ndarray, dtype: np.dtype) -> str:
    """ "t ≤ 5: 0 in float32, below 1e-45" for the steps ``zeros`` where ``values`` is 0."""
    if zeros.size == zeros.max() + 1:
        where = f"t ≤ {int(zeros.max())}"
    elif zeros.size == zeros.max() - zeros.min() + 1:
        where = f"t = {int(zeros.min())}–{int(zeros.max())}"
    else:
        where = f"{zeros.size} steps"
    info = np.finfo(dtype)
    positive = values[values > 0]
    # a curve that was falling towards the dtype's smallest numbers underflowed; otherwise
    # the zero came from saturated units, and no bound can be given
    fell = positive.size and float(positive.min()) < float(info.tiny) * 1e9
    bound = f", below {float(info.smallest_subnormal):.0e}" if fell else ""
    return f"{where}: 0 in {dtype.name}{bound}"


def _round_window(steps: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at least ``steps`` (at least 1)."""
    steps = max(1, int(steps))
    mag = 10 ** math.floor(math.log10(steps))
    for m in (1, 2, 5, 10):
        if m * mag >= steps:
            return int(m * mag)
    return steps  # pragma: no cover - the loop always returns
