"""Frame view: what it shows at step t is the Frame's and the textbook step's numbers."""

from __future__ import annotations

import html
import itertools
import re

import numpy as np
import pytest
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QTextDocument

from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import visible_token
from rnnviz.app.widgets.cell_diagram import PREDICTION, PROBABILITY_SCALE, forward_scale
from rnnviz.app.widgets.frame_view import FrameView
from rnnviz.app.widgets.readout import WAVE_LEGEND
from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core.cell import INPUT
from rnnviz.core.explain import number
from rnnviz.core.registry import cell_names
from rnnviz.train.closeup import closeup_of
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer

H = 6


def trainer(cell: str = "lstm", task: str = "text", steps: int = 3, **options: object) -> Trainer:
    opts = {"corpus": "tiny"} if task == "text" else dict(options)
    run = RunConfig(
        task=TaskConfig(name=task, options=opts),
        model=ModelConfig(cell=cell, hidden=H),
        optim=OptimConfig(lr=0.05),
        train=TrainConfig(seq_len=8, batch=2),
    )
    tr = Trainer(run.validate())
    for _ in range(steps):
        tr.step()
    return tr


def view_of(qtbot, tr: Trainer) -> FrameView:
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    v = FrameView(rm)
    qtbot.addWidget(v)
    v.resize(700, 800)
    v.show()
    v.set_closeup(closeup_of(tr))
    return v


@pytest.mark.parametrize("cell", cell_names())
def test_nodes_and_equations_are_the_reference_steps(qtbot, cell: str) -> None:
    tr = trainer(cell)
    v = view_of(qtbot, tr)
    frame, c = v.run_model.frame, v.closeup
    for t, unit in ((0, 0), (4, 3), (c.T - 1, H - 1)):
        v.run_model.set_cursor(t=t)
        v.unit.setValue(unit)
        assert v.t == t and f"probe step t = <b>{t}</b> of 0–{c.T - 1}" in v.title.text()
        for n in c.diagram.nodes:
            if n.key == "x":
                continue
            value = float(c.steps[t][n.key][0, unit])
            assert v.diagram.node_text(n.key) == number(value).replace("-", "−")
            if n.key in frame.states:  # the fast loop's number, as the heatmaps show it
                assert value == pytest.approx(float(frame.states[n.key][t, unit]), abs=2e-5)
            r, g, b, _ = forward_scale(c, n.key).colours(np.array([value]))[0]
            assert v.diagram.node_colour(n.key).getRgb()[:3] == (r, g, b)
        explained = c.explain(t, unit)
        shown = v.equations.text()
        for n in c.diagram.nodes:
            if explained.live[n.key]:
                # the equation's last number is the node's value at the unit
                assert explained.live[n.key].endswith(number(c.steps[t][n.key][0, unit]))
                assert f"[{unit}]" in shown
        assert shown.count("<br>") == sum(1 for s in explained.live.values() if s) - 1


def test_input_box_shows_the_token_read(qtbot) -> None:
    tr = trainer()
    v = view_of(qtbot, tr)
    v.run_model.set_cursor(t=2)
    assert v.diagram.node_text("x") == v.run_model.frame.labels[2].replace(" ", "␣")


def test_top_k_is_the_frames_outputs(qtbot) -> None:
    tr = trainer()
    v = view_of(qtbot, tr)
    frame = v.run_model.frame
    t = 3
    v.run_model.set_cursor(t=t)
    text = v.readout.text()
    order = np.argsort(-frame.outputs[t])[:5]  # (5,)
    for j in order:
        assert f"{float(frame.outputs[t, j]):.1%}" in text
    assert f"target <b>{frame.targets[t]}" in text.replace(" ", " ") or frame.targets[t] == " "


def test_layer_view_shows_every_unit_and_no_number(qtbot) -> None:
    v = view_of(qtbot, trainer())
    v.layer.setChecked(True)
    assert v.diagram.node_text("h") == ""
    assert not v.unit.isEnabled()
    assert "Pick a unit" in v.equations.text()


