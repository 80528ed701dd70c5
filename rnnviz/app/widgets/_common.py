"""Small helpers shared by the views: token labels, a token axis, styling.

Nothing here knows about a particular cell or task; the views stay generic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QFont, QFontMetrics, QPainter
from PyQt6.QtWidgets import QApplication, QGraphicsItem, QLabel, QSizePolicy

from rnnviz.app.style import BASE_POINT_SIZE

#: Visible stand-ins for characters that would otherwise be invisible as tick labels.
VISIBLE_CHARS = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}

#: Point size used for axis tick labels and titles (readable on a 1280×800 screen), before
#: the presentation scale (see :func:`ui_scale`).
TICK_PT = 9
LABEL_PT = 10


def visible_token(label: str) -> str:
    """Return ``label`` with whitespace made visible (space -> '␣', newline -> '↵', tab -> '⇥')."""
    if not label:
        return "∅"
    return "".join(VISIBLE_CHARS.get(ch, ch) for ch in label)


def ui_scale() -> float:
    """Font scale of the running application relative to the normal size (1.6 with ``--big``).

    Views read it when they are built, so a presentation-mode window enlarges the plots' tick
    labels, titles and sample text along with the window's own chrome.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return 1.0
    size = app.font().pointSizeF()
    return max(1.0, size / BASE_POINT_SIZE) if size > 0 else 1.0


def points(size: float) -> float:
    """``size`` points at the application's font scale."""
    return round(size * ui_scale(), 1)


def line_width(width: float) -> float:
    """``width`` pixels at the application's scale: lines thicken with the fonts (``--big``)."""
    return round(width * ui_scale(), 1)


def tick_font(size: float = TICK_PT) -> QFont:
    """Font for axis tick labels (``size`` points before scaling)."""
    font = QFont()
    font.setPointSizeF(points(size))
    return font


def show_true_values(axis: pg.AxisItem) -> None:
    """Make every tick of ``axis`` read its true value, with no factor in the label, for good.

    pyqtgraph's automatic SI prefix rescales the tick values of an axis whose label has no
    units (e.g. a range 1e-13..0.1 is labelled as if it were 1e-10..100) and notes the factor
    only beside the label ("norm (x0.001)"), where nobody reads it. Switching it off makes
    pyqtgraph compute the factor once more from the current range and then keep it, so it is
    switched off while the label is hidden, which leaves the factor at 1.
    """
    shown = axis.label.isVisible()
    axis.label.setVisible(False)
    axis.enableAutoSIPrefix(False)
    axis.label.setVisible(shown)
    axis.picture = None  # tick labels are drawn anew, at the true values


def style_axis(axis: pg.AxisItem, label: str, units: str | None = None) -> None:
    """Give ``axis`` a readable tick font and a label (with optional units)."""
    size = TokenAxis.TOKEN_PT if isinstance(axis, TokenAxis) else TICK_PT
    axis.setStyle(tickFont=tick_font(size))
    if isinstance(axis, TokenAxis):
        label = axis.title()
    axis.setLabel(label, units=units, **{"font-size": f"{points(LABEL_PT)}pt", "color": FOREGROUND})


def cache_axes(*axes: pg.AxisItem) -> None:
    """Let Qt keep each axis as a pixmap until the axis itself changes.

    Axes are most of the painting work of a frame (every axis of a plot repaints when its data
    changes), yet heatmap axes never change and curve axes only when their range grows. An
    axis that changes (new ticks, label, range) calls ``update()``, which drops its pixmap.
    """
    for axis in axes:
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def plot_axes(plot: pg.PlotItem) -> list[pg.AxisItem]:
    """The four axes of ``plot``."""
    return [plot.getAxis(name) for name in ("left", "bottom", "right", "top")]


#: Narrowest x span, in training steps (or tokens), of a plot over training: integer steps, and an
#: empty plot reads 0 .. 10 rather than fractions of a step.
MIN_STEPS_SPAN = 10.0


