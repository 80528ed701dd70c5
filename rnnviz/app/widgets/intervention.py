"""Interventions: change one thing from step t on, run the probe again, see what changed.

The user picks a change (clamp or zero a unit of a carried state, force a gate unit open or
shut, or replace the input at t), a unit and a step; :attr:`InterventionPanel.interventionWanted`
carries it to the owner, which runs :func:`rnnviz.train.inspection.probe_intervention` in the
worker thread and hands the answer to :meth:`InterventionPanel.show_result`. The panel then shows

- the difference view of the chosen array: diff_t[j] = changed_t[j] - original_t[j], on the
  diverging colour map centred at 0 (its pale grey middle: unchanged), with levels ±max|diff|
  rounded up;
- the loss change, changed minus original, per scored step (nats of cross-entropy, or the
  squared error of a real-valued task);
- the steps from t on whose prediction changed (before -> after, with probabilities).

**Restore** drops the result (the heatmaps show the run as it is again).

Predict-then-reveal (:meth:`InterventionPanel.set_mask`): at a step whose target the class is
guessing the table writes "?" for the target and for the model's answers before and after, and
the inputs that are such targets read "?" there and on the map's token axis.
"""

from __future__ import annotations

import html
import math

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.reveal import HIDDEN_TOKEN, MaskedTokens, TargetMask, masked_labels
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import header_label
from rnnviz.app.widgets.colourbar import ColourBar
from rnnviz.app.widgets.info import InfoButton
from rnnviz.app.widgets.scales import DIFF_CMAP, symmetric_levels
from rnnviz.app.widgets.unit_map import UnitMap
from rnnviz.core.intervene import Change, Clamp, EditInput, ForceGate
from rnnviz.train.frame import Frame
from rnnviz.train.inspection import ProbeIntervention

#: Visible stand-ins a vocabulary may use for whitespace (typed as either).
STAND_INS = {" ": "␣", "\n": "⏎", "↵": "⏎", "\t": "⇥"}
#: What the panel says before its first change.
HINT = (
    "<span style='color:#607080'>Choose a change, a unit and a step, then Apply: the difference "
    "it makes is drawn below, and on the heatmaps</span>"
)
#: Predictions listed after an intervention.
MAX_ROWS = 12


def _float(text: str) -> float | None:
    try:
        v = float(text.replace("−", "-"))
    except ValueError:
        return None
    return v if math.isfinite(v) else None


