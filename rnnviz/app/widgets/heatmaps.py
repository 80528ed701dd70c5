"""State heatmaps: one small multiple per array the cell declares, units × probe time steps.

Every panel is built from a :class:`~rnnviz.core.types.StateSpec` alone (label, value range,
meaning), so a new cell needs no code here. Colour ranges are fixed and meaningful:

* diverging map over (-1, 1) for tanh-range arrays (h, candidates),
* sequential map over (0, 1) for sigmoid gates,
* diverging map over ±max|x| for unbounded arrays (the LSTM cell state), rounded up to a round
  number and updated smoothly: it grows at once when values leave the range and shrinks
  slowly, so colours do not flicker.

Panels are built once and *reused*: a new run that declares other arrays (Apply an LSTM → GRU)
re-labels and recolours the existing panels instead of building new plot items, which took long
enough to leave the view blank. Building them is also cheap (no context menus, a light colour
bar), and the window builds missing ones a few per frame (:meth:`StateHeatmaps.draw_model`
with ``build_budget``), so the UI thread never waits for a whole grid.

When the view has no room for every array at a legible size (a projector at 1024×768, large
fonts), it shows the hidden state h and one array of the user's choice (a chooser appears above
the grid); panels not shown are not drawn at all.

**Zooming the rows.** At 128 units and more each unit is a pixel row or less. The wheel over a
heatmap (or its unit axis) zooms the unit axis of every panel around the row under the pointer,
Shift+wheel scrolls the rows; with the keyboard (a heatmap clicked first) Ctrl+= and Ctrl+−
zoom, Ctrl+Up and Ctrl+Down scroll, Ctrl+0 shows every unit. All panels show the same rows, so
a unit is on the same row everywhere; the unit axis labels whole units only (:class:`UnitAxis`),
and a click picks the unit of the row under the pointer at any zoom.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QPointF, QRect, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QColor, QFontMetrics, QKeySequence, QPainter, QTransform
from PyQt6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.reveal import MaskedTokens, TargetMask
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import (
    BACKGROUND,
    FOREGROUND,
    LABEL_PT,
    LegibleAxis,
    TokenAxis,
    cache_axes,
    line_width,
    plot_axes,
    points,
    round_up,
    style_axis,
    style_plot,
    tick_font,
    visible_token,
)
from rnnviz.app.widgets.colourbar import STRIP_PX, ColourBar, axis_width
from rnnviz.core.types import StateSpec
from rnnviz.train.frame import Frame
from rnnviz.train.runmodel import RunModel

#: Colour maps per StateSpec.scale.
COLORMAPS = {"diverging": "CET-D1", "symmetric": "CET-D1", "sequential": "viridis"}

#: Fraction of the gap closed per update when the symmetric range shrinks.
SHRINK_RATE = 0.1

#: Round numbers (x 10^k) an unbounded array's colour range ends on.
LEVEL_STEPS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)

#: Smallest image area (pixels) a heatmap is shown at: smaller is not legible.
MIN_IMAGE_W, MIN_IMAGE_H = 120, 80

#: Pixels between panels of the grid.
SPACING = 6

HINT = "Hover for a value; click a column to select that time step."
HINT_TIP = (
    "Rows are hidden units, columns are the time steps of the probe sequence. "
    "Hover for a value; click a column to select that step. The wheel over a heatmap zooms its "
    "rows (Shift+wheel scrolls them; Ctrl+= / Ctrl+− zoom, Ctrl+Up / Ctrl+Down scroll, Ctrl+0 "
    "shows every unit)."
)

#: Fewest rows a zoom shows, and the zoom factor of one wheel notch or key press.
MIN_ROWS, ZOOM_STEP = 4, 1.5

#: Keys of the row zoom: (text, keys, method name, argument).
ZOOM_KEYS = (
    ("Zoom rows in", ("Ctrl+=", "Ctrl++"), "zoom_rows", ZOOM_STEP),
    ("Zoom rows out", ("Ctrl+-",), "zoom_rows", 1 / ZOOM_STEP),
    ("Rows up", ("Ctrl+Up",), "scroll_rows", -1),
    ("Rows down", ("Ctrl+Down",), "scroll_rows", 1),
    ("Every unit", ("Ctrl+0",), "reset_rows", None),
)


@dataclass
class HeatmapPanel:
    """The pyqtgraph items that draw one state array (kept so updates only set data)."""

    spec: StateSpec
    plot: pg.PlotItem
    image: pg.ImageItem
    bar: ColourBar
    axis: TokenAxis
    marker: ColumnOutline  # the selected time step, outlined from outside its column
    level: float  # current symmetric half-range (only used for unbounded specs)

    def levels(self) -> tuple[float, float]:
        """The colour range in force, (low, high)."""
        return self.bar.levels()


class ColumnOutline(pg.GraphicsObject):
    """Marks one column of an image by bands just outside it, never over its cells.

    The cursor used to be a rectangle on the column's edges, and its 3-pixel pen covered
    ~1.5 px on each side of a column that is 4-9 px wide at the default probe length: the
    selected step's values were hidden. Here the column's extent is rounded outwards to whole
    device pixels and the outline is filled around it: a dark band against the column and a
    light one beyond, so it shows on every colour map (both thicken with ``--big``).
    """

    INNER_PX = 2.0
    OUTER_PX = 1.0

    def __init__(self) -> None:
        super().__init__()
        self._rect = QRectF()
        self._inner = max(1, round(line_width(self.INNER_PX)))
        self._outer = max(1, round(line_width(self.OUTER_PX)))
        self._pad: tuple[float, float] | None = None  # in view units; None: to be measured
        self.setZValue(10)

    def set_column(self, t: int, rows: int) -> None:
        """Outline column ``t`` of an image whose pixel (row, t) is centred on (t, row)."""
        self.prepareGeometryChange()
        self._rect = QRectF(t - 0.5, -0.5, 1.0, float(max(rows, 1)))
        self.update()

    def column(self) -> QRectF:
        """The outlined column in view coordinates."""
        return QRectF(self._rect)

    def boundingRect(self) -> QRectF:
        """The column grown by the outline's width in device pixels (in view units)."""
        if self._pad is None:  # measured once per view transform (asked many times a paint)
            pad = self._inner + self._outer + 1
            self._pad = (pad * (self.pixelWidth() or 0.0), pad * (self.pixelHeight() or 0.0))
        px, py = self._pad
        return self._rect.adjusted(-px, -py, px, py)

    def viewTransformChanged(self) -> None:
        """The view zoomed or resized: the outline's extent in view units changed."""
        self.prepareGeometryChange()
        self._pad = None

    def device_column(self, transform: QTransform) -> QRect:
        """The column in device pixels, rounded outwards: every pixel it touches."""
        dev = transform.mapRect(self._rect)
        left, top = math.floor(dev.left() + 1e-6), math.floor(dev.top() + 1e-6)
        right, bottom = math.ceil(dev.right() - 1e-6), math.ceil(dev.bottom() - 1e-6)
        return QRect(left, top, right - left, bottom - top)

    def paint(self, painter: QPainter, *args: object) -> None:
        """Fill bands around the column in device pixels (no pen straddles its edge)."""
        if self._rect.isEmpty():
            return
        col = self.device_column(painter.transform())
        painter.save()
        painter.resetTransform()
        inner, outer = self._inner, self._outer
        for colour, grow, width in (
            (QColor("#ffffff"), inner + outer, outer),
            (QColor("#000000"), inner, inner),
        ):
            ring = col.adjusted(-grow, -grow, grow, grow)
            painter.fillRect(QRect(ring.left(), ring.top(), width, ring.height()), colour)
            painter.fillRect(
                QRect(ring.right() + 1 - width, ring.top(), width, ring.height()), colour
            )
            painter.fillRect(QRect(ring.left(), ring.top(), ring.width(), width), colour)
            painter.fillRect(
                QRect(ring.left(), ring.bottom() + 1 - width, ring.width(), width), colour
            )
        painter.restore()