def over_training(plot: pg.PlotItem) -> None:
    """Set up ``plot`` for curves over training steps: x never narrower than MIN_STEPS_SPAN."""
    plot.getViewBox().setLimits(xMin=-1.0, minXRange=MIN_STEPS_SPAN)
    fresh_view(plot)


def fresh_view(plot: pg.PlotItem) -> None:
    """Forget the ranges of an earlier run: x 0 .. MIN_STEPS_SPAN, y 0 .. 1, autorange on again.

    An empty plot has no data to autorange to, so it would keep the old run's view (x up to
    30,000 on a fresh run) until new points arrive, and a user's zoom would stay switched off.
    (On a log axis y 0 .. 1 is 1 .. 10.)
    """
    vb = plot.getViewBox()
    vb.enableAutoRange()
    vb.setRange(
        xRange=(0.0, MIN_STEPS_SPAN), yRange=(0.0, 1.0), padding=0.0, disableAutoRange=False
    )


#: Mantissas of the round numbers a growing axis range ends on (x 10^k): close enough that
#: a curve fills three quarters of the width or more, few enough to move the axis rarely.
ROUND_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
#: Mantissas of the round numbers a plot over training ends on, ahead of its data: each at most
#: a ninth above the one before, so the data fills 88 % of the width or more (ROUND_STEPS left up
#: to a quarter of it empty, a third with the margin: 300 steps on an axis to 400), and the
#: axis moves once per 4-11 % of growth.
X_STEPS = (1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 2.0, 2.2, 2.4, 2.6, 2.8, 3.0, 3.3, 3.6, 4.0)
X_STEPS += (4.4, 4.8, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 8.5, 9.0, 9.5, 10.0)
#: Mantissas of the round numbers a log axis range ends on: decades, like its ticks.
LOG_STEPS = (1.0, 10.0)


def round_up(x: float, steps: Sequence[float] = ROUND_STEPS) -> float:
    """The smallest m x 10^k >= ``x`` (> 0) with m in ``steps``."""
    if not (math.isfinite(x) and x > 0):
        return 0.0
    k = math.floor(math.log10(x))
    for m in steps:
        if m * 10.0**k >= x * (1 - 1e-12):
            return m * 10.0**k
    return 10.0 ** (k + 1)  # pragma: no cover - steps end at 10


def round_down(x: float, steps: Sequence[float] = ROUND_STEPS) -> float:
    """The largest m x 10^k <= ``x`` (> 0) with m in ``steps``."""
    if not (math.isfinite(x) and x > 0):
        return 0.0
    k = math.floor(math.log10(x))
    for m in reversed(steps):
        if m * 10.0**k <= x * (1 + 1e-12):
            return m * 10.0**k
    return 10.0**k  # pragma: no cover - steps start at 1


def round_bounds(values: np.ndarray, log: bool, exact: bool = False) -> tuple[float, float] | None:
    """Round numbers just outside the finite (and, for a log axis, positive) ``values``.

    Log: 1, 2, 5 x 10^k. Linear: multiples of a 1, 2, 5 x 10^k step about a fifth of the span.
    ``exact``: the values' own (min, max) instead. None when there is nothing to bound.
    """
    v = np.asarray(values, dtype=np.float64)  # (n,)
    v = v[np.isfinite(v) & (v > 0)] if log else v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    if exact:
        return lo, hi
    if log:
        return round_down(lo, LOG_STEPS), round_up(hi, LOG_STEPS)
    step = round_up(max(hi - lo, abs(hi), 1e-12) / 5.0, LOG_STEPS)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


