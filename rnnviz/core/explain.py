"""One time step explained: every node of the cell's diagram with its value, and its equation
with live numbers, from the cell's textbook step (``Cell.step_reference``, float64).

For the probe x_0..x_{T-1} (batch of one) the reference steps are run from the initial state;
at step t and unit j each diagram node n shows

    value      n_t (H,)            e.g. f_t, the forget gate at every unit
    pre        a_n (H,)            its pre-activation, where the node has one (a gate, a candidate)
    live[j]    the equation with this step's numbers, e.g.
               f_t[17] = σ(x_t·W_xf + h_{t−1}·W_hf + b_f)[17] = σ(2.31) = 0.91
               c_t[17] = f_t ⊙ c_{t−1} + i_t ⊙ g_t = 0.91 ⊙ 0.50 + 0.12 ⊙ (-0.30) = 0.42

Without the weights (a frame kept without them) the steps can be read off the arrays a forward
pass stored (:func:`stored_steps`: every declared state, gate and candidate at every t, the
previous states shifted by one, the input); those hold no pre-activation, and a node that has
one is written with its value only, ``f_t[17] = σ(x_t·W_xf + h_{t−1}·W_hf + b_f)[17] = 0.91``
(never a number the weights would have to give).

Nothing here names a cell: the nodes, their labels, keys and equations come from the cell's
``diagram``, the numbers from its ``step_reference``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.core.cell import INPUT, PREV, Cell, Diagram, DiagramNode
from rnnviz.core.model import Model


@dataclass(frozen=True)
class NodeValue:
    """One diagram node at one step.

    Attributes
    ----------
    node : DiagramNode
        The cell's declaration (key, label, equation, kind, layout).
    value : ndarray
        (H,) its value at every unit; (I,) the input vector for the input x_t.
    pre : ndarray or None
        (H,) its pre-activation, if it has one and the step holds it (not without the weights).
    """

    node: DiagramNode
    value: np.ndarray
    pre: np.ndarray | None


@dataclass(frozen=True)
class StepExplanation:
    """Step t of the probe explained at unit ``unit`` (values for every unit are kept)."""

    t: int
    unit: int
    nodes: tuple[NodeValue, ...]
    live: Mapping[str, str]  # node key -> equation with numbers at ``unit`` ("" for inputs)

    def node(self, key: str) -> NodeValue:
        """The node showing ``key``."""
        for n in self.nodes:
            if n.node.key == key:
                return n
        raise KeyError(key)


def one_hot_inputs(model: Model, x: np.ndarray) -> np.ndarray:
    """(B, T) token ids or (B, T, D) vectors -> (B, T, I) float64 rows for the textbook step."""
    x = np.asarray(x)
    if model.cfg.input_kind == "tokens":
        return np.eye(model.cfg.input_size)[x]  # (B, T, V)
    return x.astype(np.float64)  # (B, T, D)


def reference_steps(
    model: Model, x: np.ndarray, state0: Mapping[str, np.ndarray] | None = None
) -> list[dict[str, np.ndarray]]:
    """Every step's ``step_reference`` result for inputs ``x`` (B, T) or (B, T, D), float64.

    ``state0``: carried name -> (B, H) initial state, zeros by default (as the probe starts).
    """
    cell = model.cell
    q = cell.unfuse({k: v.astype(np.float64) for k, v in model.p.items()})
    xs = one_hot_inputs(model, x)  # (B, T, I)
    B = xs.shape[0]
    H = model.cfg.hidden
    prev = [
        np.zeros((B, H)) if state0 is None else np.asarray(state0[k], np.float64)
        for k in cell.carried
    ]  # (B, H) each
    steps = []
    for t in range(xs.shape[1]):
        step = cell.step_reference(q, xs[:, t], *prev)
        prev = [step[k] for k in cell.carried]
        steps.append(step)
    return steps


def stored_steps(
    cell: Cell, xs: np.ndarray, states: Mapping[str, np.ndarray]
) -> list[dict[str, np.ndarray]]:
    """The steps of a forward pass from the arrays it stored, without the weights.

    Parameters
    ----------
    cell : Cell
        The cell the arrays are of.
    xs : ndarray
        (T, I) the inputs as the textbook step reads them (:func:`one_hot_inputs` of one row).
    states : mapping
        name -> (T, H) every array the cell declares (a Frame's ``states``), from zero states.

    Returns
    -------
    list of dict
        (T,) step key -> (1, H) float64 (the input (1, I)), as :func:`reference_steps` keys them
        but without the pre-activations (they need the weights).
    """
    out = []
    for t in range(xs.shape[0]):
        step = {INPUT: np.asarray(xs[t : t + 1], np.float64)}  # (1, I)
        for name, v in states.items():
            step[name] = np.asarray(v[t : t + 1], np.float64)  # (1, H)
        for name in cell.carried:
            v = np.asarray(states[name], np.float64)  # (T, H)
            step[name + PREV] = v[t - 1 : t] if t else np.zeros((1, v.shape[1]))  # (1, H)
        out.append(step)
    return out


def number(v: float) -> str:
    """A value for an equation: 2 decimals, scientific notation when that would hide it."""
    v = float(v)
    if v == 0.0 or 0.01 <= abs(v) < 1e4:
        return f"{v:.2f}"
    return f"{v:.2e}"


def _operand(v: float, enclosed: bool = False) -> str:
    """A number as an operand: negative ones in parentheses ("0.75 ⊙ (-0.30)"), unless the
    equation already encloses it (``enclosed``: "tanh(-6.54)", not "tanh((-6.54))")."""
    s = number(v)
    return f"({s})" if v < 0 and not enclosed else s


def _function(rhs: str) -> str:
    """The activation a node's right-hand side applies: "σ" of "σ(x_t·W_xf + ...)"."""
    return rhs[: rhs.index("(")] if "(" in rhs else ""


def live_equation(
    node: DiagramNode, step: Mapping[str, np.ndarray], labels: Mapping[str, str], unit: int
) -> str:
    """``node``'s equation with the numbers of ``step`` (B = 1) at ``unit``.

    A node with a pre-activation shows f(pre) = value (its value only when ``step`` holds no
    pre-activation: :func:`stored_steps`); any other shows its right-hand side with every node
    label replaced by that node's value at the unit. ``labels`` maps node labels ("f_t",
    "c_{t−1}") to the step keys they show.
    """
    if not node.equation:
        return ""
    lhs, rhs = (s.strip() for s in node.equation.split("=", 1))
    value = float(step[node.key][0, unit])
    if node.pre is not None and node.pre not in step:
        return f"{lhs}[{unit}] = {rhs}[{unit}] = {number(value)}"
    if node.pre is not None:
        pre = float(step[node.pre][0, unit])
        fn = _function(rhs)
        return f"{lhs}[{unit}] = {rhs}[{unit}] = {fn}({number(pre)}) = {number(value)}"
    names = sorted((lb for lb in labels if labels[lb] in step), key=len, reverse=True)
    if not names:
        return f"{lhs}[{unit}] = {rhs} = {number(value)}"
    pattern = re.compile(r"(?<![\w{])(" + "|".join(re.escape(lb) for lb in names) + r")(?![\w{])")
    numbers = pattern.sub(
        lambda m: _operand(
            step[labels[m.group(1)]][0, unit],
            enclosed=rhs[m.start() - 1 : m.start()] == "(" and rhs[m.end() : m.end() + 1] == ")",
        ),
        rhs,
    )
    return f"{lhs}[{unit}] = {rhs} = {numbers} = {number(value)}"


def explain_step(
    model: Model,
    x: np.ndarray,
    t: int,
    unit: int,
    state0: Mapping[str, np.ndarray] | None = None,
    steps: list[dict[str, np.ndarray]] | None = None,
) -> StepExplanation:
    """Step ``t`` of the probe ``x`` ((1, T) ids or (1, T, D) vectors) explained at ``unit``.

    ``steps`` are :func:`reference_steps` already computed for ``x`` (e.g. while the cursor
    moves along one probe); computed here otherwise.

    Raises
    ------
    ValueError
        If t or the unit lies outside the probe or the layer.
    """
    T = np.asarray(x).shape[1]
    H = model.cfg.hidden
    if not 0 <= t < T:
        raise ValueError(f"step {t} is outside the probe (0..{T - 1})")
    if not 0 <= unit < H:
        raise ValueError(f"unit {unit} is outside the layer (0..{H - 1})")
    steps = reference_steps(model, np.asarray(x)[:1], state0) if steps is None else steps
    return explain_at(model.cell.diagram, steps[t], t, unit)


def explain_at(
    diagram: Diagram, step: Mapping[str, np.ndarray], t: int, unit: int
) -> StepExplanation:
    """Step ``t`` explained at ``unit`` from its ``step`` (a :func:`reference_steps` or
    :func:`stored_steps` entry) and the cell's ``diagram``."""
    labels = {n.label: n.key for n in diagram.nodes if n.key != INPUT}
    nodes = tuple(
        NodeValue(
            n,
            np.array(step[n.key][0]),  # (H,) or (I,)
            None if n.pre not in step else np.array(step[n.pre][0]),  # (H,)
        )
        for n in diagram.nodes
    )
    live = {n.key: live_equation(n, step, labels, unit) for n in diagram.nodes}
    return StepExplanation(t, unit, nodes, live)
