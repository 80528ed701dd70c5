"""The backward pass explained per step agrees with the engine's fast BPTT: ‖own + later‖ is the
gradient panel's ‖dL/dh_t‖, the gates' gradients summed over steps are the bias gradients, and
the own part is the output layer's gradient computed here."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.backstep import backward_steps
from rnnviz.core.model import Model
from rnnviz.core.registry import CELLS

VARIANTS = [(name, nl) for name, cls in CELLS.items() for nl in cls.nonlinearities]
IDS = [f"{c}-{n}" for c, n in VARIANTS]
T, V, H = 6, 5, 4


def _model(cell: str, nl: str, **kw) -> Model:
    cfg = ModelConfig(
        cell=cell,
        nonlinearity=nl,
        input_size=kw.get("inputs", V),
        hidden=H,
        output_size=kw.get("outputs", V),
        input_kind=kw.get("kind", "tokens"),
        head=kw.get("head", "softmax"),
        dtype="float64",
    )
    m = Model(cfg, np.random.default_rng(0))
    m.p["b"][...] = np.random.default_rng(1).normal(0.0, 0.5, m.p["b"].shape)
    return m


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_split_adds_up_to_the_fast_gradient_flow(cell: str, nl: str) -> None:
    m = _model(cell, nl)
    rng = np.random.default_rng(4)
    x, y = rng.integers(0, V, size=(1, T)), rng.integers(0, V, size=(1, T))
    mask = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]])
    tr = m.forward(x, y, mask)
    grads, flow = m.backward(tr)
    steps = backward_steps(m, x, y, mask)
    assert [s.t for s in steps] == list(range(T))
    got = [np.linalg.norm(s.dh) for s in steps]
    np.testing.assert_allclose(got, flow.flows["h"], rtol=1e-10)
    # own part: (p_t - onehot(y_t)) W_y^T where the step is scored, zero where it is not
    p = tr.outputs[0]  # (T, V)
    for s in steps:
        dz = (p[s.t] - np.eye(V)[y[0, s.t]]) * mask[0, s.t]  # (V,)
        np.testing.assert_allclose(s.own, dz @ m.p["W_y"].T, rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(steps[-1].later, np.zeros(H))
    # each gate's gradient, summed over the steps, is that gate's bias gradient
    gb = m.grad_views(grads)["b"]
    for gate in m.cell.GATES:
        total = sum(s.gates[gate] for s in steps)  # (H,)
        np.testing.assert_allclose(total, gb[m.cell.block(gate)], rtol=1e-9, atol=1e-13)
    # what a step passes back is what arrives at the step before
    for s, before in zip(steps[1:], steps[:-1], strict=True):
        for k in m.carried:
            np.testing.assert_allclose(before.arriving[k], s.passed[k], rtol=1e-12)


def test_lstm_cell_state_path() -> None:
    m = _model("lstm", "tanh")
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, V, size=(1, T)), rng.integers(0, V, size=(1, T))
    steps = backward_steps(m, x, y)
    tr = m.forward(x, y)
    f = tr.states["f"][0]  # (T, H)
    # the cell state hands back dc_{t-1} = dc_t * f_t, and dc_t = arriving + the part through
    # h_t: (o_t (1 - tanh^2 c_t)) * dh_t
    for s in steps:
        o, c = tr.states["o"][0, s.t], tr.states["c"][0, s.t]
        dc = s.arriving["c"] + s.dh * o * (1.0 - np.tanh(c) ** 2)
        np.testing.assert_allclose(s.passed["c"], dc * f[s.t], rtol=1e-10, atol=1e-15)
    assert np.all(steps[-1].arriving["c"] == 0.0)
    norms = steps[2].norms()
    assert set(norms) >= {"dh", "own", "later", "gate f", "c from t+1", "c to t-1"}


def test_sigmoid_head_on_vectors() -> None:
    m = _model("rnn", "sigmoid", inputs=2, outputs=1, kind="vectors", head="sigmoid")
    rng = np.random.default_rng(6)
    x = rng.integers(0, 2, size=(1, T, 2)).astype(np.float64)
    y = rng.integers(0, 2, size=(1, T, 1)).astype(np.float64)
    tr = m.forward(x, y)
    _, flow = m.backward(tr)
    steps = backward_steps(m, x, y)
    np.testing.assert_allclose([np.linalg.norm(s.dh) for s in steps], flow.flows["h"], rtol=1e-10)
    np.testing.assert_allclose(
        steps[0].own, (tr.outputs[0, 0] - y[0, 0]) @ m.p["W_y"].T, rtol=1e-10
    )


def _full_backward(monkeypatch: pytest.MonkeyPatch, cls: type) -> list[bool]:
    """Make ``cls.backward_reference`` compute every gradient whatever it is asked; returns the
    ``weights`` each call asked for."""
    real = cls.backward_reference
    asked: list[bool] = []

    def full(self, q, step, d, weights=True):
        asked.append(weights)
        grads, dprev = real(self, q, step, d)
        assert any(k.startswith("W_") for k in grads)  # the full backward, weights and all
        return grads, dprev

    monkeypatch.setattr(cls, "backward_reference", full)
    return asked


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_the_steps_ask_for_no_weight_gradients(cell: str, nl: str) -> None:
    """The explained backward needs no dW (an outer product per gate and step): every step asks
    for the biases' gradients only, and gets nothing else."""
    m = _model(cell, nl)
    rng = np.random.default_rng(7)
    x, y = rng.integers(0, V, size=(1, T)), rng.integers(0, V, size=(1, T))
    real = type(m.cell).backward_reference
    got: list[set[str]] = []

    def spy(self, q, step, d, *args, **kwargs):
        grads, dprev = real(self, q, step, d, *args, **kwargs)
        got.append(set(grads))
        return grads, dprev

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(type(m.cell), "backward_reference", spy)
        backward_steps(m, x, y)
    biases = {f"b_{k}" for k in m.cell.GATES} | {n for n, _, _ in m.cell.EXTRA_BIASES}
    assert got == [biases] * T


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
def test_without_weights_the_numbers_are_the_full_backwards(cell: str, nl: str) -> None:
    """Leaving the weights' gradients out changes no number the frame view shows: every part of
    every step equals the full backward's, bit for bit."""
    m = _model(cell, nl)
    rng = np.random.default_rng(8)
    x, y = rng.integers(0, V, size=(1, T)), rng.integers(0, V, size=(1, T))
    mask = np.array([[1.0, 1.0, 0.0, 1.0, 1.0, 1.0]])
    lean = backward_steps(m, x, y, mask)
    with pytest.MonkeyPatch.context() as mp:
        asked = _full_backward(mp, type(m.cell))
        full = backward_steps(m, x, y, mask)
    assert asked == [False] * T  # the lean pass was asked for; the full one was computed
    for a, b in zip(lean, full, strict=True):
        np.testing.assert_array_equal(a.own, b.own)
        np.testing.assert_array_equal(a.later, b.later)
        for part in ("gates", "arriving", "passed"):
            pa, pb = getattr(a, part), getattr(b, part)
            assert set(pa) == set(pb)
            for k in pa:
                np.testing.assert_array_equal(pa[k], pb[k])
