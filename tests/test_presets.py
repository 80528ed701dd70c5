"""Bundled presets: every one loads, validates, and agrees with its task."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from rnnviz.config import ConfigError, RunConfig
from rnnviz.presets import list_presets, load_preset, preset_names
from rnnviz.tasks import make_task

REQUIRED = (
    "default",
    "char-lstm",
    "char-rnn",
    "char-lstm-rmsprop",
    "binary-addition",
    "echo",
    "echo-rnn",
    "brackets",
    "sine",
)


def test_required_presets_exist_with_one_line_descriptions() -> None:
    listed = list_presets()
    names = [name for name, _ in listed]
    assert names[0] == "default"
    assert set(REQUIRED) <= set(names)
    assert names == preset_names()
    for name, description in listed:
        assert 20 < len(description) < 200 and "\n" not in description, name


@pytest.mark.parametrize("name", REQUIRED)
def test_preset_is_valid_canonical_and_matches_its_task(name: str) -> None:
    run = load_preset(name)
    assert isinstance(run, RunConfig)
    raw = json.loads((files("rnnviz.assets") / "presets" / f"{name}.json").read_text("utf-8"))
    assert raw["run"] == run.to_dict()  # every field written out, nothing left to defaults
    task = make_task(run.task)
    assert (run.model.input_kind, run.model.head) == (task.input_kind, task.head)
    if run.task.name != "text":
        # Text vocabularies depend on the Python version's corpus; the trainer fills them in.
        assert (run.model.input_size, run.model.output_size) == (
            task.input_size,
            task.output_size,
        )


def test_unknown_preset_lists_the_available_ones() -> None:
    with pytest.raises(ConfigError) as info:
        load_preset("char-transformer")
    message = str(info.value)
    assert "char-transformer" in message
    assert all(name in message for name in REQUIRED)


def test_classic_presets_reproduce_the_tutorial_settings() -> None:
    lstm = load_preset("char-lstm")
    assert (lstm.model.cell, lstm.model.hidden, lstm.model.init, lstm.model.forget_bias) == (
        "lstm",
        100,
        "xavier",
        1.0,
    )
    assert (lstm.train.seq_len, lstm.train.batch) == (25, 1)
    assert (lstm.optim.name, lstm.optim.lr) == ("adam", 0.01)
    assert lstm.task.options == {"corpus": "pydoc", "lower": True}

    rnn = load_preset("char-rnn")
    assert (rnn.model.cell, rnn.model.nonlinearity, rnn.model.hidden) == ("rnn", "tanh", 100)
    assert (rnn.optim.name, rnn.optim.lr, rnn.optim.clip_value) == ("adagrad", 0.1, 5.0)
    assert (rnn.train.seq_len, rnn.train.batch) == (25, 1)

    add = load_preset("binary-addition")
    assert (add.model.cell, add.model.nonlinearity, add.model.hidden) == ("rnn", "sigmoid", 16)
    assert (add.optim.name, add.optim.lr, add.optim.momentum) == ("sgd", 0.1, 0.0)

    assert load_preset("echo").model.cell == "lstm"
    assert load_preset("echo-rnn").model.cell == "rnn"
    assert load_preset("echo").task == load_preset("echo-rnn").task
