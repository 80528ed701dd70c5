"""The unit card traces a text the user pastes, in the worker: coloured by the unit, its own
contexts, skipped characters reported, an empty box refused, and back to the held-out text."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication
from tiny_runs import tiny_trainer

from rnnviz.app.inspector import NO_TEXT, Inspector
from rnnviz.app.widgets.scales import CMAPS, colours, spec_levels
from rnnviz.app.widgets.text_source import EMPTY
from rnnviz.presets import load_preset
from rnnviz.train import user_text
from rnnviz.train.trainer import Trainer

WAIT_MS = 20_000  # generous: the machine is shared


def _reference_unit(tr: Trainer, ids: np.ndarray, state: str, unit: int) -> np.ndarray:
    """(N,) the unit's value after each token, read one by one with the cell's textbook step
    (float64, from a zero state): the oracle the trace is held to."""
    m = tr.model
    cell = m.cell
    q = cell.unfuse({k: v.astype(np.float64) for k, v in m.p.items()})
    eye = np.eye(m.cfg.input_size)  # (V, V)
    prev = [np.zeros((1, m.cfg.hidden)) for _ in cell.carried]  # (1, H) each
    out = []
    for n in ids:
        step = cell.step_reference(q, eye[[int(n)]], *prev)
        prev = [step[k] for k in cell.carried]
        out.append(step[state][0, unit])
    return np.array(out)  # (N,)


def _paste(ins: Inspector, text: str) -> None:
    ins.unit.source.edit.setPlainText(text)
    ins.unit.source.trace_button.click()


def _fragments(card):  # type: ignore[no-untyped-def]
    """(text, char format) of every fragment of the traced text's view, line breaks aside."""
    block = card.source.view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            yield "".join(c for c in frag.text() if c not in "\u2028\u2029\n"), frag.charFormat()
            it += 1
        block = block.next()


def _shown_colours(card) -> list[str]:  # type: ignore[no-untyped-def]
    """The background colour of every character drawn on one, as the view's document has it."""
    out: list[str] = []
    for text, fmt in _fragments(card):
        if fmt.background().style() != Qt.BrushStyle.NoBrush:
            out += [fmt.background().color().name()] * len(text)
    return out


def _struck(card) -> str:  # type: ignore[no-untyped-def]
    """The characters drawn struck through."""
    return "".join(text for text, fmt in _fragments(card) if fmt.fontStrikeOut())


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_pasted_text_is_coloured_by_the_units_reference_values(qtbot, inspectors, cell) -> None:
    tr = _trainer(cell)
    ins, _ = inspectors(tr)
    ins.show_unit("h", 3)
    chars = tr.task.vocab.chars
    text = "".join(chars[(7 * n) % len(chars)] for n in range(150))  # every character known
    _paste(ins, text)
    card = ins.unit
    qtbot.waitUntil(lambda: card.traced is not None, timeout=WAIT_MS)
    ids = tr.task.vocab.encode(text)  # (N,)
    ref = _reference_unit(tr, ids, "h", 3)  # (N,)
    np.testing.assert_allclose(card.traced.values, ref, atol=1e-5)
    spec = next(s for s in card._frame.specs if s.name == "h")
    want = [c.name() for c in colours(CMAPS[spec.scale], spec_levels(spec, ref), ref)]
    assert _shown_colours(card) == want
    assert card.source.scale.scale() == (CMAPS[spec.scale], spec_levels(spec, ref))
    assert card.source.view.isVisible()
    # the contexts are the pasted text's own: its highest character at its reference maximum
    c = card._contexts
    assert c.characters == len(text)
    assert c.highest[0].value == pytest.approx(ref.max(), abs=1e-5)
    assert text[c.highest[0].index] == c.highest[0].char
    assert "Your text" in card.contexts.text()
    # another unit is traced anew from the same text
    ins.show_unit("h", 5)
    qtbot.waitUntil(
        lambda: card.traced is not None and card.traced.contexts.unit == 5, timeout=WAIT_MS
    )
    np.testing.assert_allclose(card.traced.values, _reference_unit(tr, ids, "h", 5), atol=1e-5)


def test_the_trace_runs_in_the_worker_not_the_ui_thread(qtbot, monkeypatch) -> None:
    from test_inspector_window import open_window

    from rnnviz.app.inspector import open_inspector

    threads: list[threading.Thread] = []
    trace = user_text.trace_tokens

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return trace(*args, **kwargs)

    monkeypatch.setattr(user_text, "trace_tokens", spy)
    w = open_window(qtbot, WAIT_MS)
    open_inspector(w)
    w.inspector.show_unit("h", 2)
    card = w.inspector.unit
    qtbot.waitUntil(lambda: card.source.trace_button.isEnabled(), timeout=WAIT_MS)
    _paste(w.inspector, "the cat")
    qtbot.waitUntil(lambda: card.traced is not None, timeout=WAIT_MS)
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert card.traced.values.shape == (7,)


