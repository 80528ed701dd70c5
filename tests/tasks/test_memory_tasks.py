"""Echo and bracket-depth tasks: sequences, masks, probes, evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task, task_from_meta
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.memory import BracketsTask, EchoTask


class FixedOutputs:
    """A stand-in model whose forward returns prepared outputs."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def forward(self, x):
        out = self.fn(x)

        class _Trace:
            outputs = out

        return _Trace()


def test_echo_sequences_recall_the_first_symbol_at_the_cue() -> None:
    task = make_task(TaskConfig(name="echo", options={"delay": 6, "distractors": 4}))
    assert isinstance(task, EchoTask)
    assert (task.input_size, task.output_size) == (4 + 4 + 1, 4)
    batch = next(task.batches(32, 999, np.random.default_rng(0)))
    assert batch.x.shape == batch.y.shape == batch.mask.shape == (32, 7)
    assert np.all(batch.x[:, 0] < 4)  # a symbol
    assert np.all((batch.x[:, 1:6] >= 4) & (batch.x[:, 1:6] < 8))  # distractors
    assert np.all(batch.x[:, 6] == 8)  # the cue
    assert np.array_equal(batch.y[:, 6], batch.x[:, 0])
    assert batch.mask.sum() == 32 and np.all(batch.mask[:, 6] == 1)


def test_echo_distractors_default_to_look_alike_symbols() -> None:
    task = EchoTask(delay=8)
    assert task.alphabet == "ABCD?" and task.input_size == 5
    batch = next(task.batches(64, 0, np.random.default_rng(0)))
    assert np.all(batch.x[:, :8] < 4) and np.all(batch.x[:, 8] == 4)
    assert np.array_equal(batch.y[:, 8], batch.x[:, 0])


def test_echo_probe() -> None:
    task = EchoTask(delay=5)
    probe = task.probe()
    assert len(probe.labels) == 6 and probe.labels[0] == "B" and probe.labels[-1] == "?"
    assert probe.y[0, -1] == 1 and probe.mask[0].tolist() == [0, 0, 0, 0, 0, 1]
    task.set_probe("c a b d d ?")
    assert task.probe().text == "CABDD?"
    with pytest.raises(TaskInputError):
        task.set_probe("C0123?")  # digits are not distractors here
    task = EchoTask(delay=5, distractors=4)
    task.set_probe("c 0 1 2 3 3 3 ?")
    assert task.probe().text == "C012333?"
    for bad in ("0123?", "A012", "A0X1?", "?"):
        with pytest.raises(TaskInputError, match=r"e\.g\. D0123"):
            task.set_probe(bad)


def test_echo_evaluation_scores_the_recall_step_only() -> None:
    task = EchoTask(delay=4, distractors=2, eval_count=100)

    def perfect(x):
        out = np.zeros((*x.shape, 4))
        out[np.arange(x.shape[0]), -1, x[:, 0]] = 1.0
        return out

    ev = task.evaluate(FixedOutputs(perfect), np.random.default_rng(0))
    assert ev.metrics == {"recall_accuracy": 1.0, "chance": 0.25}
    assert ev.marks == ()
    always_a = task.evaluate(
        FixedOutputs(lambda x: np.eye(4)[np.zeros(x.shape, int)]), np.random.default_rng(0)
    )
    assert 0.1 < always_a.metrics["recall_accuracy"] < 0.4
    assert all(always_a.text[s] == "A" for s, _ in always_a.marks)


def test_echo_options_and_meta() -> None:
    with pytest.raises(TaskInputError, match="delay"):
        EchoTask(delay=0)
    with pytest.raises(TaskInputError, match="symbols"):
        EchoTask(symbols=9)
    task = EchoTask(delay=3, symbols=2, distractors=1)
    assert task_from_meta(task.meta()).meta() == task.meta()


def test_brackets_targets_are_the_running_depth() -> None:
    task = make_task(TaskConfig(name="brackets", options={"max_depth": 3}))
    assert isinstance(task, BracketsTask)
    assert (task.input_size, task.output_size) == (2, 4)
    batch = next(task.batches(50, 40, np.random.default_rng(0)))
    assert batch.x.shape == batch.y.shape == (50, 40)
    depth = np.cumsum(np.where(batch.x == 0, 1, -1), axis=1)
    assert np.array_equal(depth, batch.y)
    assert batch.y.min() >= 0 and batch.y.max() == 3


def test_brackets_probe() -> None:
    task = BracketsTask(max_depth=2)
    assert task.probe().y.max() <= 2
    task.set_probe("( ( ) ( ) )")
    probe = task.probe()
    assert probe.text == "(()())" and probe.y[0].tolist() == [1, 2, 1, 2, 1, 0]
    with pytest.raises(TaskInputError, match="never opened"):
        task.set_probe("())")
    with pytest.raises(TaskInputError, match="exceeds"):
        task.set_probe("((()))")
    with pytest.raises(TaskInputError, match="only \\( and \\)"):
        task.set_probe("(a)")


def test_brackets_evaluation_marks_wrong_depths() -> None:
    task = BracketsTask(eval_len=10, eval_count=20)

    def depth_plus(x, wrong_at=3):
        depth = np.cumsum(np.where(x == 0, 1, -1), axis=1)
        depth[:, wrong_at] = (depth[:, wrong_at] + 1) % 5
        return np.eye(5)[depth]

    ev = task.evaluate(FixedOutputs(depth_plus), np.random.default_rng(0))
    assert ev.metrics["depth_accuracy"] == pytest.approx(0.9)
    assert ev.metrics["sequence_accuracy"] == 0.0
    assert ev.metrics["depth_accuracy_long"] == pytest.approx(1 - 1 / 40)  # one wrong in 40
    assert len(ev.marks) == 4  # one wrong depth in each of the 4 shown strings
    assert all(ev.text[s].isdigit() for s, _ in ev.marks)
    assert task_from_meta(task.meta()).meta() == task.meta()
