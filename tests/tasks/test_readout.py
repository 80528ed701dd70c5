"""Each task's per-step read-out of the model's outputs, and the features it knows."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.binary_addition import BinaryAdditionTask
from rnnviz.tasks.memory import BracketsTask, EchoTask
from rnnviz.tasks.readout import pattern_marks
from rnnviz.tasks.series import SineTask
from rnnviz.tasks.text import TextTask


def _softmax(rng: np.random.Generator, T: int, O: int) -> np.ndarray:
    z = rng.normal(size=(T, O)) * 3
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)  # (T, O)


def test_text_top_k_next_characters() -> None:
    task = TextTask(corpus="poem")
    task.set_probe(task.probe().text[:11])
    probe = task.probe()
    V = task.output_size
    p = _softmax(np.random.default_rng(0), 10, V)
    steps = task.describe(p, probe, k=3)
    chars = task.vocab.to_string()
    assert len(steps) == 10
    for t, s in enumerate(steps):
        order = np.argsort(-p[t])[:3]
        assert [lb for lb, _ in s.top] == list(task.vocab.labels("".join(chars[j] for j in order)))
        assert [pr for _, pr in s.top] == pytest.approx(p[t, order])
        assert s.input == probe.labels[t] and s.target == probe.targets[t]
        assert s.correct == (order[0] == probe.y[0, t])
    assert steps[0].text.startswith(f"{probe.labels[0]} → {probe.targets[0]}: ")


def test_binary_addition_bit_probability_and_running_sum() -> None:
    task = BinaryAdditionTask(bits=4, probe="5 + 3")  # 0101 + 0011 = 1000
    probe = task.probe()
    p1 = np.array([[0.2], [0.7], [0.4], [0.95]])  # predicted bits 0, 1, 0, 1 (LSB first)
    steps = task.describe(p1, probe)
    assert [s.predicted for s in steps] == ["0", "1", "0", "1"]
    assert [s.target for s in steps] == ["0", "0", "0", "1"]
    assert [s.probability for s in steps] == pytest.approx([0.8, 0.7, 0.6, 0.95])
    assert [s.correct for s in steps] == [True, False, True, True]
    assert steps[3].detail == "sum so far 1010 (true 1000)"
    assert steps[1].text == "0/1 → 0: 1 (p = 0.70) (wrong); sum so far 10 (true 00)"


def test_binary_addition_carry_feature() -> None:
    task = BinaryAdditionTask(bits=8)
    rng = np.random.default_rng(1)
    x = task.feature_inputs(50, rng)  # (50, 8, 2)
    carry = task.features(x)["carry"]
    a = (x[..., 0].astype(np.int64) << np.arange(8)).sum(axis=1)
    b = (x[..., 1].astype(np.int64) << np.arange(8)).sum(axis=1)
    for t in range(8):
        low = (1 << (t + 1)) - 1
        want = ((a & low) + (b & low)) >> (t + 1)  # the carry out of bit t
        np.testing.assert_array_equal(carry[:, t], want)
    assert task.feature_names() == ("carry",)


def test_echo_scores_the_recall_only_and_knows_the_stored_symbol() -> None:
    task = EchoTask(delay=4, symbols=3, probe="BACA?")
    probe = task.probe()
    p = _softmax(np.random.default_rng(2), 5, 3)
    steps = task.describe(p, probe)
    assert all(s.target == "" and s.correct is None for s in steps[:-1])
    assert steps[-1].target == "B"
    assert steps[-1].predicted == "ABC"[int(np.argmax(p[-1]))]
    assert steps[-1].correct == (np.argmax(p[-1]) == 1)
    feats = task.features(probe.x)
    assert set(feats) == set(task.feature_names()) == {"stored-A", "stored-B", "stored-C"}
    np.testing.assert_array_equal(feats["stored-B"], np.ones((1, 5)))
    np.testing.assert_array_equal(feats["stored-A"], np.zeros((1, 5)))


def test_brackets_depth() -> None:
    task = BracketsTask(max_depth=3, probe="(()(()))")
    probe = task.probe()
    p = np.eye(4)[[1, 2, 1, 2, 3, 2, 1, 1]] * 0.9 + 0.025  # one step wrong (the last)
    steps = task.describe(p, probe)
    assert [s.predicted for s in steps] == list("12123211")
    assert [s.correct for s in steps] == [True] * 7 + [False]
    assert steps[0].probability == pytest.approx(0.925)
    np.testing.assert_array_equal(task.features(probe.x)["depth"], probe.y)


def test_sine_predicted_and_true_value() -> None:
    task = SineTask(probe="0, 0.5, 1, 0.5")
    probe = task.probe()
    steps = task.describe(np.array([[0.4], [0.9], [0.6]]), probe)
    assert [s.true_value for s in steps] == pytest.approx([0.5, 1.0, 0.5])
    assert [s.value for s in steps] == pytest.approx([0.4, 0.9, 0.6])
    assert steps[0].detail == "error -0.100" and steps[0].probability is None
    assert task.feature_names() == ()


def test_pattern_marks_and_feature_mistakes() -> None:
    marks = pattern_marks('say "hi" and "yo"', r'"[^"]*"')
    assert "".join("x" if m else "." for m in marks) == "....xxxx.....xxxx"
    with pytest.raises(TaskInputError, match="is not a regular expression"):
        pattern_marks("abc", "(")
    with pytest.raises(TaskInputError, match="is not a regular expression: the repetition number"):
        pattern_marks("abc", "a{99999999999}")  # OverflowError in re, not re.error
    with pytest.raises(TaskInputError, match="has no such feature; choose one of carry"):
        BinaryAdditionTask().check_feature("carr")
    with pytest.raises(TaskInputError, match="it knows none"):
        SineTask().check_feature("x")
    with pytest.raises(TaskInputError, match="the echo task reads no text"):
        EchoTask().held_out()
