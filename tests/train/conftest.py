"""Small runs for the trainer tests (a few milliseconds per step)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig

TEXT = (
    "the quick brown fox jumps over the lazy dog. a stitch in time saves nine.\n"
    "to be or not to be, that is the question. all that glitters is not gold.\n"
) * 12


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def tiny_run(corpus: Path, **train: object) -> RunConfig:
    """A 12-unit LSTM on a 2 KB text: batches of 2 x 8 characters."""
    options = {"corpus": str(corpus), "lower": True, "eval_chars": 200, "probe": "the quick fox"}
    base = {"seq_len": 8, "batch": 2, "seed": 3, "sample_every": 7, "eval_every": 11}
    base.update({"sample_length": 20, **train})
    return RunConfig(
        task=TaskConfig(name="text", options=options),
        model=ModelConfig(cell="lstm", hidden=12),
        optim=OptimConfig(name="adam", lr=0.01),
        train=TrainConfig(**base),  # type: ignore[arg-type]
    )


@pytest.fixture
def make_run(corpus: Path) -> Callable[..., RunConfig]:
    """``make_run(**train_overrides)`` -> a tiny RunConfig on the fixture corpus."""
    return lambda **train: tiny_run(corpus, **train)


@pytest.fixture
def run(corpus: Path) -> RunConfig:
    return tiny_run(corpus)
