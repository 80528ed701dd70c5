"""Finite-difference gradient check in float64.

For every parameter entry θ_k (and every entry of the initial state), the analytic gradient from
``Model.backward`` is compared with the central difference

    n_k = (L(θ + ε e_k) - L(θ - ε e_k)) / (2ε)

of the objective L = (1/B) Σ_b Σ_t mask_bt l_bt + Σ dfinal * final (a random linear read-out of
the final state, so the gradient arriving from a later batch is checked too). The error reported
per parameter is the relative error of the whole gradient, ||a - n|| / (||a|| + ||n||).

The step ε = 1e-5 balances the two errors of a central difference in float64: truncation
(about ε² |L'''| / 6) and rounding (about 1e-16 |L| / ε). With ε = 1e-6 the rounding alone
reaches ~5e-10 per entry, already a relative error near 1e-6 for a small gradient such as the
initial-state gradient of a sigmoid RNN after a dozen steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rnnviz.config import HEADS, ModelConfig
from rnnviz.core.model import Model
from rnnviz.core.registry import CELLS, cell_class, make_cell
from rnnviz.core.types import Intervention

TOLERANCE = 1e-6


@dataclass(frozen=True)
class CheckRow:
    """One checked array: a parameter or an initial state ("h0", "c0")."""

    cell: str
    head: str
    param: str
    size: int
    max_abs_err: float
    rel_err: float

    @property
    def ok(self) -> bool:
        return self.rel_err < TOLERANCE


def _rel(a: np.ndarray, n: np.ndarray) -> tuple[float, float]:
    diff = float(np.linalg.norm(a - n))
    denom = float(np.linalg.norm(a) + np.linalg.norm(n))
    rel = diff / denom if denom > 1e-10 else diff
    return float(np.abs(a - n).max(initial=0.0)), rel


def random_problem(cfg: ModelConfig, rng: np.random.Generator, batch: int, length: int) -> dict:
    """Random inputs, targets, mask (with some zeros), initial state and final-state read-out."""
    B, T, O, I = batch, length, cfg.output_size, cfg.input_size
    if cfg.input_kind == "tokens":
        x = rng.integers(0, I, size=(B, T))
    else:
        x = rng.normal(size=(B, T, I))
    if cfg.head == "softmax":
        y = rng.integers(0, O, size=(B, T))
    elif cfg.head == "sigmoid":
        y = rng.uniform(0.0, 1.0, size=(B, T, O))
    else:
        y = rng.normal(size=(B, T, O))
    mask = (rng.uniform(size=(B, T)) > 0.25).astype(np.float64)
    cell = make_cell(cfg)
    carried = cell.carried
    # initial states inside each state's declared range: a state that cannot be negative (a
    # sigmoid RNN's h) starts in (0.05, 0.5), the others in (-0.5, 0.5)
    ranges = {s.name: s for s in cell.specs}
    lows = {k: 0.05 if (ranges[k].lo is not None and ranges[k].lo >= 0) else -0.5 for k in carried}
    state0 = {k: rng.uniform(lows[k], 0.5, size=(B, cfg.hidden)) for k in carried}
    dfinal = {k: rng.normal(size=(B, cfg.hidden)) for k in carried}
    return {"x": x, "y": y, "mask": mask, "state0": state0, "dfinal": dfinal}


def gradcheck_model(
    model: Model,
    rng: np.random.Generator,
    batch: int = 2,
    length: int = 5,
    eps: float = 1e-5,
    intervention: Intervention | list[Intervention] | None = None,
    entries: int | None = None,
) -> list[CheckRow]:
    """Compare ``model.backward`` with central differences on a random problem.

    Parameters
    ----------
    model : Model
        Checked in float64 (a float64 copy is made; the model itself is not changed).
    rng : numpy.random.Generator
        Draws the random problem.
    batch, length : int
        Problem size (keep it small: two forward passes per parameter entry).
    eps : float
        Step ε of the central difference.
    intervention : Intervention or list of Intervention, optional
        Clamps applied in every forward pass (their effect on the gradient is checked too).
    entries : int, optional
        Check at most this many entries of each array, drawn with ``rng`` (a live model has
        too many weights to difference them all: two forward passes per entry); every entry
        by default. The errors then compare the analytic and numerical gradient on those
        entries.

    Returns
    -------
    list of CheckRow
        One row per parameter, then one per initial-state array ("h0", "c0").
    """
    m = model.astype("float64")
    cfg = m.cfg
    prob = random_problem(cfg, rng, batch, length)
    x, y, mask, state0, dfinal = (prob[k] for k in ("x", "y", "mask", "state0", "dfinal"))
    B = batch

    def objective() -> float:
        tr = m.forward(x, y, mask, state0=state0, intervention=intervention)
        read = sum(float(np.sum(dfinal[k] * tr.final[k])) for k in dfinal)
        return float(tr.loss_t.sum()) / B + read

    tr = m.forward(x, y, mask, state0=state0, intervention=intervention)
    grads, flow = m.backward(tr, dfinal=dfinal)
    analytic = m.grad_views(grads)
    out: list[CheckRow] = []
    arrays = [(name, view, analytic[name]) for name, view in m.p.items()]
    arrays += [(f"{name}0", s, flow.dstate0[name]) for name, s in state0.items()]
    for name, a, grad in arrays:
        idx = _entries(a.shape, entries, rng)
        num = _central_difference(a, objective, eps, idx)
        err, rel = _rel(np.array([grad[i] for i in idx]), np.array([num[i] for i in idx]))
        out.append(CheckRow(cfg.cell, cfg.head, name, len(idx), err, rel))
    return out


def _entries(
    shape: tuple[int, ...], entries: int | None, rng: np.random.Generator
) -> list[tuple[int, ...]]:
    """Every index of an array of ``shape``, or ``entries`` of them drawn without repetition."""
    size = int(np.prod(shape))
    if entries is None or entries >= size:
        return list(np.ndindex(shape))
    flat = np.sort(rng.choice(size, size=entries, replace=False))  # (entries,)
    return [tuple(int(i) for i in np.unravel_index(k, shape)) for k in flat]


def _central_difference(
    a: np.ndarray, f: Callable[[], float], eps: float, entries: list | None = None
) -> np.ndarray:
    """(f(a + eps e_i) - f(a - eps e_i)) / 2 eps for every entry i of ``a`` (or of ``entries``,
    the others left 0), perturbed in place."""
    num = np.zeros_like(a)
    for idx in np.ndindex(a.shape) if entries is None else entries:
        old = a[idx]
        a[idx] = old + eps
        lp = f()
        a[idx] = old - eps
        lm = f()
        a[idx] = old
        num[idx] = (lp - lm) / (2 * eps)
    return num


def check_label(cfg: ModelConfig) -> str:
    """The name of ``cfg``'s cell in the check's table: "lstm", or "rnn-tanh" for a cell that
    takes several nonlinearities."""
    several = len(cell_class(cfg.cell).nonlinearities) > 1
    return f"{cfg.cell}-{cfg.nonlinearity}" if several else cfg.cell


def check_configs(hidden: int = 3, vocab: int = 4) -> list[ModelConfig]:
    """Every registered cell (with each nonlinearity it takes) x every head, small, float64."""
    cfgs = []
    variants = [(name, nl) for name, cls in CELLS.items() for nl in cls.nonlinearities]
    for cell, nl in variants:
        for head in HEADS:
            kind = "tokens" if head == "softmax" else "vectors"
            cfgs.append(
                ModelConfig(
                    cell=cell,
                    nonlinearity=nl,
                    input_kind=kind,
                    input_size=vocab if kind == "tokens" else 3,
                    hidden=hidden,
                    output_size=vocab if head == "softmax" else 2,
                    head=head,
                    init="uniform",
                    forget_bias=0.5,
                    dtype="float64",
                )
            )
    return cfgs
