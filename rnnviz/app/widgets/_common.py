"""Small helpers shared by the views: growing buffers, token labels, a token axis, styling.

Nothing here knows about a particular cell or task; the views stay generic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QFont, QFontMetrics
from PyQt6.QtWidgets import QLabel, QSizePolicy

#: Visible stand-ins for characters that would otherwise be invisible as tick labels.
VISIBLE_CHARS = {" ": "␣", "\n": "↵", "\t": "⇥", "\r": "␍"}

#: Point size used for axis tick labels and titles (readable on a 1280×800 screen).
TICK_PT = 9
LABEL_PT = 10


def visible_token(label: str) -> str:
    """Return ``label`` with whitespace made visible (space -> '␣', newline -> '↵', tab -> '⇥')."""
    if not label:
        return "∅"
    return "".join(VISIBLE_CHARS.get(ch, ch) for ch in label)


def tick_font() -> QFont:
    """Font for axis tick labels."""
    font = QFont()
    font.setPointSize(TICK_PT)
    return font


def style_axis(axis: pg.AxisItem, label: str, units: str | None = None) -> None:
    """Give ``axis`` a readable tick font and a label (with optional units)."""
    axis.setStyle(tickFont=tick_font())
    axis.setLabel(label, units=units, **{"font-size": f"{LABEL_PT}pt", "color": FOREGROUND})


def positive_or_nan(values: np.ndarray) -> np.ndarray:
    """Copy of ``values`` as float64 with non-positive and non-finite entries replaced by NaN.

    Log-scaled plots cannot show zeros or negatives; NaN makes pyqtgraph leave a gap there
    instead of drawing a spike to -inf.
    """
    out = np.array(values, dtype=np.float64, copy=True)  # (n,)
    out[~(np.isfinite(out) & (out > 0))] = np.nan
    return out


class GrowingBuffer:
    """Append-only float64 columns with amortised doubling (no ``np.append`` per point).

    Parameters
    ----------
    columns : int
        Number of parallel columns (e.g. 2 for x and y).
    capacity : int
        Initial capacity in rows.
    """

    def __init__(self, columns: int, capacity: int = 1024) -> None:
        self._data = np.empty((columns, max(1, capacity)), dtype=np.float64)  # (C, capacity)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    @property
    def capacity(self) -> int:
        """Rows that fit before the next reallocation."""
        return self._data.shape[1]

    def append(self, *cols: np.ndarray | Sequence[float] | float) -> None:
        """Append equally long 1-D arrays (or scalars), one per column."""
        arrays = [np.atleast_1d(np.asarray(c, dtype=np.float64)) for c in cols]
        if len(arrays) != self._data.shape[0]:
            raise ValueError(f"expected {self._data.shape[0]} columns, got {len(arrays)}")
        k = arrays[0].shape[0]
        if k == 0:
            return
        need = self._n + k
        if need > self.capacity:
            new_cap = max(need, 2 * self.capacity)
            grown = np.empty((self._data.shape[0], new_cap), dtype=np.float64)  # (C, new_cap)
            grown[:, : self._n] = self._data[:, : self._n]
            self._data = grown
        for i, a in enumerate(arrays):
            self._data[i, self._n : need] = a
        self._n = need

    def column(self, i: int) -> np.ndarray:
        """View of column ``i`` holding the ``len(self)`` appended values, shape (n,)."""
        return self._data[i, : self._n]

    def clear(self) -> None:
        """Forget all rows (keeps the allocation)."""
        self._n = 0


class TokenAxis(pg.AxisItem):
    """A bottom axis for integer time steps labelled with the probe's input tokens.

    Ticks sit on integer steps. When the labels would collide, only every k-th step gets a
    tick, with k chosen from the current axis length in pixels and the widest label.
    """

    def __init__(self, orientation: str = "bottom", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._labels: tuple[str, ...] = ()
        self._label_px = 10.0
        self.setStyle(tickFont=tick_font())

    def set_labels(self, labels: Sequence[str]) -> None:
        """Set the raw token labels, one per time step (whitespace is made visible)."""
        visible = tuple(visible_token(s) for s in labels)
        if visible == self._labels:
            return
        self._labels = visible
        metrics = QFontMetrics(self.style["tickFont"] or tick_font())
        widest = max((metrics.horizontalAdvance(s) for s in visible), default=8)
        self._label_px = float(max(widest, metrics.horizontalAdvance("00")) + 6)
        self.picture = None
        self.update()

    def labels(self) -> tuple[str, ...]:
        """The visible labels currently shown (one per step)."""
        return self._labels

    def tick_stride(self, minVal: float, maxVal: float, size: float) -> int:
        """Steps between labelled ticks so that labels do not overlap on ``size`` pixels."""
        span = max(maxVal - minVal, 1.0)
        px_per_step = max(size, 1.0) / span
        stride = max(1, math.ceil(self._label_px / px_per_step))
        if stride > 1:  # round up to 2, 5, 10, 20, 50, ... so the ticks read as a pattern
            mag = 10 ** math.floor(math.log10(stride))
            for m in (1, 2, 5, 10):
                if m * mag >= stride:
                    stride = int(m * mag)
                    break
        return stride

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
        """The token at each tick step (falls back to the step number outside the labels)."""
        if not self._labels:
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            i = round(v)
            out.append(self._labels[i] if 0 <= i < len(self._labels) else "")
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
        axis.setPen(pg.mkPen(FOREGROUND))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setStyle(tickFont=tick_font())
    if title is not None:
        plot.setTitle(title, color=FOREGROUND, size=f"{LABEL_PT}pt")


def format_log_tick(x: float) -> str:
    """Short label for a log-axis tick: '0.01', '5', '200', '1e-6', '1e5'."""
    if not math.isfinite(x) or x <= 0:
        return ""
    if 1e-3 <= x < 1e4:
        return f"{x:g}"
    return f"{x:.0e}".replace("e-0", "e-").replace("e+0", "e")


class LogAxis(pg.AxisItem):
    """A left axis for log-mapped plots that labels only 1, 2 and 5 times a power of ten.

    pyqtgraph labels every minor tick of a log axis (0.3, 0.4, ... 0.9), which collides on
    small plots; tick marks stay, only the labels are thinned.
    """

    def __init__(self, orientation: str = "left", **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self.setStyle(tickFont=tick_font())

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """Labels for 1/2/5 × 10^k ticks (all ticks when fewer than three would show)."""
        xs = [10.0 ** float(v) * scale for v in values]
        keep = []
        for x in xs:
            ok = math.isfinite(x) and x > 0
            mantissa = x / 10.0 ** math.floor(math.log10(x) + 1e-9) if ok else 0.0
            keep.append(ok and any(abs(mantissa - m) < 1e-6 * m for m in (1.0, 2.0, 5.0)))
        if sum(keep) < 3:  # a narrow range (e.g. loss 1.2 .. 4.5): label every tick
            keep = [True] * len(xs)
        return [format_log_tick(x) if k else "" for x, k in zip(xs, keep, strict=True)]


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
        f"<span style='color:{colour}; font-weight:bold'>{glyph}</span>&nbsp;{text}"
        for colour, glyph, text in entries
    )
    return f"<b>{title}</b> &nbsp; {items}" if items else f"<b>{title}</b>"


def header_label(html: str, tooltip: str = "") -> QLabel:
    """A word-wrapping label that never forces its parent wider (titles and legends)."""
    label = QLabel(html)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setStyleSheet(f"color: {FOREGROUND}; padding: 1px 6px;")
    if tooltip:
        label.setToolTip(tooltip)
    return label


def plot_widget(**axis_items: pg.AxisItem) -> pg.PlotWidget:
    """A light PlotWidget with readable axes that may shrink small."""
    widget = pg.PlotWidget(background=BACKGROUND, axisItems=axis_items or None)
    widget.setMinimumSize(160, 110)
    style_plot(widget.getPlotItem())
    return widget
