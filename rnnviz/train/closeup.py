"""Closeup: the probe explained step by step at one training step, for the frame view.

A Frame holds what the heatmaps draw; the frame view also needs what only the weights know:
every node of the cell's diagram with its pre-activation (the cell's textbook step, float64),
the live equations, the backward pass split at each step, and the task's read-out of the
frame's outputs. :func:`closeup_of` builds all of it from a trainer, in the worker thread between
two steps (through the run's command queue), and hands the window a frozen Closeup::

    steps[t]        step_reference's result at t (every key (1, H) or (1, I)), float64
    predictions[t]  the task's StepPrediction at t, of frame.outputs (T, O) (train.upclose)
    backward[t]     the BackwardStep at t: dL/dh_t = own_t + later_t, each gate's dL/da_k,
                    what each carried state receives from t+1 and passes to t-1

An earlier frame is explained by :func:`closeup_at` with the weights it was taken with (the run
model keeps them under a budget, :data:`~rnnviz.train.runmodel.WEIGHT_BUDGET`): the same
numbers as when it was the newest. Without them it is explained from its own arrays
(``has_weights`` False): every node's value, the read-out and the top-k are the frame's; the
pre-activations and the backward split need the weights and are not made up: ``steps`` hold no
pre-activation, ``backward`` is empty, and the frame's gradient-flow norms (``flows``, the
gradient panel's ‖dL/ds_t‖) are what is known of the backward pass.

Nothing is computed twice: the numbers come from :mod:`rnnviz.core.explain`,
:mod:`rnnviz.core.backstep` and the task's ``describe``; this module only gathers them, with
the identity of the frame they belong to (run, training step, probe text), and the summaries
the diagram's colour scales read (each value's extent over the probe, the largest gradient a
node receives), so that the window's thread does no pass over the T steps when one arrives::

    extents[k]      (min_t min v_t, max_t max |v_t|) of step key k over the probe
    gradient_top    max over t and diagram nodes n of max |gradient(n, t)| (0 when none)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.core.backstep import BackwardStep, backward_steps
from rnnviz.core.cell import Diagram
from rnnviz.core.explain import (
    StepExplanation,
    explain_at,
    one_hot_inputs,
    reference_steps,
    stored_steps,
)
from rnnviz.core.types import StateSpec
from rnnviz.tasks.readout import StepPrediction
from rnnviz.train.frame import Frame
from rnnviz.train.upclose import frame_predictions

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.trainer import Trainer


@dataclass(frozen=True, eq=False)
class Closeup:
    """The probe at training step ``step`` explained at every time step (module docstring).

    Attributes
    ----------
    run_id, step, text : str, int, str
        The frame this closeup explains (run, training step, probe text).
    diagram : Diagram
        The cell's declaration (nodes, edges, equations, layout hints).
    specs : tuple of StateSpec
        The arrays the cell declares (their value ranges colour the diagram).
    carried, gates : tuple of str
        The cell's carried states and gate blocks.
    steps : tuple of mapping
        (T,) ``step_reference`` results, batch of one.
    predictions : tuple of StepPrediction
        (T,) the task's read-out.
    backward : tuple of BackwardStep
        (T,) the backward pass at each step (empty without the weights).
    extents : mapping
        Step key -> (smallest value, largest magnitude) over the probe (module docstring).
    hidden : int
        Units in the layer.
    has_weights : bool
        Whether the weights were there (else: from the frame's arrays, module docstring).
    flows : mapping
        Carried state -> (T,) the frame's ‖dL/ds_t‖ (the gradient panel's).
    """

    run_id: str
    step: int
    text: str
    diagram: Diagram
    specs: tuple[StateSpec, ...]
    carried: tuple[str, ...]
    gates: tuple[str, ...]
    steps: tuple[Mapping[str, np.ndarray], ...]
    predictions: tuple[StepPrediction, ...]
    backward: tuple[BackwardStep, ...]
    extents: Mapping[str, tuple[float, float]]
    hidden: int
    has_weights: bool = True
    flows: Mapping[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def T(self) -> int:
        """Probe length."""
        return len(self.steps)

    @property
    def H(self) -> int:
        """Hidden units."""
        return int(self.hidden)

    def matches(self, frame: Frame | None) -> bool:
        """Whether this closeup explains ``frame`` (same run, training step and probe)."""
        return (
            frame is not None
            and frame.run_id == self.run_id
            and int(frame.step) == self.step
            and frame.text == self.text
        )

    def explain(self, t: int, unit: int) -> StepExplanation:
        """Step ``t`` at ``unit``: every node's value and its live equation (core.explain); a
        node's pre-activation only with the weights."""
        if not 0 <= t < self.T:
            raise ValueError(f"step {t} is outside the probe (0..{self.T - 1})")
        if not 0 <= unit < self.H:
            raise ValueError(f"unit {unit} is outside the layer (0..{self.H - 1})")
        return explain_at(self.diagram, self.steps[t], t, unit)

    def value(self, key: str, t: int) -> np.ndarray:
        """(H,) (or (I,) for the input) the value of diagram key ``key`` at step ``t``."""
        return np.asarray(self.steps[t][key])[0]

    def gradient(self, key: str, t: int) -> np.ndarray | None:
        """(H,) the gradient diagram node ``key`` receives at step t, or None (the input x_t).

        The output state gets dL/dh_t (own loss and from t+1); a gate (or candidate) dL/da at
        its pre-activation; another carried state what arrives from t+1; a previous state what
        step t passes back to it.
        """
        from rnnviz.core.cell import PREV

        if not self.backward:  # without the weights
            return None
        back = self.backward[t]
        if key == self.carried[0]:
            return back.dh
        if key in back.gates:
            return np.asarray(back.gates[key])
        if key in back.arriving:
            return np.asarray(back.arriving[key])
        if key.endswith(PREV) and key[: -len(PREV)] in back.passed:
            return np.asarray(back.passed[key[: -len(PREV)]])
        return None

    @functools.cached_property
    def gradient_top(self) -> float:
        """The largest |gradient| a diagram node receives over the probe (0 when none);
        :func:`closeup_of` computes it in the thread that made the closeup."""
        tops = []
        for n in self.diagram.nodes:  # one reduction per node over its (T, H) gradients
            gs = [g for t in range(self.T) if (g := self.gradient(n.key, t)) is not None]
            if gs and gs[0].size:
                tops.append(float(np.max(np.abs(np.stack(gs)))))  # over (T, H)
        return max(tops, default=0.0)

    def spec(self, key: str) -> StateSpec | None:
        """The StateSpec that gives ``key``'s value range (h_prev reads h's), or None."""
        from rnnviz.core.cell import PREV

        name = key[: -len(PREV)] if key.endswith(PREV) else key
        return next((s for s in self.specs if s.name == name), None)


