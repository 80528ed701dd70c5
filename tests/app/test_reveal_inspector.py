"""Predict-then-reveal hides the targets in the inspector too, and wherever else the probe's
future shows: the unit card's coloured probe text and token axes, Find units' probe text (its
marks kept on the right steps), the intervention's difference map and its table of changed
predictions, a heatmap read-out already on screen, and the waveform's predicted curve — for
every task and cell, driven by the keys a teacher uses (Ctrl+I, arrows, P, R)."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QTextCursor
from test_main_window import WAIT_MS
from test_reveal_hides_targets import TASKS, _go_to_scored_step, _key, _window

from rnnviz.app.main_window import MainWindow
from rnnviz.app.reveal import HIDDEN_TOKEN, shifted
from rnnviz.app.widgets._common import visible_token

ROW = re.compile(
    r"<tr><td>(\d+)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>→ <b>(.*?)</b></td></tr>"
)


def _open_inspector(qtbot, w: MainWindow):
    qtbot.keyClick(w, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)  # Ctrl+I
    ins = w.inspector
    assert w.inspector_dock.isVisible()
    qtbot.waitUntil(lambda: ins.unit._frame is w.run_model.frame, timeout=WAIT_MS)
    return ins


def _card_tokens(ins) -> tuple[str, ...]:
    """The unit card's coloured probe text, token by token."""
    spans = re.findall(r"<span style='background-color:[^']*'>(.*?)</span>", ins.unit.text_html())
    return tuple(html.unescape(s) for s in spans)


def _tab(qtbot, ins, panel) -> None:
    ins.setCurrentWidget(panel)  # the tab clicked
    qtbot.waitUntil(lambda: ins.currentWidget() is panel, timeout=WAIT_MS)


def _shown(qtbot, ins) -> dict[str, tuple[str, ...]]:
    """The probe's inputs as each inspector view shows them."""
    _tab(qtbot, ins, ins.find)
    probe = ins.find.probe.toPlainText()
    _tab(qtbot, ins, ins.intervene)
    diff_axis = ins.intervene.diff_map.axis.labels()
    _tab(qtbot, ins, ins.unit)
    return {
        "unit card text": _card_tokens(ins),
        "unit curve axis": ins.unit._curve_axis.labels(),
        "unit overview axis": ins.unit.over_map.axis.labels(),
        # one-character inputs run on as text; longer ones (bits, values) are separated by spaces
        "find units probe": tuple(probe.split(" ")) if " " in probe else tuple(probe),
        "intervention axis": diff_axis,
    }


def _rows(ins) -> list[tuple[int, str, str, str, str]]:
    """The intervention's table of changed predictions: (t, input, target, before, after)."""
    text = ins.intervene.predictions.text()
    return [(int(t), *(html.unescape(c) for c in cells)) for t, *cells in ROW.findall(text)]


def _intervene(qtbot, ins, t: int) -> None:
    """Clamp unit 0 of the first carried state from step t to the end of its range (zero it
    if it has none), Apply."""
    _tab(qtbot, ins, ins.intervene)
    panel = ins.intervene
    qtbot.waitUntil(lambda: panel.kind.count() > 0, timeout=WAIT_MS)
    frame = ins.run_model.frame
    state = next(iter(frame.flows), frame.specs[0].name)
    spec = next(s for s in frame.specs if s.name == state)
    panel.set_target(state, 0, t)
    if spec.hi is None:
        panel.kind.setCurrentIndex(panel.kind.findData(f"zero:{state}"))
    else:
        panel.kind.setCurrentIndex(panel.kind.findData(f"clamp:{state}"))
        far = spec.lo if frame.states[state][t, 0] > 0 else spec.hi
        panel.value.setText(f"{far:g}")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)


def _expected(labels: tuple[str, ...], shown_up_to: int | None) -> tuple[str, ...]:
    """The inputs with every one from ``shown_up_to`` on hidden (None: all shown)."""
    if shown_up_to is None:
        return labels
    return labels[:shown_up_to] + (HIDDEN_TOKEN,) * (len(labels) - shown_up_to)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("task", TASKS)
