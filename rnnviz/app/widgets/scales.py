"""Colour scales outside plots: a value's colour, a horizontal colour bar, coloured text.

The heatmaps colour arrays with pyqtgraph colour maps by the array's declared range
(:attr:`StateSpec.scale`: sequential 0..1 gates, diverging -1..1, symmetric around 0 for an
unbounded cell state). The unit inspector colours text with the same maps and ranges, and the
difference view uses the diverging map centred at 0; :class:`ColourScale` is the legend that
says which value a colour means wherever there is no plot to hang a colour bar on.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter
from PyQt6.QtWidgets import QSizePolicy, QWidget

from rnnviz.app.widgets._common import FOREGROUND, VISIBLE_CHARS, round_up, tick_font
from rnnviz.core.types import StateSpec

#: pyqtgraph colour map per StateSpec scale (the heatmaps' choice).
CMAPS = {"diverging": "CET-D1", "symmetric": "CET-D1", "sequential": "viridis"}
#: Tokens after which the coloured text starts a new line (a newline or its stand-ins).
NEWLINES = ("\n", "↵", "⏎")
#: The difference view's map: blue below 0, a pale grey at 0, red above.
DIFF_CMAP = "CET-D1"
#: A zero-width space: where the coloured text may break a line.
ZWSP = "\u200b"


def spec_levels(spec: StateSpec, values: np.ndarray) -> tuple[float, float]:
    """The colour range of an array: its declared (lo, hi), else ±(round max |value|)."""
    if spec.lo is not None and spec.hi is not None:
        return float(spec.lo), float(spec.hi)
    return symmetric_levels(values)


def symmetric_levels(values: np.ndarray) -> tuple[float, float]:
    """±m with m the largest finite |value| rounded up to a round number (±1 for all zeros)."""
    a = np.asarray(values, np.float64)
    finite = np.abs(a[np.isfinite(a)])
    m = float(finite.max()) if finite.size else 0.0
    m = round_up(m) if m > 0 else 1.0
    return -m, m


def colours(cmap: str, levels: tuple[float, float], values: np.ndarray) -> list[QColor]:
    """The colour of each value under ``cmap`` with ``levels`` mapped to its ends (clipped)."""
    lo, hi = levels
    v = np.asarray(values, np.float64).reshape(-1)  # (n,)
    u = np.clip((v - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)  # (n,) in 0..1
    u = np.where(np.isfinite(u), u, 0.5)
    lut = pg.colormap.get(cmap).getLookupTable(0.0, 1.0, 256, alpha=False)  # (256, 3) uint8
    idx = np.rint(u * 255).astype(np.int64)  # (n,)
    return [QColor(*(int(c) for c in lut[i])) for i in idx]


def ink_on(colour: QColor) -> str:
    """Black or white, whichever reads on ``colour``."""
    r, g, b = colour.redF(), colour.greenF(), colour.blueF()
    return "#000000" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "#ffffff"


def coloured_text_html(
    tokens: list[str], values: np.ndarray, cmap: str, levels: tuple[float, float]
) -> str:
    """Rich text: each token on the colour of its value (whitespace made visible)."""
    out = []
    # bits, vectors: a space between tokens; characters run on as text, with a zero-width
    # space between them where a line may break (a probe has few spaces of its own: its
    # spaces are drawn as ␣, and the label could not wrap it)
    gap = " " if any(len(tok) > 1 for tok in tokens) else ZWSP
    for tok, c in zip(tokens, colours(cmap, levels, values), strict=True):
        shown = "".join(VISIBLE_CHARS.get(ch, ch) for ch in tok) or "∅"
        out.append(
            f"<span style='background-color:{c.name()}; color:{ink_on(c)}'>"
            f"{html.escape(shown)}</span>" + ("<br>" if tok in NEWLINES else "")
        )
    return gap.join(out)


class ColourScale(QWidget):
    """A horizontal colour bar with its low, middle and high values written under it."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._cmap = "viridis"
        self._levels = (0.0, 1.0)
        self.setFont(tick_font())
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFixedHeight(self.sizeHint().height())

    def set_scale(self, cmap: str, levels: tuple[float, float], title: str | None = None) -> None:
        """Show ``cmap`` from levels[0] to levels[1]."""
        self._cmap, self._levels = cmap, (float(levels[0]), float(levels[1]))
        if title is not None:
            self.title = title
        self.update()

    def scale(self) -> tuple[str, tuple[float, float]]:
        """The colour map and levels shown."""
        return self._cmap, self._levels

    def sizeHint(self) -> QSize:
        h = QFontMetrics(self.font()).height()
        return QSize(240, 2 * h + 14)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.sizeHint().height())

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        fm = QFontMetrics(self.font())
        h = fm.height()
        title_w = fm.horizontalAdvance(self.title) + 8 if self.title else 0
        bar = QRectF(title_w + 4, 2, max(20, self.width() - title_w - 12), h)
        grad = QLinearGradient(bar.left(), 0, bar.right(), 0)
        lut = pg.colormap.get(self._cmap).getLookupTable(0.0, 1.0, 16, alpha=False)
        for k, c in enumerate(lut):
            grad.setColorAt(k / (len(lut) - 1), QColor(*(int(x) for x in c)))
        p.fillRect(bar, grad)
        p.setPen(QColor(FOREGROUND))
        p.drawRect(bar)
        if self.title:
            p.drawText(QRectF(0, 2, title_w, h), Qt.AlignmentFlag.AlignVCenter, self.title)
        lo, hi = self._levels
        y = bar.bottom() + 2
        for value, frac, align in (
            (lo, 0.0, Qt.AlignmentFlag.AlignLeft),
            ((lo + hi) / 2, 0.5, Qt.AlignmentFlag.AlignHCenter),
            (hi, 1.0, Qt.AlignmentFlag.AlignRight),
        ):
            x = bar.left() + frac * bar.width()
            p.drawLine(int(x), int(bar.bottom()), int(x), int(bar.bottom() + 3))
            text = f"{value:+.3g}".replace("-", "−") if value else "0"
            w = fm.horizontalAdvance(text) + 2
            left = {0.0: x, 0.5: x - w / 2, 1.0: x - w}[frac]
            p.drawText(QRectF(left, y + 2, w, h), align, text)
        p.end()


__all__ = [
    "CMAPS",
    "DIFF_CMAP",
    "ColourScale",
    "coloured_text_html",
    "colours",
    "ink_on",
    "spec_levels",
    "symmetric_levels",
]
