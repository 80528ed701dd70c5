"""What the numbers mean: loss-axis labels per task/head and short read-outs of task metrics.

Pure string formatting (no Qt), shared by the loss panel, the samples panel and the status bar.
The loss a Trainer reports is the head's per-step loss averaged over the scored steps
(see :mod:`rnnviz.core.heads`): cross-entropy in nats for softmax, binary cross-entropy summed
over the output bits for sigmoid, mean squared error for a linear head.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from rnnviz.tasks import TASKS, Task

# Metric keys that are bookkeeping, not results (shown only where they add meaning).
HIDDEN_KEYS = frozenset({"val_chars", "held_out", "chance", "naive_mse", "noise_floor"})

# Display names for known metric keys (anything else: underscores become spaces).
NAMES = {
    "val_loss": "val",
    "bpc": "bpc",
    "perplexity": "perplexity",
    "sum_accuracy": "sum accuracy",
    "bit_accuracy": "bit",
    "recall_accuracy": "recall accuracy",
    "depth_accuracy": "depth accuracy",
    "sequence_accuracy": "whole strings",
    "depth_accuracy_long": "4× longer",
    "mse": "MSE",
    "skill": "skill",
}


def loss_label(task: str, head: str) -> tuple[str, str]:
    """Loss-axis label and tooltip for a run's task name and output head.

    The task says what one scored prediction is (``Task.loss_unit``: a character, a bit, a recall,
    a step) and gives a reference point for its cross-entropy (``Task.loss_note``).

    Parameters
    ----------
    task : str
        Task name, a key of :data:`rnnviz.tasks.TASKS` (an unknown one reads as per step).
    head : str
        Output head: "softmax", "sigmoid" or "linear".

    Returns
    -------
    label, tooltip : str
    """
    described = TASKS.get(task, Task)
    unit = described.loss_unit
    if head == "linear":
        return (
            "loss (MSE)",
            "Training loss: mean squared error between the predicted and the true next value\n"
            "(squared units of the series; 0 is a perfect prediction).",
        )
    if head == "sigmoid":
        return (
            f"loss (BCE nats/{unit})",
            f"Training loss: binary cross-entropy in nats per {unit} (summed over the output\n"
            "units). ln 2 ≈ 0.69 is a coin flip; 0 is a sure, right answer.",
        )
    return (
        f"loss (nats/{unit})",
        f"Training loss: cross-entropy in nats per predicted {unit} (mean over the scored\n"
        f"steps); {described.loss_note}",
    )


def format_value(key: str, value: float) -> str:
    """One metric value: a percentage for accuracies, 3 significant digits otherwise."""
    if not math.isfinite(value):
        return str(value)
    if "accuracy" in key or key == "chance":
        pct = 100.0 * value
        return f"{pct:.0f} %" if abs(pct - round(pct)) < 0.05 else f"{pct:.1f} %"
    return f"{value:.3g}"


def _name(key: str) -> str:
    if key.startswith("sum_accuracy_") and key.endswith("bits"):
        return f"{key[len('sum_accuracy_') : -len('bits')]}-bit"
    return NAMES.get(key, key.replace("_", " "))


def held_out_missing(metrics: Mapping[str, float]) -> bool:
    """Whether the text task measured its 'validation' loss on the training text itself."""
    return "held_out" in metrics and float(metrics["held_out"]) == 0.0


def metrics_line(metrics: Mapping[str, float]) -> str:
    """A compact one-line summary, e.g. "val 1.62 nats · 2.34 bpc · perplexity 5.05".

    Accuracies become percentages, other values keep 3 significant digits; bookkeeping keys
    (``HIDDEN_KEYS``) are left out except where they explain a number (chance level of a
    recall task, the naive baseline of a forecast).
    """
    parts: list[str] = []
    shown = dict(metrics)
    if "val_loss" in shown:
        v = format_value("val_loss", shown.pop("val_loss"))
        if held_out_missing(metrics):
            parts.append(f"train-text loss {v} nats (file too short for a held-out part)")
        else:
            parts.append(f"val {v} nats")
    if "bpc" in shown:
        parts.append(f"{format_value('bpc', shown.pop('bpc'))} bpc")
    order = sorted(shown, key=lambda k: (k != "sum_accuracy", k.startswith("sum_accuracy_"), k))
    for key in order:
        if key in HIDDEN_KEYS:
            continue
        text = f"{_name(key)} {format_value(key, shown[key])}"
        if key == "recall_accuracy" and "chance" in metrics:
            text += f" (chance {format_value('chance', metrics['chance'])})"
        if key == "mse" and "naive_mse" in metrics:
            text += f" (naive {format_value('naive_mse', metrics['naive_mse'])})"
        parts.append(text)
    return " · ".join(parts)


def headline(metrics: Mapping[str, float]) -> str:
    """The one metric that best says how the run is doing ("" when there is none)."""
    for key in ("sum_accuracy", "recall_accuracy", "depth_accuracy"):
        if key in metrics:
            return f"{_name(key)} <b>{format_value(key, metrics[key])}</b>"
    if "bpc" in metrics:
        where = "train text" if held_out_missing(metrics) else "val"
        return f"{where} <b>{format_value('bpc', metrics['bpc'])}</b> bpc"
    if "mse" in metrics:
        return f"val MSE <b>{format_value('mse', metrics['mse'])}</b>"
    return ""


__all__ = ["format_value", "headline", "held_out_missing", "loss_label", "metrics_line"]