class UnitAxis(LegibleAxis):
    """The unit axis: ticks on whole units only, each labelled with its unit, at any zoom.

    Row j of an image is centred on y = j, so a tick at j names the row it stands beside;
    zoomed in to a few rows pyqtgraph would also tick 10.5 (half a unit), which names no row.
    """

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list:
        levels = [(s, o) for s, o in super().tickSpacing(minVal, maxVal, size) if s >= 1.0]
        return [(float(round(s)), 0.0) for s, _ in levels] or [(1.0, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [str(round(v)) for v in values]


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


@dataclass(frozen=True)
class PanelMetrics:
    """Pixels a panel needs around its image (fonts at the application's scale)."""

    row_h: int  # above and below each image: the title row and the token tick labels
    bottom_h: int  # the axis title under the bottom row of panels
    side_w: int  # left axis (unit numbers and title) plus the colour bar and its labels

    @classmethod
    def current(cls) -> PanelMetrics:
        """From the fonts in use (an upper bound: pyqtgraph's title row is 30 px at least)."""
        token = QFontMetrics(tick_font(TokenAxis.TOKEN_PT)).height()
        title = QFontMetrics(tick_font(LABEL_PT)).height()
        left = title + QFontMetrics(tick_font()).horizontalAdvance("000") + 24
        right = 6 + round(STRIP_PX * line_width(1.0)) + axis_width() + 12
        return cls(row_h=max(30, title + 4) + token + 12, bottom_h=title + 8, side_w=left + right)

    def image_size(self, n: int, cols: int, width: float, height: float) -> tuple[float, float]:
        """Image (w, h) each of ``n`` panels gets on ``cols`` columns of a width×height grid."""
        rows = math.ceil(n / cols)
        w = (width - (cols - 1) * SPACING) / cols - self.side_w
        h = (height - (rows - 1) * SPACING - self.bottom_h) / rows - self.row_h
        return w, h

    def best_columns(self, n: int, width: float, height: float) -> int | None:
        """The column count giving the largest legible images for ``n`` panels, or None."""
        best, best_side = None, 0.0
        for cols in range(1, min(n, 3) + 1):
            w, h = self.image_size(n, cols, width, height)
            if w >= MIN_IMAGE_W and h >= MIN_IMAGE_H and min(w, 1.5 * h) > best_side:
                best, best_side = cols, min(w, 1.5 * h)
        return best


class FittingLabel(QLabel):
    """A label that writes the longest of its texts that fits its width (none where none
    does); it asks for no width of its own, taking the room its row leaves it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._texts: tuple[str, ...] = ()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def set_texts(self, texts: tuple[str, ...]) -> None:
        """The texts, longest (most preferred) first."""
        if texts != self._texts:
            self._texts = texts
            self._fit()

    def _fit(self) -> None:
        metrics, width = self.fontMetrics(), self.width()
        fits = [t for t in self._texts if metrics.horizontalAdvance(t) <= width]
        text = fits[0] if fits else ""  # none cut: nothing, where even the shortest is too long
        if text != self.text():
            self.setText(text)

    def resizeEvent(self, event: object) -> None:
        """Write the longest text that fits the new width."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit()


class StateHeatmaps(QWidget):
    """Heatmaps of every declared state array on the probe sequence, with a frame cursor.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    columns : int, optional
        Fixed number of grid columns; default picks from the number of arrays and the room.

    Signals
    -------
    frameClicked(int)
        The user clicked the column of time step t (the view also moves its own cursor there).
    unitClicked(str, int)
        The same click names array ``s`` and unit ``j`` (its row): the inspector follows it.
    """

    frameClicked = pyqtSignal(int)
    unitClicked = pyqtSignal(str, int)

    def __init__(self, parent: QWidget | None = None, columns: int | None = None) -> None:
        super().__init__(parent)
        self._columns = columns
        self._key: tuple | None = None
        self._pool: list[HeatmapPanel] = []  # every panel built so far, reused for new runs
        self._panels: dict[str, HeatmapPanel] = {}  # the current arrays, display order
        self._specs: tuple[StateSpec, ...] = ()  # the arrays the current run declares
        self._shown: tuple[str, ...] = ()  # names on the grid
        self._grid: tuple[tuple[str, ...], int] = ((), 0)  # what the grid holds: names, columns
        self._choice: str | None = None  # the array shown beside h when not all fit
        self._states: dict[str, np.ndarray] = {}
        self._diff: dict[str, np.ndarray] | None = None  # an intervention's difference view
        # the token axes' inputs: "?" where predict-then-reveal hides a target
        self._tokens = MaskedTokens(lambda: (p.axis for p in self._panels.values()))
        self._hovered: tuple[str, int, int] | None = None  # the read-out's (array, step, unit)
        self._frame: int | None = None
        self._T = 0
        self._H = 0
        self._rows: tuple[float, float] | None = None  # units shown, (top, bottom); None: all
        self._metrics = PanelMetrics.current()
        #: The key that shows the next array where not all fit, named in the note ("" none:
        #: the owner gives the view such a key, e.g. the main window's A).
        self.next_key = ""

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(BACKGROUND)
        self.graphics.ci.setSpacing(SPACING)
        self.graphics.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.readout = QLabel(HINT)
        self.readout.setToolTip(HINT_TIP)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setStyleSheet(f"color: {FOREGROUND}; padding: 2px 6px;")
        self.readout.setWordWrap(True)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        # Shown only when not every array fits: which one to show beside h.
        self.chooser = QComboBox()
        self.chooser.setToolTip(
            "No room for every heatmap at a legible size: choose which one to show. "
            "A larger window (or hiding the controls with Ctrl+D) shows them all."
        )
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chooser.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.chooser_label = QLabel()
        # what is left out, by name ("not shown: f, i, g, o"): it takes only the room left
        self.hidden_note = FittingLabel()
        self.hidden_note.setStyleSheet("color: #607080;")
        self.chooser_bar = QWidget()
        bar = QHBoxLayout(self.chooser_bar)
        bar.setContentsMargins(6, 2, 6, 0)
        bar.addWidget(self.chooser_label)
        bar.addWidget(self.chooser)
        bar.addWidget(self.hidden_note, 1)
        self.chooser_bar.setVisible(False)
        self.chooser.activated.connect(self._on_choice)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.chooser_bar)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)

        scene = self.graphics.scene()
        scene.sigMouseMoved.connect(self._on_mouse_moved)
        scene.sigMouseClicked.connect(self._on_mouse_clicked)
        self.graphics.viewport().installEventFilter(self)  # the wheel zooms the rows
        self.zoom_actions = []
        for text, keys, method, arg in ZOOM_KEYS:
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            fn = getattr(self, method)
            act.triggered.connect(fn if arg is None else (lambda _=False, f=fn, a=arg: f(a)))
            self.addAction(act)
            self.zoom_actions.append(act)

    # ------------------------------------------------------------------ public API
    @property
    def panels(self) -> dict[str, HeatmapPanel]:
        """name -> panel of every array of the current run, in display order (read-only use)."""
        return self._panels

    def shown(self) -> tuple[str, ...]:
        """Names of the arrays on screen (all of them when there is room)."""
        return self._shown

    def complete(self) -> bool:
        """Whether every declared array has its panel (they are built a few per frame)."""
        return len(self._panels) == len(self._specs)

    def frame(self) -> int | None:
        """The time step the cursor marks, or None."""
        return self._frame

    def draw_model(self, model: RunModel, build_budget: int | None = None) -> bool:
        """Show the probe trace of ``model``'s frame (the frame at its cursor).

        Parameters
        ----------
        model : RunModel
            The run on screen.
        build_budget : int, optional
            Build at most this many new panels now (the window passes 1 per frame part, so a
            first LSTM grid never holds the UI thread for long); None builds all.

        Returns
        -------
        bool
            True when every declared array is on its panel; False when panels are still to
            be built (call again, e.g. on the next frame).
        """
        frame = model.frame
        if frame is None:
            return self.complete()
        return self.show_frame(frame, build_budget)

    def show_frame(self, frame: Frame, build_budget: int | None = None) -> bool:
        """Show the probe trace of ``frame``; re-labels panels only if specs, T or H changed.

        Parameters and result as for :meth:`draw_model`.
        """
        specs = display_order(frame.specs)
        first = frame.states.get(specs[0].name) if specs else None
        T, H = (first.shape[0], first.shape[1]) if first is not None else (0, 0)
        key = (specs, T, H)
        if key != self._key:
            self._assign(specs, T, H)
            self._key = key
        if not self.complete():
            self._build_missing(build_budget)
        self._tokens.set_probe(frame.labels, frame.targets)
        self._states = frame.states
        for name in self._shown:
            self._fill(self._panels[name])
        return self.complete()

    def clear(self) -> None:
        """Take every panel off the grid and forget the frame shown (panels are kept)."""
        self._set_grid((), 0)
        self._panels = {}
        self._specs = ()
        self._shown = ()
        self._states = {}
        self._tokens.clear()
        self._hovered = None
        self._key = None
        self._T = self._H = 0
        self.chooser_bar.setVisible(False)
        self.readout.setText(HINT)

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: the token axes show "?" for every input that is a target
        ``mask`` hides (the next character after the cursor's step, for text), and so does
        the read-out of the value last hovered."""
        if self._tokens.set_mask(mask) and self._hovered is not None:
            self._show_value(*self._hovered)

    def set_frame(self, t: int | None) -> None:
        """Mark time step ``t`` on every heatmap (None hides the cursor)."""
        self._frame = None if t is None else int(t)
        self._place_markers()

    def set_difference(self, diff: dict[str, np.ndarray] | None) -> None:
        """Show an intervention's differences (name -> (T, H) changed minus original) instead
        of the arrays, on the diverging map centred at 0; None goes back to the arrays."""
        self._diff = None if diff is None else dict(diff)
        for panel in self._panels.values():
            self._configure(panel, panel.spec)
            if self._tokens.labels:
                panel.axis.set_labels(self._tokens.labels)
        for name in self._shown:
            self._fill(self._panels[name])

    def difference(self) -> dict[str, np.ndarray] | None:
        """The differences shown, or None (the arrays are shown)."""
        return self._diff

    def choose(self, name: str) -> None:
        """Show array ``name`` (beside h) when there is no room for all of them."""
        self._choice = name
        self._arrange()

    def choose_next(self, step: int = 1) -> bool:
        """Show the next (``step`` 1) or previous (-1) array of the chooser's list, round
        the end (the keyboard's way to the arrays not shown); False when all are shown."""
        count = self.chooser.count()
        if not self.chooser_bar.isVisibleTo(self) or count == 0:
            return False
        index = (self.chooser.currentIndex() + step) % count
        self.choose(self.chooser.itemData(index))
        return True

    # ------------------------------------------------------------------ row zoom
    def rows(self) -> tuple[float, float]:
        """The unit axis' range shown, (top, bottom) in unit coordinates (row j spans j ± 0.5)."""
        return self._rows if self._rows is not None else (-0.5, max(self._H, 1) - 0.5)

    def shown_units(self) -> range:
        """The units whose rows are (wholly or partly) on screen, top to bottom."""
        top, bottom = self.rows()
        return range(max(0, math.floor(top + 0.5)), min(self._H, math.ceil(bottom + 0.5)))

    def zoom_rows(self, factor: float, centre: float | None = None) -> None:
        """Show ``factor`` times fewer rows (more: < 1), keeping unit coordinate ``centre``
        (default the middle) where it is; at least :data:`MIN_ROWS`, at most every unit."""
        H = self._H
        if H <= 0:
            return
        top, bottom = self.rows()
        span = bottom - top
        new = float(min(H, max(min(MIN_ROWS, H), round(span / factor))))
        c = (top + bottom) / 2 if centre is None else min(max(centre, top), bottom)
        self._set_rows(c - (c - top) * new / span, new)

    def scroll_rows(self, steps: float) -> None:
        """Move the rows shown by ``steps`` tenths of their number (at least a row each; down
        for > 0)."""
        top, bottom = self.rows()
        span = bottom - top
        self._set_rows(top + round(steps * max(1.0, span / 10)), span)

    def reset_rows(self) -> None:
        """Show every unit."""
        self._rows = None
        self._apply_rows()

    def _set_rows(self, top: float, span: float) -> None:
        """Show ``span`` rows from ``top`` (snapped to row edges, kept within the units)."""
        H = self._H
        span = float(min(H, max(1, round(span))))
        top = min(max(math.floor(top + 0.5) - 0.5, -0.5), H - 0.5 - span)
        self._rows = None if span >= H else (top, top + span)
        self._apply_rows()

    def _apply_rows(self) -> None:
        top, bottom = self.rows()
        for panel in self._panels.values():
            panel.plot.getViewBox().setYRange(top, bottom, padding=0.0)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """The wheel over a heatmap or its unit axis zooms the rows (Shift: scrolls them)."""
        if event is None or event.type() != QEvent.Type.Wheel or not self._H:
            return False
        pos = self.graphics.mapToScene(event.position().toPoint())  # type: ignore[attr-defined]
        panel = self._panel_at(pos)
        if panel is None:
            return False
        delta = event.angleDelta()  # type: ignore[attr-defined]
        notches = (delta.y() or delta.x()) / 120.0
        if not notches:
            return True
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:  # type: ignore[attr-defined]
            self.scroll_rows(-notches)
        else:
            y = panel.plot.getViewBox().mapSceneToView(pos).y()
            self.zoom_rows(ZOOM_STEP**notches, centre=y)
        return True

    def _panel_at(self, scene_pos: QPointF) -> HeatmapPanel | None:
        """The panel whose image or unit axis is under ``scene_pos``."""
        for name in self._shown:
            panel = self._panels[name]
            box = panel.plot.getViewBox().sceneBoundingRect()
            axis = panel.plot.getAxis("left").sceneBoundingRect()
            if box.united(axis).contains(scene_pos):
                return panel
        return None

    def minimumSizeHint(self) -> QSize:
        """Room for one legible panel, the chooser and the read-out."""
        m = self._metrics
        w = m.side_w + MIN_IMAGE_W
        h = m.row_h + MIN_IMAGE_H + m.bottom_h + self._extras_height(chooser=True)
        return QSize(w, h)

    def sizeHint(self) -> QSize:
        """A comfortable grid of six panels."""
        return QSize(600, 520)

    # ------------------------------------------------------------------ building
    def _assign(self, specs: tuple[StateSpec, ...], T: int, H: int) -> None:
        """Give the pool's panels to ``specs`` (re-labelled and recoloured, not rebuilt)."""
        self._specs = specs
        if H != self._H:
            self._rows = None  # another layer: every unit
        self._T, self._H = T, H
        self._tokens.forget()
        self._states = {}  # the old run's arrays do not fit the new panels
        self._panels = {}
        self._set_grid((), 0)
        for spec, panel in zip(specs, self._pool, strict=False):
            self._configure(panel, spec)
            self._panels[spec.name] = panel
        self._arrange()

    def _build_missing(self, budget: int | None) -> None:
        missing = self._specs[len(self._panels) :]
        for spec in missing[: len(missing) if budget is None else max(budget, 0)]:
            panel = self._make_panel(spec)
            self._pool.append(panel)
            self._configure(panel, spec)
            if self._tokens.labels:
                panel.axis.set_labels(self._tokens.labels)
            self._panels[spec.name] = panel
        self._arrange()

    def _make_panel(self, spec: StateSpec) -> HeatmapPanel:
        """Plot items for one array (configured for ``spec`` by :meth:`_configure`)."""
        axis = TokenAxis("bottom")
        plot = pg.PlotItem(axisItems={"bottom": axis, "left": UnitAxis("left")}, enableMenu=False)
        style_plot(plot)
        style_axis(plot.getAxis("left"), "unit")
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        vb = plot.getViewBox()
        vb.invertY(True)  # unit 0 at the top, like a table
        vb.setDefaultPadding(0.0)
        vb.disableAutoRange()
        image = pg.ImageItem(axisOrder="row-major")
        image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(image)
        bar = ColourBar(plot, image, width=STRIP_PX * line_width(1.0))
        cache_axes(*plot_axes(plot), bar.axis)  # they change only when the layout does

        marker = ColumnOutline()
        marker.setVisible(False)
        plot.addItem(marker, ignoreBounds=True)
        # In the scene from the start, hidden until the grid shows it: the scene owns it and
        # deletes it with the view. A panel built while the grid stayed as it was (one per
        # redraw, others shown) was otherwise in no scene, left to Python's collector.
        plot.setVisible(False)
        self.graphics.scene().addItem(plot)
        return HeatmapPanel(spec, plot, image, bar, axis, marker, 0.0)

    def _configure(self, panel: HeatmapPanel, spec: StateSpec) -> None:
        """Label, colour and size ``panel`` for ``spec`` at the current T and H."""
        panel.spec = spec
        plot = panel.plot
        plot.setTitle(spec.label, color=FOREGROUND, size=f"{points(LABEL_PT)}pt")
        plot.titleLabel.setToolTip(f"{spec.label} ({spec.name}): {spec.meaning}")
        T, H = max(self._T, 1), max(self._H, 1)
        panel.image.setImage(np.zeros((H, T), dtype=np.float32), autoLevels=False)  # (H, T)
        panel.image.setRect(QRectF(-0.5, -0.5, T, H))  # pixel (unit, t) centred on (t, unit)
        plot.getViewBox().setRange(xRange=(-0.5, T - 0.5), yRange=self.rows(), padding=0.0)
        panel.axis.set_labels(())
        if self._diff is not None:
            plot.setTitle(
                f"{spec.label}: changed − original", color=FOREGROUND, size=f"{points(LABEL_PT)}pt"
            )
            panel.bar.set_colormap(COLORMAPS["diverging"])
            panel.level = 0.0
            panel.bar.set_levels((-1.0, 1.0))
            return
        panel.bar.set_colormap(COLORMAPS[spec.scale])
        if spec.scale == "symmetric":
            panel.level = 1.0  # until the first snapshot sets ±max|x|
            panel.bar.set_levels((-1.0, 1.0))
        else:
            panel.level = 0.0
            panel.bar.set_levels((float(spec.lo), float(spec.hi)))  # type: ignore[arg-type]

    def _fill(self, panel: HeatmapPanel) -> None:
        """Put the newest trace of ``panel``'s array on it."""
        a = self._shown_states().get(panel.spec.name)
        if a is None:
            return
        # (H, T) row-major: units down, steps across
        panel.image.setImage(np.ascontiguousarray(a.T), autoLevels=False)
        if self._diff is not None:
            m = float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0))
            shown = round_up(m, LEVEL_STEPS) if m > 0 else 1.0
            panel.bar.set_levels((-shown, shown))
        elif panel.spec.scale == "symmetric":
            self._update_symmetric(panel, a)

    # ------------------------------------------------------------------ arranging
    def grid_height(self, height: float, width: int) -> float:
        """Height the grid of all the arrays gets in this view ``height`` × ``width`` pixels
        (what :meth:`_arrange` shares out; the window asks it before making the view so)."""
        return height - self._extras_height(chooser=False, width=width)

    def _extras_height(self, chooser: bool, width: int | None = None) -> int:
        """Height of what surrounds the grid: its margins, the read-out (wrapped at ``width``,
        by default the view's), and the chooser if shown (each only while it is in this view:
        the compare window hides one and moves the other out)."""
        _, top, _, bottom = self.graphics.ci.layout.getContentsMargins()
        extra = math.ceil(top + bottom)
        if not self.readout.isHidden():
            wrapped = self.readout.heightForWidth(self.width() if width is None else width)
            extra = max(self.readout.sizeHint().height(), wrapped)
        if chooser and self.chooser_bar.parentWidget() is self:
            extra += self.chooser_bar.sizeHint().height() + 2
        return extra + 2

    def _arrange(self) -> None:
        """Decide which arrays fit (all, or h and the chosen one) and lay out the grid."""
        names = list(self._panels)
        declared = [s.name for s in self._specs]
        width = float(self.width())
        full = self.grid_height(self.height(), self.width())
        cols = self._columns or self._metrics.best_columns(len(declared), width, full)
        if cols is not None or len(declared) <= 1:
            shown, choices = declared, []
        else:
            room = float(self.height()) - self._extras_height(chooser=True)
            two = self._metrics.best_columns(2, width, room) is not None
            others = [n for n in declared if n != "h"] if two else declared
            choice = self._choice if self._choice in others else others[0]
            shown = ["h", choice] if two and choice != "h" else [choice]
            choices = others
            cols = self._metrics.best_columns(len(shown), width, room) or 1
        shown = [n for n in shown if n in names]  # panels still being built come later
        self._show_chooser(choices, shown, len(declared))
        self._shown = tuple(shown)
        for name in self._shown:
            self._fill(self._panels[name])
        self._set_grid(self._shown, cols or 1)

    def _show_chooser(self, choices: list[str], shown: list[str], total: int) -> None:
        self.chooser_bar.setVisible(bool(choices))
        if not choices:
            return
        specs = {s.name: s for s in self._specs}
        items = [(specs[n].label, n) for n in choices]
        if [self.chooser.itemData(k) for k in range(self.chooser.count())] != choices:
            self.chooser.blockSignals(True)
            self.chooser.clear()
            for label, name in items:
                self.chooser.addItem(label, name)
            self.chooser.blockSignals(False)
        current = shown[-1] if shown else choices[0]
        self.chooser.setCurrentIndex(max(0, self.chooser.findData(current)))
        lead = "h and" if len(shown) == 2 else "showing"
        full = f"{len(shown)} of {total} arrays fit: {lead}"
        left = [s.name for s in self._specs if s.name not in shown]
        key = f" ({self.next_key}: next)" if self.next_key else ""
        notes = (
            f"not shown: {', '.join(left)}{key}",
            f"not shown: {', '.join(left)}",
            f"{len(left)} not shown",
            f"+{len(left)}",
        )
        self.hidden_note.set_texts(notes)
        # the count in front only where the note keeps room to say what is left out
        note = self.hidden_note.fontMetrics().horizontalAdvance(notes[2])
        room = self.width() - self.chooser.sizeHint().width() - note - 40
        fits = self.chooser_label.fontMetrics().horizontalAdvance(full) <= room
        self.chooser_label.setText(full if fits else lead)  # the tooltip says why
        self.chooser_label.setToolTip(
            f"Room for {len(shown)} of the {total} arrays at a legible size in this window."
        )
        keys = f", or press {self.next_key} to show the next" if self.next_key else ""
        self.hidden_note.setToolTip(
            "Not shown for want of room: "
            + ", ".join(specs[n].label for n in left)
            + f". Choose one in the list{keys}."
        )

    def _on_choice(self, index: int) -> None:
        name = self.chooser.itemData(index)
        if name:
            self.choose(name)

    def _set_grid(self, names: tuple[str, ...], cols: int) -> None:
        """Put the panels of ``names`` on a grid of ``cols`` columns (if that changed)."""
        if (names, cols) == self._grid:
            return
        ci = self.graphics.ci
        scene = self.graphics.scene()
        for panel in self._pool:
            if panel.plot in ci.items:
                ci.removeItem(panel.plot)
            if panel.plot.scene() is None:
                # Kept in the scene, hidden: the scene owns it and deletes it with the view
                # (an item left to Python's garbage collector outlived its scene: a crash).
                scene.addItem(panel.plot)
            panel.plot.setVisible(False)
        self._grid = (names, cols)
        if not names:
            return
        rows = math.ceil(len(names) / cols)
        for k, name in enumerate(names):
            panel = self._panels[name]
            row, col = divmod(k, cols)
            panel.plot.setVisible(True)
            ci.addItem(panel.plot, row=row, col=col)
            if row == rows - 1:
                style_axis(panel.axis, "input at step t")
            else:
                panel.axis.showLabel(False)
        self._place_markers()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._arrange()

    def _place_markers(self) -> None:
        t = self._frame
        visible = t is not None and 0 <= t < self._T
        for panel in self._panels.values():
            if visible:
                panel.marker.set_column(t, self._H)  # type: ignore[arg-type]
            panel.marker.setVisible(visible)

    def _update_symmetric(self, panel: HeatmapPanel, a: np.ndarray) -> None:
        """Follow ±max|a|: grow at once, shrink by SHRINK_RATE of the gap per update.

        The colour range is that level rounded up to a round number (:data:`LEVEL_STEPS`),
        so it, and the colour bar's axis with it, changes only now and then instead of on
        every frame (re-rendering the axis was a good part of a frame's drawing).
        """
        m = float(np.max(np.abs(a))) if a.size else 0.0
        if not math.isfinite(m):
            return
        m = max(m, 1e-6)
        panel.level = m if m > panel.level else panel.level + SHRINK_RATE * (m - panel.level)
        shown = round_up(panel.level, LEVEL_STEPS)
        if (-shown, shown) != panel.bar.levels():
            panel.bar.set_levels((-shown, shown))

    # ------------------------------------------------------------------ mouse
    def _hit(self, scene_pos: QPointF) -> tuple[HeatmapPanel, int, int] | None:
        """(panel, t, unit) under a scene position, or None."""
        for panel in (self._panels[name] for name in self._shown):
            vb = panel.plot.getViewBox()
            if not vb.sceneBoundingRect().contains(scene_pos):
                continue
            p = vb.mapSceneToView(scene_pos)
            t, unit = round(p.x()), round(p.y())
            if 0 <= t < self._T and 0 <= unit < self._H:
                return panel, t, unit
            return None
        return None

    def _shown_states(self) -> dict[str, np.ndarray]:
        """The arrays drawn: the intervention's differences, or the probe's states."""
        return self._states if self._diff is None else self._diff

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        if hit is None:
            return
        panel, t, unit = hit
        self._show_value(panel.spec.name, t, unit)

    def _show_value(self, name: str, t: int, unit: int) -> None:
        """Write the value of array ``name`` at step ``t``, unit ``unit`` in the read-out."""
        panel = self._panels.get(name)
        a = self._shown_states().get(name)
        if panel is None or a is None or t >= a.shape[0] or unit >= a.shape[1]:
            return
        self._hovered = (name, t, unit)
        labels = self._tokens.labels
        token = visible_token(labels[t]) if t < len(labels) else "?"
        self.readout.setText(
            f"<b>{panel.spec.label}</b> &nbsp; unit <b>{unit}</b> &nbsp; {step_name(t)} "
            f"&nbsp; input <b>{_html(token)}</b> &nbsp; value <b>{float(a[t, unit]):+.3f}</b>"
            f" &nbsp; <span style='color:#607080'>{_html(panel.spec.meaning)}</span>"
        )

    def _on_mouse_clicked(self, event: object) -> None:
        if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            return
        hit = self._hit(event.scenePos())  # type: ignore[attr-defined]
        if hit is None:
            return
        panel, t, unit = hit
        self.set_frame(t)
        self.frameClicked.emit(t)
        self.unitClicked.emit(panel.spec.name, unit)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "COLORMAPS",
    "HeatmapPanel",
    "StateHeatmaps",
    "UnitAxis",
    "display_order",
    "grid_columns",
]
