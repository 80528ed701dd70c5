"""SamplesPanel: newest first, marks highlighted, bounded, copyable."""

from __future__ import annotations

import pytest
from PyQt6.QtGui import QGuiApplication, QTextCursor
from snapshots import Feed, SnapshotStream, make_snapshot

from rnnviz.app.widgets.samples import MARK_COLOUR, SamplesPanel


@pytest.fixture
def panel(qtbot):
    w = SamplesPanel(max_entries=5)
    qtbot.addWidget(w)
    return w


def test_newest_on_top_with_step(panel):
    show = Feed(panel)
    show(make_snapshot("rnn", sample=None))  # no sample: nothing added
    assert panel.entries() == []
    show(make_snapshot("rnn", step=10, sample="first"))
    show(make_snapshot("rnn", step=20, sample="second\nline"))
    show(make_snapshot("rnn", step=20, sample=None))  # nothing new: nothing added
    text = panel.plain_text()
    assert text.index("step 20") < text.index("second\nline") < text.index("step 10")
    assert panel.entries() == [(20, "second\nline"), (10, "first")]
    assert panel.text.isReadOnly()


def test_marks_are_red(panel):
    panel.add_sample(3, "1011+0110=10001", ((10, 12),))
    doc = panel.text.document()
    start = panel.plain_text().index("10001")
    cursor = QTextCursor(doc)

    def colour_of_char_before(pos: int) -> str:
        cursor.setPosition(pos)  # charFormat() is the format of the character before pos
        return cursor.charFormat().foreground().color().name()

    assert colour_of_char_before(start) != MARK_COLOUR  # '='
    assert colour_of_char_before(start + 1) == MARK_COLOUR  # sample[10]
    assert colour_of_char_before(start + 2) == MARK_COLOUR  # sample[11]
    assert colour_of_char_before(start + 3) != MARK_COLOUR  # sample[12]


def test_bounded_to_max_entries(panel):
    stream = SnapshotStream("lstm", sample_every=1)
    snaps = [stream.next() for _ in range(12)]
    show = Feed(panel)
    for s in snaps:
        show(s)
    assert len(panel.entries()) == 5
    assert [e[0] for e in panel.entries()] == [s.step for s in snaps[::-1][:5]]
    text = panel.plain_text()
    assert f"step {snaps[6].step:,}" not in text and f"step {snaps[7].step:,} " in text


def test_copy_all_and_clear(panel):
    panel.add_sample(1, "hello world")
    panel.copy_action.trigger()
    assert "hello world" in QGuiApplication.clipboard().text()
    panel.clear()
    assert panel.plain_text() == "" and panel.entries() == []


def test_a_new_run_starts_a_fresh_list(panel):
    show = Feed(panel)
    show(make_snapshot("rnn", step=10, sample="old run"))
    show(make_snapshot("rnn", step=5, sample="new run"), run_id="new")
    assert panel.entries() == [(5, "new run")]


def test_entry_header_carries_the_task_metrics(panel):
    metrics = {"val_loss": 1.6234, "bpc": 2.3421, "val_chars": 500.0, "held_out": 1.0}
    Feed(panel)(make_snapshot("rnn", step=1500, sample="abc", metrics=metrics))
    first = panel.plain_text().splitlines()[0]
    assert first == "── step 1,500 · val 1.62 nats · 2.34 bpc ──"
    add = {"sum_accuracy": 1.0, "bit_accuracy": 1.0, "sum_accuracy_12bits": 1.0}
    panel.add_sample(1600, "1 + 1 = 10", (), add)
    assert "sum accuracy 100 % · bit 100 % · 12-bit 100 %" in panel.plain_text().splitlines()[0]
    panel.add_sample(1700, "no metrics")
    assert panel.plain_text().splitlines()[0] == "── step 1,700 ──"
