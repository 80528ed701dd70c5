"""Batch streams resume from (generator state, position) exactly, whatever was drawn before."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task
from rnnviz.tasks.base import Batch, TaskInputError
from rnnviz.tasks.text import TextStream

TASKS = [
    TaskConfig(name="text", options={"corpus": "tiny"}),
    TaskConfig(name="text", options={"corpus": "poem", "lower": True}),
    TaskConfig(name="binary-addition"),
    TaskConfig(name="echo", options={"delay": 5}),
    TaskConfig(name="brackets"),
    TaskConfig(name="sine"),
]


def _same(a: Batch, b: Batch) -> bool:
    masks = (a.mask is None and b.mask is None) or np.array_equal(a.mask, b.mask)
    return np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y) and masks and a.reset == b.reset


@pytest.mark.parametrize("cfg", TASKS, ids=lambda c: f"{c.name}-{c.options.get('corpus', '')}")
@pytest.mark.parametrize("drawn", [0, 1, 7, 60])
def test_a_rebuilt_stream_continues_exactly(cfg: TaskConfig, drawn: int) -> None:
    task = make_task(cfg)
    B, T = 3, 9
    rng = np.random.default_rng(11)
    stream = task.batches(B, T, rng)
    for _ in range(drawn):
        next(stream)
    state, position = rng.bit_generator.state, stream.position()
    assert all(type(v) is int for v in position.values())  # JSON-safe
    expected = [next(stream) for _ in range(25)]  # crosses passes over the short texts
    again = np.random.default_rng(0)
    again.bit_generator.state = state
    resumed = task.batches(B, T, again, position)
    assert all(_same(next(resumed), b) for b in expected)


@pytest.mark.parametrize("n", [0, 1, 5, 13, 14, 15, 100, 1000])
def test_advance_equals_drawing(n: int) -> None:
    task = make_task(TaskConfig(name="text", options={"corpus": "tiny"}))
    drawn_rng, walked_rng = np.random.default_rng(4), np.random.default_rng(4)
    drawn, walked = task.batches(2, 30, drawn_rng), task.batches(2, 30, walked_rng)
    assert isinstance(walked, TextStream)
    for _ in range(n):
        next(drawn)
    walked.advance(n)
    assert walked.position() == drawn.position()
    assert walked_rng.bit_generator.state == drawn_rng.bit_generator.state
    assert _same(next(walked), next(drawn))


@pytest.mark.parametrize(
    "position",
    [
        {"shift": -1, "window": 0},
        {"shift": 30, "window": 0},
        {"shift": 0, "window": 10**9},
        {"shift": 0},
        {"shift": 0, "window": 0, "extra": 1},
        {"shift": True, "window": 0},
        {"shift": 0.0, "window": 0},
    ],
)
def test_a_position_that_does_not_fit_the_text_is_refused(position: dict) -> None:
    task = make_task(TaskConfig(name="text", options={"corpus": "tiny"}))
    with pytest.raises(TaskInputError, match="does not fit this text"):
        task.batches(2, 30, np.random.default_rng(0), position)


def test_fresh_draw_tasks_have_no_position() -> None:
    task = make_task(TaskConfig(name="echo"))
    assert task.batches(2, 5, np.random.default_rng(0)).position() == {}
    with pytest.raises(TaskInputError, match="no position"):
        task.batches(2, 5, np.random.default_rng(0), {"shift": 1})
