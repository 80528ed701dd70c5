"""The inspector's views show what the engine computes: unit card, find units, saturation,
interventions, gradient check and spectra, each driven offscreen from a real trainer."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from PyQt6.QtWidgets import QApplication, QTableWidget
from tiny_runs import tiny_trainer

from rnnviz.app.widgets.info import EXPLANATIONS, InfoButton
from rnnviz.app.widgets.scales import CMAPS, DIFF_CMAP, colours, spec_levels
from rnnviz.app.widgets.unit_inspector import unit_order
from rnnviz.core.gradcheck import CheckRow
from rnnviz.core.intervene import Clamp, EditInput
from rnnviz.presets import load_preset
from rnnviz.train.inspection import GradientCheck
from rnnviz.train.trainer import Trainer

WAIT_MS = 20_000  # generous: the machine is shared


def _column_colours(html: str) -> list[str]:
    return re.findall(r"background-color:(#[0-9a-f]{6})", html)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_unit_card_shows_the_units_values(qtbot, inspectors, cell: str) -> None:
    tr = _trainer(cell)
    ins, model = inspectors(tr)
    frame = model.frame
    ins.show_unit("h", 5)
    card = ins.unit
    column = frame.states["h"][:, 5]  # (T,)
    spec = next(s for s in frame.specs if s.name == "h")
    want = colours(CMAPS[spec.scale], spec_levels(spec, frame.states["h"]), column)
    assert _column_colours(card.text_html()) == [c.name() for c in want]
    assert len(_column_colours(card.text_html())) == frame.T
    assert "</span> <span" not in card.text_html()  # characters run on as text
    # ... and break into lines where the card is narrow (the probe's spaces are drawn as ␣:
    # one word that ran off the card's right edge, its last characters never seen)
    one_line = card.text.heightForWidth(100_000)
    assert card.text.heightForWidth(card.text.fontMetrics().averageCharWidth() * 12) > one_line
    _x, y = card.unit_line.getData()
    np.testing.assert_array_equal(y, column)
    gates = [s.name for s in frame.specs if s.scale == "sequential"]
    assert set(card.gate_lines) == set(gates)
    for g in gates:
        np.testing.assert_array_equal(card.gate_lines[g].getData()[1], frame.states[g][:, 5])
    # the held-out contexts arrive from the job, for this unit
    qtbot.waitUntil(lambda: card._contexts is not None, timeout=WAIT_MS)
    assert (card._contexts.state, card._contexts.unit) == ("h", 5)
    assert "where h[5] is highest" in card.contexts.text()


def test_extreme_values_take_the_ends_of_the_colour_map() -> None:
    got = colours("CET-D1", (-1.0, 1.0), np.array([-1.0, 0.0, 1.0, 5.0]))
    assert got[0] != got[1] != got[2] and got[2] == got[3]  # clipped at the top end


def test_units_overview_orders_by_variance_saturation_and_correlation(qtbot, inspectors) -> None:
    tr = _trainer("lstm", hidden=16)
    ins, model = inspectors(tr)
    frame = model.frame
    card = ins.unit
    ins.show_unit("f", 0)
    card.rows_box.setValue(6)
    f = frame.states["f"].astype(np.float64)  # (T, H)
    card.order_box.setCurrentIndex(card.order_box.findData("variance"))
    np.testing.assert_array_equal(
        card.overview_units, np.argsort(-f.var(axis=0), kind="stable")[:6]
    )
    card.order_box.setCurrentIndex(card.order_box.findData("saturation"))
    sat = (f < 0.1).mean(axis=0) + (f > 0.9).mean(axis=0)  # (H,)
    top = card.overview_units
    assert list(sat[top]) == sorted(sat, reverse=True)[:6]
    spec = next(s for s in frame.specs if s.name == "c")
    _order, score = unit_order(frame.states["c"], spec, "saturation")
    assert np.isnan(score).all()  # the cell state is unbounded: no saturation to sort by
    # clicking a row of the overview inspects that unit
    card.click_row(2)
    assert card.unit == int(top[2])
    # by unit number, the rows around the unit inspected
    card.order_box.setCurrentIndex(card.order_box.findData("unit"))
    card.select("f", 15)
    assert card.overview_units.tolist() == list(range(10, 16))
    card.select("f", 7)
    assert card.overview_units.tolist() == list(range(4, 10))


def test_marked_characters_rank_units_by_correlation(qtbot, inspectors) -> None:
    tr = _trainer("lstm", hidden=8)
    ins, model = inspectors(tr)
    frame = model.frame
    ins.setCurrentWidget(ins.find)
    marks = np.array([ch in "aeiou" for ch in frame.labels])
    ins.find.set_marks(marks)
    ins.find.rank()
    best = ins.find.scores[0]
    r = np.corrcoef(frame.states[best.state][:, best.unit], marks.astype(float))[0, 1]
    assert best.correlation == pytest.approx(r, abs=1e-6)
    every = [
        abs(np.corrcoef(v[:, j], marks.astype(float))[0, 1])
        for v in frame.states.values()
        for j in range(v.shape[1])
        if np.ptp(v[:, j]) > 0
    ]
    assert abs(best.correlation) == pytest.approx(max(every), abs=1e-6)
    table: QTableWidget = ins.find.table
    assert table.item(0, 0).text() == best.state and table.item(0, 1).text() == str(best.unit)
    table.cellClicked.emit(0, 0)
    assert (ins.unit.state, ins.unit.unit) == (best.state, best.unit)
    # the unit card can now order by |r| with the marks
    card = ins.unit
    card.order_box.setCurrentIndex(card.order_box.findData("correlation"))
    assert card.overview_units[0] == best.unit or best.state != card.state


def test_nothing_marked_is_refused_with_a_message(qtbot, inspectors) -> None:
    ins, _ = inspectors(_trainer())
    ins.setCurrentWidget(ins.find)
    ins.find.rank()
    assert "mark some characters" in ins.find.summary.text()
    assert ins.find.scores == []


def test_the_carry_unit_is_found_and_named_once_binary_addition_is_solved(
    qtbot, inspectors
) -> None:
    tr = Trainer(load_preset("binary-addition"))
    ins, model = inspectors(tr)
    qtbot.waitUntil(lambda: ins.find.source.count() == 2, timeout=WAIT_MS)  # marks, carry
    for _ in range(60):  # solved within 2,000 steps on seeds 0-3 (README)
        for _ in range(100):
            tr.step()
        model.ingest(tr.update())  # the evaluations come with the step records
        if model.metrics.get("sum_accuracy", 0.0) >= 0.99:
            break
    assert model.metrics["sum_accuracy"] >= 0.99
    qtbot.waitUntil(lambda: "carry" in ins.find.unit_names.values(), timeout=WAIT_MS)
    ((state, unit),) = [k for k, v in ins.find.unit_names.items() if v == "carry"]
    best = ins.find.scores[0]
    assert (best.state, best.unit) == (state, unit) and abs(best.correlation) >= 0.9
    ins.show_unit(state, unit)
    assert "the <b>carry</b> unit" in ins.unit.title.text()
    T = model.frame.T  # bit-pair tokens ("1/0") are set apart by a space in the coloured text
    assert ins.unit.text_html().count("</span> <span") == T - 1
    assert "carry" in ins.find.summary.text()
    # the Follow box names what the table was ranked against, and ranks it again
    assert ins.find.chosen() == ("feature", "carry")
    assert ins.find.source.currentText() == "the task's feature: carry"
    assert not ins.find.probe.isVisibleTo(ins.find)  # no marks to make for a feature
    asked = []
    ins.find.rankWanted.connect(lambda kind, what: asked.append((kind, what)))
    ins.find.rank()
    assert asked == [("feature", "carry")]


def test_an_lstms_carry_spread_over_two_units_is_named_on_both_once_solved(
    qtbot, inspectors
) -> None:
    """The binary-addition preset with an LSTM (seed 0) is solved by step 1,000, but its best
    unit follows the carry with r = +0.88 only; h[13] and h[10] together (least squares) reach
    R = 0.93. Both are named "carry (spread)", and the summary gives their r and R."""
    run = load_preset("binary-addition")
    model_cfg = dataclasses.replace(run.model, cell="lstm", nonlinearity="tanh")
    tr = Trainer(dataclasses.replace(run, model=model_cfg))
    ins, model = inspectors(tr)
    qtbot.waitUntil(lambda: ins.find.source.count() == 2, timeout=WAIT_MS)  # marks, carry
    for _ in range(40):
        for _ in range(100):
            tr.step()
        model.ingest(tr.update())
        if model.metrics.get("sum_accuracy", 0.0) >= 0.99:
            break
    assert model.metrics["sum_accuracy"] >= 0.99
    qtbot.waitUntil(lambda: bool(ins.find.unit_names), timeout=WAIT_MS)
    named = sorted(k for k, v in ins.find.unit_names.items() if v == "carry (spread)")
    assert len(named) == 2 and "carry" not in ins.find.unit_names.values()
    best = ins.find.scores[0]
    assert abs(best.correlation) < 0.9 and (best.state, best.unit) in named
    summary = ins.find.summary.text()
    assert "<b>carry</b> is spread over" in summary and "together R = 0.9" in summary
    for state, unit in named:
        assert f"{state}[{unit}] (r = " in summary
    ins.show_unit(*named[0])
    assert "the <b>carry (spread)</b> unit" in ins.unit.title.text()


def test_the_carry_is_ranked_again_after_each_solved_evaluation_until_the_unit_settles(
    qtbot, inspectors
) -> None:
    """The preset with a GRU (seed 0) gets every sum right by step 1,000 while its best unit
    has r = -0.82 and the best pair R = 0.89: no name yet. n[9] passes 0.9 by step 2,000
    (+0.93). Ranked only at the first solved evaluation, the window named no carry unit at all."""
    run = load_preset("binary-addition")
    model_cfg = dataclasses.replace(run.model, cell="gru", nonlinearity="tanh")
    tr = Trainer(dataclasses.replace(run, model=model_cfg))
    ins, model = inspectors(tr)
    qtbot.waitUntil(lambda: ins.find.source.count() == 2, timeout=WAIT_MS)  # marks, carry
    asked: list[tuple[str, str]] = []
    ins.find.rankWanted.connect(lambda kind, what: asked.append((kind, what)))
    named_at = []
    for _ in range(12):
        for _ in range(250):
            tr.step()
        model.ingest(tr.update())  # one evaluation every 250 steps
        qtbot.waitUntil(lambda: not ins.jobs.busy("rank"), timeout=WAIT_MS)
        if "carry" in ins.find.unit_names.values():
            named_at.append(tr.step_count)
    assert model.metrics["sum_accuracy"] >= 0.99
    solved = [e.step for e in model.evaluations if e.metrics["sum_accuracy"] >= 0.99]
    assert len(asked) == len(solved) >= 2  # once per solved evaluation
    assert named_at and named_at[0] > solved[0]  # named later than first solved
    ((state, unit),) = [k for k, v in ins.find.unit_names.items() if v == "carry"]
    best = ins.find.scores[0]
    assert (best.state, best.unit) == (state, unit) and abs(best.correlation) >= 0.9


def test_the_follow_box_names_the_source_of_the_ranking_shown(qtbot, inspectors) -> None:
    """A ranking answered after the user chose another source (the worker took its time) is
    shown under the source it was ranked against, not under the one chosen since."""
    ins, _ = inspectors(_trainer("lstm"))
    find = ins.find
    ins.setCurrentWidget(find)
    qtbot.waitUntil(lambda: find.source.findData("pattern:") >= 0, timeout=WAIT_MS)
    find.source.setCurrentIndex(find.source.findData("pattern:"))
    find.pattern.setText("[aeiou]")
    find.rank()  # the answer comes back through the event loop, after the next lines
    find.source.setCurrentIndex(find.source.findData("marks:"))
    find.pattern.setText("x")
    qtbot.waitUntil(lambda: bool(find.scores), timeout=WAIT_MS)
    assert find.chosen() == ("pattern", "") and find.pattern.text() == "[aeiou]"
    assert find.pattern.isVisibleTo(find) and not find.probe.isVisibleTo(find)
    assert "[aeiou]" in find.summary.text()


def test_saturation_scatter_is_each_gates_fraction_shut_and_open(qtbot, inspectors) -> None:
    tr = _trainer("gru")
    ins, model = inspectors(tr)
    ins.setCurrentWidget(ins.saturation)
    frame = model.frame
    gates = [s.name for s in frame.specs if s.scale == "sequential"]
    assert set(ins.saturation.scatters) == set(gates)
    for g in gates:
        x, y = ins.saturation.points(g)
        np.testing.assert_allclose(x, (frame.states[g] < 0.1).mean(axis=0))
        np.testing.assert_allclose(y, (frame.states[g] > 0.9).mean(axis=0))
    # the axis titles in full (a "<" read as a tag cut the x title at "nearly shut ("), and the
    # dashed line named in the legend
    plot = ins.saturation.widget.getPlotItem()
    titles = [plot.getAxis(side).label.toPlainText().strip() for side in ("bottom", "left")]
    assert titles == ["fraction of steps nearly shut (< 0.1)", "fraction nearly open (> 0.9)"]
    assert "x + y = 1" in ins.saturation.legend.text()
    # live: a later frame moves the dots
    for _ in range(20):
        tr.step()
    model.ingest(tr.update())
    x, _ = ins.saturation.points(gates[0])
    np.testing.assert_allclose(x, (model.frame.states[gates[0]] < 0.1).mean(axis=0))


def test_a_clamps_difference_view_and_restore(qtbot, inspectors) -> None:
    tr = _trainer("lstm")
    ins, _model = inspectors(tr)
    ins.setCurrentWidget(ins.intervene)
    panel = ins.intervene
    diffs = []
    ins.differenceChanged.connect(diffs.append)
    panel.kind.setCurrentIndex(panel.kind.findData("clamp:h"))
    panel.unit.setValue(3)
    panel.start.setValue(2)
    panel.value.setText("0.8")
    assert panel.apply()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)
    res = panel.result.result
    assert res.change == Clamp("h", 3, 0.8, 2)
    name, shown = panel.shown_difference()
    np.testing.assert_array_equal(shown, res.changed.states[name] - res.original.states[name])
    np.testing.assert_array_equal(shown[:2], 0.0)
    lo, hi = panel.bar.levels()
    assert lo == -hi and hi >= np.abs(shown).max()
    assert f"change {res.loss_change:+.4f}" in panel.message.text()
    assert diffs and diffs[-1] is not None
    panel.restore()
    assert panel.result is None and diffs[-1] is None


def test_out_of_range_clamps_and_unknown_inputs_are_refused(qtbot, inspectors) -> None:
    ins, _ = inspectors(_trainer("lstm"))
    ins.setCurrentWidget(ins.intervene)
    panel = ins.intervene
    panel.kind.setCurrentIndex(panel.kind.findData("clamp:h"))
    panel.value.setText("3")
    assert not panel.apply()
    assert "lies in -1..1" in panel.message.text()
    panel.value.setText("abc")
    assert not panel.apply() and "give a number" in panel.message.text()
    panel.kind.setCurrentIndex(panel.kind.findData("input:"))
    panel.value.setText("€")
    assert not panel.apply() and "not in the vocabulary" in panel.message.text()
    vocab = list(ins.run_model.frame.output_labels)
    for typed in (" ", "␣"):  # a space, typed or as the vocabulary shows it
        panel.value.setText(typed)
        assert panel.change() == EditInput(panel.start.value(), vocab.index("␣"))


def test_verify_gradients_fills_the_table(qtbot, inspectors) -> None:
    tr = _trainer("rnn")
    ins, _ = inspectors(tr)
    ins.setCurrentWidget(ins.gradients)
    g = ins.gradients
    g.verify_button.click()
    qtbot.waitUntil(lambda: g.check is not None, timeout=WAIT_MS)
    rows = g.check.rows
    assert g.table.rowCount() == len(rows)
    for i, r in enumerate(rows):
        assert g.table.item(i, 0).text() == r.param
        assert g.table.item(i, 3).text() == f"{r.rel_err:.2e}"
        assert g.table.item(i, 4).text() == ("pass" if r.ok else "FAIL")
    assert g.check.ok and "every array passes" in g.verdict.text()
    bad = CheckRow("rnn", "softmax", "W_h", 6, 0.1, 0.01)
    g.show_check(GradientCheck(5, 6, (bad,)))
    assert g.table.item(0, 4).text() == "FAIL" and "FAIL" in g.verdict.text()


def test_spectra_follow_training(qtbot, inspectors) -> None:
    tr = _trainer("lstm")
    ins, model = inspectors(tr)
    ins.setCurrentWidget(ins.gradients)
    g = ins.gradients
    qtbot.waitUntil(lambda: len(g.series.points) == 1, timeout=WAIT_MS)
    for _ in range(5):
        tr.step()
    model.ingest(tr.update())
    qtbot.waitUntil(lambda: len(g.series.points) == 2, timeout=WAIT_MS)
    steps, curves, forget = g.series.curves()
    assert steps.tolist() == [30, 35]
    q = tr.model.cell.unfuse(dict(tr.model.p))
    for gate, (rho, sv) in curves.items():
        W = np.asarray(q[f"W_h{gate}"], np.float64)
        assert rho[-1] == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=1e-6)
        assert sv[-1] == pytest.approx(np.linalg.norm(W, 2), rel=1e-6)
        np.testing.assert_array_equal(g.lines[gate][0].getData()[1], rho)
    assert forget[-1] == pytest.approx(float(np.mean(model.frame.states["f"])))


def test_spectra_arriving_off_screen_are_drawn_when_the_tab_is_shown(qtbot, inspectors) -> None:
    """The spectra keep coming for the read-out under the gradient plot while the Gradients tab
    is not on screen; the hidden plot is not redrawn for each (8-12 ms a point on the window's
    thread), and shows every point once its tab is opened."""
    from rnnviz.train.inspection import SpectralProbe

    tr = _trainer("lstm")
    ins, _ = inspectors(tr)
    ins.setCurrentWidget(ins.unit)
    g = ins.gradients
    qtbot.waitUntil(lambda: not ins.jobs.busy("spectral"), timeout=WAIT_MS)
    g.clear()
    assert not g.isVisible()
    drawn: list[int] = []
    legend = g.legend.setText  # set on every drawing of the plot
    g.legend.setText = lambda text: (drawn.append(len(g.series.points)), legend(text))[1]
    probe = SpectralProbe()
    for _ in range(3):
        tr.step()
        g.add_point(probe(tr))  # as the inspector hands a point over
    assert len(g.series.points) == 3
    assert drawn == []
    ins.setCurrentWidget(ins.gradients)
    QApplication.processEvents()
    assert g.isVisible()
    assert drawn == [3]
    steps, curves, _ = g.series.curves()
    assert steps.tolist() == [31, 32, 33]
    for gate, (rho, _sv) in curves.items():
        np.testing.assert_array_equal(g.lines[gate][0].getData()[1], rho)


def test_the_spectra_axis_title_fits_its_axis(qtbot, inspectors) -> None:
    """Squeezed to its minimum (a short dock), the plot's rotated title is no longer than its
    axis: it was cut to "ρ, σ_max, mean forget g"."""
    ins, _ = inspectors(_trainer("lstm"))
    ins.setCurrentWidget(ins.gradients)
    ins.resize(1000, 150)  # the page scrolls a panel at its minimum
    QApplication.processEvents()
    plot = ins.gradients.plot
    assert plot.height() == plot.minimumHeight()
    axis = plot.getPlotItem().getAxis("left")
    assert axis.label.boundingRect().width() <= axis.geometry().height()


def test_the_explanations_name_the_colours_drawn() -> None:
    """The difference map's 0 is the pale grey middle of its colour map, not white (the ⓘ said
    white); the units overview and its colour bar, and the framed unit, are explained."""
    zero = colours(DIFF_CMAP, (-1.0, 1.0), np.array([0.0]))[0]
    assert zero.name() != "#ffffff" and zero.red() == pytest.approx(zero.blue(), abs=8)
    intervene = EXPLANATIONS["intervene"].read
    assert "white" not in intervene and "pale grey of 0" in intervene
    unit = EXPLANATIONS["unit"].read
    assert "overview is a heatmap" in unit and "colour bar below it" in unit and "framed" in unit
    assert "dashed line x + y = 1" in EXPLANATIONS["saturation"].read
    assert "h0, c0" in EXPLANATIONS["verify"].shows
    assert "whatever else happens" not in EXPLANATIONS["spectral"].read  # not for an LSTM


def test_every_view_has_its_explanation(qtbot, inspectors) -> None:
    ins, _ = inspectors(_trainer())
    keys = {b.key for b in ins.findChildren(InfoButton)}
    assert keys == {"unit", "find", "saturation", "intervene", "verify", "spectral"}
    for e in EXPLANATIONS.values():
        assert e.shows and e.formula and e.read and e.look_for


def _trainer(cell: str = "lstm", hidden: int = 8) -> Trainer:
    return tiny_trainer(cell, hidden=hidden, steps=30, seed=2)
