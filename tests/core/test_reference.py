"""Each cell's textbook step is the oracle for its fast batched loop.

- forward: every declared state at every step of ``Model.forward`` equals ``step_reference``'s;
- backward: ``Model.backward``'s gradients (every parameter, the initial state) equal the
  textbook BPTT through ``backward_reference``, which is itself checked against central
  differences of ``step_reference``;
- the diagram names arrays that ``step_reference`` returns and is a well-formed picture.
"""

from __future__ import annotations

import numpy as np
import pytest
from reference import one_hot, reference_forward, reference_gradients

from rnnviz.config import ModelConfig
from rnnviz.core.cell import PREV
from rnnviz.core.model import Model
from rnnviz.core.registry import CELLS

VARIANTS = [(name, nl) for name, cls in CELLS.items() for nl in cls.nonlinearities]
IDS = [f"{c}-{n}" for c, n in VARIANTS]
B, T, V, H = 3, 6, 5, 4


def _model(cell: str, nl: str, dtype: str = "float64", seed: int = 0) -> Model:
    cfg = ModelConfig(
        cell=cell, nonlinearity=nl, input_size=V, hidden=H, output_size=V, dtype=dtype
    )
    m = Model(cfg, np.random.default_rng(seed))
    m.p["b"][...] = np.random.default_rng(seed + 1).normal(0.0, 0.5, m.p["b"].shape)
    return m


def _state0(m: Model, rng: np.random.Generator) -> dict[str, np.ndarray]:
    specs = {s.name: s for s in m.specs}
    lo = {k: 0.05 if (specs[k].lo is not None and specs[k].lo >= 0) else -0.5 for k in m.carried}
    return {k: rng.uniform(lo[k], 0.5, size=(B, H)) for k in m.carried}  # (B, H) each


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_fast_loop_states_equal_the_textbook_step(cell: str, nl: str, dtype: str) -> None:
    m = _model(cell, nl, dtype)
    rng = np.random.default_rng(2)
    x = rng.integers(0, V, size=(B, T))  # (B, T)
    state0 = _state0(m, rng)
    tr = m.forward(x, state0=state0)
    ref = reference_forward(m.astype("float64"), x, state0)
    rtol, atol = (1e-12, 1e-13) if dtype == "float64" else (2e-5, 2e-6)
    for spec in m.specs:
        want = np.stack([step[spec.name] for step in ref], axis=1)  # (B, T, H)
        np.testing.assert_allclose(tr.states[spec.name], want, rtol=rtol, atol=atol)
    for k in m.carried:
        np.testing.assert_allclose(tr.final[k], ref[-1][k], rtol=rtol, atol=atol)


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1])
def test_fast_backward_equals_the_textbook_backward(cell: str, nl: str, seed: int) -> None:
    m = _model(cell, nl, seed=seed)
    rng = np.random.default_rng([seed, 3])
    x = rng.integers(0, V, size=(B, T))  # (B, T)
    y = rng.integers(0, V, size=(B, T))  # (B, T)
    mask = (rng.uniform(size=(B, T)) > 0.25).astype(np.float64)  # (B, T)
    state0 = _state0(m, rng)
    dfinal = {k: rng.normal(size=(B, H)) for k in m.carried}
    tr = m.forward(x, y, mask, state0=state0)
    grads, flow = m.backward(tr, dfinal=dfinal)
    want, dstate0, _ = reference_gradients(m, x, y, mask, state0, dfinal)
    fast = m.cell.unfuse(m.grad_views(grads))  # per-gate views of the engine's gradient
    fast.update(W_y=m.grad_views(grads)["W_y"], b_y=m.grad_views(grads)["b_y"])
    assert set(fast) == set(want)
    for name, g in want.items():
        np.testing.assert_allclose(fast[name], g, rtol=1e-10, atol=1e-12, err_msg=name)
    for k in m.carried:
        np.testing.assert_allclose(flow.dstate0[k], dstate0[k], rtol=1e-10, atol=1e-12)