class RangeAnchor:
    """An invisible item that makes a live plot's autorange end on round numbers.

    A curve that grows every frame moves an autoranged axis every frame, and each move makes
    pyqtgraph lay out and render the axis again (ticks and text: several milliseconds, most of
    a frame's drawing while training). With two invisible points at round numbers just
    beyond the data (x up to the next round number ahead, :data:`X_STEPS`: at most a ninth
    beyond it, so the data fills the plot; y out to round bounds), the autorange, and so the
    axes, change only when the data passes one of them.

    Parameters
    ----------
    plot : pg.PlotItem
        The plot whose autorange is anchored (the item is added to it).

    Attributes
    ----------
    fit : bool
        x ends exactly at the data (False: at a round number ahead). For pictures of data
        that no longer grows (exports), where a moving axis costs nothing.
    """

    #: A y bound is kept while the data stays inside it and no further inside than this
    #: (a factor on a log axis, a fraction of the data's span on a linear one).
    LOOSE_LOG, LOOSE_LINEAR = 1000.0, 0.5

    def __init__(self, plot: pg.PlotItem) -> None:
        self.item = pg.PlotDataItem(pen=pg.mkPen((0, 0, 0, 0)))  # drawn, but transparent
        plot.addItem(self.item)
        self._points: tuple[tuple[float, float], tuple[float, float]] | None = None
        self._log = False  # the axis the anchors were placed for
        self.fit = False

    def update(self, x_hi: float | None, y: np.ndarray, log_y: bool = False) -> None:
        """Anchor x at 0 and a round number beyond ``x_hi`` (None: 0), y at round bounds of ``y``.

        The y bounds in force are kept while they hold the data and are not too loose, so a
        curve that wobbles (the last-step signal early in training) does not move the axis.
        """
        bounds = round_bounds(y, log_y)
        if bounds is None:
            self.clear()
            return
        if self._points is not None and self._log == log_y:
            bounds = self._sticky(bounds, round_bounds(y, log_y, exact=True), log_y)
        self._log = log_y
        if x_hi is None or not x_hi > 0:
            right = 0.0
        elif self.fit:
            right = float(x_hi)
        else:  # strictly beyond the last point: a marker there would widen the range by its size
            right = round_up(x_hi * 1.02, X_STEPS)
        points = ((0.0, bounds[0]), (right, bounds[1]))
        if points != self._points:  # set only when an anchor moves: nothing to redo otherwise
            self._points = points
            self.item.setData([points[0][0], points[1][0]], [points[0][1], points[1][1]])

    def _sticky(
        self, new: tuple[float, float], data: tuple[float, float] | None, log_y: bool
    ) -> tuple[float, float]:
        """The bounds in force if they still suit ``data`` (min, max), else the bounds in force
        widened to ``new`` if that is not too loose, else ``new``."""
        assert self._points is not None and data is not None
        old = (self._points[0][1], self._points[1][1])
        if log_y and old[0] <= 0:
            return new

        def suits(bounds: tuple[float, float]) -> bool:
            if not bounds[0] <= data[0] <= data[1] <= bounds[1]:
                return False
            if log_y:
                return max(data[0] / bounds[0], bounds[1] / data[1]) <= self.LOOSE_LOG
            span = max(data[1] - data[0], 1e-12)
            return max(data[0] - bounds[0], bounds[1] - data[1]) <= self.LOOSE_LINEAR * span

        for bounds in (old, (min(old[0], new[0]), max(old[1], new[1]))):
            if suits(bounds):
                return bounds
        return new

    def points(self) -> tuple[tuple[float, float], tuple[float, float]] | None:
        """The two anchor points (x, y), or None."""
        return self._points

    def clear(self) -> None:
        """No anchor (an empty plot)."""
        if self._points is not None:
            self._points = None
            self.item.setData([], [])


def set_curve(curve: pg.PlotDataItem, x: np.ndarray, y: np.ndarray) -> None:
    """``curve.setData(x, y)``, drawing a lone point as a dot in the curve's colour.

    A line needs two points: a curve of one point (the first training step) drew nothing. The
    dot is the line's colour, opaque, a few line widths across; it goes when a second point
    makes a line.
    """
    lone = len(x) == 1
    if lone != (curve.opts["symbol"] is not None):
        if lone:
            colour = pg.mkPen(curve.opts["pen"]).color()
            colour.setAlpha(255)
            curve.setSymbol("o")
            curve.setSymbolSize(line_width(7))
            curve.setSymbolPen(None)
            curve.setSymbolBrush(pg.mkBrush(colour))
        else:
            curve.setSymbol(None)
    curve.setData(x, y)


