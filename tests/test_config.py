"""Run configuration: every field is checked for its JSON type as well as its range."""

from __future__ import annotations

import dataclasses

import pytest

from rnnviz.config import ConfigError, ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig

# One value of the wrong JSON type per annotation (a bool is not a number, a float not an int).
WRONG = {
    "int": [True, 12.0, 12.5, "12", None],
    "float": [True, "0.01", None, [0.01]],
    "float | None": [False, "5", [5.0]],
    "bool": [1, 0, "yes", "no", None],
    "str": [1, None, True, ["lstm"]],
}


def _cases() -> list[tuple[str, object, str, object]]:
    cases = []
    for section, cls in (("model", ModelConfig), ("optim", OptimConfig), ("train", TrainConfig)):
        for f in dataclasses.fields(cls):
            for value in WRONG[str(f.type)]:
                cases.append((section, cls, f.name, value))
    return cases


@pytest.mark.parametrize(("section", "cls", "name", "value"), _cases())
def test_a_value_of_the_wrong_type_is_refused_by_name(
    section: str, cls: type, name: str, value: object
) -> None:
    cfg = dataclasses.replace(cls(), **{name: value})
    with pytest.raises(ConfigError, match=rf"^{section}\.{name} = "):
        cfg.validate()


def test_numbers_of_the_right_type_pass() -> None:
    OptimConfig(lr=1, clip_value=None, clip_norm=5).validate()  # an int is a valid float
    TrainConfig(stateful=False, seed=2**63 - 1).validate()


@pytest.mark.parametrize("data", [[1, 2], "model", 3, None])
def test_sections_must_be_objects(data: object) -> None:
    with pytest.raises(ConfigError, match="expected a JSON object"):
        RunConfig.from_dict(data)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="expected a JSON object"):
        RunConfig.from_dict({"model": data})


@pytest.mark.parametrize(
    "task", [TaskConfig(name=3), TaskConfig(options=[1]), TaskConfig(options={1: 2})]
)
def test_task_name_and_options_are_typed(task: TaskConfig) -> None:
    with pytest.raises(ConfigError, match=r"^task"):
        RunConfig(task=task).validate()


def test_a_long_value_is_shortened_in_the_message() -> None:
    with pytest.raises(ConfigError) as info:
        ModelConfig(cell="x" * 5000).validate()
    assert len(str(info.value)) < 200