class InterventionPanel(QWidget):
    """Build an intervention, show its difference view (see the module docstring).

    Signals
    -------
    interventionWanted(object)
        A :data:`rnnviz.core.intervene.Change` to run on the probe.
    restored()
        The user pressed Restore.
    """

    interventionWanted = pyqtSignal(object)
    restored = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: Frame | None = None
        self.result: ProbeIntervention | None = None

        self.kind = QComboBox()
        self.unit = QSpinBox()
        self.start = QSpinBox()
        self.value = QLineEdit("0")
        self.value.setMaximumWidth(120)
        self.value_label = QLabel("value")
        self.apply_button = QPushButton("Apply")
        self.restore_button = QPushButton("Restore")
        self.restore_button.setEnabled(False)
        self.message = header_label(HINT)
        row = QHBoxLayout()
        row.addWidget(self.kind, 2)
        for text, w in (("unit", self.unit), ("from t =", self.start)):
            row.addWidget(QLabel(text))
            row.addWidget(w)
        row.addWidget(self.value_label)
        row.addWidget(self.value)
        row.addWidget(self.apply_button)
        row.addWidget(self.restore_button)
        row.addWidget(InfoButton("intervene"))

        self.array = QComboBox()
        self.diff_map = UnitMap()
        self.diff, self.image = self.diff_map.widget, self.diff_map.image
        self.bar = ColourBar(self.diff_map.plot, self.image)
        self.bar.set_colormap(DIFF_CMAP)
        self.bar.set_levels((-1.0, 1.0))
        # the map's token axis: "?" where predict-then-reveal hides a target
        self._tokens = MaskedTokens(lambda: (self.diff_map.axis,))
        self.predictions = QLabel()
        self.predictions.setTextFormat(Qt.TextFormat.RichText)
        self.predictions.setWordWrap(True)
        self.predictions.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        head = QHBoxLayout()
        head.addWidget(QLabel("Difference (changed − original) of"))
        head.addWidget(self.array, 1)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addLayout(head)
        lay.addWidget(self.diff, 1)
        lay.addWidget(self.predictions)

        self.kind.currentIndexChanged.connect(self._on_kind)
        self.apply_button.clicked.connect(self.apply)
        self.restore_button.clicked.connect(self.restore)
        self.value.returnPressed.connect(self.apply)
        self.array.currentIndexChanged.connect(lambda _i: self._draw_diff())

    # ------------------------------------------------------------------ input
    def set_frame(self, frame: Frame | None) -> None:
        """Offer the changes the frame's cell allows."""
        self._frame = frame
        if frame is None or not frame.states:
            return
        carried = list(frame.flows) or [frame.specs[0].name]
        gates = [s.name for s in frame.specs if s.scale == "sequential"]
        kinds = [(f"clamp {k}", f"clamp:{k}") for k in carried]
        kinds += [(f"zero {k}", f"zero:{k}") for k in carried]
        kinds += [(f"force gate {g} open", f"open:{g}") for g in gates]
        kinds += [(f"force gate {g} shut", f"shut:{g}") for g in gates]
        kinds += [("edit the input", "input:")]
        current = [self.kind.itemData(i) for i in range(self.kind.count())]
        if current != [d for _, d in kinds]:
            keep = self.kind.currentData()
            self.kind.blockSignals(True)
            self.kind.clear()
            for text, data in kinds:
                self.kind.addItem(text, data)
            self.kind.setCurrentIndex(max(0, self.kind.findData(keep)))
            self.kind.blockSignals(False)
            self._on_kind()
        H = next(iter(frame.states.values())).shape[1]
        self.unit.setRange(0, H - 1)
        self.start.setRange(0, max(0, frame.T - 1))
        names = [s.name for s in frame.specs]
        if [self.array.itemData(i) for i in range(self.array.count())] != names:
            self.array.blockSignals(True)
            self.array.clear()
            for s in frame.specs:
                self.array.addItem(s.label, s.name)
            self.array.blockSignals(False)
        self._tokens.set_probe(frame.labels, frame.targets)

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: hide the targets ``mask`` hides, the model's answers at their
        steps and the inputs that are such targets."""
        if mask == self._tokens.mask:
            return
        self._tokens.set_mask(mask)
        if self.result is not None:
            self._draw_predictions()

    def set_target(self, state: str, unit: int, t: int | None) -> None:
        """Aim at (array, unit) from step t (from the inspector and the cursor)."""
        self.unit.setValue(unit)
        if t is not None:
            self.start.setValue(t)
        idx = self.kind.findData(f"clamp:{state}")
        if idx >= 0 and self._kind()[0] in ("clamp", "zero"):
            self.kind.setCurrentIndex(idx)

    def _kind(self) -> tuple[str, str]:
        """(what, array) of the change chosen: ("clamp", "h"), ("open", "f"), ("input", "")."""
        kind, _, name = str(self.kind.currentData() or "").partition(":")
        return kind, name

    def _on_kind(self) -> None:
        kind = self._kind()[0]
        self.value.setVisible(kind in ("clamp", "input"))
        self.value_label.setVisible(kind in ("clamp", "input"))
        self.value_label.setText("new input" if kind == "input" else "value")

    def change(self) -> Change | str:
        """The change the controls describe, or a one-line reason it cannot be made."""
        frame = self._frame
        if frame is None:
            return "no run to change yet"
        kind, name = self._kind()
        unit, t = self.unit.value(), self.start.value()
        raw = self.value.text()
        text = raw.strip()
        if kind in ("clamp", "zero"):
            v = 0.0 if kind == "zero" else _float(text)
            if v is None:
                return f"clamp value {text!r}: give a number"
            spec = next(s for s in frame.specs if s.name == name)
            if (spec.lo is not None and v < spec.lo) or (spec.hi is not None and v > spec.hi):
                return (
                    f"clamp value {v:g}: {spec.label} lies in {spec.lo:g}..{spec.hi:g}, "
                    "give a value inside"
                )
            return Clamp(name, unit, v, t)
        if kind in ("open", "shut"):
            return ForceGate(name, unit, kind == "open", t)
        if kind == "input":
            return self._edit(frame, raw if raw.strip() == "" and raw else text, t)
        return "choose a change"

    def _edit(self, frame: Frame, text: str, t: int) -> Change | str:
        vocab = list(frame.output_labels)
        one_char = all(len(s) == 1 for s in frame.labels)
        if one_char and vocab:
            # the vocabulary names whitespace by visible stand-ins (␣, ⏎); either form is taken
            forms = [text, STAND_INS.get(text, ""), *(k for k, v in STAND_INS.items() if v == text)]
            found = [f for f in forms if f and f in vocab]
            if found:
                return EditInput(t, vocab.index(found[0]))
            if len(text) != 1:
                return f"input {text!r}: give one character"
            return f"input {text!r}: not in the vocabulary"
        values = [_float(p) for p in text.replace(",", " ").split()]
        if not values or any(v is None for v in values):
            return f"input {text!r}: give numbers separated by spaces"
        return EditInput(t, tuple(float(v) for v in values if v is not None))

    def apply(self) -> bool:
        """Ask for the change (False, with a message, when it cannot be made)."""
        change = self.change()
        if isinstance(change, str):
            self.show_error(change)
            return False
        self.message.setText("running the probe with the change…")
        self.interventionWanted.emit(change)
        return True

    def restore(self) -> None:
        """Drop the change: back to the run as it is."""
        self.result = None
        self.image.clear()
        self.predictions.setText("")
        self.message.setText("restored: the views show the run as it is")
        self.restore_button.setEnabled(False)
        self.restored.emit()

    def show_error(self, message: str) -> None:
        """Say why the change was refused."""
        self.message.setText(f"<span style='color:#c62828'>{html.escape(message)}</span>")

    def show_result(self, result: ProbeIntervention) -> None:
        """Draw an intervention's difference, loss change and changed predictions."""
        self.result = result
        res = result.result
        d = res.loss_change
        orig, new = res.original.loss, res.changed.loss
        # a real-valued task's loss is a squared error, not a cross-entropy in nats
        unit = "(mean squared error)" if any(p.value is not None for p in result.before) else "nats"
        self.message.setText(
            f"<b>{html.escape(describe(res.change))}</b> "
            f"(weights of training step {result.step:,}): "
            f"loss {orig:.4f} → {new:.4f} {unit}, <b>change {d:+.4f}</b>"
        )
        self.restore_button.setEnabled(True)
        self._draw_diff()
        self._draw_predictions()

    # ------------------------------------------------------------------ drawing
    def shown_difference(self) -> tuple[str, np.ndarray] | None:
        """(array, (T, H) difference) drawn, or None."""
        if self.result is None:
            return None
        name = self.array.currentData()
        return name, self.result.result.diff[name]

    def _draw_diff(self) -> None:
        shown = self.shown_difference()
        if shown is None:
            return
        _, diff = shown
        levels = symmetric_levels(diff)
        self.diff_map.show(diff.T, levels)  # (H, T)
        self.bar.set_levels(levels)

    def _draw_predictions(self) -> None:
        assert self.result is not None
        before, after, t0 = self.result.before, self.result.after, self.result.result.start
        mask = self._tokens.mask
        inputs = masked_labels([b.input for b in before], [b.target for b in before], mask)
        changed: list[str] = []  # the prediction itself changed
        moved: list[str] = []  # the same prediction, only its probability moved
        for b, a, shown_input in zip(before, after, inputs, strict=False):
            if b.t < t0 or (b.predicted == a.predicted and _close(b.probability, a.probability)):
                continue
            cells = [_vis(shown_input), _vis(b.target), *_preds(b, a)]
            if mask.hides(b.t):  # the class is still to guess it: target and answers hidden
                cells[1:] = [HIDDEN_TOKEN if b.target else "", HIDDEN_TOKEN, HIDDEN_TOKEN]
            i, target, was, now = (html.escape(c) for c in cells)
            (moved if b.predicted == a.predicted else changed).append(
                f"<tr><td>{b.t}</td><td>{i}</td><td>{target}</td><td>{was}</td>"
                f"<td>→ <b>{now}</b></td></tr>"
            )
        if not before:
            self.predictions.setText("")
            return
        top = (
            _table(PREDICTION_CHANGED, changed)
            if changed
            else "No prediction changed from the change on."
        )
        self.predictions.setText(top + (f"<br>{_table(PROBABILITY_MOVED, moved)}" if moved else ""))