def set_data(item: pg.PlotDataItem, x: ArrayLike, y: ArrayLike) -> bool:
    """``item.setData(x, y)`` unless ``item`` holds these numbers already; True if it set them.

    Setting a curve or a scatter, even to the same numbers, makes pyqtgraph rebuild its points,
    tell its view its bounds changed (the view ranges and repaints the whole plot) and draw it
    again: a panel redrawn each frame did so for markers that change only now and then (the ▼
    of exact zeros, clip events, the validation curve).
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)  # (n,) each
    old_x, old_y = item.getOriginalDataset()
    old_x = np.zeros(0) if old_x is None else np.asarray(old_x)  # (m,)
    old_y = np.zeros(0) if old_y is None else np.asarray(old_y)  # (m,)
    if np.array_equal(old_x, x, equal_nan=True) and np.array_equal(old_y, y, equal_nan=True):
        return False
    item.setData(x, y)
    return True


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Copy of ``values`` as float64 with non-positive and non-finite entries replaced by NaN.

    Log-scaled plots cannot show zeros or negatives; NaN makes pyqtgraph leave a gap there
    instead of drawing a spike to -inf.
    """
    out = np.array(values, dtype=np.float64, copy=True)  # (n,)
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


class TokenAxis(pg.AxisItem):
    """A bottom axis for integer time steps labelled with the probe's input tokens.

    Ticks sit on integer steps. When every step's token fits, each step is labelled with its
    token. When they would collide, only every k-th step gets a tick (k from the axis length
    in pixels and the widest label) and the ticks show *step numbers*: every k-th token alone
    reads like a pattern that is not there, and the probe strip under the heatmaps names every
    token with the same step numbers. The axis title follows (``TOKEN_TITLE`` / ``STEP_TITLE``).
    """

    #: Point size of the token labels (smaller than other ticks: there are many of them).
    TOKEN_PT = 8.0
    #: Pixels of free space wanted between two neighbouring token labels.
    GAP_PX = 3
    TOKEN_TITLE = "input at step t"
    STEP_TITLE = "step t"

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._labels: tuple[str, ...] = ()
        self._label_px = 10.0
        self._number_px = 16.0
        self._thinned = False
        self.setStyle(tickFont=tick_font(self.TOKEN_PT))
        show_true_values(self)

    def set_labels(self, labels: Sequence[str]) -> None:
        """Set the raw token labels, one per time step (whitespace is made visible)."""
        visible = tuple(visible_token(s) for s in labels)
        if visible == self._labels:
            return
        self._labels = visible
        metrics = QFontMetrics(self.style["tickFont"] or tick_font(self.TOKEN_PT))
        widest = max((metrics.horizontalAdvance(s) for s in visible), default=8)
        self._label_px = float(max(widest, metrics.horizontalAdvance("0")) + self.GAP_PX)
        longest = str(max(len(visible) - 1, 0))
        self._number_px = float(metrics.horizontalAdvance(longest) + 3 * self.GAP_PX)
        self.picture = None
        self._update_mode()
        self.update()

    def labels(self) -> tuple[str, ...]:
        """The visible labels currently shown (one per step)."""
        return self._labels

    def thinned(self) -> bool:
        """Whether only every k-th step is labelled (with its number, not its token)."""
        return self._thinned

    def title(self) -> str:
        """The axis title that matches the tick labels."""
        return self.STEP_TITLE if self._thinned else self.TOKEN_TITLE

    def _update_mode(self) -> None:
        """Recompute whether the labels are thinned; retitle the axis when that changes."""
        if not hasattr(self, "_thinned"):  # called by AxisItem.__init__ before ours ran
            return
        lo, hi = (float(v) for v in self.range)
        thinned = bool(self._labels) and self.tick_stride(lo, hi, self.geometry().width()) > 1
        if thinned == self._thinned:
            return
        self._thinned = thinned
        if self.label.isVisible():
            opts = self.labelStyle
            self.setLabel(self.title(), **opts)

    def resizeEvent(self, ev: object = None) -> None:
        """Keep the title in step with the tick labels."""
        super().resizeEvent(ev)
        self._update_mode()

    def linkedViewChanged(self, view: object = None, newRange: object = None) -> None:
        """Keep the title in step with the tick labels when the shown steps change."""
        super().linkedViewChanged(view, newRange)
        self._update_mode()

    def tick_stride(self, minVal: float, maxVal: float, size: float) -> int:
        """Steps between labelled ticks so that labels do not overlap on ``size`` pixels.

        1 when every token fits; otherwise the stride that fits the step *numbers* (which
        then replace the tokens), rounded up to 2, 5, 10, 20, 50, ...
        """
        span = max(maxVal - minVal, 1.0)
        px_per_step = max(size, 1.0) / span
        if self._label_px <= px_per_step:
            return 1
        stride = max(2, math.ceil(self._number_px / px_per_step))
        mag = 10 ** math.floor(math.log10(stride))
        for m in (1, 2, 5, 10):
            if m * mag >= stride:
                return int(m * mag)
        return stride  # pragma: no cover - the loop always returns

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """Integer steps within the view, thinned to avoid overlapping labels."""
        n = len(self._labels)
        if n == 0:
            return super().tickValues(minVal, maxVal, size)
        stride = self.tick_stride(minVal, maxVal, size)
        lo = max(0, math.ceil(minVal))
        lo += (-lo) % stride
        hi = min(n - 1, math.floor(maxVal))
        return [(float(stride), [float(v) for v in range(lo, hi + 1, stride)])]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """The token at each tick step, or its number when the ticks are thinned."""
        if not self._labels:
            return super().tickStrings(values, scale, spacing)
        out = []
        thinned = spacing > 1.0
        for v in values:
            i = round(v)
            if not 0 <= i < len(self._labels):
                out.append("")
            else:
                out.append(str(i) if thinned else self._labels[i])
        return out