def _loss(m: Model, x, y, mask, state0, dfinal) -> float:
    return reference_gradients(m, x, y, mask, state0, dfinal)[2]


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_textbook_backward_matches_central_differences(cell: str, nl: str) -> None:
    """The oracle's own backward against finite differences of its own forward."""
    m = _model(cell, nl)
    rng = np.random.default_rng(5)
    Tn = 3
    x = rng.integers(0, V, size=(B, Tn))  # (B, T)
    y = rng.integers(0, V, size=(B, Tn))  # (B, T)
    mask = np.ones((B, Tn))  # (B, T)
    state0 = _state0(m, rng)
    dfinal = {k: rng.normal(size=(B, H)) for k in m.carried}
    grads, dstate0, _ = reference_gradients(m, x, y, mask, state0, dfinal)
    eps = 1e-6
    targets = [(m.p[n], n) for n in m.p] + [(state0[k], f"{k}0") for k in m.carried]
    analytic = m.grad_views(np.zeros_like(m.params))
    unfused = m.cell.unfuse(analytic)
    for k, g in grads.items():
        (unfused[k] if k in unfused else analytic[k])[...] = g
    for array, name in targets:
        want = dstate0[name[:-1]] if name.endswith("0") else analytic[name]
        num = np.zeros_like(array)
        for idx in np.ndindex(array.shape):
            old = array[idx]
            array[idx] = old + eps
            up = _loss(m, x, y, mask, state0, dfinal)
            array[idx] = old - eps
            down = _loss(m, x, y, mask, state0, dfinal)
            array[idx] = old
            num[idx] = (up - down) / (2 * eps)
        np.testing.assert_allclose(want, num, rtol=1e-6, atol=1e-8, err_msg=name)


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_the_textbook_step_names_every_declared_array_and_its_inputs(cell: str, nl: str) -> None:
    m = _model(cell, nl)
    rng = np.random.default_rng(0)
    q = m.cell.unfuse(m.p)
    x_t = one_hot(rng.integers(0, V, size=(B,)), V)  # (B, V)
    step = m.cell.step_reference(q, x_t, *(np.zeros((B, H)) for _ in m.carried))
    for spec in m.specs:
        assert step[spec.name].shape == (B, H), spec.name
        if spec.lo is not None:
            assert spec.lo <= step[spec.name].min() and step[spec.name].max() <= spec.hi
    assert step["x"] is x_t
    for k in m.carried:
        assert f"{k}{PREV}" in step


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_the_diagram_draws_the_textbook_step(cell: str, nl: str) -> None:
    m = _model(cell, nl)
    q = m.cell.unfuse(m.p)
    step = m.cell.step_reference(q, np.eye(V)[:B], *(np.zeros((B, H)) for _ in m.carried))
    d = m.cell.diagram
    keys = [n.key for n in d.nodes]
    assert len(set(keys)) == len(keys)
    assert len({n.pos for n in d.nodes}) == len(keys)  # no two boxes on one spot
    specs = {s.name: s for s in m.specs}
    for n in d.nodes:
        assert n.key in step, n.key  # every box shows an array of the step
        assert n.pre is None or n.pre in step, n.pre
        assert (n.kind == "input") == (n.equation == "")
        if n.kind != "input":
            assert n.equation.startswith(f"{n.label} = "), n.equation
            assert n.key in specs, n.key  # what a box shows the heatmaps show too
        if n.kind == "gate":
            assert (specs[n.key].lo, specs[n.key].hi) == (0.0, 1.0)
    # inputs: x_t and the previous value of every carried state; every declared array drawn
    assert {n.key for n in d.nodes if n.kind == "input"} == {"x"} | {
        f"{k}{PREV}" for k in m.carried
    }
    assert set(specs) <= set(keys)
    assert [n.key for n in d.nodes if n.kind == "output"] == ["h"]
    for a, b in d.edges:
        assert a in keys and b in keys and a != b
    # every box but the inputs is reached by an edge; every input feeds one
    assert {b for _, b in d.edges} == {k for k in keys if d.node(k).kind != "input"}
    assert {n.key for n in d.nodes if n.kind == "input"} <= {a for a, _ in d.edges}