#: The heading of the steps whose prediction (top token, bit, class, value) changed.
PREDICTION_CHANGED = "Predictions that changed"
#: The heading of the steps whose prediction stayed while its probability moved.
PROBABILITY_MOVED = "Same prediction, only its probability moved"


def _table(heading: str, rows: list[str]) -> str:
    """Rich text: ``heading`` over a table of (t, input, target, before, after) rows."""
    left = len(rows) - MAX_ROWS
    more = f"<br>… and {left} more step{'s' if left > 1 else ''}" if left > 0 else ""
    return (
        f"<b>{heading}</b><table cellspacing='0' cellpadding='4'><tr>"
        "<th>t</th><th>input</th><th>target</th><th>before</th><th>after</th></tr>"
        + "".join(rows[:MAX_ROWS])
        + f"</table>{more}"
    )


#: The least move of a probability the table lists (0.05 percentage points): smaller moves count
#: as none. Written with two decimals in percent, a listed move always shows.
LEAST_MOVE = 5e-4
#: Decimals of a probability in percent: the frame view's read-out's ("22.4%"), and at most the
#: two that show every move listed (:data:`LEAST_MOVE`).
PERCENT_DIGITS = (1, 2)


def _close(a: float | None, b: float | None) -> bool:
    return a is None or b is None or abs(a - b) < LEAST_MOVE


