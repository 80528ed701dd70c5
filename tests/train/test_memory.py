"""The memory estimate: close to what training really allocates, and huge runs refused upfront."""

from __future__ import annotations

import tracemalloc

import pytest

from rnnviz.config import ConfigError, ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core import memory
from rnnviz.core.memory import check_memory, estimate_training_memory, memory_limit
from rnnviz.train.trainer import Trainer

GIB = 2**30


def _run(cell: str, hidden: int, batch: int, seq_len: int, task: str, opt: str) -> RunConfig:
    options = {"corpus": "tiny"} if task == "text" else {}
    return RunConfig(
        task=TaskConfig(name=task, options=options),
        model=ModelConfig(cell=cell, hidden=hidden),
        optim=OptimConfig(name=opt, lr=0.001),
        train=TrainConfig(seq_len=seq_len, batch=batch, sample_every=3, eval_every=3),
    )


@pytest.mark.parametrize(
    ("cell", "hidden", "batch", "seq_len", "task", "opt"),
    [
        ("lstm", 128, 16, 64, "text", "adam"),
        ("gru", 64, 16, 32, "sine", "sgd"),
        ("rnn", 256, 32, 50, "sine", "adam"),
        ("gru", 128, 32, 64, "binary-addition", "adam"),
        ("lstm", 32, 128, 200, "echo", "adagrad"),
    ],
)
def test_the_estimate_is_close_to_what_training_allocates(
    cell: str, hidden: int, batch: int, seq_len: int, task: str, opt: str
) -> None:
    """Peak traced memory (NumPy reports its arrays to tracemalloc) of building the trainer,
    three steps with evaluations, and an update (its frame): within a factor of 1.5 of the
    estimate."""
    tracemalloc.start()
    try:
        trainer = Trainer(_run(cell, hidden, batch, seq_len, task, opt))
        for _ in range(3):
            trainer.step()
        trainer.update()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    estimate = trainer.memory_estimate().total
    assert estimate > 8 * 2**20  # large enough for the model's arrays to dominate
    assert estimate / 1.5 < peak < estimate * 1.5


def test_the_estimate_grows_with_every_size() -> None:
    base = ModelConfig(cell="lstm", hidden=128, input_size=65, output_size=65)
    adam = OptimConfig(name="adam")
    ref = estimate_training_memory(base, adam, 32 * 64).total
    wider = ModelConfig(cell="lstm", hidden=256, input_size=65, output_size=65)
    assert estimate_training_memory(wider, adam, 32 * 64).total > ref
    assert estimate_training_memory(base, adam, 64 * 64).total > ref
    assert estimate_training_memory(base, OptimConfig(name="sgd"), 32 * 64).total < ref
    double = ModelConfig(cell="lstm", hidden=128, input_size=65, output_size=65, dtype="float64")
    assert estimate_training_memory(double, adam, 32 * 64).total == 2 * ref


def test_a_huge_configuration_is_refused_with_the_estimate() -> None:
    model = ModelConfig(cell="lstm", hidden=4096, input_size=100, output_size=100)
    estimate = estimate_training_memory(model, OptimConfig(), 4096 * 100)
    assert estimate.total > 100 * GIB  # the first forward pass alone asks for 25 GiB
    with pytest.raises(ConfigError) as info:
        check_memory(estimate, "lstm with 4096 units", available=16 * GIB)
    message = str(info.value)
    assert message.startswith(f"lstm with 4096 units needs about {estimate.total / GIB:.1f} GiB")
    assert "12.0 GiB it may use here (75% of the 16.0 GiB available)" in message
    assert "smaller batch" in message and "\n" not in message
    check_memory(estimate, "fits", available=2 * estimate.total)  # no error


def test_the_limit_is_a_share_of_what_is_available_with_a_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert memory_limit(8 * GIB) == (6 * GIB, "75% of the 8.0 GiB available")
    found = memory.available_memory()
    assert found is None or found > 0
    monkeypatch.setattr(memory, "available_memory", lambda: None)
    assert memory_limit() == (3 * GIB, "75% of an assumed 4 GiB")


def test_the_trainer_refuses_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_memory", lambda: 16 * GIB)
    run = _run("lstm", 4096, 4096, 100, "sine", "adam")
    tracemalloc.start()
    try:
        with pytest.raises(ConfigError, match="GiB of memory to train"):
            Trainer(run)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 * 2**20  # refused before the weights (and 100+ GiB of steps) existed
