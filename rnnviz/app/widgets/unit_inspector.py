"""The unit inspector: one unit of one array, up close (a unit card).

For unit j of array s (h, c or a gate) at the frame on screen it shows

- the probe text, each character on the colour of s_t[j] after reading it (a colour bar says
  which value a colour is, with the heatmap's colour map and range for s);
- s_t[j] over the probe, with every gate of the same unit (its gate profile) and the cursor;
- the held-out characters where s[j] is highest and lowest, each in its context (traced in the
  worker thread: :func:`rnnviz.train.inspection.top_contexts`; this widget only asks for them
  through :attr:`UnitInspector.contextsWanted` and draws the answer);
- or, for a text the user pastes (:class:`~rnnviz.app.widgets.text_source.TextSource`), that
  text coloured by s[j] and its own highest and lowest characters (traced in the worker too:
  :func:`rnnviz.train.user_text.trace_text`; :attr:`UnitInspector.pasted` says which text the
  owner should trace), with a button back to the held-out text;
- predict-then-reveal (:meth:`UnitInspector.set_mask`): the probe's inputs that are targets the
  class is guessing read "?" in the coloured text and on both token axes, as in the main window;
- a units overview that keeps 128+ units readable: the layer's rows ordered by variance over
  the probe, gate saturation or |correlation| with the features of Find units, of which only the
  first few are shown, each row tall enough to click; clicking one inspects it.

Ordering (:func:`unit_order`), per unit j over the probe's T steps::

    variance     var_t s_t[j]
    saturation   #{t : u_t[j] < 0.1} / T + #{t : u_t[j] > 0.9} / T,  u = (s - lo) / (hi - lo)
    correlation  |r_j| with the feature last ranked (core.units.correlations)
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.reveal import MaskedTokens, TargetMask
from rnnviz.app.widgets._common import (
    COLOURS,
    FOREGROUND,
    TokenAxis,
    header_label,
    legend_html,
    line_width,
    plot_widget,
    points,
    visible_token,
)
from rnnviz.app.widgets.info import InfoButton
from rnnviz.app.widgets.scales import CMAPS, ColourScale, coloured_text_html, spec_levels
from rnnviz.app.widgets.text_source import TextSource, traced_html
from rnnviz.app.widgets.unit_map import UnitMap
from rnnviz.core.types import StateSpec
from rnnviz.core.units import saturation
from rnnviz.train.frame import Frame
from rnnviz.train.inspection import UnitContexts
from rnnviz.train.user_text import TracedText

#: Orders of the units overview: key -> what the combo box says.
ORDERS = {
    "unit": "unit number",
    "variance": "variance over the probe",
    "saturation": "saturation (< 0.1 or > 0.9)",
    "correlation": "|correlation| with the feature",
}
#: Rows the overview shows at first (each row tall enough to click).
DEFAULT_ROWS = 16
#: Point size of the coloured probe text (before the presentation scale).
TEXT_PT = 12
GATE_COLOURS = ("orange", "green", "purple", "red", "grey", "black")


def unit_order(
    values: np.ndarray, spec: StateSpec, key: str, r: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Units ordered by ``key`` (best first) and each unit's score, see the module docstring.

    Parameters
    ----------
    values : ndarray
        (T, H) the array on the probe.
    spec : StateSpec
        Its declaration (the range saturation is measured in).
    key : str
        One of :data:`ORDERS`.
    r : ndarray, optional
        (H,) correlations with a feature (NaN: none); needed for "correlation".

    Returns
    -------
    order : ndarray
        (H,) unit numbers, highest score first (ties by unit number).
    score : ndarray
        (H,) float64 the score of each unit (by unit number); NaN where there is none.
    """
    s = np.asarray(values, np.float64)  # (T, H)
    H = s.shape[1]
    if key == "unit":
        score = np.arange(H, dtype=np.float64)  # (H,)
        return np.arange(H), score
    if key == "variance":
        score = s.var(axis=0)  # (H,)
    elif key == "saturation":
        if spec.lo is None or spec.hi is None:
            score = np.full(H, np.nan)  # an unbounded array has no saturation
        else:
            u = (s - spec.lo) / (spec.hi - spec.lo)  # (T, H) in 0..1
            sat = saturation(u, spec.name)
            score = sat.left + sat.right  # (H,)
    elif key == "correlation":
        score = np.full(H, np.nan) if r is None else np.abs(np.asarray(r, np.float64))
    else:
        raise ValueError(f"order {key!r}: choose one of {', '.join(ORDERS)}")
    ranked = np.where(np.isfinite(score), score, -np.inf)  # (H,) NaN last
    order = np.lexsort((np.arange(H), -ranked))  # (H,) best first, ties by unit
    return order, score


