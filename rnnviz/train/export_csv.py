"""A run's numbers as CSV: the step history, and a frame's arrays.

Every number is written with Python's shortest round-trip form (``repr`` of the float), so
reading the file back gives exactly the numbers of the history or frame, not a rounded copy.

* Training (:func:`write_training`): one row per recorded step (a recording keeps every step)::

      step,tokens_seen,loss,grad_norm,grad_norm_clipped,clipped,lr,<metric>,...

  A metric's cell is empty at steps where it was not measured.
* A run model's history (:func:`write_history`): one row per point of the bounded history: the
  recent steps exactly, older ones as buckets with their mean, minimum and maximum, at the
  bucket's centre step (``step`` is then fractional)::

      step,loss,loss_min,loss_max,grad_norm,grad_norm_min,grad_norm_max,...

* Frames (:func:`write_frames`): long ("tidy") form, one row per value, so every array of any
  shape fits one table and a spreadsheet or ``pandas`` can filter by ``array``::

      step,array,t,input,target,unit,value

  ``array`` is a declared state (``h``, ``c``, gates ...; ``unit`` is the hidden unit),
  ``output`` (``unit`` is the output label, e.g. the character), ``loss`` (per probe step),
  ``flow_<state>`` (‖∂L/∂s_t‖ per carried state) or ``flow_last`` (the last-step signal);
  ``input`` and ``target`` are the probe's labels at ``t``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterable
from typing import TextIO

import numpy as np

from rnnviz.train.frame import Frame
from rnnviz.train.runmodel import RunModel

TRAINING_COLUMNS = (
    "step",
    "tokens_seen",
    "loss",
    "grad_norm",
    "grad_norm_clipped",
    "clipped",
    "lr",
)
FRAME_COLUMNS = ("step", "array", "t", "input", "target", "unit", "value")


def number(x: float) -> str:
    """``x`` in its shortest exact form ("" for NaN, ``inf``/``-inf`` spelled out)."""
    x = float(x)
    if math.isnan(x):
        return ""
    return repr(x) if not x.is_integer() or abs(x) >= 1e16 else str(int(x))


def write_training(records: np.ndarray, evaluations: dict[int, dict[str, float]], f: TextIO) -> int:
    """Write every recorded step (a recording's ``records`` and ``evaluations``); returns rows.

    Parameters
    ----------
    records : ndarray
        (n,) structured, with the fields of :data:`TRAINING_COLUMNS`.
    evaluations : dict
        step -> metrics measured at that step.
    f : text file
        Opened with ``newline=""``.
    """
    metrics = list(dict.fromkeys(k for m in evaluations.values() for k in m))
    w = csv.writer(f, lineterminator="\n")
    w.writerow([*TRAINING_COLUMNS, *metrics])
    columns = [records[name].tolist() for name in TRAINING_COLUMNS]  # (n,) each
    for row in zip(*columns, strict=True):
        measured = evaluations.get(int(row[0]), {})
        w.writerow(
            [
                str(row[0]),
                str(row[1]),
                *(number(v) for v in row[2:5]),
                str(int(row[5])),
                number(row[6]),
                *(number(measured[k]) if k in measured else "" for k in metrics),
            ]
        )
    return len(records)


def write_history(model: RunModel, f: TextIO) -> int:
    """Write a run model's bounded history (see the module docstring); returns rows."""
    h = model.history
    series = {c: h.series(c) for c in h.columns}  # name -> (steps, lo, mean, hi), (n,) each
    steps = series[h.columns[0]][0]
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["step", *(f"{c}{s}" for c in h.columns for s in ("", "_min", "_max"))])
    for i in range(len(steps)):
        cells = [number(steps[i])]
        for c in h.columns:
            _, lo, mean, hi = series[c]
            cells += [number(mean[i]), number(lo[i]), number(hi[i])]
        w.writerow(cells)
    return len(steps)


def frame_rows(frame: Frame) -> Iterable[list[str]]:
    """The rows of one frame (without the header), in the order of the module docstring."""
    step = str(frame.step)
    inputs = list(frame.labels)
    targets = list(frame.targets) or [""] * frame.T
    outputs = list(frame.output_labels) or [str(k) for k in range(frame.outputs.shape[1])]

    def table(name: str, values: np.ndarray, units: list[str]) -> Iterable[list[str]]:
        for t, row in enumerate(values.tolist()):  # (T, U) -> T lists of U
            for u, v in zip(units, row, strict=True):
                yield [step, name, str(t), inputs[t], targets[t], u, number(v)]

    def curve(name: str, values: np.ndarray) -> Iterable[list[str]]:
        for t, v in enumerate(values.tolist()):  # (T,)
            yield [step, name, str(t), inputs[t], targets[t], "", number(v)]

    for spec in frame.specs:
        a = frame.states[spec.name]  # (T, H)
        yield from table(spec.name, a, [str(j) for j in range(a.shape[1])])
    yield from table("output", frame.outputs, outputs)  # (T, O)
    yield from curve("loss", frame.loss_t)  # (T,)
    for name, flow in frame.flows.items():
        yield from curve(f"flow_{name}", flow)  # (T,)
    if frame.flow_last is not None:
        yield from curve("flow_last", frame.flow_last)  # (T,)


def write_frames(
    frames: Iterable[Frame], f: TextIO, progress: Callable[[int], None] | None = None
) -> int:
    """Write the arrays of ``frames`` into one table; returns rows.

    ``progress(k)`` is called after the k-th frame (a long export shows it; an exception there,
    such as KeyboardInterrupt, stops the export).
    """
    w = csv.writer(f, lineterminator="\n")
    w.writerow(FRAME_COLUMNS)
    rows = 0
    for k, frame in enumerate(frames, 1):
        for row in frame_rows(frame):
            w.writerow(row)
            rows += 1
        if progress is not None:
            progress(k)
    return rows
