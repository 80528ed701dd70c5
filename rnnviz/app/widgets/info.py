"""The ⓘ of every panel: what it shows, its formula, how to read it and what to look for.

:data:`EXPLANATIONS` holds one :class:`Explanation` per panel, keyed by the panel's name.
:class:`InfoButton` is a small "ⓘ" button that shows its explanation in a popup (and as its
tooltip). The existing views get theirs without a change to their code: :func:`pin_info` pins
one into an empty corner of a plot or a heatmap grid, outside every data area, axis label and
legend; :func:`attach_info` puts one at the end of a panel's title row; :func:`attach_view_infos`
does either for every standard view of a window (an ⓘ pinned over a plot's top-right corner
covered the end of the gradient-flow curves at 1024x768 ``--big``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QEvent, QObject, QPoint, Qt
from PyQt6.QtWidgets import QBoxLayout, QHBoxLayout, QLayout, QToolButton, QToolTip, QWidget

from rnnviz.app.widgets._common import points, tick_font

#: Colour of the ⓘ buttons.
INFO_COLOUR = "#1565c0"


@dataclass(frozen=True)
class Explanation:
    """What a panel shows, its formula, how to read it, what to look for (plain text); for a
    panel of the compare window, what its runs are (``comparison``, empty elsewhere)."""

    title: str
    shows: str
    formula: str
    read: str
    look_for: str
    comparison: str = ""

    def html(self) -> str:
        """The four parts (and the comparison, if any) as rich text for a popup."""
        rows = (
            ("What it shows", self.shows),
            ("Formula", self.formula),
            ("How to read it", self.read),
            ("What to look for", self.look_for),
            ("In this comparison", self.comparison),
        )
        body = "".join(f"<p><b>{k}.</b> {_esc(v)}</p>" for k, v in rows if v)
        return f"<h3>{_esc(self.title)}</h3>{body}"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


EXPLANATIONS: dict[str, Explanation] = {
    "heatmaps": Explanation(
        "State heatmaps",
        "Every array the cell declares (hidden state h, cell state c, each gate) on the probe "
        "sequence: one row per unit, one column per time step, labelled with the input read.",
        "h_t = cell(x_t, h_{t-1}); each pixel is s_t[j] for array s, step t, unit j.",
        "The colour bar beside each map gives the value of a colour: gates 0 (closed) to 1 "
        "(open), tanh values -1 to +1 on a diverging scale, the cell state symmetric about 0. "
        "Click a column to step through the sequence; click a row to inspect that unit.",
        "Rows that switch at particular characters (a space, a quote, a newline); gates stuck "
        "at 0 or 1 (saturated); a cell state that grows steadily (a counter).",
    ),
    "gradients": Explanation(
        "Gradient flow back through time",
        "How large the gradient of the loss is at each time step of the probe, and how much of "
        "the last step's loss still reaches back to step t (the last-step signal).",
        "‖∂L/∂h_t‖ with L the summed loss of the probe; last-step signal ‖∂L_T/∂h_t‖.",
        "The y axis is logarithmic: a straight falling line is a vanishing gradient, a rising "
        "one an exploding gradient. ▼ marks a norm that is exactly 0 in the engine's arithmetic.",
        "How many steps back the last-step signal stays above 1e-6 of its final value: that is "
        "roughly how far back this network can learn. Compare an RNN with an LSTM on echo.",
    ),
    "grad_norm": Explanation(
        "Gradient norm over training",
        "The global gradient norm of every training step before clipping, the clipping "
        "threshold, and where clipping fired.",
        "‖g‖ = sqrt(Σ_θ Σ (∂L/∂θ)²) over every parameter, before clipping.",
        "Red dots (or the shaded share of clipped steps) mark steps whose gradient clipping "
        "changed.",
        "Spikes are exploding gradients; clipping at nearly every step means the threshold, not "
        "the gradient, sets the updates.",
    ),
    "loss": Explanation(
        "Loss",
        "Training loss per step (raw and smoothed) and validation loss points.",
        "Cross-entropy L = -(1/T) Σ_t log p(y_t | x_≤t), in nats; bits = nats / ln 2.",
        "Lower is better; the smoothed curve is an exponential moving average.",
        "A gap between training and validation loss (overfitting); a plateau; sudden jumps "
        "(exploding gradients).",
    ),
    "samples": Explanation(
        "Samples",
        "Text the model generates every few hundred steps, or the task's own display.",
        "Each next character drawn from softmax(logits / temperature).",
        "Newest on top; wrong bits of a binary sum are red.",
        "Words, spaces and punctuation appearing in the right places as training goes on.",
    ),
    "unit": Explanation(
        "Unit inspector",
        "One unit j of one array s: the probe text coloured by its value at each character, "
        "its curve over the probe with the same unit of every gate, the held-out characters "
        "where it is highest and lowest, and on the left an overview of the layer's units.",
        "s_t[j] for every probe step t; contexts: argmax_n s_n[j] over the held-out text read "
        "with the state carried.",
        "Each character's background has the colour of s_t[j] after reading it (colour bar "
        "above the text). The curve: s[j] thick, each gate of unit j thin (legend); the dashed "
        "line is the cursor's step. The overview is a heatmap of the layer's units (rows) over "
        "the probe, colour bar below it, the unit inspected framed; its rows are the units "
        "around it by number, or the first ones by variance over the probe, gate saturation or "
        "|correlation| with the last ranking of Find units. Click a row to inspect that unit.",
        "Units that light up inside quotes or brackets, at the start of words, near line ends; "
        "a unit whose forget gate stays at 1 keeps its memory.",
    ),
    "find": Explanation(
        "Find units",
        "Every unit of every array ranked by how well it follows something you can name: the "
        "characters you mark in the probe, a pattern in the held-out text, or a feature the "
        "task knows (carry, depth, the stored symbol).",
        "Pearson r_j = Σ_n (s_nj − s̄_j)(y_n − ȳ) / sqrt(Σ_n (s_nj − s̄_j)² Σ_n (y_n − ȳ)²).",
        "|r| near 1: the unit tracks the feature (r < 0: it is low where the feature is high). "
        "Marked characters are on yellow; the Follow box names what the table was ranked "
        "against. Click a row to inspect the unit.",
        "On binary addition, once solved, a unit follows the carry with |r| of 0.9 or more "
        "(named carry), or two units of one array hold it together (named carry (spread): "
        "their least-squares fit reaches R ≥ 0.9, as in many LSTMs); the ranking is made "
        "again at every evaluation while the task stays solved.",
    ),
    "saturation": Explanation(
        "Gate saturation",
        "For each unit of each gate, how often the gate is nearly shut and how often nearly "
        "open on the probe (after Karpathy, Johnson and Fei-Fei).",
        "left_j = #{t : g_t[j] < 0.1} / T (x axis), right_j = #{t : g_t[j] > 0.9} / T (y axis).",
        "One dot per unit and gate, colour and shape by gate (legend). Dots near the corner "
        "(0, 1) are always open, near (1, 0) always shut; on the dashed line x + y = 1 the gate "
        "is at one end or the other at every step; near (0, 0) it stays in between.",
        "LSTM forget gates near the top left keep memory for long; a gate far right never lets "
        "anything through.",
    ),
    "intervene": Explanation(
        "Interventions",
        "The probe run again with one change from step t on: a unit of h or c clamped or zeroed, "
        "a gate forced open or shut, or the input at t replaced.",
        "diff_t[j] = s'_t[j] − s_t[j] (changed run minus original) for every array; "
        "Δloss = L' − L per scored step (cross-entropy in nats; squared error for sine).",
        "The difference map uses a diverging colour bar centred at 0: red where the change "
        "raised a value, blue where it lowered it, the pale grey of 0 where nothing changed "
        "(every step before t). The heatmaps show the same difference until Restore. The "
        "predictions table lists the steps from t on whose answer changed, before and after.",
        "How far forward a change travels (memory), which units it reaches, and whether the "
        "loss rises (the unit mattered) or barely moves (the network does not use it).",
    ),
    "verify": Explanation(
        "Verify gradients",
        "A finite-difference check of the live model's backpropagation through time, on a "
        "float64 copy (a small random problem, sampled entries of every parameter and of the "
        "initial states h0, c0).",
        "n_k = (L(θ + ε e_k) − L(θ − ε e_k)) / 2ε, ε = 1e-5; relative error "
        "‖a − n‖ / (‖a‖ + ‖n‖) of analytic a against numerical n.",
        "Each row is one array, the parameters then the initial states: entries checked, "
        "largest |a − n| over them, relative error, and pass (below 1e-6) or fail.",
        "Every row passes: the gradients drawn elsewhere are the true gradients.",
    ),
    "spectral": Explanation(
        "Recurrent spectra over training",
        "The spectral radius and largest singular value of each recurrent matrix W_hk, and (LSTM) "
        "the mean forget gate on the probe, at each training step the panel saw.",
        "ρ(W) = max |λ_i(W)|, σ_max(W) = max ‖vW‖ / ‖v‖.",
        "One colour per block: ρ solid with dots, σ_max dashed; the mean forget gate dash-dot, "
        "the level 1 dotted. ρ above 1: W stretches some direction at every step (needed for "
        "exploding gradients, not enough: saturated units shrink it). σ_max below 1 with tanh: "
        "every step back through h shrinks the gradient (|tanh'| <= 1), so in a plain RNN it "
        "vanishes; an LSTM's cell state carries it past W, through the forget gate.",
        "σ_max dropping below 1 as the last-step signal starts to vanish; a forget gate mean "
        "near 1 keeping the LSTM's cell-state path open.",
    ),
    "frame": Explanation(
        "Frame view",
        "One time step t of the probe explained, with the weights of the training step shown: "
        "what the model predicts there, the cell drawn with its values at t, and the selected "
        "unit's equations with those numbers. An earlier step whose weights the run did not "
        "keep is shown from its stored values, without what needs the weights.",
        "Forward: every box is the cell's textbook step at t, e.g. f_t = σ(x_t·W_xf + "
        "h_{t−1}·W_hf + b_f). Backward (B): dL/dh_t = own_t + later_t.",
        "Move the cursor (← →, or click a heatmap column) to step through the sequence. Down / "
        "Up light the parts of the step in the order they are computed; B walks the gradients "
        "back from the last step; P hides the model's answer until R.",
        "Where the answer goes right or wrong, and which gate or state changes at that "
        "character; in backward mode, whether the gradient still reaches the early steps.",
    ),
    "readout": Explanation(
        "The model at step t",
        "The input read at step t, the target it should predict, and the model's answer in the "
        "task's own terms: the most likely next tokens with their probabilities, a predicted "
        "bit with the running sum, or a predicted value beside the true one.",
        "p = softmax(h_t·W_hy + b_y); the top k of p, or σ(h_t·W_hy + b_y) for a bit.",
        "Each bar is one candidate's probability (longest = most likely); ✔ right means the "
        "most likely answer is the target. Hidden (predict, then reveal): the answer and its "
        "target read ?; guess, then press R.",
        "A confident right answer (one long bar) where the text is predictable, a flat spread "
        "where it is not (the start of a word); the same mistake at the same kind of place.",
    ),
    "waveform": Explanation(
        "The probe as a waveform",
        "The whole probe sequence: the true value at every step and the model's prediction of "
        "the next value, with the selected step marked.",
        "predicted y_t = h_t·W_hy + b_y against the true next value.",
        "The grey curve is the truth, the orange one the model; the orange vertical line is "
        "the step the frame view explains.",
        "Where the two curves part: the turns of the wave, or the start of the probe where the "
        "state has seen little yet.",
    ),
    "diagram": Explanation(
        "Cell diagram",
        "The cell at step t: its inputs (x_t and the states carried from t−1), each gate and "
        "candidate, each state, and the output the prediction is read from, with arrows where "
        "values flow; each box holds the selected unit's value (or the whole layer as a strip).",
        "Each box is one line of the cell's textbook step (listed under the diagram), e.g. "
        "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t; the output box is the prediction's input, y_t = "
        "h_t·W_hy + b_y.",
        "A box's colour is its value on the scale in the legend (gates 0 to 1, tanh values −1 "
        "to 1, the cell state ±max); in backward mode the colour is the size of the gradient "
        "reaching the box, on a log scale. A box with ? is not computed yet (slow motion).",
        "Gates near 0 or 1 (shut or open), a forget gate at 1 that keeps c, an output box "
        "that changes little while the input changes a lot.",
    ),
    "equations": Explanation(
        "Equations with numbers",
        "The selected unit's equations at step t with this step's numbers filled in; in "
        "backward mode, the gradient at t split into the step's own loss and what flows back.",
        "e.g. f_t[17] = σ(x_t·W_xf + h_{t−1}·W_hf + b_f)[17] = σ(2.31) = 0.91; backward "
        "‖dL/dh_t‖ with dL/dh_t = own_t + later_t.",
        "Left of the last '=' is the formula, then the pre-activation (the sum inside σ or "
        "tanh), then the value the box shows.",
        "Pre-activations far from 0 (a saturated gate: its gradient is nearly 0); a later "
        "part much smaller than the own part (the gradient does not travel back).",
    ),
    "compare_loss": Explanation(
        "Loss of every run",
        "The training loss of each run of the comparison, smoothed, on one plot: one colour per "
        "run, named in the legend on the right in run order (the colour of the run's heatmap "
        "title and of its entry in the status bar).",
        "Cross-entropy L = -(1/T) Σ_t log p(y_t | x_≤t), in nats, smoothed as in the main "
        "window (an exponential moving average).",
        "The runs train in lockstep: round n gives every run one step on the same batch n of "
        "the same data, and runs whose models have the same shape start from the same initial "
        "weights. So at a training step every curve has seen the same batches, and where two "
        "curves part, what differs between the runs is why. Lower is better.",
        "Which run falls fastest at first and which ends lowest; a run that stalls on a plateau "
        "while another keeps falling; a curve that jumps up (exploding gradients) or a run "
        "whose status entry says diverged.",
    ),
    "compare_gradients": Explanation(
        "Gradient flow of every run",
        "On the probe sequence (the same for every run), for each run in its colour: how large "
        "the gradient of the loss is at each time step (solid), and how much of the last step's "
        "loss still reaches back to step t (dotted).",
        "‖∂L/∂h_t‖ with L the summed loss of the probe (solid); last-step signal ‖∂L_T/∂h_t‖ "
        "(dotted); each with the run's weights at its latest frame.",
        "The y axis is logarithmic: a straight falling line is a vanishing gradient, a rising "
        "one an exploding gradient. A norm of exactly 0 leaves a gap in its line. The vertical "
        "line is the time-step cursor shared with every run's heatmaps.",
        "Whose dotted line stays high furthest back (to the left): that run carries the last "
        "step's error over the longest distance, so it can learn the longest dependencies. "
        "Comparing cells, this is where a plain RNN and the gated cells part.",
    ),
    "compare_heatmaps": Explanation(
        "State heatmaps of one run",
        "This run's arrays (hidden state h, cell state c, each gate) on the probe sequence, "
        "which every run reads alike: one row per unit, one column per time step. Each run has "
        "its own maps under its name, in its colour (the colour of its curves).",
        "h_t = cell(x_t, h_{t-1}) with this run's weights; each pixel is s_t[j] for array s, "
        "step t, unit j.",
        "The colour bar beside each map gives the value of a colour: gates 0 (closed) to 1 "
        "(open), tanh values -1 to +1 on a diverging scale, the cell state symmetric about 0. "
        "One time-step cursor moves every run's maps and the gradient-flow plot (click a "
        "column, or use the frame bar); the read-out line (under the maps, or beside the tabs) "
        "gives the run, the value, the unit and the step under the pointer.",
        "The same array in two runs: runs that start from the same weights begin with alike "
        "maps, so where they part is what training with the one difference made of them; gates "
        "stuck at 0 or 1 in one run but not in another. Once the runs have trained apart, unit "
        "j of one run need not mean what unit j of another does.",
    ),
    "timeline": Explanation(
        "Timeline",
        "The recorded run's training steps: every view shows the run as it was at the step "
        "chosen (the frame recorded at or before it, the curves up to it).",
        "frame shown = the last recorded frame with step ≤ S.",
        "Drag the slider or press Play; the time-step cursor under the heatmaps stays where it "
        "is, so a step of the sequence can be watched over training.",
        "When a unit or gate starts to mean something, and when the gradient flow changes.",
    ),
}


class InfoButton(QToolButton):
    """A flat "ⓘ" that shows the explanation of panel ``key`` (popup on click, and tooltip):
    ``EXPLANATIONS[key]``, or ``explanation`` when given (one written for this window)."""

    def __init__(
        self, key: str, parent: QWidget | None = None, explanation: Explanation | None = None
    ) -> None:
        super().__init__(parent)
        self.key = key
        self.explanation = explanation if explanation is not None else EXPLANATIONS[key]
        # a circled "i" drawn by the style sheet: the ⓘ glyph is missing from common fonts
        self.setText("i")
        font = tick_font(10)
        font.setBold(True)
        font.setFamily("serif")
        self.setFont(font)
        self.setCursor(Qt.CursorShape.WhatsThisCursor)
        self.setToolTip(self.explanation.html())
        self.setAccessibleName(f"ⓘ About: {self.explanation.title}")
        side = int(points(10) * 2)
        self.setFixedSize(side, side)
        self.setStyleSheet(
            f"QToolButton {{ color: {INFO_COLOUR}; border: {max(1, side // 12)}px solid "
            f"{INFO_COLOUR}; border-radius: {side // 2}px; background: white; padding: 0; }}"
            "QToolButton:hover { background: #e3f2fd; }"
        )
        self.clicked.connect(self.show_explanation)

    def show_explanation(self) -> None:
        """Show the explanation next to the button."""
        QToolTip.showText(self.mapToGlobal(QPoint(0, self.height())), self.toolTip(), self)


#: Where the ⓘ of a window's standard views go: (key, attribute path of the host, place).
#: A plot's ⓘ sits in its bottom-left corner, where the left axis's column meets the bottom
#: axis's row: a cell of the plot's layout that holds nothing. The heatmaps' sits in the grid's
#: bottom-right corner, under the last column's colour bar (which has no axis below it). The
#: samples' ⓘ ends their title row. None of these places is a data area, a legend or text.
VIEW_INFOS: tuple[tuple[str, str, str], ...] = (
    ("heatmaps", "heatmaps.graphics", "bottom right"),
    ("gradients", "gradients.flow_widget", "bottom left"),
    ("grad_norm", "gradients.norm_widget", "bottom left"),
    ("loss", "loss.plot_widget", "bottom left"),
    ("samples", "samples.count_label", "row"),
)


def _row_of(layout: QLayout, anchor: QWidget) -> tuple[QBoxLayout, int] | None:
    """The box layout within ``layout`` (nested layouts too) that holds ``anchor``, and where."""
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        if item.widget() is anchor:
            return (layout, index) if isinstance(layout, QBoxLayout) else None
        inner = item.layout()
        found = None if inner is None else _row_of(inner, anchor)
        if found is not None:
            return found
    return None


def attach_info(anchor: QWidget, key: str) -> InfoButton:
    """Put an :class:`InfoButton` for ``key`` at the right end of the row that holds ``anchor``.

    ``anchor`` is a panel's title, header or caption, laid out in its parent's box layout. In a
    row (a horizontal box) the ⓘ is added at the row's end; in a column (a vertical box) the
    anchor is replaced by a row of the anchor (all the width it can take) and the ⓘ, at the top
    of the anchor's first line. Either way the layout gives the ⓘ its own place: it covers no
    plot, curve, map, legend or text at any size or font scale.

    Raises
    ------
    ValueError
        ``anchor`` is not in a box layout of its parent (there is no row to put the ⓘ in).
    """
    parent = anchor.parentWidget()
    outer = None if parent is None else parent.layout()
    found = None if outer is None else _row_of(outer, anchor)
    if found is None:
        raise ValueError(f"the ⓘ for {key!r}: {type(anchor).__name__} is not in a box layout")
    layout, index = found
    button = InfoButton(key)
    horizontal = layout.direction() in (
        QBoxLayout.Direction.LeftToRight,
        QBoxLayout.Direction.RightToLeft,
    )
    if horizontal:
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)
    else:
        stretch = layout.stretch(index)
        layout.removeWidget(anchor)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 4, 0)
        row.setSpacing(2)
        row.addWidget(anchor, 1)
        row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        layout.insertLayout(index, row, stretch)
    return button


class _Pin(QObject):
    """Keeps a button in a corner of its host ("bottom left" or "bottom right") as it resizes."""

    def __init__(self, host: QWidget, button: QWidget, corner: str) -> None:
        super().__init__(host)
        self.host, self.button, self.corner = host, button, corner
        host.installEventFilter(self)
        self.place()

    def place(self) -> None:
        right = self.host.width() - self.button.width() - 2
        x = right if self.corner.endswith("right") else 2
        y = self.host.height() - self.button.height() - 2
        self.button.move(max(0, x), max(0, y))
        self.button.raise_()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.place()
        return False


def pin_info(
    host: QWidget,
    key: str,
    corner: str = "bottom left",
    explanation: Explanation | None = None,
) -> InfoButton:
    """Pin an :class:`InfoButton` for ``key`` to a bottom corner of ``host`` (a plot or a grid).

    A plot's bottom-left corner is the empty cell where its left axis's column meets its bottom
    axis's row (below the lowest tick label, left of the first); a heatmap grid's bottom-right
    corner lies under the last column's colour bar, beside the bottom axis's title, or in the
    empty cell of a last row that is not full. Neither is inside a data area or a legend.
    ``explanation`` replaces ``EXPLANATIONS[key]`` (see :class:`InfoButton`).
    """
    if corner not in ("bottom left", "bottom right"):
        raise ValueError(f"the ⓘ for {key!r}: no corner {corner!r}")
    button = InfoButton(key, host, explanation)
    _Pin(host, button, corner)
    button.show()
    return button


def attach_view_infos(window: QWidget) -> list[InfoButton]:
    """Give the standard views of ``window`` (``window.heatmaps``, its gradient plots, the loss
    and the samples) their ⓘ, each where :data:`VIEW_INFOS` says."""
    buttons = []
    for key, path, place in VIEW_INFOS:
        host: object = window
        for name in path.split("."):
            host = getattr(host, name)
        if place == "row":
            buttons.append(attach_info(host, key))  # type: ignore[arg-type]
        else:
            buttons.append(pin_info(host, key, place))  # type: ignore[arg-type]
    return buttons


__all__ = [
    "EXPLANATIONS",
    "VIEW_INFOS",
    "Explanation",
    "InfoButton",
    "attach_info",
    "attach_view_infos",
    "pin_info",
]
