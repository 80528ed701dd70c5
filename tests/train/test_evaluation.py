"""What a run reports as its validation loss and samples: read on from the training state.

The ``char-rnn`` preset (tanh RNN, one stream, Adagrad) grows recurrent weights with two mirror-
image attractors; with seed 6 a reading started from zeros fell into the one training never
visits in most validation streams, scoring 10-14 nats/char (far above log V) for thousands of
steps while the training loss was below 3, and samples were noise.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from rnnviz.cli import main
from rnnviz.presets import load_preset
from rnnviz.train.trainer import Trainer

STEPS = 1000
EVERY = 250


@pytest.fixture(scope="module")
def char_rnn() -> tuple[Trainer, list[tuple[float, float]]]:
    """char-rnn, seed 6, trained STEPS steps; (mean training loss, val loss) at every eval."""
    run = load_preset("char-rnn")
    train = dataclasses.replace(run.train, seed=6, eval_every=EVERY, sample_every=EVERY)
    trainer = Trainer(run.replace(train=train))
    points: list[tuple[float, float]] = []
    losses: list[float] = []
    for _ in range(STEPS):
        losses.append(trainer.step().loss)
        if trainer.step_count % EVERY == 0:
            assert trainer.val_loss is not None
            points.append((float(np.mean(losses[-EVERY:])), trainer.val_loss))
    return trainer, points


def test_validation_loss_stays_below_uniform_once_training_loss_is(
    char_rnn: tuple[Trainer, list[tuple[float, float]]],
) -> None:
    trainer, points = char_rnn
    log_v = math.log(len(trainer.task.vocab))
    below = [(train, val) for train, val in points if train < log_v]
    assert len(below) == len(points)  # training falls below log V within the first EVERY steps
    assert all(val < log_v for _, val in below), (log_v, points)
    # and it tracks the training loss rather than some other regime
    assert all(val < train + 1.0 for train, val in below), points


def _word_shaped(text: str) -> bool:
    """Spaces between short words, mostly lower-case letters, no character repeated to noise."""
    words = text.split()
    lower = sum(c.islower() or c == " " for c in text) / len(text)
    return (
        text.count(" ") >= 0.08 * len(text)
        and lower >= 0.6
        and max(text.count(c) for c in set(text)) < 0.3 * len(text)
        and bool(words)
        and float(np.median([len(w) for w in words])) <= 8
    )


def test_samples_have_word_shapes(
    char_rnn: tuple[Trainer, list[tuple[float, float]]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    trainer, _ = char_rnn
    shown = trainer.pop_sample()  # what the window and `train` showed at the last evaluation
    assert shown is not None and _word_shaped(shown.text), shown
    ckpt = tmp_path / "char-rnn.npz"
    trainer.save(ckpt)
    assert main(["sample", str(ckpt), "--length", "400", "--seed", "1"]) == 0
    text = capsys.readouterr().out
    assert _word_shaped(text), text


def test_evaluation_reads_on_from_the_carried_state(
    char_rnn: tuple[Trainer, list[tuple[float, float]]],
) -> None:
    trainer, _ = char_rnn
    assert trainer.carry is not None
    carried, count = trainer.task.val_loss(trainer.model, trainer.carry)
    assert trainer.evaluation(length=0).metrics["val_loss"] == carried
    assert trainer.evaluation(length=0).metrics["val_chars"] == count
    fresh, _ = trainer.task.val_loss(trainer.model)
    assert fresh != carried  # the state matters, so the choice above is a real one
