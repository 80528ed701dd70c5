"""A user's text as the model reads it: skipped and lower-cased characters reported, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.presets import load_preset
from rnnviz.tasks.base import TaskInputError
from rnnviz.train.trainer import Trainer
from rnnviz.train.user_text import MAX_USER_CHARS, read_text, reads_text, trace_text


def _trainer(lower: bool = False) -> Trainer:
    run = RunConfig(
        task=TaskConfig(name="text", options={"corpus": "tiny", "lower": lower}),
        model=ModelConfig(cell="lstm", hidden=6),
        train=TrainConfig(seq_len=8, batch=2, seed=1),
    )
    return Trainer(run)


def test_unknown_characters_are_skipped_and_named() -> None:
    tr = _trainer()
    known = "".join(tr.task.vocab.chars[:4])
    got = read_text(tr.task, known[:2] + "€€" + known[2:] + "☃")
    assert got.read == known and got.skipped == 3
    assert got.unknown == ("€", "☃")
    np.testing.assert_array_equal(got.ids, tr.task.vocab.encode(known))
    assert got.note() == (
        "3 characters not in the model's vocabulary skipped (struck through, not read): € ☃"
    )
    assert read_text(tr.task, known).note() == ""  # read as given: nothing to report


def test_a_lower_casing_task_reads_lower_case_and_says_so() -> None:
    tr = _trainer(lower=True)
    letters = [c for c in tr.task.vocab.chars if c.isalpha()][:3]
    got = read_text(tr.task, "".join(letters).upper())
    assert got.read == "".join(letters) and got.lowered
    assert "lower case" in got.note()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "nothing to trace"),
        ("€☃", "none of these characters"),
        ("a" * (MAX_USER_CHARS + 1), "more than"),
    ],
)
def test_refusals(text: str, says: str) -> None:
    with pytest.raises(TaskInputError, match=says):
        read_text(_trainer().task, text)


def test_a_task_without_text_cannot_trace() -> None:
    tr = Trainer(load_preset("binary-addition"))
    assert not reads_text(tr) and reads_text(_trainer())
    with pytest.raises(TaskInputError, match="reads no text"):
        trace_text(tr, "101", "h", 0)
    with pytest.raises(ValueError, match="outside the layer"):
        trace_text(_trainer(), "ab", "h", 6)