def test_the_inspector_hides_the_targets_until_revealed(qtbot, task: str, cell: str) -> None:
    w = _window(qtbot, task, cell)
    frame = w.run_model.frame
    labels = tuple(visible_token(s) for s in frame.labels)
    targets = tuple(visible_token(s) for s in frame.targets)
    next_element = shifted(frame.labels, frame.targets)
    t = _go_to_scored_step(qtbot, w)
    ins = _open_inspector(qtbot, w)
    _intervene(qtbot, ins, t)
    rows = _rows(ins)
    assert any(u >= t for u, *_ in rows), "the clamp changed no prediction from t on"
    for u, shown_input, target, before, after in rows:  # before P: everything shown
        assert (shown_input, target) == (labels[u], targets[u])
        assert HIDDEN_TOKEN not in (before, after)
    w.centralWidget().setFocus()
    for where, shown in _shown(qtbot, ins).items():
        assert shown == labels, where

    _key(qtbot, w, Qt.Key.Key_P)  # the class guesses the target at t
    assert w.frame_dock.view.hidden()
    hidden_from = t + 1 if next_element else None
    for where, shown in _shown(qtbot, ins).items():
        assert shown == _expected(labels, hidden_from), where
    for u, shown_input, target, before, after in _rows(ins):
        if u >= t:  # the target and the model's answers at t and later: hidden
            assert target == (HIDDEN_TOKEN if targets[u] else ""), u
            assert before == after == HIDDEN_TOKEN, u
        assert shown_input == _expected(labels, hidden_from)[u], u

    _key(qtbot, w, Qt.Key.Key_R)  # revealed: the target at t, and the input that is it
    assert not w.frame_dock.view.hidden()
    shown_to = t + 2 if next_element else None
    for where, shown in _shown(qtbot, ins).items():
        assert shown == _expected(labels, shown_to), where
    for u, _input, target, before, after in _rows(ins):
        if u == t:
            assert target == targets[t] and HIDDEN_TOKEN not in (before, after)
        elif u > t:
            assert before == after == HIDDEN_TOKEN, u

    _key(qtbot, w, Qt.Key.Key_P)  # off: everything shown again
    for where, shown in _shown(qtbot, ins).items():
        assert shown == labels, where
    assert all(HIDDEN_TOKEN not in (b, a) for _u, _i, _t, b, a in _rows(ins))


@pytest.mark.parametrize("task", ["text", "sine"])
def test_find_units_marks_stay_on_their_steps_while_the_probe_is_hidden(qtbot, task: str) -> None:
    """The hidden probe text is shorter than the real one (sine's '0.97' reads '?'): marks made
    before stay on their steps, and characters selected in the hidden text mark their steps."""
    w = _window(qtbot, task, "lstm")
    t = _go_to_scored_step(qtbot, w)
    ins = _open_inspector(qtbot, w)
    _tab(qtbot, ins, ins.find)
    find = ins.find
    find.set_marks(np.array([1, t + 3]))
    w.centralWidget().setFocus()
    _key(qtbot, w, Qt.Key.Key_P)
    text = find.probe.toPlainText()
    assert HIDDEN_TOKEN in text
    assert list(np.flatnonzero(find.marks)) == [1, t + 3]
    painted = [  # the marked characters' steps, as painted
        find._steps[pos] for pos in range(len(text)) if _background(find, pos) is not None
    ]
    assert set(painted) == {1, t + 3}
    # select the hidden input of step t + 2 and mark it
    start = _position_of_step(find, t + 2)
    cursor = find.probe.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(start + 1, QTextCursor.MoveMode.KeepAnchor)
    assert cursor.selectedText() == HIDDEN_TOKEN
    find.probe.setTextCursor(cursor)
    qtbot.mouseClick(find.mark_button, Qt.MouseButton.LeftButton)
    assert list(np.flatnonzero(find.marks)) == [1, t + 2, t + 3]


def _position_of_step(find, step: int) -> int:
    return int(np.flatnonzero(np.asarray(find._steps) == step)[0])


def _background(find, pos: int):
    c = QTextCursor(find.probe.document())
    c.setPosition(pos + 1)
    brush = c.charFormat().background()
    return None if brush.style() == Qt.BrushStyle.NoBrush else brush.color().name()


@pytest.mark.parametrize("task", ["text", "sine"])
def test_a_heatmap_read_out_on_screen_hides_its_input_when_p_is_pressed(qtbot, task: str) -> None:
    """The read-out under the heatmaps keeps what the pointer last hovered: pressing P must not
    leave the next input (the target) written there."""
    w = _window(qtbot, task, "lstm")
    t = _go_to_scored_step(qtbot, w)
    labels = tuple(visible_token(s) for s in w.run_model.frame.labels)
    heatmaps = w.heatmaps
    panel = next(iter(heatmaps.panels.values()))
    vb = panel.plot.getViewBox()
    panel.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(t + 1, 0.0)))
    token = html.escape(labels[t + 1])
    assert f"input <b>{token}</b>" in heatmaps.readout.text()
    _key(qtbot, w, Qt.Key.Key_P)
    assert f"input <b>{token}</b>" not in heatmaps.readout.text()
    _key(qtbot, w, Qt.Key.Key_R)  # the input of t + 1 is the target of t: shown again
    panel.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(t + 1, 0.0)))
    assert f"input <b>{token}</b>" in heatmaps.readout.text()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_waveform_hides_the_models_later_answers(qtbot, cell: str) -> None:
    """Sine: once step t is revealed the predicted curve is drawn up to t, not beyond (the
    model's answers at later steps are still to be guessed)."""
    w = _window(qtbot, "sine", cell)
    view = w.frame_dock.view
    t = _go_to_scored_step(qtbot, w)
    wave = view.readout
    assert wave.wave.isVisible()
    _key(qtbot, w, Qt.Key.Key_P)
    assert not wave.pred_curve.isVisible()  # the answer at t: hidden
    _key(qtbot, w, Qt.Key.Key_R)
    assert wave.pred_curve.isVisible()
    y = np.asarray(wave.pred_curve.yData)
    assert np.isfinite(y[: t + 1]).all() and np.isnan(y[t + 1 :]).all()
    _key(qtbot, w, Qt.Key.Key_P)  # off: the whole curve
    assert wave.pred_curve.isVisible()
    assert np.isfinite(np.asarray(wave.pred_curve.yData)).all()
