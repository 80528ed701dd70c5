"""The frame view: one time step of the probe explained, at the cursor's step t.

From top to bottom: what the model says at t (the task's read-out: input, target, top-k
classes with probabilities, a predicted bit with the running sum, or predicted vs true value
with the probe as a waveform), a unit selector, the cell diagram coloured by its values at t, and
the selected unit's equations with live numbers. It reads the run model's cursor and a
:class:`~rnnviz.train.closeup.Closeup` (the weights' textbook steps, read-out and backward pass,
fetched from the run); cursor moves only index what the closeup holds.

Three ways of going through a step:

* **slow motion** (:meth:`FrameView.next_stage`): the parts of the step light up in the order
  data flows (the diagram's columns: input → gates → cell state → hidden state), then the
  prediction;
* **backward** (:meth:`FrameView.set_backward`): dL/dh_t split into the step's own loss and what
  flows back from t+1, the gradient reaching each gate and what each carried state receives
  from t+1 and passes to t−1 (the LSTM's cell-state path), the diagram coloured by gradients;
* **predict-then-reveal** (:meth:`FrameView.set_reveal`): the model's answer stays hidden until
  :meth:`FrameView.reveal`; a guess typed first is scored against the target, beside the model.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.listen import listen
from rnnviz.app.reveal import SHOW_ALL, TargetMask
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import points
from rnnviz.app.widgets.cell_diagram import CellDiagram
from rnnviz.app.widgets.info import InfoButton, pin_info
from rnnviz.app.widgets.readout import SLOW_MOTION_NOTE, StepReadout
from rnnviz.app.widgets.textpane import TextPane
from rnnviz.train.closeup import Closeup
from rnnviz.train.runmodel import RunModel

#: The last slow-motion stage's name (after the diagram's columns).
PREDICTION_STAGE = "output: the prediction"
#: What the title says of a frame explained without its weights (the run model keeps the weights
#: of the newest frames and of some spread over the run, within a memory budget).
NOT_KEPT = "its weights were not kept"
#: The equations' last line for such a frame: what is missing, and why.
NO_PRE = (
    "Every value shown is this frame's own. A gate's or candidate's pre-activation (the sum "
    "x_t·W + h_{t−1}·W + b inside its σ or tanh) needs the frame's weights, which the run did "
    "not keep (it keeps them within a memory budget)."
)
#: The backward text for such a frame: what is known, and what is not.
NO_SPLIT = (
    "Its split into this step's own loss and what flows back from t+1, and the gradient "
    "reaching each gate, need this frame's weights, which the run did not keep."
)


def equation_html(text: str) -> str:
    """A live equation as rich text: "h_{t−1}" and "W_xf" with subscripts."""
    s = html.escape(text)
    s = re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", s)
    return re.sub(r"_([A-Za-z0-9]+)", r"<sub>\1</sub>", s)


def _with_info(widget: QWidget, info: QWidget) -> QHBoxLayout:
    """``widget`` with its ⓘ on the right, at the top."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 4, 0)
    row.addWidget(widget, 1)
    row.addWidget(info, 0, Qt.AlignmentFlag.AlignTop)
    return row


@dataclass
class Score:
    """Predict-then-reveal: guesses scored, right guesses, and the model's right answers."""

    steps: int = 0
    you: int = 0
    model: int = 0

    def text(self) -> str:
        """ "you 3/5 · model 4/5"."""
        if not self.steps:
            return "no guesses scored yet"
        return f"you {self.you}/{self.steps} · model {self.model}/{self.steps}"


