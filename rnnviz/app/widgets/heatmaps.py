"""State heatmaps: one small multiple per array the cell declares, units × probe time steps.

Every panel is built from a :class:`~rnnviz.core.types.StateSpec` alone (label, value range,
meaning), so a new cell needs no code here. Colour ranges are fixed and meaningful:

* diverging map over (-1, 1) for tanh-range arrays (h, candidates),
* sequential map over (0, 1) for sigmoid gates,
* diverging map over ±max|x| for unbounded arrays (the LSTM cell state), updated smoothly:
  it grows at once when values leave the range and shrinks slowly, so colours do not flicker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, Qt, pyqtSignal
from PyQt6.QtWidgets import QGraphicsRectItem, QLabel, QSizePolicy, QVBoxLayout, QWidget

from rnnviz.app.widgets._common import (
    BACKGROUND,
    FOREGROUND,
    TokenAxis,
    cache_axes,
    plot_axes,
    show_true_values,
    style_axis,
    style_plot,
    tick_font,
    visible_token,
)
from rnnviz.core.types import StateSpec
from rnnviz.train.snapshot import Snapshot

#: Colour maps per StateSpec.scale.
COLORMAPS = {"diverging": "CET-D1", "symmetric": "CET-D1", "sequential": "viridis"}

#: Fraction of the gap closed per update when the symmetric range shrinks.
SHRINK_RATE = 0.1

HINT = (
    "Rows are hidden units, columns are the time steps of the probe sequence. "
    "Hover for a value; click a column to select that step."
)


@dataclass
class HeatmapPanel:
    """The pyqtgraph items that draw one state array (kept so updates only set data)."""

    spec: StateSpec
    plot: pg.PlotItem
    image: pg.ImageItem
    bar: pg.ColorBarItem
    axis: TokenAxis
    markers: tuple[QGraphicsRectItem, ...]  # frame cursor outline (drawn twice, two tones)
    level: float  # current symmetric half-range (only used for unbounded specs)

    def levels(self) -> tuple[float, float]:
        """The colour range in force, (low, high)."""
        lo, hi = self.bar.levels()
        return float(lo), float(hi)


#: Narrowest width in pixels a heatmap panel (axis, image, colour bar) is given.
MIN_PANEL_WIDTH = 250


def grid_columns(n: int, width: int | None = None) -> int:
    """Columns of the small-multiples grid for ``n`` panels (1 → 1, 2-4 → 2, 5+ → 3).

    With ``width`` (pixels), fewer columns are used when panels would get narrower than
    ``MIN_PANEL_WIDTH``.
    """
    if n <= 1:
        return 1
    cols = min(3, math.ceil(math.sqrt(n)))
    if width is not None:
        cols = max(1, min(cols, width // MIN_PANEL_WIDTH))
    return cols


def display_order(specs: tuple[StateSpec, ...]) -> tuple[StateSpec, ...]:
    """The declared order, with the hidden state ``h`` moved first."""
    return tuple(sorted(specs, key=lambda s: s.name != "h"))


class StateHeatmaps(QWidget):
    """Heatmaps of every declared state array on the probe sequence, with a frame cursor.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    columns : int, optional
        Fixed number of grid columns; default picks from the number of arrays.

    Signals
    -------
    frameClicked(int)
        The user clicked the column of time step t (the view also moves its own cursor there).
    """

    frameClicked = pyqtSignal(int)

    def __init__(self, parent: QWidget | None = None, columns: int | None = None) -> None:
        super().__init__(parent)
        self._columns = columns
        self._key: tuple | None = None
        self._panels: dict[str, HeatmapPanel] = {}
        self._states: dict[str, np.ndarray] = {}
        self._labels: tuple[str, ...] = ()
        self._frame: int | None = None
        self._T = 0
        self._H = 0
        self._grid_cols = 0

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(BACKGROUND)
        self.graphics.ci.setSpacing(6)
        self.readout = QLabel(HINT)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setStyleSheet(f"color: {FOREGROUND}; padding: 2px 6px;")
        self.readout.setWordWrap(True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)

        scene = self.graphics.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)

    # ------------------------------------------------------------------ public API
    @property
    def panels(self) -> dict[str, HeatmapPanel]:
        """name -> panel, in display order (read-only use: tests, screenshots)."""
        return self._panels

    def frame(self) -> int | None:
        """The time step the cursor marks, or None."""
        return self._frame

    def update_snapshot(self, snap: Snapshot) -> None:
        """Show the probe trace of ``snap``; rebuilds items only if specs, T or H changed."""
        specs = display_order(snap.specs)
        first = snap.probe_states.get(specs[0].name) if specs else None
        T, H = (first.shape[0], first.shape[1]) if first is not None else (0, 0)
        key = (specs, T, H)
        if key != self._key:
            self._rebuild(specs, T, H)
            self._key = key
        if snap.probe_labels != self._labels:
            self._labels = tuple(snap.probe_labels)
            for panel in self._panels.values():
                panel.axis.set_labels(self._labels)
        self._states = snap.probe_states
        for name, panel in self._panels.items():
            a = snap.probe_states.get(name)
            if a is None:
                continue
            # (H, T) row-major: units down, steps across
            panel.image.setImage(np.ascontiguousarray(a.T), autoLevels=False)
            if panel.spec.scale == "symmetric":
                self._update_symmetric(panel, a)

    def clear(self) -> None:
        """Remove every panel and forget the last snapshot."""
        self.graphics.clear()
        self._panels = {}
        self._states = {}
        self._labels = ()
        self._key = None
        self._T = self._H = 0
        self.readout.setText(HINT)

    def set_frame(self, t: int | None) -> None:
        """Mark time step ``t`` on every heatmap (None hides the cursor)."""
        self._frame = None if t is None else int(t)
        self._place_markers()

    # ------------------------------------------------------------------ building
    def _rebuild(self, specs: tuple[StateSpec, ...], T: int, H: int) -> None:
        self.graphics.clear()
        self._panels = {}
        self._labels = ()
        self._T, self._H = T, H
        for spec in specs:
            self._panels[spec.name] = self._make_panel(spec)
        self._grid_cols = 0
        self._layout_grid()
        self._place_markers()

    def _wanted_columns(self) -> int:
        return self._columns or grid_columns(len(self._panels), self.graphics.width())

    def _layout_grid(self) -> None:
        """Place the panels on the grid (only when the number of columns changes)."""
        cols = self._wanted_columns()
        if cols == self._grid_cols or not self._panels:
            return
        self._grid_cols = cols
        ci = self.graphics.ci
        for panel in self._panels.values():
            if panel.plot in ci.items:
                ci.removeItem(panel.plot)
        rows = math.ceil(len(self._panels) / cols)
        for k, panel in enumerate(self._panels.values()):
            row, col = divmod(k, cols)
            ci.addItem(panel.plot, row=row, col=col)
            if row == rows - 1:
                style_axis(panel.axis, "input at step t")
            else:
                panel.axis.showLabel(False)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._layout_grid()

    def _make_panel(self, spec: StateSpec) -> HeatmapPanel:
        axis = TokenAxis("bottom")
        plot = pg.PlotItem(axisItems={"bottom": axis})
        style_plot(plot, f"{spec.label}")
        plot.titleLabel.setToolTip(f"{spec.label} ({spec.name}): {spec.meaning}")
        style_axis(plot.getAxis("left"), "unit")
        plot.setMouseEnabled(x=False, y=False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        vb = plot.getViewBox()
        vb.invertY(True)  # unit 0 at the top, like a table
        vb.setDefaultPadding(0.0)
        T, H = max(self._T, 1), max(self._H, 1)
        vb.setRange(xRange=(-0.5, T - 0.5), yRange=(-0.5, H - 0.5), padding=0.0)
        vb.disableAutoRange()

        image = pg.ImageItem(axisOrder="row-major")
        image.setImage(np.zeros((H, T), dtype=np.float32), autoLevels=False)  # (H, T)
        image.setRect(QRectF(-0.5, -0.5, T, H))  # pixel (unit, t) centred on (t, unit)
        plot.addItem(image)

        if spec.scale == "symmetric":
            level = 1.0  # until the first snapshot sets ±max|x|
            lo, hi = -level, level
        else:
            level = 0.0
            lo, hi = float(spec.lo), float(spec.hi)  # type: ignore[arg-type]
        bar = pg.ColorBarItem(
            values=(lo, hi),
            colorMap=COLORMAPS[spec.scale],
            interactive=False,
            width=12,
            colorMapMenu=False,
        )
        bar.setImageItem(image, insert_in=plot)
        bar.setLevels((lo, hi))
        bar_axis = bar.axis
        show_true_values(bar_axis)
        bar_axis.setPen(pg.mkPen(FOREGROUND))
        bar_axis.setTextPen(pg.mkPen(FOREGROUND))
        bar_axis.setStyle(tickFont=tick_font())
        cache_axes(*plot_axes(plot), bar_axis)  # they change only when the layout does

        # Two-tone outline (white under black) so the cursor shows on every colour map.
        markers = []
        for colour, width, z in (("#ffffff", 3.0, 10), ("#000000", 1.0, 11)):
            rect = QGraphicsRectItem(QRectF(-0.5, -0.5, 1.0, H))
            pen = pg.mkPen(colour, width=width)
            pen.setCosmetic(True)
            rect.setPen(pen)
            rect.setZValue(z)
            rect.setVisible(False)
            plot.addItem(rect, ignoreBounds=True)
            markers.append(rect)
        return HeatmapPanel(spec, plot, image, bar, axis, tuple(markers), level)

    def _place_markers(self) -> None:
        t = self._frame
        visible = t is not None and 0 <= t < self._T
        for panel in self._panels.values():
            for marker in panel.markers:
                if visible:
                    marker.setRect(QRectF(t - 0.5, -0.5, 1.0, max(self._H, 1)))
                marker.setVisible(visible)

    def _update_symmetric(self, panel: HeatmapPanel, a: np.ndarray) -> None:
        """Follow ±max|a|: grow at once, shrink by SHRINK_RATE of the gap per update."""
        m = float(np.max(np.abs(a))) if a.size else 0.0
        if not math.isfinite(m):
            return
        m = max(m, 1e-6)
        level = m if m > panel.level else panel.level + SHRINK_RATE * (m - panel.level)
        if level != panel.level:
            panel.level = level
            panel.bar.setLevels((-level, level))

    # ------------------------------------------------------------------ mouse
    def _hit(self, scene_pos: QPointF) -> tuple[HeatmapPanel, int, int] | None:
        """(panel, t, unit) under a scene position, or None."""
        for panel in self._panels.values():
            vb = panel.plot.getViewBox()
            if not vb.sceneBoundingRect().contains(scene_pos):
                continue
            p = vb.mapSceneToView(scene_pos)
            t, unit = round(p.x()), round(p.y())
            if 0 <= t < self._T and 0 <= unit < self._H:
                return panel, t, unit
            return None
        return None

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        if hit is None:
            return
        panel, t, unit = hit
        a = self._states.get(panel.spec.name)
        if a is None or t >= a.shape[0] or unit >= a.shape[1]:
            return
        token = visible_token(self._labels[t]) if t < len(self._labels) else "?"
        self.readout.setText(
            f"<b>{panel.spec.label}</b> &nbsp; unit <b>{unit}</b> &nbsp; step <b>{t}</b> "
            f"&nbsp; input <b>{_html(token)}</b> &nbsp; value <b>{float(a[t, unit]):+.3f}</b>"
            f" &nbsp; <span style='color:#607080'>{_html(panel.spec.meaning)}</span>"
        )

    def _on_mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        hit = self._hit(event.scenePos())  # type: ignore[attr-defined]
        if hit is None:
            return
        t = hit[1]
        self.set_frame(t)
        self.frameClicked.emit(t)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = ["COLORMAPS", "HeatmapPanel", "StateHeatmaps", "display_order", "grid_columns"]