#: Plot colours matching the window's light palette (set per item, not via global pg config).
BACKGROUND = "#ffffff"
FOREGROUND = "#37474f"

#: Line colours (colour-blind safe, Okabe-Ito) for curves.
COLOURS = {
    "blue": "#0072b2",
    "orange": "#e69f00",
    "green": "#009e73",
    "red": "#d55e00",
    "purple": "#cc79a7",
    "grey": "#7f8c8d",
    "black": "#222222",
}


def style_plot(plot: pg.PlotItem, title: str | None = None) -> None:
    """Dark text on light background for every axis of ``plot``, plus an optional title."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        show_true_values(axis)
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        if not isinstance(axis, TokenAxis):
            axis.setStyle(tickFont=tick_font())
    if title is not None:
        plot.setTitle(title, color=FOREGROUND, size=f"{points(LABEL_PT)}pt")


def format_log_tick(x: float) -> str:
    """Short label for a log-axis tick: '0.01', '5', '200', '1e-6', '1e5'."""
    if not math.isfinite(x) or x <= 0:
        return ""
    if 1e-3 <= x < 1e4:
        return f"{x:g}"
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


def _coarser(spacing: float) -> float:
    """The next larger of 1, 2, 5 x 10^k after ``spacing``."""
    exponent = math.floor(math.log10(spacing) + 1e-9)
    mantissa = spacing / 10.0**exponent
    for m in (2.0, 5.0, 10.0):
        if m > mantissa + 1e-9:
            return m * 10.0**exponent
    return 10.0 ** (exponent + 1)  # pragma: no cover - mantissa is below 10


def _shorter(spacing: float) -> float:
    """The next smaller of 1, 2, 5 x 10^k before ``spacing``."""
    exponent = math.floor(math.log10(spacing) + 1e-9)
    mantissa = spacing / 10.0**exponent
    for m in (5.0, 2.0, 1.0):
        if m < mantissa - 1e-9:
            return m * 10.0**exponent
    return 0.5 * 10.0**exponent


def _ticks_within(spacing: float, lo: float, hi: float) -> int:
    """How many multiples of ``spacing`` lie in [lo, hi]."""
    lo, hi = min(lo, hi), max(lo, hi)
    return max(0, math.floor(hi / spacing + 1e-9) - math.ceil(lo / spacing - 1e-9) + 1)


class LegibleAxis(pg.AxisItem):
    """An axis whose labelled ticks never crowd, whatever its font size and length.

    pyqtgraph picks the tick spacing from the axis length alone, so large presentation fonts
    on a short axis print labels over each other. Here the major spacing grows (1, 2, 5 x 10^k)
    until every label has its own room plus a gap of ``GAP`` times its extent.
    """

    #: Free space between two neighbouring labels, as a fraction of a label's extent.
    GAP = 0.3

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        # The axis keeps the room its widest labels took: pyqtgraph narrows it again when they
        # shrink by 10 px, and each change of width lays the whole plot out and paints it anew
        # (a plot blanked for a new run narrowed its axis, then widened it for the new data).
        self.setStyle(tickFont=tick_font(), autoReduceTextSpace=False)
        show_true_values(self)

    def font_metrics(self) -> QFontMetrics:
        """Metrics of the tick font, made once per font (every drawing pass asks for them)."""
        font = self.style["tickFont"] or tick_font()
        key = font.key()
        cached = getattr(self, "_metrics", None)
        if cached is None or cached[0] != key:
            cached = self._metrics = (key, QFontMetrics(font))
        return cached[1]

    def label_extent(self, minVal: float, maxVal: float) -> float:
        """Pixels one tick label takes along the axis (height, or the widest end's width)."""
        metrics = self.font_metrics()
        if self.orientation in ("left", "right"):
            return float(metrics.height())
        ends = self.tickStrings([minVal, maxVal], self.autoSIPrefixScale * self.scale, 1.0)
        return float(max((metrics.horizontalAdvance(s) for s in ends), default=10))

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's spacing, coarsened until neighbouring labels keep clear of each other.

        Two labelled ticks are kept where two fit without touching (a colour bar's range is
        worth more than a gap between its labels).
        """
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if not levels or span == 0 or not math.isfinite(span) or size <= 0:
            return levels
        extent = self.label_extent(minVal, maxVal)
        px_per_unit = size / span
        major = float(levels[0][0])
        if major * px_per_unit >= extent * (1.0 + self.GAP):
            return levels
        best = major
        while best * px_per_unit < extent * (1.0 + self.GAP):
            best = _coarser(best)
        if _ticks_within(best, minVal, maxVal) < 2:  # keep two labels if they do not touch
            two = best
            while _ticks_within(two, minVal, maxVal) < 2 and two > major:
                two = _shorter(two)
            if _ticks_within(two, minVal, maxVal) >= 2 and two * px_per_unit >= extent:
                best = two
        return [(best, 0.0), *((s, o) for s, o in levels[1:] if s < best)]


#: Mantissas of log-axis ticks in the order they get a label: powers of ten first, then 5, 2, ...
LOG_LABEL_PRIORITY = (1, 5, 2, 3, 4, 6, 7, 8, 9)


def _mantissa_rank(x: float) -> int:
    """Position of x's mantissa (x = m·10^k) in LOG_LABEL_PRIORITY; len() if not a whole m."""
    if not (math.isfinite(x) and x > 0):
        return len(LOG_LABEL_PRIORITY)
    m = x / 10.0 ** math.floor(math.log10(x) + 1e-9)
    for rank, want in enumerate(LOG_LABEL_PRIORITY):
        if abs(m - want) < 1e-6 * want:
            return rank
    return len(LOG_LABEL_PRIORITY)


class LogAxis(LegibleAxis):
    """An axis for log-mapped plots whose labels never overlap.

    pyqtgraph labels every minor tick of a log axis (2, 3, ... 9 × 10^k), which collides on a
    short plot (an empty gradient-norm plot at launch showed "2 3 4 5 6 7" on top of each
    other). Here every tick keeps its mark, and labels go to ticks in the order 1, 5, 2, 3, ...
    × 10^k, each only where it fits on the axis and keeps clear of the labels already placed in
    this drawing pass (a label cut at an end would be dropped and hold the room of another).
    Every label is the tick's true value. A plot that switches to linear (the loss panel's
    "log y" off) gets a :class:`LegibleAxis`: there, labelling every minor tick that fit
    stacked "100 90 80 ... 0" label against label.
    """

    #: pyqtgraph's limits on how much of a linear axis labels may fill, by level.
    LINEAR_FILL: ClassVar[list[tuple[int, float]]] = [(0, 0.8), (2, 0.6), (4, 0.4), (6, 0.2)]
    #: Log mode places its labels itself, so no level of them is dropped for crowding.
    LOG_FILL: ClassVar[list[tuple[int, float]]] = [(0, 1.01)]

    #: Pixels kept free between two labels.
    GAP_PX = 2.0
    #: Pixels per decade below which the minor ticks are left out. pyqtgraph fades grid lines
    #: by their density, so on shorter decades theirs are under 3 % opaque (invisible), and no
    #: 2 or 5 x 10^k label fits between two powers of ten; yet each was a line across the plot,
    #: most of the cost of drawing an axis that spans many decades (90 lines for 10 decades).
    MINOR_MIN_PX = 40.0

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._placed: list[tuple[float, float]] = []  # (centre px, half extent px) this pass
        self._px_per_unit = 0.0
        self._ends = (0.0, 0.0)  # the axis' low end (log10 units) and its length in px
        # labels never overlap here, so pyqtgraph need not drop a whole level of them (its
        # default keeps no minor labels once they fill 40 % of the axis)
        self.setStyle(tickFont=tick_font(), textFillLimits=self.LOG_FILL)
        show_true_values(self)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        """A legible axis' spacing in linear mode; pyqtgraph's decades in log mode."""
        if self.logMode:
            return pg.AxisItem.tickSpacing(self, minVal, maxVal, size)
        return super().tickSpacing(minVal, maxVal, size)

    def generateDrawSpecs(self, p: QPainter) -> Any:
        """Draw with the fill limits of the current mode (see LINEAR_FILL, LOG_FILL)."""
        self.style["textFillLimits"] = self.LOG_FILL if self.logMode else self.LINEAR_FILL
        return super().generateDrawSpecs(p)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        """pyqtgraph's ticks, without the minor ones (2, 3, ... 9 x 10^k) where decades are
        short; starts a drawing pass (labels are placed level by level)."""
        self._placed = []
        span = abs(maxVal - minVal)
        self._px_per_unit = size / span if span > 0 else 0.0
        self._ends = (min(minVal, maxVal), size)
        levels = super().tickValues(minVal, maxVal, size)
        if not self.logMode or self._px_per_unit >= self.MINOR_MIN_PX:
            return levels
        decades = [level for level in levels if level[0] is not None]  # minor: spacing None
        if sum(len(values) for _spacing, values in decades) < 2:
            return levels  # within about a decade the minor ticks are all there is
        return decades

    def _half_extent(self, text: str) -> float:
        metrics = self.font_metrics()
        if self.orientation in ("left", "right"):
            return metrics.height() / 2.0 + self.GAP_PX
        return metrics.horizontalAdvance(text) / 2.0 + 2.0 * self.GAP_PX

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """True values at as many ticks as fit without overlapping, most wanted first."""
        xs = [10.0 ** float(v) * scale for v in values]
        out = [""] * len(xs)
        # over a decade or more, 1, 2 and 5 × 10^k are enough; 3, 4, 6 ... only within one
        wide = abs(float(self.range[1]) - float(self.range[0])) >= 1.0
        for i in sorted(range(len(xs)), key=lambda k: _mantissa_rank(xs[k])):
            text = format_log_tick(xs[i])
            if not text or (wide and _mantissa_rank(xs[i]) >= 3):
                continue
            low, length = self._ends
            centre = (float(values[i]) - low) * self._px_per_unit  # px from the axis' start
            half = self._half_extent(text)
            inside = half - self.GAP_PX <= centre <= length - half + self.GAP_PX
            if inside and all(abs(centre - c) >= half + h for c, h in self._placed):
                out[i] = text
                self._placed.append((centre, half))
        return out


#: Keeps a line from breaking inside "‖dL/dh‖" (after the slash) when a legend wraps.
WORD_JOINER = "\u2060"


def legend_html(title: str, entries: Sequence[tuple[str, str, str]]) -> str:
    """Rich text "<b>title</b>  ━ name  ╌ name ..." for a compact, wrapping legend label.

    Parameters
    ----------
    title : str
        Bold lead text (the plot's title).
    entries : sequence of (colour, glyph, text)
        glyph e.g. "━━" (line), "╍╍" (dashed), "●" (markers); text may contain HTML.
    """
    items = " &nbsp; ".join(
        f"<span style='color:{colour}; font-weight:bold'>{glyph}</span>&nbsp;"
        f"{re.sub(r'(?<!<)/', '/' + WORD_JOINER, text)}"  # slashes outside tags
        for colour, glyph, text in entries
    )
    if not title:
        return items
    return f"<b>{title}</b> &nbsp; {items}" if items else f"<b>{title}</b>"


class HeaderLabel(QLabel):
    """A word-wrapping label whose minimum height is that of its text wrapped at its width.

    Qt's layouts take a wrapping label's minimum to be one line, so a panel squeezed by a
    splitter would lay its plot over the second and third lines of a wrapped legend. Reporting
    the wrapped height as the minimum makes the splitter (or the window) keep room for it.
    """

    def __init__(self, html: str) -> None:
        super().__init__(html)
        self._wrapped = 0  # height of the text at the current width, as last reported

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        # Only a label on screen has been given its real width: one never shown (e.g. on a tab
        # not yet opened) still has a new widget's default 100 px, and its text wrapped at that
        # width asked a 1024x768 window for 1,120 px. It is laid out again when shown.
        if self.isVisible() and self.width() > 0:
            hint.setHeight(max(hint.height(), self.heightForWidth(self.width())))
        return hint

    def showEvent(self, event: object) -> None:
        """Shown, its minimum is the wrapped text's: a layout that cached the one-line minimum
        of the hidden label (a tab being switched) asks again."""
        super().showEvent(event)  # type: ignore[arg-type]
        self.updateGeometry()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        wrapped = self.heightForWidth(self.width())
        if wrapped != self._wrapped:  # the text now takes more or fewer lines
            self._wrapped = wrapped
            self.updateGeometry()


def header_label(html: str, tooltip: str = "") -> QLabel:
    """A word-wrapping label that never forces its parent wider (titles and legends)."""
    label = HeaderLabel(html)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setStyleSheet(f"color: {FOREGROUND}; padding: 1px 6px;")
    if tooltip:
        label.setToolTip(tooltip)
    return label


#: Height in pixels of a plot's data area below which a curve is not legible.
MIN_PLOT_PX = 80


def legible_height(left_label: str = "") -> int:
    """The smallest height of a plot widget that stays legible at the application's fonts.

    :data:`MIN_PLOT_PX` of data above the bottom axis (tick labels and title), and at least
    the length of the rotated left-axis title ``left_label``, which would be cut otherwise.
    """
    title = QFontMetrics(tick_font(LABEL_PT))
    bottom = QFontMetrics(tick_font()).height() + title.height() + 16
    need = MIN_PLOT_PX + bottom + 12
    if left_label:
        need = max(need, title.horizontalAdvance(left_label) + bottom + 24)
    return need


def plot_widget(**axis_items: pg.AxisItem) -> pg.PlotWidget:
    """A light PlotWidget with axes whose labels never crowd, and a legible minimum height."""
    for side in ("left", "bottom"):
        if side not in axis_items:  # made only when missing (setdefault built one per call)
            axis_items[side] = LegibleAxis(side)
    widget = pg.PlotWidget(background=BACKGROUND, axisItems=axis_items)
    widget.setMinimumSize(160, legible_height())  # the window tabs views rather than go below
    style_plot(widget.getPlotItem())
    return widget
