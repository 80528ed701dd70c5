"""The cell diagram: the current cell drawn from its own declaration, coloured by its values at t.

Every box is a node of the cell's :class:`~rnnviz.core.cell.Diagram` (inputs, gates,
candidates, states, the output) placed on the grid its layout hint gives (column = the order
data flows), every arrow one of its edges. One box more is the network's: the prediction ŷ_t
read from the cell's output (the task's answer at t: the most likely token and its
probability, a bit, a value), placed above the output box (below it, or in a column of its
own, when that spot is taken). The grid fills the widget's width: a box takes
:data:`BOX_SHARE` of its column's width, or all but :data:`ARROW_GAP_PT` of a wide column (a
cell with few columns, the vanilla RNN, gets large boxes rather than wide empty gaps); a row is
at most :data:`ROW_SPAN` box heights, and a grid with few rows is centred.

A box is filled with the colour of its value at the selected step and unit (or, with the
whole layer shown, a strip of every unit's colour), on the scale of the array it shows: 0…1
for gates, −1…1 for tanh values, ±max for unbounded states (the same maps as the heatmaps); the
prediction's box by the probability of its answer. A legend under the boxes says which colours
mean what.

Two more ways to look at a step:

* **slow motion**: ``set_stage(k)`` lights the nodes of the k-th column (input → gates → cell
  state → hidden state); later columns are drawn empty (not computed yet); the stage after the
  last column lights the prediction;
* **backward**: ``set_backward(True)`` colours each node by the gradient reaching it at t
  (|dL/da_k| for a gate, dL/dh_t for the output, what a carried state receives from t+1 and
  what the inputs pass back to t−1), on a 0…max scale; a frame explained without its weights
  has no gradient per unit, and its boxes stay empty (the legend says why).

Nothing here names a cell: keys, labels, kinds and positions come from the declaration.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QRegion,
)
from PyQt6.QtWidgets import QSizePolicy, QWidget

from rnnviz.app.widgets._common import (
    BACKGROUND,
    FOREGROUND,
    line_width,
    points,
    round_up,
    visible_token,
)
from rnnviz.app.widgets.heatmaps import COLORMAPS
from rnnviz.core.cell import INPUT, Diagram, DiagramNode
from rnnviz.core.explain import number
from rnnviz.tasks.readout import StepPrediction, value_text
from rnnviz.train.closeup import Closeup

#: Colour map of gradient magnitudes in backward mode, on a log scale from GRADIENT_DECADES x the
#: largest (rounded up to a power of ten) to the largest: gradients span decades through time.
GRADIENT_MAP = "inferno"
GRADIENT_DECADES = 1e-4
#: The backward legend of a frame explained without its weights (its boxes are left empty).
NO_GRADIENTS = "No gradients: this frame's weights were not kept."
#: Fill of a node not computed yet (slow motion) and of one without data.
PENDING = QColor("#eceff1")
#: Outline of a lit node (slow motion) and of ordinary ones.
LIT, PLAIN = QColor("#ff6f00"), QColor(FOREGROUND)
#: Key and label of the prediction's box (not a node of the cell: the output layer's).
PREDICTION, PREDICTION_LABEL = "ŷ", "ŷ_t"
#: A row of the grid is at most this many box heights: few rows are not stretched apart.
ROW_SPAN = 1.9
#: Largest box, in points at the application's scale (width, height).
BOX_W_PT, BOX_H_PT = 190, 130
#: A box is at most this much wider than high, and takes this share of its column's width...
BOX_ASPECT, BOX_SHARE = 0.85, 0.7
#: ...leaving its arrows at most this many points (a wide column gives the rest to its box).
ARROW_GAP_PT = 30
_SUB = str.maketrans("0123456789+−-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")


def plain_label(label: str) -> str:
    """ "h_{t−1}" -> "hₜ₋₁", "f_t" -> "fₜ": a declared label with unicode subscripts."""
    head, sep, sub = label.partition("_")
    if not sep:
        return label
    sub = sub[1:-1] if sub.startswith("{") and sub.endswith("}") else sub
    low = sub.translate(_SUB)
    return head + low if all(c != o for c, o in zip(low, sub, strict=True)) else label


@functools.lru_cache(maxsize=16)
def colour_map(name: str) -> pg.ColorMap:
    """pyqtgraph's colour map ``name``, read once."""
    return pg.colormap.get(name)