def closeup_of(trainer: Trainer, k: int = 5) -> Closeup:
    """The closeup of ``trainer``'s current weights on its probe (call it in the thread that owns
    the trainer: the run's worker, between two steps).

    Parameters
    ----------
    trainer : Trainer
    k : int
        How many of the most likely classes a read-out lists.
    """
    return closeup_at(trainer, trainer.frame(), trainer.weights(), k)


def closeup_at(trainer: Trainer, frame: Frame, weights: np.ndarray | None, k: int = 5) -> Closeup:
    """The closeup of ``frame`` (one of ``trainer``'s run, maybe an earlier one), at the weights
    it was taken with, or from its own arrays when ``weights`` is None (module docstring). Call
    it in the thread that owns the trainer (it reads the task's probe).

    Parameters
    ----------
    trainer : Trainer
        The run: its model's configuration and its task (the probe, the read-out).
    frame : Frame
        The frame to explain.
    weights : ndarray or None
        (P,) the parameters ``frame`` was taken with (an update's ``weights``), or None.
    k : int
        How many of the most likely classes a read-out lists.

    Raises
    ------
    ValueError
        If the probe changed since the frame was taken, or the weights are not this network's.
    """
    probe = trainer.task.probe()
    if probe.text != frame.text:
        raise ValueError(
            f"the probe was edited after training step {frame.step:,}, and that step's frame "
            "is of the probe before"
        )
    predictions = frame_predictions(trainer.task, frame, k)
    x = np.asarray(probe.x)[:1]  # (1, T) or (1, T, D)
    model = trainer.model.astype("float64")  # a copy: the worker trains on
    cell = model.cell
    back: list[BackwardStep] = []
    if weights is not None:
        if weights.shape != model.params.shape:
            raise ValueError("these weights are not this network's")
        model.params[...] = weights  # (P,) float64 of the frame's own
        steps = reference_steps(model, x)
        back = backward_steps(model, x, probe.y, probe.mask, steps=steps)  # the same forward
    else:
        steps = stored_steps(cell, one_hot_inputs(model, x)[0], frame.states)
    closeup = Closeup(
        run_id=frame.run_id,
        step=int(frame.step),
        text=frame.text,
        diagram=cell.diagram,
        specs=tuple(model.specs),
        carried=tuple(cell.carried),
        gates=tuple(cell.GATES),
        steps=tuple(steps),
        predictions=tuple(predictions),
        backward=tuple(back),
        extents=_extents(steps),
        hidden=int(model.cfg.hidden),
        has_weights=weights is not None,
        flows=dict(frame.flows),
    )
    _ = closeup.gradient_top  # here, not on the window's thread
    return closeup


def _extents(steps: list[dict[str, np.ndarray]]) -> dict[str, tuple[float, float]]:
    """Step key -> (smallest value, largest magnitude) over every step (module docstring)."""
    out = {}
    for key in steps[0] if steps else ():
        v = np.stack([np.asarray(s[key]) for s in steps])  # (T, 1, H) or (T, 1, I)
        out[key] = (float(np.min(v)), float(np.max(np.abs(v)))) if v.size else (0.0, 0.0)
    return out