class FrameView(QWidget):
    """The probe's step t explained (see the module docstring).

    Parameters
    ----------
    run_model : RunModel
        The run on screen; its cursor's ``t`` is the step shown.

    Signals
    -------
    stepWanted(int)
        The view asks the window to move the cursor (backward mode starts at the last step).
    maskChanged(TargetMask)
        Predict-then-reveal: the targets hidden now changed (the window's frame bar, probe
        strip and heatmap token axes hide them too).
    """

    stepWanted = pyqtSignal(int)
    maskChanged = pyqtSignal(object)

    def __init__(self, run_model: RunModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_model = run_model
        self.closeup: Closeup | None = None
        self.stage: int | None = None
        self.backward = False
        self.reveal_mode = False
        self.revealed: set[int] = set()
        self.score = Score()
        self._scored: set[int] = set()
        self._mask = SHOW_ALL

        self.title = TextPane("", "Which run, training step and probe step this explains.")
        self.readout = StepReadout()
        self.unit = QSpinBox()
        self.unit.setPrefix("unit ")
        self.unit.setToolTip("The unit whose numbers the diagram and the equations show")
        self.layer = QCheckBox("whole layer")
        self.layer.setToolTip("Each box shows every unit of the layer as a strip of colours")
        # On a line of its own, wrapped: in the unit row its longest text made the view 750 px
        # wide in its 340 px dock, cutting off the right of the diagram.
        self.mode = TextPane("", "The mode: backward stepping, slow motion, predict-then-reveal")
        row = QHBoxLayout()
        row.setContentsMargins(6, 0, 6, 0)
        row.addWidget(self.unit)
        row.addWidget(self.layer)
        row.addStretch(1)
        self.diagram = CellDiagram()
        self.equations = TextPane("", "The selected unit's equations with this step's numbers")
        self.guess = QLineEdit()
        self.guess.setPlaceholderText("your guess, then Enter or R")
        self.guess.setMaximumWidth(round(220 * points(1)))
        self.score_label = QLabel(self.score.text())
        guess_row = QHBoxLayout()
        guess_row.setContentsMargins(6, 0, 6, 0)
        guess_row.addWidget(self.guess)
        guess_row.addWidget(self.score_label, 1)
        self.guess_box = QWidget()
        self.guess_box.setLayout(guess_row)
        self.guess_box.setVisible(False)

        #: The ⓘ of each part: what it shows, formula, how to read it, what to look for.
        self.infos = {key: InfoButton(key) for key in ("frame", "readout", "diagram", "equations")}
        self.infos["waveform"] = pin_info(self.readout.wave, "waveform")  # the axes' corner
        row.addWidget(self.infos["diagram"])

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        lay.addLayout(_with_info(self.title, self.infos["frame"]))
        lay.addLayout(_with_info(self.readout, self.infos["readout"]))
        lay.addWidget(self.guess_box)
        lay.addLayout(row)
        lay.addWidget(self.mode)
        lay.addWidget(self.diagram, 1)
        lay.addLayout(_with_info(self.equations, self.infos["equations"]))

        self.unit.valueChanged.connect(self._redraw)
        self.layer.toggled.connect(self._redraw)
        self.guess.returnPressed.connect(self.reveal)
        listen(self, run_model, self._on_change)
        self._redraw()

    # ------------------------------------------------------------------ inputs
    def _on_change(self, parts: frozenset[str]) -> None:
        if "reset" in parts:
            self.set_closeup(None)
        elif parts & {"cursor", "frame"}:
            self._redraw()

    def set_closeup(self, closeup: Closeup | None) -> None:
        """Show ``closeup`` (None: nothing explained yet)."""
        old = self.closeup
        if (
            closeup is not None
            and old is not None
            and (closeup.run_id, closeup.text)
            != (
                old.run_id,
                old.text,
            )
        ):
            self._restart_guessing()
        self.closeup = closeup
        self.diagram.set_closeup(closeup)
        self.readout.set_predictions(closeup.predictions if closeup else ())
        if closeup is not None:
            self.unit.setRange(0, closeup.H - 1)
        self._redraw()

    @property
    def t(self) -> int | None:
        """The step shown: the cursor's, within the probe (None: no closeup or no cursor)."""
        c = self.closeup
        t = self.run_model.cursor.t
        if c is None or c.T == 0:
            return None
        return min(max(int(t if t is not None else c.T // 2), 0), c.T - 1)

    @property
    def stages(self) -> tuple[str, ...]:
        """Slow-motion stages: each diagram column's nodes, then the prediction."""
        c = self.closeup
        if c is None:
            return ()
        names = []
        for col in self.diagram.columns:
            parts = []
            for n in c.diagram.nodes:
                if n.pos[0] == col:
                    spec = c.spec(n.key) if n.kind != "input" else None
                    parts.append(spec.label if spec is not None else n.label)
            names.append(", ".join(parts))
        return (*names, PREDICTION_STAGE)

    # ------------------------------------------------------------------ modes
    def next_stage(self) -> None:
        """Slow motion: light the next part of the step (after the last: the whole step)."""
        n = len(self.stages)
        if not n:
            return
        self.stage = 0 if self.stage is None else (None if self.stage + 1 >= n else self.stage + 1)
        self._redraw()

    def previous_stage(self) -> None:
        """Slow motion: back one part (before the first: the whole step)."""
        n = len(self.stages)
        if not n:
            return
        self.stage = n - 1 if self.stage is None else (None if self.stage == 0 else self.stage - 1)
        self._redraw()

    def set_backward(self, on: bool) -> None:
        """Backward stepping: gradients instead of values; the cursor goes to the last step."""
        self.backward = bool(on)
        self.diagram.set_backward(self.backward)
        if self.backward and self.closeup is not None:
            self.stepWanted.emit(self.closeup.T - 1)
        self._redraw()

    def set_reveal(self, on: bool) -> None:
        """Predict-then-reveal: hide the model's answer at each step until :meth:`reveal`."""
        self.reveal_mode = bool(on)
        self.guess_box.setVisible(self.reveal_mode)
        self._restart_guessing()
        self._redraw()

    def _restart_guessing(self) -> None:
        self.revealed.clear()
        self._scored.clear()
        self.score = Score()
        self.score_label.setText(self.score.text())
        self.guess.clear()

    def hidden(self) -> bool:
        """Whether the model's answer at the step shown is hidden now."""
        t = self.t
        if t is None:
            return False
        if self.stage is not None and self.stage < len(self.stages) - 1:
            return True
        return self.reveal_mode and t not in self.revealed

    def target_mask(self) -> TargetMask:
        """The targets hidden now: in predict-then-reveal, those of the step shown and after,
        except the revealed ones."""
        if not self.reveal_mode:
            return SHOW_ALL
        t = self.t
        if t is None:
            t = max(int(self.run_model.cursor.t or 0), 0)
        return TargetMask(t, frozenset(self.revealed))

    def _emit_mask(self) -> TargetMask:
        mask = self.target_mask()
        if mask != self._mask:
            self._mask = mask
            self.maskChanged.emit(mask)
        return mask

    def reveal(self) -> None:
        """Show the model's answer at the step shown; score the typed guess (once per step)."""
        t, c = self.t, self.closeup
        if t is None or c is None or not self.reveal_mode:
            return
        p = c.predictions[t]
        guess = self.guess.text().strip()
        if guess and p.correct is not None and t not in self._scored:
            self._scored.add(t)
            self.score.steps += 1
            self.score.you += int(guess == p.target)
            self.score.model += int(bool(p.correct))
            self.score_label.setText(self.score.text())
        self.revealed.add(t)
        self._redraw()

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        c, t = self.closeup, self.t
        frame = self.run_model.frame
        mask = self._emit_mask()
        if c is None or t is None:
            self.title.setText("<b>Frame view</b> — waiting for the run to explain its probe…")
            self.readout.show_step(None)
            self.diagram.set_closeup(None)
            self.equations.setText("")
            self.mode.setText("")
            return
        stale = (
            ""
            if c.matches(frame)
            else " (updating…)"
            if frame is None or frame is self.run_model.newest_frame
            else f" — <b>not</b> step {frame.step:,} shown in the views"  # asked for, or failed
        )
        source = (
            f"weights of training step {c.step:,}"
            if c.has_weights
            else f"training step {c.step:,} from its stored arrays ({NOT_KEPT})"
        )
        self.title.setText(f"probe step {step_name(t, c.T)}, {source}{stale}")
        unit = None if self.layer.isChecked() else self.unit.value()
        self.unit.setEnabled(unit is not None)
        self.diagram.set_step(t)
        self.diagram.set_unit(unit)
        self.diagram.set_stage(self.stage)  # after the last column: the prediction
        hidden = self.hidden()
        self.diagram.set_answer_hidden(hidden)
        if t != getattr(self, "_guess_t", t):
            self.guess.clear()
        self._guess_t = t
        guessing = self.reveal_mode and t not in self.revealed  # else slow motion hides it
        why = "" if guessing or not hidden else SLOW_MOTION_NOTE
        self.readout.show_step(c.predictions[t], hidden=hidden, mask=mask, why=why)
        mode = self._mode_text()
        self.mode.setText(f"&nbsp;<b>{equation_html(mode)}</b>" if mode else "")
        if self.backward:
            self.equations.setText(self._backward_html(t, unit))
        else:
            self.equations.setText(self._equations_html(t, unit))

    def _mode_text(self) -> str:
        parts = []
        if self.backward:
            parts.append("◀ backward")
        if self.stage is not None:
            stages = self.stages
            parts.append(f"slow motion {self.stage + 1}/{len(stages)}: {stages[self.stage]}")
        if self.reveal_mode:
            parts.append("predict, then reveal")
        return " · ".join(parts)

    def _equations_html(self, t: int, unit: int | None) -> str:
        c = self.closeup
        assert c is not None
        if unit is None:
            return "<i>Pick a unit (untick “whole layer”) to see its equations with numbers.</i>"
        lit = set(self.diagram.lit())
        explained = c.explain(t, unit)
        lines = []
        for n in c.diagram.nodes:
            eq = explained.live[n.key]
            if not eq or (self.stage is not None and lit and n.key not in lit):
                continue
            if self.stage is not None and not lit:  # the prediction stage
                continue
            lines.append(equation_html(eq))
        if self.stage is not None and not lit:
            answer = "hidden until you reveal it (R)" if self.hidden() else c.predictions[t].text
            lines.append(f"prediction: {html.escape(answer)}")
        if not c.has_weights:
            lines.append(f"<i>{equation_html(NO_PRE)}</i>")
        return "<br>".join(lines)

    def _backward_html(self, t: int, unit: int | None) -> str:
        c = self.closeup
        assert c is not None
        if not c.backward:  # without the weights: the frame's norms only
            known = " &nbsp; ".join(
                f"‖dL/d{html.escape(s)}<sub>t</sub>‖ = <b>{float(v[t]):.3g}</b>"
                for s, v in c.flows.items()
                if len(v) > t
            )
            return f"{known} (the gradient panel's, stored with the frame).<br><i>{NO_SPLIT}</i>"
        b = c.backward[t]
        norms = b.norms()
        total = norms["dh"]
        split = (
            f"‖dL/dh<sub>t</sub>‖ = <b>{total:.3g}</b>: from this step's loss "
            f"‖own‖ = {norms['own']:.3g}, flowing back from t+1 ‖later‖ = {norms['later']:.3g}"
        )
        gates = " &nbsp; ".join(f"gate {html.escape(k)}: {norms[f'gate {k}']:.3g}" for k in c.gates)
        paths = " &nbsp; ".join(
            f"{s}: {norms[f'{s} from t+1']:.3g} arrives from t+1, "
            f"{norms[f'{s} to t-1']:.3g} goes to t−1"
            for s in c.carried
        )
        lines = [split, f"‖dL/da‖ reaching each gate: {gates}", f"carried states: {paths}"]
        if unit is not None:
            lines.append(
                f"unit {unit}: own {b.own[unit]:+.3g}, later {b.later[unit]:+.3g}, "
                f"dL/dh<sub>t</sub> {b.dh[unit]:+.3g}"
            )
        return "<br>".join(lines)
