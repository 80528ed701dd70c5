"""Interventions on the probe: clamp or zero a unit, force a gate open or closed, edit an input.

Each change acts from its step t on; the probe (batch of one) is run forward again with the
engine's fast loop and compared with the original run::

    Clamp(s, j, v, t)        s_u[j] = v for every step u >= t (s a carried state: h, or c)
    ForceGate(k, j, open, t) k_u[j] = 1 (open) or 0 (closed) for u >= t (k a sigmoid gate)
    EditInput(t, value)      x_t = value (a token id, or an input vector); targets unchanged

    diff[s] = changed[s] - original[s]   (T, H) for every declared array
    loss change = changed loss - original loss   (mean nats per scored step)

A gate is forced through its bias: b_k[j] = +inf (open) or -inf (closed) gives a_k = ±inf at
every step from t on, and σ(±inf) is exactly 1 or 0 in any dtype, whatever else feeds the gate;
the steps before t are the original run's. A clamped state flows into every later step (the
model's ``Intervention``, applied at each step from t on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.core.model import Model
from rnnviz.core.types import Intervention


@dataclass(frozen=True)
class Clamp:
    """Hold unit ``unit`` of carried state ``state`` at ``value`` from step ``start`` on."""

    state: str
    unit: int
    value: float
    start: int


@dataclass(frozen=True)
class ForceGate:
    """Force unit ``unit`` of gate ``gate`` open (1) or closed (0) from step ``start`` on."""

    gate: str
    unit: int
    open: bool
    start: int


@dataclass(frozen=True)
class EditInput:
    """Replace the input at step ``start``: a token id, or an input vector (D values)."""

    start: int
    value: int | tuple[float, ...]


Change = Clamp | ForceGate | EditInput


@dataclass(frozen=True)
class ProbeRun:
    """The probe run forward: what the views draw (batch dimension dropped).

    Attributes
    ----------
    states : dict
        name -> (T, H) every declared array.
    outputs : ndarray
        (T, O) the head's outputs.
    loss_t : ndarray
        (T,) per-step loss in nats (zero where not scored).
    loss : float
        Mean loss per scored step.
    """

    states: Mapping[str, np.ndarray]
    outputs: np.ndarray
    loss_t: np.ndarray
    loss: float


@dataclass(frozen=True)
class InterventionResult:
    """A changed run beside the original (see the module docstring)."""

    change: Change
    original: ProbeRun
    changed: ProbeRun

    @property
    def start(self) -> int:
        """The first step the change acts on."""
        return self.change.start

    @property
    def diff(self) -> dict[str, np.ndarray]:
        """name -> (T, H) changed minus original."""
        return {k: self.changed.states[k] - v for k, v in self.original.states.items()}

    @property
    def loss_change(self) -> float:
        """Changed minus original mean loss, in nats per scored step."""
        return self.changed.loss - self.original.loss


def _mean_loss(loss_t: np.ndarray, mask: np.ndarray) -> float:
    total = float(np.sum(mask))
    return float(np.sum(loss_t, dtype=np.float64)) / total if total > 0 else float("nan")


def _mask(y: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    return np.ones(y.shape[:2]) if mask is None else np.asarray(mask)  # (1, T)


def run_probe(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray | None = None,
    state0: Mapping[str, np.ndarray] | None = None,
    intervention: list[Intervention] | None = None,
) -> ProbeRun:
    """Run the probe ((1, T) ids or (1, T, D) vectors, targets ``y``) with the fast loop."""
    tr = model.forward(x, y, mask, state0=state0, intervention=intervention)
    return ProbeRun(
        states={k: np.array(v[0]) for k, v in tr.states.items()},  # (T, H) copies
        outputs=np.array(tr.outputs[0]),  # (T, O)
        loss_t=np.array(tr.loss_t[0]),  # (T,)
        loss=tr.loss,
    )


def _check_unit(model: Model, unit: int) -> None:
    if not 0 <= unit < model.cfg.hidden:
        raise ValueError(f"unit {unit} is outside the layer (0..{model.cfg.hidden - 1})")


def _forced(model: Model, change: ForceGate, x, y, mask, original: ProbeRun, state0) -> ProbeRun:
    cell = model.cell
    gates = [n.key for n in cell.diagram.nodes if n.kind == "gate" and n.key in cell.GATES]
    if change.gate not in gates:
        choices = ", ".join(gates) if gates else "none: this cell has no gates"
        raise ValueError(f"gate {change.gate!r} cannot be forced; gates: {choices}")
    _check_unit(model, change.unit)
    t = change.start
    forced = model.copy()
    forced.p["b"][cell.block(change.gate)][change.unit] = np.inf if change.open else -np.inf
    if t == 0:
        s0 = None if state0 is None else dict(state0)
    else:
        s0 = {k: original.states[k][t - 1][None] for k in cell.carried}  # (1, H) each
    m = _mask(y, mask)
    tail = run_probe(forced, x[:, t:], y[:, t:], m[:, t:], state0=s0)
    states = {k: np.concatenate([v[:t], tail.states[k]]) for k, v in original.states.items()}
    loss_t = np.concatenate([original.loss_t[:t], tail.loss_t])  # (T,)
    outputs = np.concatenate([original.outputs[:t], tail.outputs])  # (T, O)
    return ProbeRun(states, outputs, loss_t, _mean_loss(loss_t, m))


def _edited(model: Model, change: EditInput, x: np.ndarray) -> np.ndarray:
    x2 = np.array(x)
    if model.cfg.input_kind == "tokens":
        v = change.value
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"input {v!r}: give a token id")
        if not 0 <= int(v) < model.cfg.input_size:
            raise ValueError(f"input {v}: token ids lie in 0..{model.cfg.input_size - 1}")
        x2[0, change.start] = int(v)
        return x2
    v = np.asarray(change.value, np.float64).reshape(-1)  # (D,)
    if v.shape != (model.cfg.input_size,) or not np.all(np.isfinite(v)):
        raise ValueError(f"input: give {model.cfg.input_size} finite numbers")
    x2[0, change.start] = v
    return x2


def intervene(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    change: Change,
    mask: np.ndarray | None = None,
    original: ProbeRun | None = None,
    state0: Mapping[str, np.ndarray] | None = None,
) -> InterventionResult:
    """Apply ``change`` to the probe and run it again (see the module docstring).

    Parameters
    ----------
    model : Model
        Not changed (a gate is forced on a copy).
    x, y, mask : ndarray
        The probe, batch of one: (1, T) ids or (1, T, D) vectors; its targets and mask.
    change : Clamp, ForceGate or EditInput
    original : ProbeRun, optional
        The unchanged run, if already computed (:func:`run_probe` with the same arguments).
    state0 : mapping, optional
        carried name -> (1, H) initial state (zeros by default).

    Raises
    ------
    ValueError
        A step, unit, state, gate or input that does not exist (one-line message).
    """
    x, y = np.asarray(x)[:1], np.asarray(y)[:1]
    T = x.shape[1]
    if not 0 <= change.start < T:
        raise ValueError(f"step {change.start} is outside the probe (0..{T - 1})")
    if original is None:
        original = run_probe(model, x, y, mask, state0)
    if isinstance(change, Clamp):
        if change.state not in model.carried:
            raise ValueError(
                f"state {change.state!r} cannot be clamped; carried states: "
                f"{', '.join(model.carried)}"
            )
        _check_unit(model, change.unit)
        if not np.isfinite(change.value):
            raise ValueError(f"clamp value {change.value}: give a finite number")
        clamps = [
            Intervention(change.state, u, change.unit, change.value) for u in range(change.start, T)
        ]
        changed = run_probe(model, x, y, mask, state0, clamps)
    elif isinstance(change, ForceGate):
        changed = _forced(model, change, x, y, mask, original, state0)
    elif isinstance(change, EditInput):
        changed = run_probe(model, _edited(model, change, x), y, mask, state0)
    else:
        raise TypeError(f"not an intervention: {change!r}")
    return InterventionResult(change, original, changed)
