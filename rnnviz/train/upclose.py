"""The up-close read-outs of a Frame: what the frame view and the notes show (Qt-free).

A :class:`~rnnviz.train.frame.Frame` holds the probe's arrays at one training step; this module
turns them into what a person reads:

- :func:`frame_predictions`: the model's answer at every probe step in the task's terms
  (``Task.describe`` on the frame's outputs), when the task's probe is still the frame's;
- :func:`frame_saturations`: each gate's per-unit saturation over the probe;
- :func:`frame_notes`: the plain-language notes that hold for the frame (vanishing or exploding
  last-step signal, saturated gates), the recent clipping and the recurrent spectra.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnviz.core.cell import Cell
from rnnviz.core.notes import (
    clipping_note,
    exploding_note,
    saturation_note,
    spectrum_note,
    vanishing_note,
)
from rnnviz.core.spectral import Spectrum
from rnnviz.core.units import Saturation, gate_names, saturations
from rnnviz.tasks.base import Task
from rnnviz.tasks.readout import TOP_K, StepPrediction
from rnnviz.train.frame import Frame


def frame_predictions(task: Task, frame: Frame, k: int = TOP_K) -> tuple[StepPrediction, ...]:
    """The model's answer at every step of the frame's probe.

    Raises
    ------
    ValueError
        If the task's probe is no longer the one the frame was taken on.
    """
    probe = task.probe()
    if probe.text != frame.text:
        raise ValueError("the probe changed since this frame was taken; take a new frame")
    return task.describe(np.asarray(frame.outputs), probe, k)


def frame_saturations(cell: Cell, frame: Frame) -> list[Saturation]:
    """Per-unit saturation of every gate the cell declares, over the frame's probe."""
    return saturations(frame.states, gate_names(cell.diagram))


def frame_notes(
    cell: Cell,
    frame: Frame,
    clipped: np.ndarray | None = None,
    spectra: Sequence[Spectrum] = (),
) -> list[str]:
    """Every note that holds: the last-step signal, each gate's saturation, the recent clipping
    (``clipped``: (n,) bool per recent training step, oldest first) and ``spectra``."""
    labels = {s.name: s.label for s in frame.specs}
    found = [vanishing_note(frame.flow_last), exploding_note(frame.flow_last)]
    for sat in frame_saturations(cell, frame):
        label = labels.get(sat.gate, sat.gate)
        found.append(saturation_note(sat, label, forget=sat.gate == cell.forget_gate))
    if clipped is not None:
        found.append(clipping_note(clipped))
    found += [spectrum_note(s) for s in spectra]
    return [n for n in found if n is not None]