@functools.lru_cache(maxsize=16)
def byte_stops(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The stops of colour map ``name`` as (positions (k,), uint8 RGBA (k, 4)), read once
    (``ColorMap.map`` converts them again on every call)."""
    pos, rgba = colour_map(name).getStops("byte")  # (k,), (k, 4)
    return np.asarray(pos), np.asarray(rgba)


def map_bytes(name: str, x: np.ndarray) -> np.ndarray:
    """(n, 4) uint8 RGBA of positions ``x`` (n,) in 0..1 on colour map ``name``: what
    ``ColorMap.map(x, mode="byte")`` gives (channel by channel linear between the stops,
    truncated to bytes), from the stops read once."""
    pos, rgba = byte_stops(name)
    out = np.empty((*x.shape, rgba.shape[1]), dtype=rgba.dtype)  # (n, 4)
    for i in range(rgba.shape[1]):
        out[..., i] = np.interp(x, pos, rgba[:, i])  # (n,)
    return out


@functools.lru_cache(maxsize=16)
def stop_lists(name: str) -> tuple[list[float], list[list[float]]]:
    """The stops of colour map ``name`` as Python floats: positions (k), and per channel (4, k)."""
    pos, rgba = byte_stops(name)  # (k,), (k, 4)
    return [float(p) for p in pos], [[float(v) for v in rgba[:, i]] for i in range(rgba.shape[1])]


def map_byte(name: str, x: float) -> tuple[int, ...]:
    """RGBA bytes of one position ``x`` in 0..1 on colour map ``name``: :func:`map_bytes` of
    one value, as ``np.interp`` computes it (the same operations on the same doubles), without
    the cost of four numpy calls for one number."""
    pos, channels = stop_lists(name)
    j = bisect.bisect_right(pos, x) - 1  # pos[j] <= x < pos[j + 1]
    if j < 0:
        return tuple(int(ch[0]) for ch in channels)
    if j >= len(pos) - 1:
        return tuple(int(ch[-1]) for ch in channels)
    if pos[j] == x:
        return tuple(int(ch[j]) for ch in channels)
    dx = x - pos[j]
    span = pos[j + 1] - pos[j]
    return tuple(int((ch[j + 1] - ch[j]) / span * dx + ch[j]) for ch in channels)


@dataclass(frozen=True)
class Scale:
    """How one node's values become colours: a colour map over ``levels``."""

    cmap: str
    levels: tuple[float, float]
    log: bool = False  # levels are powers of ten; values are placed by log10 |v|

    def colours(self, values: np.ndarray) -> np.ndarray:
        """(n, 4) uint8 RGBA of ``values`` (n,) on this scale (outside the levels: the ends)."""
        lo, hi = self.levels
        v = np.asarray(values, np.float64)  # (n,)
        if self.log:
            with np.errstate(divide="ignore"):
                v = np.log10(np.abs(v))  # (n,) -inf for 0: the low end
            lo, hi = np.log10(lo), np.log10(hi)
        x = np.clip((v - lo) / (hi - lo or 1.0), 0.0, 1.0)  # (n,)
        x = np.nan_to_num(x, nan=0.5)
        return map_bytes(self.cmap, x)  # (n, 4)

    def colour(self, value: float) -> QColor:
        """The colour of one value: ``colours([value])[0]``, computed without numpy."""
        lo, hi = self.levels
        v = float(value)
        if self.log:
            v = math.log10(abs(v)) if v != 0.0 else -math.inf
            lo, hi = math.log10(lo), math.log10(hi)
        x = (v - lo) / (hi - lo or 1.0)
        x = 0.5 if math.isnan(x) else min(max(x, 0.0), 1.0)
        return QColor(*map_byte(self.cmap, x))

    def text(self) -> str:
        """ "0 … 1", "−1 … 1", "−2.5 … 2.5"."""
        lo, hi = self.levels
        if self.log:
            return f"{lo:.0e} … {hi:.0e} (log)".replace("-", "−")
        fmt = "{:.3g}"
        return f"{fmt.format(lo)} … {fmt.format(hi)}".replace("-", "−")


#: The colour scale of the prediction's box: the probability of its answer (the gates' map).
PROBABILITY_SCALE = Scale(COLORMAPS["sequential"], (0.0, 1.0))


def prediction_spot(diagram: Diagram) -> tuple[int, int]:
    """Where the prediction's box goes: above the cell's output box if that spot is free,
    else below it, else in a column of its own to its right."""
    out = next(n for n in diagram.nodes if n.kind == "output")
    taken = {n.pos for n in diagram.nodes}
    col, row = out.pos
    for spot in ((col, row - 1), (col, row + 1)):
        if spot[1] >= 0 and spot not in taken:
            return spot
    return (max(n.pos[0] for n in diagram.nodes) + 1, row)


def prediction_node(diagram: Diagram) -> DiagramNode:
    """The prediction's box as a node (fed by the cell's output)."""
    return DiagramNode(PREDICTION, PREDICTION_LABEL, "", "prediction", prediction_spot(diagram))


def answer_text(p: StepPrediction) -> str:
    """What the prediction's box says, rounded as the read-out rounds it: "e (41.3%)",
    "1 (0.93)", "0.522" (:func:`~rnnviz.tasks.readout.value_text`). The probability is in
    parentheses: a depth's "2 99.8%" read as one number."""
    if p.top:
        label, prob = p.top[0]
        return f"{visible_token(label)} ({prob:.1%})"
    if p.value is not None:
        return value_text(p.value).replace("-", "−")
    if p.probability is not None:
        return f"{visible_token(p.predicted)} ({p.probability:.2f})"
    return visible_token(p.predicted)


def _minus(label: str) -> str:
    """A number's minus sign as the boxes write it ("−0.565"); any other label as it is (a
    text's "-" is a hyphen)."""
    try:
        float(label)
    except ValueError:
        return label
    return label.replace("-", "−")


def answer_probability(p: StepPrediction) -> float | None:
    """The probability the model gives its answer (None for a value)."""
    if p.top:
        return float(p.top[0][1])
    return None if p.probability is None else float(p.probability)


def forward_scale(closeup: Closeup, key: str) -> Scale:
    """The colour scale of node ``key``: its StateSpec's range, else ±max (or 0…max) over t.

    A previous state (c_{t−1}) is drawn on its state's scale (c_t's), so one colour means one
    value in both boxes.
    """
    spec = closeup.spec(key)
    if spec is not None and spec.scale != "symmetric":
        return Scale(COLORMAPS[spec.scale], (float(spec.lo), float(spec.hi)))  # type: ignore[arg-type]
    source = spec.name if spec is not None and spec.name in closeup.steps[0] else key
    low, top = closeup.extents[source]  # over t, computed with the closeup (not here)
    top = round_up(top) if top else 1.0
    top = top if np.isfinite(top) and top > 0 else 1.0
    if spec is None and low >= 0:
        return Scale(COLORMAPS["sequential"], (0.0, top))
    return Scale(COLORMAPS["symmetric"], (-top, top))


def backward_values(closeup: Closeup, key: str, t: int) -> np.ndarray | None:
    """(H,) the gradient node ``key`` receives at step t, or None (the input x_t).

    The output state gets dL/dh_t (own loss and from t+1); a gate (or candidate) dL/da at its
    pre-activation; another carried state what arrives from t+1; a previous state what step t
    passes back to it.
    """
    return closeup.gradient(key, t)


def strip_image(rgba: np.ndarray) -> QImage:
    """A one-pixel-high image of ``rgba`` (n, 4) uint8 colours (it owns a copy of them)."""
    data = np.ascontiguousarray(rgba, dtype=np.uint8).tobytes()  # (n * 4,)
    n = len(data) // 4
    return QImage(data, n, 1, 4 * n, QImage.Format.Format_RGBA8888).copy()


def _fitted(font: QFont, text: str, room: float) -> QFont:
    """``font``, or a smaller copy of it in which every line of ``text`` is at most ``room``
    pixels wide."""
    lines = text.split("\n")
    widest = max(QFontMetricsF(font).horizontalAdvance(line) for line in lines)
    if widest <= room or room <= 0:
        return font
    smaller, size = QFont(font), font.pointSizeF() * room / widest
    while size > 4.0:  # glyph widths do not scale exactly with the size: a few tries
        smaller.setPointSizeF(size)
        if max(QFontMetricsF(smaller).horizontalAdvance(line) for line in lines) <= room:
            break
        size *= 0.95
    smaller.setPointSizeF(max(4.0, size))
    return smaller


class CellDiagram(QWidget):
    """Boxes and arrows of the current cell at one step (see the module docstring)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._closeup: Closeup | None = None
        self._t = 0
        self._unit: int | None = 0  # None: the whole layer
        self._stage: int | None = None
        self._backward = False
        self._scales: dict[str, Scale] = {}
        self._grad_scale = Scale(GRADIENT_MAP, (0.0, 1.0))
        self._columns: tuple[int, ...] = ()
        self._nodes: tuple[DiagramNode, ...] = ()  # the cell's, then the prediction's
        self._by_key: dict[str, DiagramNode] = {}
        self._edges: tuple[tuple[str, str], ...] = ()
        self._answer_hidden = False
        # what does not change with the step, drawn once per (closeup, mode, size, scale):
        # the background, arrows and legend as a picture, the boxes' places and fonts
        self._static_key: tuple | None = None
        self._static: QPixmap | None = None
        self._rects: dict[str, QRectF] = {}
        self._legend: list[tuple[Scale, str]] = []
        self._fonts: dict[str, QFont] = {}  # each box's
        self._labels: dict[str, str] = {}  # each box's label, as drawn
        self._pens: tuple[QPen, QPen] = (QPen(), QPen())  # a box's outline: plain, lit
        self._boxes = QRegion()  # every pixel a box's drawing may touch
        self.setToolTip(
            "The cell at the selected step: each box is filled with its value "
            "(the colour scales are under the boxes); arrows show where values flow."
        )

    # ------------------------------------------------------------------ state
    def set_closeup(self, closeup: Closeup | None) -> None:
        """Draw ``closeup``'s cell (None: an empty diagram)."""
        self._closeup = closeup  # the picture is drawn again only if its content changed
        self._scales = {}
        self._columns = ()
        self._nodes, self._edges = (), ()
        self._by_key = {}
        if closeup is not None:
            d = closeup.diagram
            self._scales = {n.key: forward_scale(closeup, n.key) for n in d.nodes}
            self._columns = tuple(sorted({n.pos[0] for n in d.nodes}))
            out = next(n.key for n in d.nodes if n.kind == "output")
            self._nodes = (*d.nodes, prediction_node(d))
            self._edges = (*d.edges, (out, PREDICTION))
            self._by_key = {n.key: n for n in self._nodes}
            self._t = min(self._t, closeup.T - 1)
            if self._unit is not None:
                self._unit = min(self._unit, closeup.H - 1)
            self._grad_scale = self._gradient_scale()
        self.update()

    def set_step(self, t: int) -> None:
        """Show time step ``t``."""
        self._repaint_if("_t", int(t))

    def set_unit(self, unit: int | None) -> None:
        """Show one unit's values (None: every unit of the layer as a strip)."""
        self._repaint_if("_unit", unit)

    def set_stage(self, stage: int | None) -> None:
        """Slow motion: light the nodes of column ``stage``, or after the last column the
        prediction (None: the whole step at once)."""
        self._repaint_if("_stage", stage)

    def set_answer_hidden(self, hidden: bool) -> None:
        """Predict, then reveal: the prediction's box says "?" until the answer is shown."""
        self._repaint_if("_answer_hidden", bool(hidden))

    def _repaint_if(self, name: str, value: object) -> None:
        """Set attribute ``name``; repaint the boxes only if it changed (the frame view sets
        them all on every new training frame, most often to what they were)."""
        if getattr(self, name) != value:
            setattr(self, name, value)
            self._update_boxes()

    def _update_boxes(self) -> None:
        """Repaint the boxes (what a step, a unit, a stage or the answer changes), not the
        background, arrows and legend around them."""
        self._layout()
        self.update(self._boxes)

    @property
    def nodes(self) -> tuple[DiagramNode, ...]:
        """Every box drawn: the cell's nodes, then the prediction's."""
        return self._nodes

    @property
    def edges(self) -> tuple[tuple[str, str], ...]:
        """Every arrow drawn: the cell's edges, then output → prediction."""
        return self._edges

    def node(self, key: str) -> DiagramNode | None:
        """The box showing ``key`` (None if there is none)."""
        return self._by_key.get(key)

    def prediction_lit(self) -> bool:
        """Whether slow motion is at its last stage: the prediction."""
        return self._stage is not None and self._stage >= len(self._columns)

    def set_backward(self, on: bool) -> None:
        """Colour nodes by the gradient reaching them instead of their values."""
        self._backward = bool(on)
        self.update()

    @property
    def columns(self) -> tuple[int, ...]:
        """The layout columns in data-flow order (the slow-motion stages)."""
        return self._columns

    def lit(self) -> tuple[str, ...]:
        """Keys of the nodes lit in slow motion (empty when not in slow motion)."""
        if self._closeup is None or self._stage is None or self.prediction_lit():
            return ()
        col = self._columns[min(self._stage, len(self._columns) - 1)]
        return tuple(n.key for n in self._closeup.diagram.nodes if n.pos[0] == col)

    def pending(self, node: DiagramNode) -> bool:
        """Whether ``node`` is not computed yet at the current slow-motion stage."""
        if self._stage is None or not self._columns:
            return False
        if node.key == PREDICTION:
            return not self.prediction_lit()
        return node.pos[0] > self._columns[min(self._stage, len(self._columns) - 1)]

    def node_values(self, key: str) -> np.ndarray | None:
        """What node ``key`` shows at the current step: values, or gradients in backward mode
        (None for the prediction: it is not a layer of units)."""
        c = self._closeup
        if c is None or key == PREDICTION:
            return None
        if self._backward:
            return backward_values(c, key, self._t)
        return c.value(key, self._t)

    def node_scale(self, key: str) -> Scale:
        """The colour scale node ``key`` is drawn on now."""
        return self._grad_scale if self._backward else self._scales[key]

    def node_colour(self, key: str) -> QColor:
        """The fill of node ``key`` in unit view (PENDING if not computed yet or no data)."""
        if key == PREDICTION:
            return self._prediction_colour()
        values = self.node_values(key)
        node = self.node(key)
        if values is None or node is None or self.pending(node):
            return QColor(PENDING)
        if self._unit is None and (key != INPUT or self._backward):
            return QColor(PENDING)
        v = values[self._entry(key, values)]
        return self.node_scale(key).colour(abs(v) if self._backward else v)

    def node_text(self, key: str) -> str:
        """The number written in node ``key``, as the equations write it ("" in layer view or
        when pending).

        The input x_t is not a layer of units: it shows the token read (one-hot inputs) or its
        first values.
        """
        c = self._closeup
        node = self.node(key)
        if c is None or node is None or self.pending(node):
            return ""
        if key == PREDICTION:
            return "?" if self._answer_hidden else answer_text(c.predictions[self._t])
        values = self.node_values(key)
        if values is None:
            return ""
        if key == INPUT and not self._backward:  # the input as the read-out names it
            if self._t < len(c.predictions):
                return _minus(visible_token(c.predictions[self._t].input))
            text = ", ".join(value_text(v) for v in values[:3]) + (" …" if values.size > 3 else "")
            return text.replace("-", "−")
        if self._unit is None:
            return ""
        return number(values[self._entry(key, values)]).replace("-", "−")

    def _prediction_colour(self) -> QColor:
        """The prediction's fill: the probability of its answer (none when hidden, pending, in
        backward mode, or for a value)."""
        c, node = self._closeup, self.node(PREDICTION)
        if c is None or node is None or self.pending(node) or self._answer_hidden:
            return QColor(PENDING)
        prob = answer_probability(c.predictions[self._t])
        if self._backward or prob is None:
            return QColor(BACKGROUND)
        return PROBABILITY_SCALE.colour(prob)

    def _entry(self, key: str, values: np.ndarray) -> int:
        """The entry of ``values`` a box shows: the selected unit's; for the input x_t (not a
        layer of units) its largest entry."""
        if key == INPUT and not self._backward:
            return int(np.argmax(np.abs(values)))
        return int(self._unit or 0)

    def _gradient_scale(self) -> Scale:
        c = self._closeup
        if c is None:
            return Scale(GRADIENT_MAP, (0.0, 1.0))
        top = c.gradient_top  # over t and nodes, computed with the closeup (not here)
        top = 10.0 ** np.ceil(np.log10(top)) if np.isfinite(top) and top > 0 else 1.0
        return Scale(GRADIENT_MAP, (top * GRADIENT_DECADES, top), log=True)

    # ------------------------------------------------------------------ painting
    def sizeHint(self) -> QSize:
        return QSize(round(420 * points(1)), round(260 * points(1)))

    def minimumSizeHint(self) -> QSize:
        return QSize(round(170 * points(1)), round(220 * points(1)))

    def _layout(self) -> None:
        """Recompute the legend, the boxes' places, fonts and region, and drop the picture of
        the background, arrows and legend, when what they show changed: the cell's boxes and
        arrows, the legend's scales, the mode, the size or the scale. A new closeup of the same
        cell whose colour scales are the same (they are rounded: most new closeups) keeps them."""
        legend = self._make_legend_entries()
        key = (
            self._nodes,
            self._edges,
            tuple(legend),
            self._backward,
            self.width(),
            self.height(),
            self.devicePixelRatioF(),
            points(1),
            self.font().toString(),
        )
        if key == self._static_key:
            return
        self._static_key = key
        self._legend = legend
        self._rects = self._make_node_rects()
        self._fonts = {k: self._box_font(r) for k, r in self._rects.items()}
        self._labels = {n.key: plain_label(n.label) for n in self._nodes}
        plain, lit = line_width(1.0), line_width(3.0)
        self._pens = (QPen(PLAIN, plain), QPen(LIT, lit))
        grow = math.ceil(max(plain, lit) / 2) + 2  # half the outline, and its antialiasing
        self._boxes = QRegion()
        for r in self._rects.values():
            self._boxes |= QRegion(r.toAlignedRect().adjusted(-grow, -grow, grow, grow))
        self._static = None  # drawn at the next paint

    def _picture(self) -> QPixmap:
        """The background, arrows and legend, drawn once per :meth:`_layout`."""
        self._layout()
        if self._static is not None:
            return self._static
        dpr = self.devicePixelRatioF()
        pix = QPixmap(max(1, round(self.width() * dpr)), max(1, round(self.height() * dpr)))
        pix.setDevicePixelRatio(dpr)
        p = QPainter(pix)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(QRectF(0, 0, self.width(), self.height()), QColor(BACKGROUND))
        if self._closeup is not None and self._rects:
            self._paint_edges(p, self._rects)
            self._paint_legend(p)
        p.end()
        self._static = pix
        return pix

    def _legend_entries(self) -> list[tuple[Scale, str]]:
        self._layout()
        return self._legend

    def _make_legend_entries(self) -> list[tuple[Scale, str]]:
        c = self._closeup
        if c is None:
            return []
        if self._backward and not c.has_weights:  # no gradient is known per unit: none drawn
            return [(self._grad_scale, NO_GRADIENTS)]
        if self._backward:
            return [(self._grad_scale, "|gradient| reaching each box")]
        groups: dict[Scale, list[str]] = {}
        for n in c.diagram.nodes:
            groups.setdefault(self._scales[n.key], []).append(plain_label(n.label))
        if c.predictions and answer_probability(c.predictions[0]) is not None:
            label = f"{plain_label(PREDICTION_LABEL)} (p)"
            groups.setdefault(PROBABILITY_SCALE, []).append(label)
        return [(s, " ".join(labels)) for s, labels in groups.items()]

    def legend_text(self) -> list[str]:
        """The legend's lines, e.g. "0 … 1: fₜ iₜ oₜ" (for tests and screen readers)."""
        return [
            labels if labels == NO_GRADIENTS else f"{s.text()}: {labels}"
            for s, labels in self._legend_entries()
        ]

    def node_rects(self) -> dict[str, QRectF]:
        """Where each node's box is drawn, in widget coordinates."""
        self._layout()
        return dict(self._rects)

    def _make_node_rects(self) -> dict[str, QRectF]:
        nodes = self._nodes
        if self._closeup is None or not nodes:
            return {}
        cols = max(n.pos[0] for n in nodes) + 1
        rows = max(n.pos[1] for n in nodes) + 1
        w, h = self.width(), self.height() - self._legend_height()
        cw = w / cols
        gap = min(cw * (1 - BOX_SHARE), ARROW_GAP_PT * points(1))
        bw = min(cw - gap, BOX_W_PT * points(1))
        bh = min(bw * BOX_ASPECT, BOX_H_PT * points(1))
        rh = min(h / rows, bh * ROW_SPAN)  # (few rows: not stretched apart)
        bh = min(bh, rh * 0.72)
        top = (h - rh * rows) / 2  # a grid shorter than the room is centred
        rects = {}
        for n in nodes:
            cx, cy = (n.pos[0] + 0.5) * cw, top + (n.pos[1] + 0.5) * rh
            rects[n.key] = QRectF(cx - bw / 2, cy - bh / 2, bw, bh)
        return rects

    def _legend_height(self) -> int:
        lines = max(1, len(self._legend_entries()))
        return lines * (QFontMetrics(self._font()).height() + 4) + 6

    def _box_font(self, box: QRectF) -> QFont:
        """The font of ``box``: 11.5 points at the application's scale, smaller when two lines
        of it would not fit in the box, up to half as large again in a large box."""
        font = self._font(1.15)
        fits = QFontMetrics(font).height() * 2.3
        if box.height() > 0:
            grow = min(1.5, box.height() / (fits * 1.3)) if box.height() > fits * 1.3 else 1.0
            shrink = box.height() / fits if fits > box.height() else 1.0
            font.setPointSizeF(max(5.0, font.pointSizeF() * grow * shrink))
        return font

    def _font(self, scale: float = 1.0) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(points(10 * scale))
        return font

    def paintEvent(self, event: object) -> None:
        picture = self._picture()
        p = QPainter(self)
        p.drawPixmap(0, 0, picture)  # background, arrows, legend
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        c = self._closeup
        if c is None or not self._rects:
            p.setPen(QColor(FOREGROUND))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The cell appears here.")
            p.end()
            return
        rects = self._rects
        lit = set(self.lit()) | ({PREDICTION} if self.prediction_lit() else set())
        for n in self._nodes:
            self._paint_node(p, n, rects[n.key], n.key in lit)
        p.end()

    def _paint_edges(self, p: QPainter, rects: dict[str, QRectF]) -> None:
        pen = QPen(QColor("#90a4ae"), line_width(1.4))
        p.setPen(pen)
        p.setBrush(QBrush(QColor("#90a4ae")))
        for src, dst in self._edges:
            a, b = rects[src], rects[dst]
            span = self._span(src, dst)
            if span == 0:  # one column: straight up or down (the prediction)
                up = b.center().y() < a.center().y()
                start = QPointF(a.center().x(), a.top() if up else a.bottom())
                end = QPointF(b.center().x(), b.bottom() if up else b.top())
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawLine(start, end)
                self._arrow_head(p, end, QPointF(0.0, -1.0 if up else 1.0))
                continue
            start = QPointF(a.right(), a.center().y())
            end = QPointF(b.left(), b.center().y())
            path = QPainterPath(start)
            if span > 1:  # skip the boxes between: arc above them
                lift = a.height() * 0.9
                path.cubicTo(
                    QPointF(start.x() + 20, start.y() - lift),
                    QPointF(end.x() - 20, end.y() - lift),
                    end,
                )
                tangent = QPointF(20, lift)
            else:
                mid = (start.x() + end.x()) / 2
                path.cubicTo(QPointF(mid, start.y()), QPointF(mid, end.y()), end)
                tangent = QPointF(1.0, 0.0)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
            self._arrow_head(p, end, tangent)

    def _span(self, src: str, dst: str) -> int:
        a, b = self.node(src), self.node(dst)
        return 0 if a is None or b is None else b.pos[0] - a.pos[0]

    def _arrow_head(self, p: QPainter, tip: QPointF, tangent: QPointF) -> None:
        length = float(np.hypot(tangent.x(), tangent.y())) or 1.0
        ux, uy = tangent.x() / length, tangent.y() / length
        size = 7 * points(1)
        left = QPointF(tip.x() - size * ux + size * 0.5 * uy, tip.y() - size * uy - size * 0.5 * ux)
        right = QPointF(
            tip.x() - size * ux - size * 0.5 * uy, tip.y() - size * uy + size * 0.5 * ux
        )
        p.setBrush(QBrush(QColor("#90a4ae")))
        p.drawPolygon([tip, left, right])

    def _paint_node(self, p: QPainter, n: DiagramNode, r: QRectF, lit: bool) -> None:
        values = self.node_values(n.key)
        pending = self.pending(n)
        p.setPen(self._pens[lit])
        if self._unit is None and values is not None and not pending and n.key != INPUT:
            p.setBrush(QBrush(QColor(BACKGROUND)))
            p.drawRoundedRect(r, 6, 6)
            strip = r.adjusted(4, r.height() * 0.45, -4, -4)
            data = np.abs(values) if self._backward else values
            p.drawImage(strip, strip_image(self.node_scale(n.key).colours(data)))
            p.setPen(QPen(PLAIN, 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(strip)
            text_rect = r.adjusted(0, 0, 0, -r.height() * 0.55)
            colour = QColor(FOREGROUND)
        else:
            fill = self.node_colour(n.key)
            p.setBrush(QBrush(fill))
            p.drawRoundedRect(r, 6, 6)
            text_rect = r
            luma = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
            colour = QColor("#ffffff") if luma < 140 else QColor("#000000")
        p.setPen(colour)
        label = self._labels[n.key]
        number = "?" if pending else self.node_text(n.key)
        text = f"{label}\n{number}" if number else label
        p.setFont(self._fitting_font(n.key, r, text))
        p.drawText(text_rect, Qt.AlignmentFlag.AlignCenter, text)

    def _fitting_font(self, key: str, box: QRectF, text: str) -> QFont:
        """Box ``key``'s font, smaller if a line of ``text`` is wider than ``box`` (a gradient
        written −6.72e−03 was cut to '6.72e−0' in a narrow box)."""
        return _fitted(self._fonts[key], text, box.width() - 4)  # - 4: the rounded corners

    def _paint_legend(self, p: QPainter) -> None:
        font = self._font()
        p.setFont(font)
        fm = QFontMetrics(font)
        line = fm.height() + 4
        y = self.height() - self._legend_height() + 4
        bar_w = 90 * points(1)
        for scale, labels in self._legend:
            if labels == NO_GRADIENTS:  # no scale: nothing is drawn on it
                p.setPen(QPen(QColor(FOREGROUND), 1))
                p.setFont(_fitted(font, labels, self.width() - 12))
                p.drawText(QPointF(8, y + fm.ascent()), labels)
                y += line
                continue
            spread = np.geomspace if scale.log else np.linspace
            ramp = spread(scale.levels[0], scale.levels[1], 64)  # (64,)
            bar = QRectF(8, y + 2, bar_w, fm.height() - 4)
            p.drawImage(bar, strip_image(scale.colours(ramp)))
            p.setPen(QPen(QColor(FOREGROUND), 1))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(bar)
            text, x = f"{scale.text()}   {labels}", bar.right() + 8
            p.setFont(_fitted(font, text, self.width() - x - 4))
            p.drawText(QPointF(x, y + fm.ascent()), text)
            y += line