def test_legend_names_every_node_once(qtbot) -> None:
    v = view_of(qtbot, trainer())
    legend = " ".join(v.diagram.legend_text())
    assert "0 … 1" in legend and "−1 … 1" in legend
    for label in ("fₜ", "iₜ", "oₜ", "gₜ", "hₜ", "cₜ", "xₜ", "hₜ₋₁", "cₜ₋₁"):
        assert legend.split().count(label) == 1, label


def test_slow_motion_lights_columns_in_order_then_the_prediction(qtbot) -> None:
    v = view_of(qtbot, trainer())
    c = v.closeup
    seen = []
    for _ in range(len(v.stages)):
        v.next_stage()
        seen.append(v.diagram.lit())
        if v.stage < len(v.stages) - 1:
            assert v.hidden() and "hidden" in v.readout.text()
    cols = [{n.key for n in c.diagram.nodes if n.pos[0] == col} for col in v.diagram.columns]
    assert [set(s) for s in seen[:-1]] == cols and seen[-1] == ()
    assert v.stages[-1] == "output: the prediction" and not v.hidden()
    assert "top" in v.readout.text()
    # before its column, a node is not computed yet: no number, a question mark is drawn
    v.stage = None
    v.next_stage()  # inputs only
    assert v.diagram.node_text("h") == "" and v.diagram.pending(c.diagram.node("h"))
    v.next_stage()  # gates: the equations shown are the gates'
    assert "f<sub>t</sub>[" in v.equations.text() and "c<sub>t</sub>[" not in v.equations.text()
    v.previous_stage()
    v.previous_stage()
    assert v.stage is None and not v.diagram.lit()


@pytest.mark.parametrize("cell", cell_names())
def test_backward_shows_the_split_and_gate_gradients(qtbot, cell: str) -> None:
    tr = trainer(cell)
    v = view_of(qtbot, tr)
    wanted = []
    v.stepWanted.connect(wanted.append)
    v.set_backward(True)
    c = v.closeup
    assert wanted == [c.T - 1]
    t, unit = 2, 1
    v.run_model.set_cursor(t=t)
    v.unit.setValue(unit)
    b = c.backward[t]
    assert v.diagram.node_text("h") == number(b.dh[unit]).replace("-", "−")
    text = v.equations.text()
    assert f"‖own‖ = {np.linalg.norm(b.own):.3g}" in text
    assert f"‖later‖ = {np.linalg.norm(b.later):.3g}" in text
    for k in c.gates:
        assert f"gate {k}: {np.linalg.norm(b.gates[k]):.3g}" in text
        if k != c.carried[0]:
            shown = v.diagram.node_text(k)
            assert shown == number(b.gates[k][unit]).replace("-", "−")
    for s in c.carried:
        assert f"{np.linalg.norm(b.arriving[s]):.3g} arrives from t+1" in text
    assert v.diagram.legend_text()[0].endswith("(log): |gradient| reaching each box")
    # colours on a log scale: a gradient 100 times smaller is drawn darker, not black alike
    scale = v.diagram.node_scale("h")
    lo, hi = scale.levels
    assert scale.log and hi / lo == pytest.approx(1e4)
    dark, mid = scale.colours(np.array([lo * 10, lo * 1000]))
    assert int(dark[:3].sum()) < int(mid[:3].sum())


def test_predict_then_reveal_scores_guesses_against_the_model(qtbot) -> None:
    v = view_of(qtbot, trainer())
    c = v.closeup
    v.set_reveal(True)
    for t in (1, 2):
        v.run_model.set_cursor(t=t)
        p = c.predictions[t]
        assert "hidden" in v.readout.text() and "top" not in v.readout.text()
        v.guess.setText(p.target if t == 1 else "\x01")  # right, then surely wrong
        v.reveal()
        assert "top" in v.readout.text()
    model = sum(int(bool(c.predictions[t].correct)) for t in (1, 2))
    assert (v.score.steps, v.score.you, v.score.model) == (2, 1, model)
    assert v.score_label.text() == f"you 1/2 · model {model}/2"
    v.reveal()  # the same step again: scored once
    assert v.score.steps == 2
    v.run_model.set_cursor(t=3)
    assert v.hidden() and v.guess.text() == ""


