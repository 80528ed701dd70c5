"""Tasks: what the network learns (text, binary addition, echo, brackets, sine).

``make_task(TaskConfig)`` builds a task from a run configuration; ``task_from_meta(meta)`` rebuilds
one from a checkpoint's ``task.meta()`` (for the text task: with the identical vocabulary).
"""

from __future__ import annotations

import inspect
from typing import Any

from rnnviz.config import ConfigError, TaskConfig
from rnnviz.tasks.base import Batch, Evaluation, Probe, Task, TaskInputError
from rnnviz.tasks.binary_addition import BinaryAdditionTask
from rnnviz.tasks.memory import BracketsTask, EchoTask
from rnnviz.tasks.series import SineTask
from rnnviz.tasks.text import TextTask

#: The tasks rnnviz knows, one line each: name -> class, in the order people see them (the command
#: line's choices, the window's list, the checkpoint schema read this).
TASKS: dict[str, type[Task]] = {
    TextTask.name: TextTask,
    BinaryAdditionTask.name: BinaryAdditionTask,
    EchoTask.name: EchoTask,
    BracketsTask.name: BracketsTask,
    SineTask.name: SineTask,
}

__all__ = [
    "TASKS",
    "Batch",
    "Evaluation",
    "Probe",
    "Task",
    "TaskInputError",
    "make_task",
    "task_from_meta",
]


def _task_class(name: object) -> type[Task]:
    if name not in TASKS:
        raise ConfigError(f"task.name = {name!r}: choose one of {', '.join(TASKS)}")
    return TASKS[name]  # type: ignore[index]


def _check_options(cls: type[Task], options: dict[str, Any]) -> None:
    known = [p for p in inspect.signature(cls.__init__).parameters if not p.startswith("_")]
    known = [p for p in known if p not in ("self", "vocab")]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ConfigError(
            f"task.options: unknown option(s) {', '.join(unknown)} for task {cls.name}; "
            f"known: {', '.join(known)}"
        )


def make_task(cfg: TaskConfig) -> Task:
    """Build the task a run configuration names.

    Raises
    ------
    ConfigError
        Unknown task name or option.
    TaskInputError
        A bad option value or corpus file (one-line message with the fix).
    """
    cls = _task_class(cfg.name)
    options = dict(cfg.options)
    _check_options(cls, options)
    return cls(**options)


def task_from_meta(meta: dict[str, Any], corpus: str | None = None) -> Task:
    """Rebuild a task from :meth:`Task.meta` (as saved in a checkpoint).

    ``corpus`` names the text task's corpus anew (see :meth:`TextTask.from_meta` for what a
    saved text task may read).

    Raises
    ------
    ConfigError
        Unknown task name or option in ``meta``, or ``corpus`` for another task.
    TaskInputError
        A bad option value, or (text task) a missing vocabulary.
    """
    if not isinstance(meta, dict):
        raise ConfigError("task meta: expected a JSON object with the task's name and options")
    cls = _task_class(meta.get("name"))
    options = meta.get("options", {})
    if not isinstance(options, dict):
        raise ConfigError("task meta: options must be a JSON object")
    _check_options(cls, options)
    return cls.from_meta(meta, corpus)
