"""Task options are validated like every other option: type and range, one line, never coerced."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rnnviz.config import RunConfig, TaskConfig
from rnnviz.tasks import make_task
from rnnviz.tasks.base import MAX_EVAL_COUNT, TaskInputError

BAD = [
    ("text", {"corpus": "tiny", "eval_chars": math.inf}, "eval_chars = inf: give a whole number"),
    ("text", {"corpus": "tiny", "eval_chars": math.nan}, "eval_chars = nan: give a whole number"),
    ("text", {"corpus": "tiny", "eval_chars": 2.5}, "eval_chars = 2.5: give a whole number"),
    ("text", {"corpus": "tiny", "eval_chars": True}, "eval_chars = True: give a whole number"),
    ("text", {"corpus": "tiny", "val_fraction": "abc"}, "val_fraction = 'abc': give a number"),
    ("text", {"corpus": "tiny", "val_fraction": math.nan}, "val_fraction = nan: give a number"),
    ("text", {"corpus": "tiny", "val_fraction": 0.5}, "from 0 to below 0.5"),
    ("text", {"corpus": "tiny", "lower": "no"}, "lower = 'no': give true or false"),
    ("text", {"corpus": "tiny", "lower": 1}, "lower = 1: give true or false"),
    ("binary-addition", {"bits": True}, "bits = True: give a whole number"),
    ("binary-addition", {"full_range": "yes"}, "full_range = 'yes': give true or false"),
    ("binary-addition", {"eval_count": 10**12}, f"from 1 to {MAX_EVAL_COUNT}"),
    ("echo", {"delay": 3.0}, "delay = 3.0: give a whole number"),
    ("echo", {"symbols": False}, "symbols = False: give a whole number"),
    ("brackets", {"eval_count": 10**12}, f"from 1 to {MAX_EVAL_COUNT}"),
    ("sine", {"noise": True}, "noise = True: give a number"),
    ("sine", {"noise": math.inf}, "noise = inf: give a number"),
    ("sine", {"eval_len": "50"}, "eval_len = '50': give a whole number"),
]


@pytest.mark.parametrize(("task", "options", "expected"), BAD)
def test_a_bad_option_is_one_line_never_coerced(
    task: str, options: dict[str, object], expected: str
) -> None:
    with pytest.raises(TaskInputError) as info:
        make_task(TaskConfig(name=task, options=options))
    assert expected in str(info.value) and "\n" not in str(info.value)


def test_a_huge_value_is_shortened_in_the_message() -> None:
    for value, said in ((10**400, "(401 characters)"), (10**5000, "about 5001 digits")):
        with pytest.raises(TaskInputError) as info:
            make_task(TaskConfig(name="echo", options={"delay": value}))
        assert len(str(info.value)) < 200 and said in str(info.value)


def test_good_options_keep_their_types() -> None:
    task = make_task(TaskConfig(name="text", options={"corpus": "tiny", "lower": True}))
    assert task.lower is True and task.val_fraction == 0.05 and task.eval_chars == 10000


def test_a_checkpoint_with_a_bad_option_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    from rnnviz.train.checkpoint import CheckpointError, read_checkpoint, write_checkpoint
    from rnnviz.train.trainer import Trainer

    run = RunConfig(task=TaskConfig(name="text", options={"corpus": "tiny"}))
    path = Trainer(run).save(tmp_path / "run.npz")
    data = read_checkpoint(path)
    meta = {k: v for k, v in data.meta.items() if k not in ("format", "version")}
    meta["task"]["options"]["lower"] = "no"  # was silently true
    write_checkpoint(path, meta, data.arrays)
    with pytest.raises(CheckpointError) as info:
        Trainer.load(path)
    assert "task option lower = 'no': give true or false" in str(info.value)