class UnitInspector(QWidget):
    """The unit card (see the module docstring).

    Signals
    -------
    unitChosen(str, int)
        The user chose array ``s`` and unit ``j`` (from the overview or the spin box).
    contextsWanted(str, int)
        The card needs the contexts of (s, j) (the owner runs the job): over the held-out text,
        or over :attr:`pasted` when that is not None.
    """

    unitChosen = pyqtSignal(str, int)
    contextsWanted = pyqtSignal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: Frame | None = None
        self._state = "h"
        self._unit = 0
        self._t: int | None = None
        self._r: dict[str, np.ndarray] = {}  # array -> (H,) correlations with the feature
        self._feature = ""
        self.unit_names: dict[tuple[str, int], str] = {}  # (array, unit) -> "carry"
        self._contexts: UnitContexts | None = None
        self._context_note = ""
        self._pasted: str | None = None  # the user's text traced (None: the held-out text)
        self._traced: TracedText | None = None
        self._order = np.zeros(0, np.int64)  # (rows,) units in the overview, top first
        # the probe's inputs on the text and both token axes: "?" where a target is hidden
        self._tokens = MaskedTokens(lambda: (self._curve_axis, self.over_map.axis))
        # the coloured text's (T,) values, colour map and levels (None: no text drawn)
        self._text_colours: tuple[np.ndarray, str, tuple[float, float]] | None = None

        self.state_box = QComboBox()
        self.unit_box = QSpinBox()
        self.unit_box.setKeyboardTracking(False)
        self.order_box = QComboBox()
        for key, text in ORDERS.items():
            self.order_box.addItem(text, key)
        self.rows_box = QSpinBox()
        self.rows_box.setRange(1, 4096)
        self.rows_box.setValue(DEFAULT_ROWS)
        self.rows_box.setToolTip("How many units the overview shows (the first in this order)")
        bar = QHBoxLayout()
        for text, w in (
            ("Array", self.state_box),
            ("Unit", self.unit_box),
            ("Order", self.order_box),
            ("Rows", self.rows_box),
        ):
            bar.addWidget(QLabel(text))
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(InfoButton("unit"))

        # overview: the ordered rows of the array, each tall enough to click
        self.over_map = UnitMap()
        self.overview = self.over_map.widget
        self.over_image = self.over_map.image
        plot = self.over_map.plot
        self.over_mark = pg.PlotDataItem(pen=pg.mkPen(COLOURS["red"], width=line_width(2)))
        plot.addItem(self.over_mark)
        self.over_scale = ColourScale()
        self.overview.scene().sigMouseClicked.connect(self._on_overview_clicked)

        # the card
        self.title = header_label("<b>Unit</b>")
        self.text_scale = ColourScale()
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setStyleSheet(
            f"font-family: monospace; font-size: {points(TEXT_PT)}pt; padding: 2px;"
        )
        self._curve_axis = TokenAxis("bottom")
        self.curve = plot_widget(bottom=self._curve_axis)
        cplot = self.curve.getPlotItem()
        cplot.setMouseEnabled(x=False, y=False)
        cplot.hideButtons()
        self.legend = header_label("")
        self.unit_line = pg.PlotDataItem(pen=pg.mkPen(COLOURS["blue"], width=line_width(2.5)))
        cplot.addItem(self.unit_line)
        self.gate_lines: dict[str, pg.PlotDataItem] = {}
        self.cursor_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(FOREGROUND, style=Qt.PenStyle.DashLine)
        )
        cplot.addItem(self.cursor_line)
        self.cursor_line.hide()
        self.contexts = QLabel()
        self.contexts.setWordWrap(True)
        self.contexts.setTextFormat(Qt.TextFormat.RichText)
        self.contexts.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.contexts.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.source = TextSource()
        self.source.traceWanted.connect(self._on_trace_wanted)
        self.source.heldOutWanted.connect(self._on_held_out_wanted)

        self.overview_box = left = QWidget()  # the units overview: the map and its scale
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.overview, 1)
        ll.addWidget(self.over_scale)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.title)
        rl.addWidget(self.text_scale)
        rl.addWidget(self.text)
        rl.addWidget(self.legend)
        rl.addWidget(self.curve, 1)
        rl.addWidget(self.source)
        rl.addWidget(self.contexts)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(split, 1)

        self.state_box.currentIndexChanged.connect(self._on_state_box)
        self.unit_box.valueChanged.connect(self._on_unit_box)
        self.order_box.currentIndexChanged.connect(lambda _i: self._draw_overview())
        self.rows_box.valueChanged.connect(lambda _v: self._draw_overview())

    # ------------------------------------------------------------------ reading
    @property
    def state(self) -> str:
        """The array inspected."""
        return self._state

    @property
    def unit(self) -> int:
        """The unit inspected."""
        return self._unit

    @property
    def overview_units(self) -> np.ndarray:
        """(rows,) units the overview shows, top row first."""
        return self._order.copy()

    @property
    def pasted(self) -> str | None:
        """The user's text whose contexts the card shows (None: the held-out text's)."""
        return self._pasted

    @property
    def traced(self) -> TracedText | None:
        """The user's text as last traced for the unit shown (None: none on screen)."""
        return self._traced

    def text_html(self) -> str:
        """The coloured probe text as drawn."""
        return self.text.text()

    # ------------------------------------------------------------------ input
    def set_frame(self, frame: Frame | None) -> None:
        """Draw the frame's arrays (None: clear)."""
        self._frame = frame
        if frame is None or not frame.states:
            self.text.setText("")
            self._text_colours = None
            self.over_image.clear()
            return
        names = [s.name for s in frame.specs]
        if [self.state_box.itemData(i) for i in range(self.state_box.count())] != names:
            self.state_box.blockSignals(True)
            self.state_box.clear()
            for s in frame.specs:
                self.state_box.addItem(s.label, s.name)
            self.state_box.blockSignals(False)
        if self._state not in frame.states:
            self._state = names[0]
        H = frame.states[self._state].shape[1]
        self.unit_box.blockSignals(True)
        self.unit_box.setRange(0, H - 1)
        self._unit = min(self._unit, H - 1)
        self.unit_box.setValue(self._unit)
        self.unit_box.blockSignals(False)
        self.state_box.blockSignals(True)
        self.state_box.setCurrentIndex(names.index(self._state))
        self.state_box.blockSignals(False)
        self._tokens.set_probe(frame.labels, frame.targets)
        self._draw()

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: every input that is a target ``mask`` hides reads "?" (the
        coloured text, the curve's and the overview's token axes)."""
        if self._tokens.set_mask(mask) and self._text_colours is not None:
            self._draw_text()

    def set_cursor(self, t: int | None) -> None:
        """Mark probe step ``t`` on the curve."""
        self._t = t
        if t is None:
            self.cursor_line.hide()
        else:
            self.cursor_line.setValue(t)
            self.cursor_line.show()

    def select(self, state: str, unit: int) -> None:
        """Inspect unit ``unit`` of array ``state`` (asks for its contexts)."""
        if self._frame is not None and state not in self._frame.states:
            return
        changed = (state, unit) != (self._state, self._unit)
        self._state, self._unit = state, int(unit)
        if self._frame is not None:
            self.set_frame(self._frame)
        if changed or self._contexts is None:
            self._ask_contexts()

    def _ask_contexts(self) -> None:
        self._contexts = None
        if self._pasted is None:
            self._context_note = "reading the held-out text…"
        else:
            self._context_note = f"tracing your text ({len(self._pasted):,} characters)…"
            self.source.show_message(self._context_note)
        self._draw_contexts()
        self.contextsWanted.emit(self._state, self._unit)

    def use_held_out(self) -> None:
        """Show the held-out text's contexts (without asking for them: a new run does)."""
        self._pasted, self._traced = None, None
        self.source.show_held_out()

    def set_traced(self, traced: TracedText) -> None:
        """Show the user's text traced for the unit: coloured, and its contexts."""
        c = traced.contexts
        if self._pasted is None or (c.state, c.unit) != (self._state, self._unit):
            return  # an answer no longer wanted (back to held-out, or another unit)
        self._traced = traced
        self._contexts, self._context_note = c, ""
        spec = self._spec() if self._frame is not None else None
        if spec is not None and spec.name == c.state:
            cmap, levels = CMAPS[spec.scale], spec_levels(spec, traced.values)
            rich = traced_html(traced.source, traced.values, cmap, levels)
            title = f"{c.state}[{c.unit}] on your text"
            self.source.show_traced(rich, traced.source.note(), cmap, levels, title)
        self._draw_contexts()

    def trace_failed(self, message: str) -> None:
        """The user's text could not be traced: say why (the box keeps the text)."""
        self._traced = None
        self._context_note = ""
        self.source.view.hide()
        self.source.scale.hide()
        self.source.show_message(message, error=True)
        self._draw_contexts()

    def set_correlations(self, feature: str, r: dict[str, np.ndarray]) -> None:
        """Correlations of every unit with ``feature`` (array -> (H,)), for the overview order."""
        self._feature = feature
        self._r = {k: np.asarray(v, np.float64) for k, v in r.items()}
        self.order_box.setItemText(
            list(ORDERS).index("correlation"), f"|correlation| with {feature}"
        )
        self._draw_overview()

    def set_contexts(self, contexts: UnitContexts | None, note: str = "") -> None:
        """Show the held-out contexts of the unit (or why there are none)."""
        if contexts is not None and (contexts.state, contexts.unit) != (self._state, self._unit):
            return  # an answer for a unit no longer shown
        self._contexts = contexts
        self._context_note = note
        self._draw_contexts()

    # ------------------------------------------------------------------ drawing
    def _spec(self) -> StateSpec:
        assert self._frame is not None
        return next(s for s in self._frame.specs if s.name == self._state)

    def _draw(self) -> None:
        frame = self._frame
        assert frame is not None
        spec = self._spec()
        values = frame.states[self._state]  # (T, H)
        column = values[:, self._unit]  # (T,)
        cmap, levels = CMAPS[spec.scale], spec_levels(spec, values)
        name = self.unit_names.get((self._state, self._unit))
        called = f" — the <b>{html.escape(name)}</b> unit" if name else ""
        self.title.setText(
            f"<b>{html.escape(spec.label)}</b>, unit <b>{self._unit}</b>{called} &nbsp; "
            f"<span style='color:#607080'>step {frame.step:,}; {html.escape(spec.meaning)}</span>"
        )
        self.text_scale.set_scale(cmap, levels, f"{spec.name}[{self._unit}]")
        self._text_colours = (column, cmap, levels)
        self._draw_text()
        t = np.arange(column.size)  # (T,)
        self.unit_line.setData(t, column)
        entries = [(COLOURS["blue"], "━━", f"{spec.name}[{self._unit}]")]
        gates = [s for s in frame.specs if s.scale == "sequential" and s.name != self._state]
        for k, g in enumerate(gates):
            line = self.gate_lines.get(g.name)
            colour = COLOURS[GATE_COLOURS[k % len(GATE_COLOURS)]]
            if line is None:
                line = pg.PlotDataItem(pen=pg.mkPen(colour, width=line_width(1.2)))
                self.curve.getPlotItem().addItem(line)
                self.gate_lines[g.name] = line
            line.setData(t, frame.states[g.name][:, self._unit])
            entries.append((colour, "──", f"{g.label}[{self._unit}]"))
        for key in [k for k in self.gate_lines if k not in {g.name for g in gates}]:
            self.curve.getPlotItem().removeItem(self.gate_lines.pop(key))
        self.legend.setText(legend_html("Over the probe", entries))
        self._draw_overview()
        self._draw_contexts()

    def _draw_text(self) -> None:
        """The probe's inputs (as the mask lets them show), each on the colour of s_t[j]."""
        column, cmap, levels = self._text_colours
        self.text.setText(coloured_text_html(list(self._tokens.labels), column, cmap, levels))

    def _draw_overview(self) -> None:
        frame = self._frame
        if frame is None or self._state not in frame.states:
            return
        spec = self._spec()
        values = frame.states[self._state]  # (T, H)
        key = self.order_box.currentData() or "unit"
        order, _ = unit_order(values, spec, key, self._r.get(self._state))
        rows = min(self.rows_box.value(), order.size)
        if key == "unit":  # rows around the unit inspected
            first = min(max(self._unit - rows // 2, 0), order.size - rows)
            self._order = order[first : first + rows]
        else:
            self._order = order[:rows]
        img = values[:, self._order].T  # (rows, T)
        cmap, levels = CMAPS[spec.scale], spec_levels(spec, values)
        self.over_image.setColorMap(pg.colormap.get(cmap))
        self.over_map.show(img, levels)
        self.over_scale.set_scale(cmap, levels, spec.name)
        plot = self.over_map.plot
        plot.getAxis("left").setTicks([[(i, str(int(u))) for i, u in enumerate(self._order)]])
        where = np.flatnonzero(self._order == self._unit)
        if where.size:
            y, T = float(where[0]), img.shape[1]
            xs = [-0.5, T - 0.5, T - 0.5, -0.5, -0.5]
            ys = [y - 0.5, y - 0.5, y + 0.5, y + 0.5, y - 0.5]
            self.over_mark.setData(xs, ys)
        else:
            self.over_mark.setData([], [])

    def _draw_contexts(self) -> None:
        c = self._contexts
        if c is None:
            note = html.escape(self._context_note)
            self.contexts.setText(f"<span style='color:#607080'>{note}</span>" if note else "")
            return

        def rows(items: tuple) -> str:
            out = []
            for x in items:
                before = html.escape(visible_token(x.before)) if x.before else ""
                after = html.escape(visible_token(x.after)) if x.after else ""
                ch = html.escape(visible_token(x.char))
                out.append(
                    f"<tr><td align='right' style='padding-right:8px'>{x.value:+.3f}</td>"
                    "<td style='font-family:monospace'>"
                    f"{before}<b style='background:#ffd54f'>{ch}</b>"
                    f"<span style='color:#90a4ae'>{after}</span></td></tr>"
                )
            return "".join(out)

        where = "Held-out text" if self._pasted is None else "Your text"
        self.contexts.setText(
            f"<b>{where}</b> ({c.characters:,} characters, weights of training step {c.step:,}): "
            f"where {html.escape(c.state)}[{c.unit}] is highest"
            f"<table cellspacing='2'>{rows(c.highest)}</table>and lowest"
            f"<table cellspacing='2'>{rows(c.lowest)}</table>"
        )

    # ------------------------------------------------------------------ events
    def _on_trace_wanted(self, text: str) -> None:
        self._pasted, self._traced = text, None
        self._ask_contexts()

    def _on_held_out_wanted(self) -> None:
        self.use_held_out()
        self._ask_contexts()

    def _on_state_box(self, index: int) -> None:
        name = self.state_box.itemData(index)
        if name and name != self._state:
            self.select(name, self._unit)
            self.unitChosen.emit(self._state, self._unit)

    def _on_unit_box(self, value: int) -> None:
        if value != self._unit:
            self.select(self._state, value)
            self.unitChosen.emit(self._state, self._unit)

    def _on_overview_clicked(self, event: object) -> None:
        vb = self.overview.getPlotItem().getViewBox()
        pos = event.scenePos()  # type: ignore[attr-defined]
        if not vb.sceneBoundingRect().contains(pos):
            return
        row = round(vb.mapSceneToView(QPointF(pos)).y())
        if 0 <= row < self._order.size:
            self.select(self._state, int(self._order[row]))
            self.unitChosen.emit(self._state, self._unit)

    def click_row(self, row: int) -> None:
        """Act as a click on overview row ``row`` (top is 0)."""
        self.select(self._state, int(self._order[row]))
        self.unitChosen.emit(self._state, self._unit)


__all__ = ["ORDERS", "UnitInspector", "unit_order"]