def percent_pair(before: float, after: float) -> tuple[str, str]:
    """Two probabilities in percent with the same decimals, the fewest of
    :data:`PERCENT_DIGITS` at which they differ: ("22.4%", "22.9%"), ("22.06%", "22.11%").

    At one decimal a move of a tenth of a point or less may round away ("22.4%" twice, and
    with no decimals "22%" → "22%" was listed as a change); two decimals show any move of
    :data:`LEAST_MOVE` or more.
    """
    for digits in PERCENT_DIGITS:
        pair = f"{before:.{digits}%}", f"{after:.{digits}%}"
        if pair[0] != pair[1]:
            break
    return pair


def _vis(label: str) -> str:
    return {" ": "␣", "\n": "↵"}.get(label, label)


def _preds(b: object, a: object) -> tuple[str, str]:
    """The answers before and after, each with its probability where it has one; the same
    answer's probabilities with the decimals that show their move (:func:`percent_pair`)."""
    was, now = _vis(getattr(b, "predicted", "")), _vis(getattr(a, "predicted", ""))
    p, q = getattr(b, "probability", None), getattr(a, "probability", None)
    if p is None or q is None:
        return was, now
    if was == now:
        p_text, q_text = percent_pair(p, q)
    else:
        p_text, q_text = f"{p:.{PERCENT_DIGITS[0]}%}", f"{q:.{PERCENT_DIGITS[0]}%}"
    return f"{was} ({p_text})", f"{now} ({q_text})"


def describe(change: Change) -> str:
    """One line naming a change, its probe step t as every view names it:
    "h[17] clamped to 0.5 from t = 12"."""
    start = step_name(change.start, bold=False)
    if isinstance(change, Clamp):
        return f"{change.state}[{change.unit}] clamped to {change.value:g} from {start}"
    if isinstance(change, ForceGate):
        how = "open (1)" if change.open else "shut (0)"
        return f"gate {change.gate}[{change.unit}] forced {how} from {start}"
    return f"input at {start} replaced"


__all__ = ["InterventionPanel", "describe"]
