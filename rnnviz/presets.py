"""Named run configurations shipped in ``assets/presets/<name>.json``.

Each file holds ``{"description": "...", "run": RunConfig.to_dict()}``. The preset named
``"default"`` is what the window opens with and what the README's quick start trains.

Comparison presets (``assets/presets/compare/<name>.json``) describe two to four runs trained
side by side (:mod:`rnnviz.train.compare`) as changes to one preset::

    {"description": "...", "base": "default", "changes": {"model": {"hidden": 64}},
     "runs": [{"label": "SGD", "changes": {"optim": {"name": "sgd", "lr": 0.2}}}, ...]}

A run's configuration is the base preset's, with the shared ``changes`` and then the run's own
merged in section by section (nested objects such as task options merge key by key).
"""

from __future__ import annotations

import importlib.resources
import json
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from rnnviz.config import ConfigError, RunConfig, shown

if TYPE_CHECKING:
    from rnnviz.train.compare import RunSpec

DEFAULT = "default"


def _folder() -> Traversable:
    return importlib.resources.files("rnnviz.assets") / "presets"


def _names(folder: Traversable) -> list[str]:
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def preset_names() -> list[str]:
    """Names of the bundled presets: "default" first, then alphabetical."""
    return sorted(_names(_folder()), key=lambda n: (n != DEFAULT, n))


def _load_json(resource: Traversable, what: str) -> dict:
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what}: expected a JSON object")
    return data


def _read(name: str) -> dict:
    data = _load_json(_folder() / f"{name}.json", f"preset {name}")
    if not isinstance(data.get("run"), dict):
        raise ConfigError(f"preset {name}: expected an object with 'description' and 'run'")
    return data


def list_presets() -> list[tuple[str, str]]:
    """Every bundled preset as (name, one-line description), "default" first."""
    return [(name, str(_read(name).get("description", ""))) for name in preset_names()]


def load_preset(name: str) -> RunConfig:
    """The validated run configuration of preset ``name``.

    Raises
    ------
    ConfigError
        Unknown name (the message lists the available ones) or an invalid preset file.
    """
    names = preset_names()
    if name not in names:
        raise ConfigError(f"preset {name!r} does not exist; choose one of {', '.join(names)}")
    return RunConfig.from_dict(_read(name)["run"]).validate()


def preset_of(run: RunConfig) -> str | None:
    """The name of the bundled preset whose configuration is exactly ``run``, or None.

    A run opened from a checkpoint, or applied with changed settings, names no preset: the
    window then says so instead of naming the last one picked.
    """
    wanted = run.to_dict()
    for name in preset_names():
        try:
            if load_preset(name).to_dict() == wanted:
                return name
        except ConfigError:  # a damaged preset file matches nothing
            continue
    return None


# ---------------------------------------------------------------------- comparison presets
def _compare_folder() -> Traversable:
    return _folder() / "compare"


def compare_names() -> list[str]:
    """Names of the bundled comparison presets, alphabetical."""
    return _names(_compare_folder())


def _read_compare(name: str) -> dict:
    names = compare_names()
    if name not in names:
        raise ConfigError(
            f"comparison preset {name!r} does not exist; choose one of {', '.join(names)}"
        )
    what = f"comparison preset {name}"
    data = _load_json(_compare_folder() / f"{name}.json", what)
    if not isinstance(data.get("base"), str) or not isinstance(data.get("runs"), list):
        raise ConfigError(f"{what}: expected an object with 'description', 'base' and 'runs'")
    return data


def list_compares() -> list[tuple[str, str]]:
    """Every bundled comparison preset as (name, one-line description)."""
    return [(n, str(_read_compare(n).get("description", ""))) for n in compare_names()]


def merged(base: dict[str, Any], changes: dict[str, Any], where: str) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: nested objects key by key, other values replaced.

    Raises
    ------
    ConfigError
        ``changes`` is not an object (``where`` names it in the message).
    """
    if not isinstance(changes, dict):
        raise ConfigError(f"{where} = {shown(changes)}: expected an object")
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value, f"{where}.{key}")
        else:
            out[key] = value
    return out


def load_compare(name: str) -> tuple[RunSpec, ...]:
    """The runs of comparison preset ``name``, checked as a comparison.

    Raises
    ------
    ConfigError
        Unknown name (the message lists the available ones), an invalid file, or runs that
        cannot be compared (another task or data stream, repeated labels, ...).
    """
    from rnnviz.train.compare import RunSpec, check_specs

    data = _read_compare(name)
    what = f"comparison preset {name}"
    base = merged(load_preset(data["base"]).to_dict(), data.get("changes", {}), f"{what}.changes")
    specs = []
    for i, entry in enumerate(data["runs"]):
        where = f"{what}.runs[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise ConfigError(f"{where}: expected an object with 'label' and 'changes'")
        run = merged(base, entry.get("changes", {}), f"{where}.changes")
        try:
            specs.append(RunSpec(entry["label"], RunConfig.from_dict(run).validate()))
        except (ConfigError, TypeError) as exc:
            raise ConfigError(f"{where} ({entry['label']}): {exc}") from None
    try:
        check_specs(specs)
    except ConfigError as exc:
        raise ConfigError(f"{what}: {exc}") from None
    return tuple(specs)