def test_sine_draws_the_probe_as_a_waveform(qtbot) -> None:
    tr = trainer("lstm", task="sine")
    v = view_of(qtbot, tr)
    c = v.closeup
    assert v.readout.wave.isVisible()
    _, y = v.readout.pred_curve.getData()
    np.testing.assert_allclose(y, [p.value for p in c.predictions])
    np.testing.assert_allclose(y, v.run_model.frame.outputs[:, 0], rtol=1e-6)
    v.run_model.set_cursor(t=7)
    assert v.readout.marker.value() == 7
    assert f"predicted <b>{c.predictions[7].value:.3f}</b>" in v.readout.text()


def test_the_waveforms_legend_keeps_each_mark_beside_its_words(qtbot) -> None:
    """In the docked frame view at 1280x720 --big the legend wrapped "│" onto one line and
    "selected step" onto the next; every mark and its words are now one unbreakable entry."""
    v = view_of(qtbot, trainer("lstm", task="sine"))
    legend = v.readout.wave_legend
    doc = QTextDocument()
    doc.setDefaultFont(legend.font())
    doc.setHtml(legend.text())
    widest = max(
        legend.fontMetrics().horizontalAdvance(f"{mark} {words}") for _c, mark, words in WAVE_LEGEND
    )
    for width in (widest + 10, widest + 60, 2 * widest, 4 * widest):  # every break it may take
        doc.setTextWidth(width)
        doc.size()  # laid out at that width
        lines = []
        block = doc.begin()
        while block.isValid():
            layout, text = block.layout(), block.text()
            for k in range(layout.lineCount()):
                line = layout.lineAt(k)
                lines.append(text[line.textStart() : line.textStart() + line.textLength()])
            block = block.next()
        for _colour, mark, words in WAVE_LEGEND:
            entry = f"{mark} {words}"
            assert any(entry in ln.replace("\xa0", " ") for ln in lines), (width, entry, lines)


def test_binary_addition_shows_bit_probability_and_running_sum(qtbot) -> None:
    tr = trainer("rnn", task="binary-addition")
    v = view_of(qtbot, tr)
    v.run_model.set_cursor(t=2)
    p = v.closeup.predictions[2]
    p1 = float(v.run_model.frame.outputs[2, 0])
    bit = int(p1 > 0.5)
    assert p.predicted == str(bit) and p.probability == pytest.approx(p1 if bit else 1 - p1)
    assert f"(p = {p.probability:.2f})" in v.readout.text() and "sum so far" in v.readout.text()
    assert not v.readout.wave.isVisible()


def test_a_new_run_clears_the_view(qtbot) -> None:
    v = view_of(qtbot, trainer())
    v.run_model.reset("another")
    assert v.closeup is None and "waiting" in v.title.text()


