"""What the window says is what the math says: one name for the cursor's step, one rounding
for a real value, a prediction "changed" only when it did, no mark on a hidden input."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_frame_dock import shown
from test_main_window import WAIT_MS
from test_panels import _look, _shoot_panel

from rnnviz.app.reveal import masked_labels
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets.intervention import PREDICTION_CHANGED, PROBABILITY_MOVED
from rnnviz.app.widgets.readout import prediction_html
from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task
from rnnviz.tasks.readout import value_text


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
    rows = re.findall(r"<tr><td>(\d+)</td>.*?<td>([^<]*) \(\d+%\)</td><td>→ <b>([^<]*) \(", rest)
    assert [int(t) for t, *_ in rows] == moved[:12]  # said apart: only the probability moved
    assert all(was == now for _t, was, now in rows)


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
