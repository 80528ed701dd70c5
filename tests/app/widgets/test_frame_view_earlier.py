"""Frame view at an earlier training step: the numbers on screen are that frame's.

The run model keeps each frame's weights (within a budget); the view, fed by its fetcher, explains
an earlier frame at them exactly as the reference step does. A frame whose weights were not kept
is explained from its own arrays, the parts that need the weights marked, never made up.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_frame_view import trainer

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.widgets.cell_diagram import NO_GRADIENTS, PENDING
from rnnviz.app.widgets.frame_view import NO_PRE, NO_SPLIT, FrameView, equation_html
from rnnviz.core.backstep import backward_steps
from rnnviz.core.explain import explain_step, number
from rnnviz.core.registry import cell_names
from rnnviz.train.runmodel import RunModel

WAIT_MS = 20_000


def earlier(qtbot, cell: str, budget: int | None = None):
    """A view of a run model holding an earlier frame, explained by its fetcher: (view, frame,
    the float64 model of that frame's weights, the trainer)."""
    tr = trainer(cell, steps=2)
    rm = RunModel() if budget is None else RunModel(max_weight_bytes=budget)
    rm.ingest(tr.update(state="paused"))
    old, then = rm.frame, tr.model.astype("float64")
    for _ in range(3):
        tr.step()
        rm.ingest(tr.update(state="paused"))
    v = FrameView(rm)
    qtbot.addWidget(v)
    v.resize(700, 800)
    v.show()
    fetcher = CloseupFetcher(rm, v, v)
    fetcher.ready.connect(v.set_closeup)
    fetcher.set_call(run_here(tr))
    qtbot.waitUntil(lambda: v.closeup is not None and v.closeup.matches(rm.frame), timeout=WAIT_MS)
    rm.set_cursor(step=old.step)  # back to the earlier frame
    qtbot.waitUntil(lambda: v.closeup is not None and v.closeup.matches(old), timeout=WAIT_MS)
    return v, old, then, tr


@pytest.mark.parametrize("cell", cell_names())
def test_an_earlier_frame_shows_the_reference_step_at_its_weights(qtbot, cell: str) -> None:
    v, old, then, tr = earlier(qtbot, cell)
    probe = tr.task.probe()
    x = np.asarray(probe.x)[:1]
    back = backward_steps(then, x, probe.y, probe.mask)
    assert f"weights of training step {old.step:,}" in v.title.text()
    assert "not" not in v.title.text() and "updating" not in v.title.text()
    for t, unit in ((0, 0), (3, 2), (old.T - 1, 5)):
        v.run_model.set_cursor(t=t)
        v.unit.setValue(unit)
        ref = explain_step(then, x, t, unit)  # the textbook step at that frame's weights
        for n in ref.nodes:
            key = n.node.key
            if key == "x":
                continue
            value = float(n.value[unit])
            assert v.diagram.node_text(key) == number(value).replace("-", "−")
            if key in old.states:  # and the frame's own array, as its heatmaps show it
                assert value == pytest.approx(float(old.states[key][t, unit]), abs=2e-5)
        shown = v.equations.text()
        for line in ref.live.values():
            assert equation_html(line) in shown
        assert equation_html(NO_PRE) not in shown
        best = int(np.argmax(old.outputs[t]))
        assert v.closeup.predictions[t].top[0][0] == old.output_labels[best]
        v.set_backward(True)
        v.run_model.set_cursor(t=t)
        norms = back[t].norms()
        text = v.equations.text()
        assert f"<b>{norms['dh']:.3g}</b>" in text
        assert f"‖own‖ = {norms['own']:.3g}" in text and f"‖later‖ = {norms['later']:.3g}" in text
        v.set_backward(False)


@pytest.mark.parametrize("cell", cell_names())
def test_an_earlier_frame_without_its_weights_shows_its_arrays_and_marks_the_rest(
    qtbot, cell: str
) -> None:
    v, old, _then, _tr = earlier(qtbot, cell, budget=0)  # no weights kept at all
    assert not v.closeup.has_weights
    assert "from its stored arrays" in v.title.text() and "weights were not kept" in v.title.text()
    t, unit = 2, 3
    v.run_model.set_cursor(t=t)
    v.unit.setValue(unit)
    for name, states in old.states.items():
        assert v.diagram.node_text(name) == number(states[t, unit]).replace("-", "−")
    shown = v.equations.text()
    assert equation_html(NO_PRE) in shown
    for n in v.closeup.diagram.nodes:
        if n.pre is not None:  # no number where the pre-activation would be
            lhs, rhs = n.equation.split(" = ", 1)
            line = f"{lhs}[{unit}] = {rhs}[{unit}] = {number(old.states[n.key][t, unit])}"
            assert equation_html(line) in shown
    v.set_backward(True)
    v.run_model.set_cursor(t=t)
    text = v.equations.text()
    assert f"<b>{float(old.flows['h'][t]):.3g}</b>" in text and NO_SPLIT in text
    assert "‖own‖" not in text
    for n in v.closeup.diagram.nodes:  # no gradient drawn: the boxes are empty
        if n.key != "x":
            assert v.diagram.node_colour(n.key) == PENDING
    assert any(NO_GRADIENTS in line for line in v.diagram.legend_text())


def test_an_earlier_frame_of_an_edited_probe_is_refused_once_in_one_line(qtbot) -> None:
    """The probe edited since: the earlier frame's steps are not those of the probe now; the
    run says so once (one line), and later frames do not make the fetcher ask again."""
    tr = trainer("lstm", steps=1)
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    old = rm.frame
    tr.step()
    rm.ingest(tr.update(state="paused"))
    tr.set_probe("the dog sat on the cat.")
    v = FrameView(rm)
    qtbot.addWidget(v)
    v.show()
    fetcher = CloseupFetcher(rm, v, v)
    fetcher.ready.connect(v.set_closeup)
    calls, direct = [], run_here(tr)
    fetcher.set_call(lambda fn: (calls.append(fn), direct(fn))[1])
    qtbot.waitUntil(lambda: not fetcher._busy, timeout=WAIT_MS)
    asked = len(calls)
    with qtbot.waitSignal(fetcher.failed, timeout=WAIT_MS) as got:
        rm.set_cursor(step=old.step)
    text = got.args[0]
    assert "\n" not in text and f"probe was edited after training step {old.step:,}" in text
    assert len(calls) == asked + 1
    for _ in range(2):  # training goes on: the earlier frame is not asked for again
        tr.step()
        rm.ingest(tr.update(state="paused"))
        qtbot.waitUntil(lambda: not fetcher._busy, timeout=WAIT_MS)
    assert rm.frame is old and len(calls) == asked + 1
    assert f"<b>not</b> step {old.step:,} shown in the views" in v.title.text()