@pytest.mark.parametrize("cell", cell_names())
def test_every_cells_diagram_shows_inputs_gates_states_and_the_output(qtbot, cell: str) -> None:
    """The vanilla RNN's diagram had no output and two thirds of it was empty: every cell's
    diagram has its inputs, gates, states, its output h_t and the prediction read from it."""
    tr = trainer(cell)
    v = view_of(qtbot, tr)
    v.resize(420, 900)  # the dock's width
    d, c = v.diagram, v.closeup
    kinds = {n.key: n.kind for n in d.nodes}
    assert {k for k, kind in kinds.items() if kind == "input"} == {"x"} | {
        f"{s}_prev" for s in tr.model.cell.carried
    }
    assert set(tr.model.cell.GATES) - {"h"} <= set(kinds)  # each gate block (RNN: none)
    assert {s.name for s in c.specs} <= set(kinds)  # each state
    assert [k for k, kind in kinds.items() if kind == "output"] == ["h"]
    assert [k for k, kind in kinds.items() if kind == "prediction"] == [PREDICTION]
    assert ("h", PREDICTION) in d.edges
    # laid out: inside the area above the legend, no two boxes on each other
    rects = d.node_rects()
    area = QRectF(0, 0, d.width(), d.height() - d._legend_height())
    assert set(rects) == set(kinds)
    for key, r in rects.items():
        assert area.contains(r), (key, r, area)
    for (a, ra), (b, rb) in itertools.combinations(rects.items(), 2):
        assert not ra.intersects(rb), (a, b)
    # filling it: the boxes span the width and take a fair share of the area
    left = min(r.left() for r in rects.values())
    right = max(r.right() for r in rects.values())
    assert right - left >= 0.75 * area.width()
    boxes = sum(r.width() * r.height() for r in rects.values())
    assert boxes >= 0.12 * area.width() * area.height(), boxes / (area.width() * area.height())


@pytest.mark.parametrize("task", ["sine", "binary-addition", "text"])
def test_the_boxes_write_the_input_and_the_answer_as_the_read_out_does(qtbot, task: str) -> None:
    """One rounding: the input box and the prediction's box say what the read-out beside them
    says ("0.565" in both, not "0.56" in the box; "1/1" for the bits read, not "1.00, 1.00")."""
    v = view_of(qtbot, trainer(task=task))
    T = v.closeup.T
    for t in range(T):
        v.run_model.set_cursor(t=t)
        p = v.closeup.predictions[t]
        page = re.sub(r"<[^>]+>", " ", v.readout.text()).replace("&nbsp;", " ")
        words = re.findall(r"[^\s()]+", html.unescape(page))
        box_input = v.diagram.node_text(INPUT).replace("−", "-")
        assert box_input == visible_token(p.input) and box_input in words, (t, box_input, words)
        answer = v.diagram.node_text(PREDICTION).replace("−", "-")
        for part in re.findall(r"[^\s()]+", answer):
            assert part in words, (t, part, words)


def test_the_prediction_box_is_the_models_answer(qtbot) -> None:
    v = view_of(qtbot, trainer())
    frame = v.run_model.frame
    for t in (0, 3):
        v.run_model.set_cursor(t=t)
        best = int(np.argmax(frame.outputs[t]))
        label = v.closeup.predictions[t].top[0][0]
        prob = float(frame.outputs[t, best])
        assert v.diagram.node_text(PREDICTION) == f"{label.replace(' ', '␣')} ({prob:.1%})"
        r, g, b, _ = PROBABILITY_SCALE.colours(np.array([prob]))[0]
        assert v.diagram.node_colour(PREDICTION).getRgb()[:3] == (r, g, b)
    assert any("ŷₜ" in line and line.startswith("0 … 1") for line in v.diagram.legend_text())
    v.set_reveal(True)  # hidden until revealed: a question mark
    assert v.diagram.node_text(PREDICTION) == "?"
    v.reveal()
    assert v.diagram.node_text(PREDICTION) != "?"
    v.set_reveal(False)
    for _ in range(len(v.stages) - 1):  # slow motion: computed only at the last stage
        v.next_stage()
        assert v.diagram.pending(v.diagram.node(PREDICTION))
    v.next_stage()
    assert v.diagram.prediction_lit() and not v.diagram.pending(v.diagram.node(PREDICTION))


