"""What the window says is what the math says: one name for the cursor's step, one rounding
for a real value, a prediction "changed" only when it did, no mark on a hidden input."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from test_frame_dock import shown
from test_main_window import WAIT_MS, tiny_run
from test_panels import _look, _shoot_panel

from rnnviz.app.reveal import masked_labels
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets.intervention import (
    LEAST_MOVE,
    MAX_ROWS,
    PREDICTION_CHANGED,
    PROBABILITY_MOVED,
    InterventionPanel,
    _table,
    describe,
    percent_pair,
)
from rnnviz.app.widgets.readout import prediction_html
from rnnviz.config import TaskConfig
from rnnviz.core.intervene import Clamp, EditInput, ForceGate
from rnnviz.tasks import make_task
from rnnviz.tasks.readout import value_text
from rnnviz.train.inspection import probe_intervention
from rnnviz.train.trainer import Trainer


def test_every_place_names_the_cursors_step_alike(qtbot, tiny_window) -> None:
    window = shown(tiny_window)
    view = window.frame_dock.view
    qtbot.waitUntil(lambda: view.closeup is not None, timeout=WAIT_MS)
    T = window.frame_bar.slider.maximum() + 1
    t = T // 2
    window.frame_bar.set_frame(t)
    qtbot.waitUntil(lambda: view.closeup is not None and view.t == t, timeout=WAIT_MS)
    assert view.closeup.T == T
    name = step_name(t, T)  # "t = <b>t</b> of 0–T-1": the equations' 0-based t
    assert name == f"t = <b>{t}</b> of 0–{T - 1}"
    assert name in view.title.text()
    # the frame bar, narrow beside its slider, names the same t (the slider shows the range)
    assert f"{step_name(t)} " in window.frame_bar._readout[0]
    assert view.readout.text().count(step_name(t)) == 1  # its read-out: the same t
    for text in (window.frame_bar._readout[0], view.title.text(), view.readout.text()):
        assert f" of {T}" not in text and f"/{T - 1}" not in text


def test_a_real_value_is_written_with_the_same_digits_everywhere() -> None:
    task = make_task(TaskConfig(name="sine"))
    probe = task.probe()
    T = len(probe.labels)
    rng = np.random.default_rng(0)
    outputs = rng.normal(0.0, 1.0, (T, 1))  # (T, 1) any model's answers
    for p in task.describe(outputs, probe):
        true_text = value_text(p.true_value)
        assert p.target == true_text and p.predicted == value_text(p.value)
        assert p.input == value_text(probe.x[0, p.t, 0])
        page = prediction_html(p)
        assert f"target <b>{true_text}</b>" in page and f"true <b>{true_text}</b>" in page
        shown = re.findall(r"-?\d+\.\d+", re.sub(r"<[^>]+>", " ", page))
        assert {len(s.split(".")[1]) for s in shown} == {3}, shown


def test_a_clamp_lists_only_the_steps_whose_prediction_changed(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        panel = w.inspector.intervene
        return dict(
            before=panel.result.before,
            after=panel.result.after,
            start=panel.result.result.start,
            text=panel.predictions.text(),
        )

    seen = _look(monkeypatch, "intervene", look)
    _shoot_panel(monkeypatch, tmp_path, "intervene")
    pairs = [(b, a) for b, a in zip(seen["before"], seen["after"], strict=True)]
    pairs = [(b, a) for b, a in pairs if b.t >= seen["start"]]
    changed = [b.t for b, a in pairs if b.predicted != a.predicted]
    moved = [b.t for b, a in pairs if b.predicted == a.predicted and b.probability != a.probability]
    assert moved  # the clamp moves probabilities without changing some predictions
    top, _, rest = seen["text"].partition(PROBABILITY_MOVED)
    assert top.startswith(f"<b>{PREDICTION_CHANGED}</b>") or not changed
    listed = [int(t) for t in re.findall(r"<tr><td>(\d+)</td>", top)]
    assert listed == changed[:12]  # the prediction changed at exactly these steps
    rows = re.findall(PERCENT_ROW, rest)
    assert [int(t) for t, *_ in rows] == moved[:12]  # said apart: only the probability moved
    assert all(was == now for _t, was, _p, now, _q in rows)
    assert all(p != q for *_, p, _now, q in rows)  # its numbers show the move


#: A table row's step, answer and probability (in percent) before, and after.
PERCENT_ROW = (
    r"<tr><td>(\d+)</td>.*?<td>([^<]*) \(([\d.]+)%\)</td><td>→ <b>([^<]*) \(([\d.]+)%\)</b>"
)


def test_a_probability_move_under_half_a_percent_shows_in_its_numbers(qtbot) -> None:
    """Listed as moved, a probability's before and after differ on screen ("d (22%) → d (22%)"
    was listed), each to within its last decimal of the true number."""
    trainer = Trainer(tiny_run().validate())
    for _ in range(5):
        trainer.step()
    panel = InterventionPanel()
    qtbot.addWidget(panel)
    panel.set_frame(trainer.frame())
    result = probe_intervention(trainer, Clamp("h", 0, 0.5, 1))
    before = result.before[: len(MOVES)]
    after = tuple(
        dataclasses.replace(b, probability=b.probability + move)
        for b, move in zip(before, MOVES, strict=True)
    )
    panel.show_result(dataclasses.replace(result, before=before, after=after))
    assert (
        f"from t = 1</b> (weights of training step {trainer.step_count}): " in panel.message.text()
    )
    _top, _, rest = panel.predictions.text().partition(PROBABILITY_MOVED)
    rows = re.findall(PERCENT_ROW, rest)
    listed = [b.t for b, m in zip(before, MOVES, strict=True) if b.t >= 1 and abs(m) >= LEAST_MOVE]
    assert [int(t) for t, *_ in rows] == listed  # a move under the least one is no move
    pairs = [(b, a) for b, a in zip(before, after, strict=True) if b.t in listed]
    for (t, _was, p, _now, q), (b, a) in zip(rows, pairs, strict=True):
        assert int(t) == b.t and p != q, (p, q)
        digits = len(p.partition(".")[2])
        assert digits == len(q.partition(".")[2]) and digits in (1, 2)
        for written, true in ((p, b.probability), (q, a.probability)):
            assert abs(float(written) / 100 - true) <= 0.5 * 10 ** -(digits + 2) + 1e-12


#: Probability moves of the rows above (step 0 comes before the change and is not listed):
#: under half a point (two decimals needed), a point (one), under the least move (not listed).
MOVES = (0.003, 0.003, -0.0006, 0.01, 0.0004, 0.0021)


def test_two_decimals_show_every_move_listed() -> None:
    rng = np.random.default_rng(0)
    p = rng.uniform(0.0, 1.0 - LEAST_MOVE, 2000)
    moved = p + LEAST_MOVE * rng.uniform(1.0, 3.0, p.size)
    for a, b in zip(p, moved, strict=True):
        shown = percent_pair(a, b)
        assert shown[0] != shown[1], (a, b, shown)
    assert percent_pair(0.2206, 0.2211) == ("22.06%", "22.11%")  # "22.1%" twice at one
    assert percent_pair(0.224, 0.229) == ("22.4%", "22.9%")


def test_find_with_reveal_marks_no_hidden_input(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        frame, view = w.run_model.frame, w.frame_dock.view
        return dict(
            marks=w.inspector.find.marks.copy(),
            labels=tuple(frame.labels),
            inputs=masked_labels(frame.labels, frame.targets, view.target_mask()),
        )

    seen = _look(monkeypatch, "find", look)
    _shoot_panel(monkeypatch, tmp_path, "find", "--reveal")
    labels, shown, marks = seen["labels"], seen["inputs"], seen["marks"]
    hidden = np.array([v != lb for v, lb in zip(shown, labels, strict=True)])  # (T,)
    assert any(labels[s] == labels[2] for s in np.flatnonzero(hidden))  # the input at t recurs
    assert not (marks & hidden).any()
    visible = ~hidden & np.array([lb == labels[2] for lb in labels])  # (T,)
    np.testing.assert_array_equal(marks, visible)


def test_an_intervention_names_its_probe_step_as_t_and_its_weights_training_step() -> None:
    """ "clamped to 0.5 from step 12 (weights of step 300)" named two kinds of step alike."""
    assert (
        describe(Clamp("h", 17, 0.5, 12))
        == f"h[17] clamped to 0.5 from {step_name(12, bold=False)}"
    )
    assert describe(ForceGate("f", 3, True, 4)).endswith("forced open (1) from t = 4")
    assert describe(EditInput(5, 2)) == "input at t = 5 replaced"


def test_a_real_valued_tasks_loss_change_is_a_squared_error_not_nats(qtbot) -> None:
    """Sine's intervention said "loss 0.0076 → 0.2561 nats": its loss is a mean squared error."""
    for task, unit in (("sine", "(mean squared error)"), ("text", "nats")):
        options = {"corpus": "tiny"} if task == "text" else {}
        run = tiny_run().replace(task=TaskConfig(name=task, options=options))
        trainer = Trainer(run.validate())
        trainer.step()
        panel = InterventionPanel()
        qtbot.addWidget(panel)
        panel.set_frame(trainer.frame())
        res = probe_intervention(trainer, Clamp("h", 0, 0.5, 1))
        panel.show_result(res)
        loss = f"loss {res.result.original.loss:.4f} → {res.result.changed.loss:.4f} {unit},"
        assert loss in panel.message.text(), (task, panel.message.text())


def test_the_steps_left_out_of_a_table_are_counted_in_good_english() -> None:
    rows = [f"<tr><td>{t}</td></tr>" for t in range(MAX_ROWS + 1)]
    assert _table(PREDICTION_CHANGED, rows).endswith("… and 1 more step")  # was "1 more steps"
    assert _table(PREDICTION_CHANGED, [*rows, rows[0]]).endswith("… and 2 more steps")
    assert "more" not in _table(PREDICTION_CHANGED, rows[:MAX_ROWS])