def test_unknown_characters_are_skipped_and_reported_in_one_line(qtbot, inspectors) -> None:
    tr = _trainer("lstm")
    ins, _ = inspectors(tr)
    ins.show_unit("h", 1)
    vocab = tr.task.vocab
    strangers = [c for c in "€☃ß" if c not in vocab]
    assert len(strangers) == 3
    known = "".join(vocab.chars[:6])
    text = known[:3] + strangers[0] + known[3:] + strangers[1] + strangers[0] + strangers[2]
    _paste(ins, text)
    card = ins.unit
    qtbot.waitUntil(lambda: card.traced is not None, timeout=WAIT_MS)
    line = card.source.message.text()
    assert "4 characters not in the model's vocabulary skipped" in line
    assert all(c in line for c in strangers)
    assert "<br" not in line  # one line
    assert card.traced.source.read == known
    np.testing.assert_allclose(
        card.traced.values, _reference_unit(tr, vocab.encode(known), "h", 1), atol=1e-5
    )
    assert len(_shown_colours(card)) == len(known)  # the skipped ones are not coloured...
    assert _struck(card) == text[3] + text[-3:]  # ...they are struck through, in place


def test_nothing_known_is_refused_with_a_message(qtbot, inspectors) -> None:
    tr = _trainer("gru")
    ins, _ = inspectors(tr)
    ins.show_unit("h", 0)
    _paste(ins, "€€☃")
    card = ins.unit
    qtbot.waitUntil(
        lambda: "none of these characters" in card.source.message.text(), timeout=WAIT_MS
    )
    assert card.traced is None and not card.source.view.isVisible()
    assert card.source.edit.toPlainText() == "€€☃"  # nothing lost


def test_an_empty_paste_is_refused_without_a_trace(qtbot, inspectors, monkeypatch) -> None:
    tr = _trainer("lstm")
    ins, _ = inspectors(tr)
    ins.show_unit("h", 0)
    card = ins.unit
    qtbot.waitUntil(lambda: card._contexts is not None, timeout=WAIT_MS)
    asked: list[str] = []
    monkeypatch.setattr(user_text, "trace_text", lambda *a: asked.append("trace"))
    _paste(ins, "")
    assert EMPTY in card.source.message.text()
    assert card.pasted is None and not asked and not ins.jobs.busy("ctx")
    assert "Held-out text" in card.contexts.text()


def test_the_held_out_contexts_come_back(qtbot, inspectors) -> None:
    tr = _trainer("lstm")
    ins, _ = inspectors(tr)
    ins.show_unit("h", 4)
    card = ins.unit
    qtbot.waitUntil(lambda: card._contexts is not None, timeout=WAIT_MS)
    held = card._contexts
    _paste(ins, "".join(tr.task.vocab.chars[:5]))
    qtbot.waitUntil(lambda: card.traced is not None, timeout=WAIT_MS)
    assert card.source.back_button.isEnabled()
    assert card._contexts.characters == 5
    card.source.back_button.click()
    assert card.pasted is None and not card.source.view.isVisible()
    qtbot.waitUntil(lambda: card._contexts is not None, timeout=WAIT_MS)
    assert card._contexts.characters == held.characters
    assert [x.index for x in card._contexts.highest] == [x.index for x in held.highest]
    assert "Held-out text" in card.contexts.text()
    assert card.source.edit.toPlainText() == "".join(tr.task.vocab.chars[:5])  # kept


def test_ctrl_v_pastes_into_the_box(qtbot, inspectors) -> None:
    ins, _ = inspectors(_trainer("rnn"))
    edit = ins.unit.source.edit
    QApplication.clipboard().setText("a pasted\nparagraph")
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert edit.toPlainText() == "a pasted\nparagraph"


def test_a_task_without_text_disables_the_box_and_says_why(qtbot, inspectors) -> None:
    tr = Trainer(load_preset("binary-addition"))
    tr.step()
    ins, _ = inspectors(tr)
    ins.show_unit("h", 0)
    source = ins.unit.source
    qtbot.waitUntil(lambda: not source.trace_button.isEnabled(), timeout=WAIT_MS)
    assert not source.edit.isEnabled()
    assert source.trace_button.toolTip() == NO_TEXT == source.edit.toolTip()


def _trainer(cell: str = "lstm") -> Trainer:
    return tiny_trainer(cell, steps=20, seed=3)
