"""Binary addition: encoding LSB first, ranges, probe parsing, evaluation display."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task, task_from_meta
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.binary_addition import BinaryAdditionTask, from_bits, to_bits


class Oracle:
    """Predicts the true sum, except that it flips chosen output bits."""

    dtype = np.float32

    def __init__(self, flip: tuple[int, ...] = ()) -> None:
        self.flip = flip

    def forward(self, x: np.ndarray):
        a = from_bits(x[..., 0].astype(np.int64))
        b = from_bits(x[..., 1].astype(np.int64))
        bits = to_bits(a + b, x.shape[1]).astype(np.float32)  # (N, T)
        for t in self.flip:
            bits[:, t] = 1 - bits[:, t]

        class _Trace:
            outputs = bits[..., None]

        return _Trace()


def test_bits_round_trip_lsb_first() -> None:
    v = np.array([0, 1, 6, 255])
    bits = to_bits(v, 8)
    assert bits[2].tolist() == [0, 1, 1, 0, 0, 0, 0, 0]
    assert from_bits(bits).tolist() == v.tolist()


def test_batches_add_operands_below_half_range() -> None:
    task = make_task(TaskConfig(name="binary-addition"))
    assert (task.input_kind, task.head, task.input_size, task.output_size) == (
        "vectors",
        "sigmoid",
        2,
        1,
    )
    batch = next(task.batches(64, 999, np.random.default_rng(0)))  # seq_len is the task's own
    assert batch.x.shape == (64, 8, 2) and batch.y.shape == (64, 8, 1)
    assert batch.x.dtype == np.float32 and batch.reset
    a = from_bits(batch.x[..., 0].astype(np.int64))
    b = from_bits(batch.x[..., 1].astype(np.int64))
    assert a.max() < 128 and b.max() < 128
    assert from_bits(batch.y[..., 0].astype(np.int64)).tolist() == (a + b).tolist()


def test_full_range_adds_a_carry_out_step() -> None:
    task = BinaryAdditionTask(bits=4, full_range=True)
    batch = next(task.batches(256, 0, np.random.default_rng(1)))
    assert batch.x.shape == (256, 5, 2)
    assert np.all(batch.x[:, 4] == 0)  # the extra step reads (0, 0)
    total = from_bits(batch.y[..., 0].astype(np.int64))
    assert total.max() >= 16  # the carry-out bit is used


def test_probe_parsing() -> None:
    task = BinaryAdditionTask()
    probe = task.probe()
    assert probe.text == "45 + 27"
    assert probe.labels[0] == "1/1" and len(probe.labels) == 8
    task.set_probe(" 0b101 +3 ")
    assert task.probe().text == "5 + 3"
    with pytest.raises(TaskInputError, match="like '45 \\+ 27'"):
        task.set_probe("five plus three")
    with pytest.raises(TaskInputError, match="below 128"):
        task.set_probe("200 + 1")


def test_bad_options() -> None:
    with pytest.raises(TaskInputError, match="bits"):
        make_task(TaskConfig(name="binary-addition", options={"bits": 1}))
    with pytest.raises(TaskInputError, match="bits"):
        make_task(TaskConfig(name="binary-addition", options={"bits": "8"}))


def test_evaluation_of_a_perfect_and_a_flawed_adder() -> None:
    task = BinaryAdditionTask(eval_count=64)
    perfect = task.evaluate(Oracle(), np.random.default_rng(0))
    assert perfect.metrics["bit_accuracy"] == 1.0
    assert perfect.metrics["sum_accuracy"] == 1.0
    assert perfect.metrics["sum_accuracy_12bits"] == 1.0
    assert perfect.metrics["sum_accuracy_16bits"] == 1.0
    assert perfect.marks == ()
    line = perfect.text.splitlines()[0]
    a_s, _, b_s, _, p_s, t_s = line.split()[:6]
    assert t_s == f"({p_s})" and int(p_s, 2) == int(a_s, 2) + int(b_s, 2)

    flawed = task.evaluate(Oracle(flip=(0,)), np.random.default_rng(0))  # LSB always wrong
    assert flawed.metrics["bit_accuracy"] == pytest.approx(7 / 8)
    assert flawed.metrics["sum_accuracy"] == 0.0
    assert len(flawed.marks) == len(flawed.text.splitlines())  # one wrong bit per line
    for start, end in flawed.marks:
        assert end == start + 1 and flawed.text[start] in "01"


def test_meta_round_trip() -> None:
    task = BinaryAdditionTask(bits=6, full_range=True)
    task.set_probe("60 + 7")
    again = task_from_meta(task.meta())
    assert again.meta() == task.meta()


def test_model_config_takes_sizes_and_head_from_the_task() -> None:
    from rnnviz.config import ModelConfig, TaskConfig
    from rnnviz.tasks import make_task

    task = make_task(TaskConfig("binary-addition", {}))
    cfg = task.model_config(ModelConfig(cell="rnn", hidden=16, nonlinearity="sigmoid"))
    assert (cfg.input_kind, cfg.input_size, cfg.output_size, cfg.head) == (
        "vectors",
        2,
        1,
        "sigmoid",
    )
    assert (cfg.cell, cfg.hidden, cfg.nonlinearity) == ("rnn", 16, "sigmoid")
