"""Named run configurations shipped in ``assets/presets/<name>.json``.

Each file holds ``{"description": "...", "run": RunConfig.to_dict()}``. The preset named
``"default"`` is what the window opens with and what the README's quick start trains.
"""

from __future__ import annotations

import importlib.resources
import json
from importlib.resources.abc import Traversable

from rnnviz.config import ConfigError, RunConfig

DEFAULT = "default"


def _folder() -> Traversable:
    return importlib.resources.files("rnnviz.assets") / "presets"


def preset_names() -> list[str]:
    """Names of the bundled presets: "default" first, then alphabetical."""
    names = sorted(p.name[: -len(".json")] for p in _folder().iterdir() if p.name.endswith(".json"))
    return sorted(names, key=lambda n: (n != DEFAULT, n))


def _read(name: str) -> dict:
    resource = _folder() / f"{name}.json"
    try:
        data = json.loads(resource.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"preset {name}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("run"), dict):
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