def test_slow_motion_keeps_the_view_inside_its_dock(qtbot) -> None:
    """The mode line (\"slow motion 2/5: forget gate f, input gate i, …\") sat beside the unit
    selector and widened the view to 759 px in its 340 px dock: the diagram's right-hand boxes
    and the ends of the equations were cut off. It is a line of its own now, wrapped."""
    from screen import drawn
    from test_main_window import WAIT_MS, tiny_run

    from rnnviz.app.main_window import MainWindow

    w = MainWindow(tiny_run(hidden=16), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.resize(1920, 1080)
    w.frame_dock.set_shown(True)
    w.show()
    view = w.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    room = w.frame_dock.dock.widget().viewport().width()  # the scroll area's
    view.set_backward(True)
    view.set_reveal(True)
    for _ in range(len(view.stages) + 1):
        view.next_stage()
        drawn()  # laid out
        assert view.width() <= room and view.diagram.width() <= room
        mode = view.mode.plain_text()
        assert (view.stage is None) == ("slow motion" not in mode)
        assert "backward" in mode and "predict, then reveal" in mode
        assert view.mode.isVisible() and view.mode.height() > 0


@pytest.mark.parametrize("cell", cell_names())
def test_brackets_read_out_says_depth_true_and_predicted(qtbot, cell: str) -> None:
    """The read-out named neither the quantity nor how it follows from the brackets: it said
    "target 2" and "model's top 5: 2 99.8 %"."""
    import re

    tr = trainer(cell, task="brackets")
    v = view_of(qtbot, tr)
    frame = v.run_model.frame
    for t in range(frame.T):
        v.run_model.set_cursor(t=t)
        text = re.sub(r"<[^>]+>", "", v.readout.text()).replace("&nbsp;", " ")
        read = frame.labels[: t + 1]
        opened, closed = read.count("("), read.count(")")
        assert opened + closed == t + 1
        depth = opened - closed  # the count the state must keep
        assert frame.targets[t] == str(depth)
        assert f"target {depth}, the depth after it" in text
        # the step named as everywhere (t = 6), once: "depth after step 6 = 3 opened ..." was
        # the one "step 6" beside the read-out's "t = 6" (and the "=" read as the depth's)
        named = step_name(t, bold=False)
        assert f"depth after {named}: {opened} opened − {closed} closed = {depth}" in text
        best = int(np.argmax(frame.outputs[t]))  # classes are depths 0..D
        verdict = "✔ right" if best == depth else "✘ wrong"
        assert f"model's depth: {best} ({float(frame.outputs[t, best]):.1%}) {verdict}" in text


def test_probability_bars_are_as_long_as_the_probabilities() -> None:
    """Bars were whole blocks with at least one: 0.0 % drew as long as 5 %."""
    from rnnviz.app.widgets.readout import BAR_BLOCKS, EIGHTHS, probability_bar

    def length(bar: str) -> float:  # in blocks
        return bar.count("█") + sum((k + 1) / 8 for k, e in enumerate(EIGHTHS) if e in bar)

    for prob in (0.0, 0.0004, 0.002, 0.05, 0.123, 0.5, 0.998, 1.0):
        assert abs(length(probability_bar(prob)) - prob * BAR_BLOCKS) <= 1 / 16, prob
    assert probability_bar(0.0) == probability_bar(0.002) == ""


def test_slow_motion_says_why_the_answer_is_hidden(qtbot) -> None:
    """In slow motion the read-out said "Guess first, then reveal it (R)", and R did nothing:
    the answer comes with the last part of the step (↓)."""
    v = view_of(qtbot, trainer())
    v.next_stage()
    assert v.hidden() and not v.reveal_mode
    assert "reveal it (R)" not in v.readout.text() and "↓" in v.readout.text()
    v.set_reveal(True)  # predict-then-reveal as well: R is the way
    assert "reveal it (R)" in v.readout.text()


def test_echo_says_which_steps_are_not_scored(qtbot) -> None:
    """At echo's distractor steps the read-out listed the model's top 4 like an answer; only the
    recall step has a target (the loss counts nowhere else)."""
    v = view_of(qtbot, trainer("gru", task="echo", delay=6))
    c = v.closeup
    for t in range(c.T):
        v.run_model.set_cursor(t=t)
        scored = bool(c.predictions[t].target)
        assert ("not scored" in v.readout.text()) == (not scored), t
    assert any(p.target for p in c.predictions) and not all(p.target for p in c.predictions)
