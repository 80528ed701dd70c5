"""The compare window's ⓘ: each panel explained as a comparison of its runs.

The loss of every run, the gradient flow of every run and each run's heatmaps get an ⓘ with the
texts of :data:`~rnnviz.app.widgets.info.EXPLANATIONS` (``compare_loss``, ``compare_gradients``,
``compare_heatmaps``: one colour per run, lockstep on the same batches) and a part written for
this window's runs (:func:`comparison_note`): the preset's description, the settings that
differ with each run's value, and whether the runs start from the same initial weights (alike
models) or only from the same seed (an RNN, an LSTM and a GRU have different parameter blocks).

Each ⓘ is placed as in the main window (:func:`~rnnviz.app.widgets.info.pin_info`): a plot's in
its bottom-left corner where the axes meet, a run's heatmaps' in their grid's bottom-right
corner under the last colour bar. Neither covers data, a legend or text.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from PyQt6.QtWidgets import QWidget

from rnnviz.app.widgets.info import EXPLANATIONS, Explanation, InfoButton, pin_info
from rnnviz.train.compare import RunSpec, weights_key

#: The compare window's panels, in the order of :func:`compare_explanations`.
COMPARE_KEYS = ("compare_loss", "compare_gradients", "compare_heatmaps")


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` -> ``{"optim.lr": 0.1}`` (nested objects key by key)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= _flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def _shown(value: object) -> str:
    return "none" if value is None else str(value)


def differences(specs: Sequence[RunSpec]) -> list[tuple[str, tuple[object, ...]]]:
    """The settings whose values differ between the runs: (dotted name, each run's value)."""
    flats = [_flat(s.run.to_dict()) for s in specs]
    names = sorted(set().union(*flats))
    rows = [(name, tuple(f.get(name) for f in flats)) for name in names]
    return [(name, values) for name, values in rows if len(set(map(repr, values))) > 1]


def start_note(specs: Sequence[RunSpec]) -> str:
    """How the runs start: from the same initial weights, or (models of other shapes) the seed."""
    keys = [weights_key(s.run.model) for s in specs]
    groups = [[s.label for s, k in zip(specs, keys, strict=True) if k == key] for key in keys]
    groups = [g for i, g in enumerate(groups) if g not in groups[:i]]
    if len(groups) == 1:
        return "Every run starts from the same initial weights."
    shared = [g for g in groups if len(g) > 1]
    text = (
        "The runs' models have different parameter blocks, so not all can share weights: "
        "they start from the same seed."
    )
    for group in shared:
        text += f" {', '.join(group[:-1])} and {group[-1]} start from the same initial weights."
    return text


def comparison_note(specs: Sequence[RunSpec], description: str = "") -> str:
    """This comparison in words: ``description`` (the preset's), what differs, how runs start."""
    parts = [description.strip()] if description.strip() else []
    labels = [s.label for s in specs]

    def each(values: tuple[object, ...]) -> str:
        return ", ".join(f"{label}: {_shown(v)}" for label, v in zip(labels, values, strict=True))

    diffs = "; ".join(f"{name} ({each(values)})" for name, values in differences(specs))
    parts.append(f"What differs: {diffs}." if diffs else "The runs' settings are the same.")
    parts.append(
        "Everything else is the same, the data included: every run trains on the same batch "
        "at each step."
    )
    parts.append(start_note(specs))
    return " ".join(parts)


def compare_explanations(specs: Sequence[RunSpec], description: str = "") -> dict[str, Explanation]:
    """Each compare panel's explanation (keys :data:`COMPARE_KEYS`) with this comparison's note."""
    note = comparison_note(specs, description)
    return {key: dataclasses.replace(EXPLANATIONS[key], comparison=note) for key in COMPARE_KEYS}


def attach_compare_infos(
    loss_plot: QWidget,
    flow_plot: QWidget,
    heatmap_grids: Sequence[QWidget],
    texts: dict[str, Explanation],
) -> list[InfoButton]:
    """Pin the ⓘ of the loss plot, the gradient-flow plot and each run's heatmap grid
    (``texts`` from :func:`compare_explanations`); the buttons, in that order."""
    buttons = [
        pin_info(loss_plot, "compare_loss", "bottom left", texts["compare_loss"]),
        pin_info(flow_plot, "compare_gradients", "bottom left", texts["compare_gradients"]),
    ]
    for grid in heatmap_grids:
        buttons.append(
            pin_info(grid, "compare_heatmaps", "bottom right", texts["compare_heatmaps"])
        )
    return buttons


__all__ = [
    "COMPARE_KEYS",
    "attach_compare_infos",
    "compare_explanations",
    "comparison_note",
    "differences",
    "start_note",
]
