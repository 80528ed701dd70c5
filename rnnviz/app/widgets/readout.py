"""What the model says at one probe step, in the task's own terms (the frame view's top part).

It draws a :class:`~rnnviz.tasks.readout.StepPrediction` (the task's ``describe``): the input and
target, then whatever the task's answer is made of — the most likely classes with their
probabilities as bars (next characters, recalled symbols, depths), a predicted bit with its
probability and the running sum, or a predicted value beside the true one. When the task's
answers are values, the whole probe is drawn as a waveform (true and predicted) with the
selected step marked. Nothing here names a task: what is shown follows the prediction's fields.

Predict-then-reveal: :meth:`StepReadout.show_step` with ``hidden`` True writes the input but not
the model's answer; a :class:`~rnnviz.app.reveal.TargetMask` hides the target too (and both
curves of the waveform at the steps still to be guessed), so that the class guesses what it
cannot see.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import QVBoxLayout, QWidget

from rnnviz.app.reveal import HIDDEN_NOTE, HIDDEN_TOKEN, SHOW_ALL, TargetMask
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import (
    LABEL_PT,
    header_label,
    line_width,
    plot_widget,
    points,
    style_axis,
    visible_token,
)
from rnnviz.app.widgets.cursor_line import CursorLine
from rnnviz.app.widgets.textpane import TextPane
from rnnviz.tasks.readout import StepPrediction, value_text

#: Colours of the waveform's curves and of right / wrong answers.
TRUE_COLOUR, PREDICTED_COLOUR = "#37474f", "#e65100"
RIGHT, WRONG = "#2e7d32", "#c62828"
BAR_COLOUR = "#1e88e5"


def _token(label: str) -> str:
    return html.escape(visible_token(label))


#: The waveform's legend: (colour, mark, what it stands for).
WAVE_LEGEND = (
    (TRUE_COLOUR, "━━", "true"),
    (PREDICTED_COLOUR, "━━", "predicted (next value)"),
    ("#ff6f00", "│", "selected step"),
)

#: A probability bar's width in full blocks (probability 1), and the partial blocks in eighths.
BAR_BLOCKS = 20
EIGHTHS = "▏▎▍▌▋▊▉"


def probability_bar(prob: float) -> str:
    """A bar of length ``prob`` x BAR_BLOCKS blocks, to an eighth of a block ("" below it).

    Rounding to whole blocks with at least one drew 0.0 % as long as 5 %.
    """
    eighths = round(min(max(prob, 0.0), 1.0) * BAR_BLOCKS * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part - 1] if part else "")


#: Why the answer is hidden, by default: predict-then-reveal.
REVEAL_NOTE = "The model's answer is hidden.</b> Guess first, then reveal it (R)."
#: Why it is hidden in slow motion before the prediction's part (R does nothing there).
SLOW_MOTION_NOTE = "The model's answer is hidden until slow motion reaches it: ↓ walks on."


def prediction_html(
    p: StepPrediction, hidden: bool = False, target_hidden: bool = False, why: str = ""
) -> str:
    """Rich text for one step: "input → target", then the answer (or a question mark).

    ``target_hidden`` writes "?" for the target (predict-then-reveal); ``why`` says why a
    hidden answer is hidden (default: predict-then-reveal, R reveals it).
    """
    size = f"font-size:{points(LABEL_PT + 3)}pt"
    shown = (
        f"<b>{HIDDEN_TOKEN}</b> <i>({HIDDEN_NOTE})</i>"
        if target_hidden
        else f"<b>{_token(p.target)}</b>"
    )
    named = f", the {html.escape(p.quantity)} after it" if p.quantity else ""
    target = f" &nbsp;→&nbsp; target {shown}{named}" if p.target else ""
    head = f"<div style='{size}'>{step_name(p.t)}: input <b>{_token(p.input)}</b>{target}</div>"
    if hidden:
        note = html.escape(why) + "</b>" if why else REVEAL_NOTE
        return head + f"<div style='color:#6a1b9a'><b>{note}</div>"
    verdict = ""
    if p.correct is not None:
        verdict = (
            f" <span style='color:{RIGHT}'>✔ right</span>"
            if p.correct
            else f" <span style='color:{WRONG}'>✘ wrong</span>"
        )
    if p.top:
        rows = "".join(
            f"<tr><td><b>{_token(lb)}</b></td>"
            f"<td><span style='color:{BAR_COLOUR}'>{probability_bar(prob)}</span></td>"
            f"<td align='right'>{prob:.1%}</td></tr>"
            for lb, prob in p.top
        )
        if p.quantity:  # "model's depth: 2 (99.8%) ✔ right", then the classes most likely
            said = f"model's {html.escape(p.quantity)}: <b>{_token(p.predicted)}</b> "
            said += f"({p.probability:.1%}){verdict}<br>top {len(p.top)}:"
        elif not p.target:  # e.g. echo's distractor steps: the output counts nowhere
            said = f"model's top {len(p.top)} (not scored: this step has no target):"
        else:
            said = f"model's top {len(p.top)}:{verdict}"
        body = f"{said}<table cellspacing='2'>{rows}</table>"
    elif p.value is not None:
        true = f" &nbsp; true <b>{value_text(p.true_value)}</b>" if p.true_value is not None else ""
        body = f"predicted <b>{value_text(p.value)}</b>{true}"
    elif p.probability is not None:
        body = f"predicted <b>{_token(p.predicted)}</b> (p = {p.probability:.2f}){verdict}"
    else:
        body = f"predicted <b>{_token(p.predicted)}</b>{verdict}"
    # the detail explains the answer with the target's numbers (the true depth, the true sum)
    detail = f"<div>{html.escape(p.detail)}</div>" if p.detail and not target_hidden else ""
    return head + f"<div>{body}</div>" + detail


class StepReadout(QWidget):
    """The task's read-out at the selected step, and the waveform for real-valued answers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = TextPane("", "What the model predicts at the selected step.")
        self.wave = plot_widget()
        plot = self.wave.getPlotItem()
        style_axis(plot.getAxis("bottom"), "probe step t")
        style_axis(plot.getAxis("left"), "value")
        self.true_curve = plot.plot(pen=pg.mkPen(TRUE_COLOUR, width=line_width(1.5)), name="true")
        self.pred_curve = plot.plot(
            pen=pg.mkPen(PREDICTED_COLOUR, width=line_width(1.5)), name="predicted"
        )
        self.marker = CursorLine(angle=90, pen=pg.mkPen("#ff6f00", width=line_width(1.5)))
        plot.addItem(self.marker, ignoreBounds=True)
        # each entry whole on its line: a narrow view wrapped "│" away from "selected step"
        self.wave_legend = header_label(
            " &nbsp; ".join(
                f"<span style='color:{colour}'>{mark}</span>&nbsp;{text.replace(' ', '&nbsp;')}"
                for colour, mark, text in WAVE_LEGEND
            )
        )
        self.wave.setMaximumHeight(round(220 * points(1)))
        self.wave.setVisible(False)
        self.wave_legend.setVisible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.label)
        lay.addWidget(self.wave_legend)
        lay.addWidget(self.wave)
        self._series: tuple[StepPrediction, ...] | None = None
        self._true: np.ndarray | None = None  # (T,) the true curve, None: not drawn
        self._pred: np.ndarray | None = None  # (T,) the predicted curve, None: not drawn
        self._mask = SHOW_ALL

    def set_predictions(self, predictions: Sequence[StepPrediction]) -> None:
        """The probe's read-out (a new closeup): draws the waveform when answers are values."""
        preds = tuple(predictions)
        self._series = preds
        values = [p.value for p in preds]
        wave = bool(preds) and all(v is not None for v in values)
        self.wave.setVisible(wave)
        self.wave_legend.setVisible(wave)
        if wave:
            self._pred = np.array(values, np.float64)  # (T,)
            true = [p.true_value for p in preds]
            self._true = np.array(true, np.float64) if all(v is not None for v in true) else None
            self._draw_curves()

    def _draw_curves(self) -> None:
        """The true and predicted curves, without the values the mask hides (NaN: a gap): the
        targets and the model's answers the class is still to guess."""
        for curve, values in ((self.true_curve, self._true), (self.pred_curve, self._pred)):
            if values is None:
                curve.setData([], [])
                continue
            y = values.copy()  # (T,)
            if self._mask.active:
                y[[self._mask.hides(u) for u in range(y.size)]] = np.nan
            curve.setData(np.arange(y.size, dtype=np.float64), y, connect="finite")

    def show_step(
        self,
        p: StepPrediction | None,
        hidden: bool = False,
        mask: TargetMask = SHOW_ALL,
        why: str = "",
    ) -> None:
        """Write step ``p`` (None: nothing to show); ``hidden`` keeps the model's answer back
        (``why``: the reason said, default predict-then-reveal), ``mask`` the targets
        (predict-then-reveal)."""
        if mask != self._mask:
            self._mask = mask
            self._draw_curves()
        if p is None:
            self.label.setText("<i>The model's prediction at the selected step appears here.</i>")
            return
        self.label.setText(prediction_html(p, hidden, mask.hides(p.t), why))
        self.marker.setValue(p.t)
        self.pred_curve.setVisible(not hidden)

    def text(self) -> str:
        """The read-out's rich text (tests read it)."""
        return self.label.text()
