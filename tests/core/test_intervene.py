"""Interventions on the probe agree with the textbook step run with the same intervention."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.explain import one_hot_inputs
from rnnviz.core.intervene import Clamp, EditInput, ForceGate, intervene, run_probe
from rnnviz.core.model import Model

T, V, H = 8, 5, 4


def _model(cell: str, dtype: str = "float64") -> Model:
    cfg = ModelConfig(cell=cell, input_size=V, hidden=H, output_size=V, dtype=dtype)
    m = Model(cfg, np.random.default_rng(0))
    m.p["b"][...] = np.random.default_rng(1).normal(0.0, 0.5, m.p["b"].shape)
    return m


def _probe() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    return rng.integers(0, V, size=(1, T)), rng.integers(0, V, size=(1, T))


def _oracle(m: Model, x: np.ndarray, after_step, q_from=None) -> tuple[dict, float]:
    """The textbook steps with ``after_step(t, step)`` editing each step's result in place and
    ``q_from(t)`` giving the per-gate weights of step t; returns (T, H) states and mean loss."""
    cell = m.cell
    q0 = cell.unfuse({k: v.astype(np.float64) for k, v in m.p.items()})
    xs = one_hot_inputs(m, x)  # (1, T, V)
    prev = [np.zeros((1, H)) for _ in cell.carried]
    steps, loss = [], 0.0
    for t in range(T):
        step = cell.step_reference(q_from(t) if q_from else q0, xs[:, t], *prev)
        after_step(t, step)
        prev = [step[k] for k in cell.carried]
        steps.append(step)
    y = _probe()[1]
    for t, step in enumerate(steps):
        z = step["h"] @ m.p["W_y"] + m.p["b_y"]  # (1, V)
        loss += float(np.log(np.exp(z).sum()) - z[0, y[0, t]])
    states = {s.name: np.stack([st[s.name][0] for st in steps]) for s in m.specs}
    return states, loss / T


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("value", [0.0, 0.7])
def test_clamping_h_from_t_on(cell: str, value: float) -> None:
    m = _model(cell)
    x, y = _probe()
    start, unit = 3, 2

    def clamp(t: int, step: dict) -> None:
        if t >= start:
            step["h"][0, unit] = value

    want, loss = _oracle(m, x, clamp)
    res = intervene(m, x, y, Clamp("h", unit, value, start))
    for k, v in want.items():
        np.testing.assert_allclose(res.changed.states[k], v, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(res.diff[k][:start], 0.0)
    assert res.changed.loss == pytest.approx(loss, rel=1e-10)
    assert res.loss_change == pytest.approx(loss - run_probe(m, x, y).loss, rel=1e-9)
    assert np.abs(res.diff["h"][start + 1 :]).max() > 0  # the clamp flows on


def test_clamping_the_lstm_cell_state_feeds_h_of_the_same_step() -> None:
    m = _model("lstm")
    x, y = _probe()
    start, unit, value = 2, 1, 1.5

    def clamp(t: int, step: dict) -> None:
        if t >= start:
            step["c"][0, unit] = value
            step["h"][0] = step["o"][0] * np.tanh(step["c"][0])  # h_t = o_t tanh(c_t)

    want, loss = _oracle(m, x, clamp)
    res = intervene(m, x, y, Clamp("c", unit, value, start))
    for k, v in want.items():
        np.testing.assert_allclose(res.changed.states[k], v, rtol=1e-10, atol=1e-13)
    assert res.changed.loss == pytest.approx(loss, rel=1e-10)


@pytest.mark.parametrize(
    ("cell", "gate"), [("lstm", "f"), ("lstm", "i"), ("gru", "z"), ("gru", "r")]
)
@pytest.mark.parametrize("is_open", [True, False])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_forcing_a_gate(cell: str, gate: str, is_open: bool, dtype: str) -> None:
    m = _model(cell, dtype)
    x, y = _probe()
    start, unit = 4, 3
    q0 = m.cell.unfuse({k: v.astype(np.float64) for k, v in m.p.items()})
    forced = dict(q0)
    forced[f"b_{gate}"] = q0[f"b_{gate}"].copy()
    forced[f"b_{gate}"][unit] = 60.0 if is_open else -60.0  # σ(±60) is 1 or 1e-26

    want, loss = _oracle(m, x, lambda t, s: None, lambda t: forced if t >= start else q0)
    res = intervene(m, x, y, ForceGate(gate, unit, is_open, start))
    g = res.changed.states[gate]
    assert np.all(g[start:, unit] == (1.0 if is_open else 0.0))
    np.testing.assert_array_equal(res.diff[gate][:start], 0.0)
    tol = (1e-10, 1e-13) if dtype == "float64" else (2e-5, 2e-6)
    for k, v in want.items():
        np.testing.assert_allclose(res.changed.states[k], v, rtol=tol[0], atol=tol[1])
    assert res.changed.loss == pytest.approx(loss, rel=tol[0] * 10)


def test_forced_gates_mean_what_they_say() -> None:
    # LSTM: a closed forget gate drops the old cell state, c_t = i_t g_t; an open update gate
    # of the GRU keeps h: h_t = h_{t-1}
    m = _model("lstm")
    x, y = _probe()
    s = intervene(m, x, y, ForceGate("f", 0, False, 2)).changed.states
    np.testing.assert_allclose(s["c"][2:, 0], (s["i"] * s["g"])[2:, 0], rtol=1e-13)
    g = _model("gru")
    s = intervene(g, x, y, ForceGate("z", 1, True, 3)).changed.states
    np.testing.assert_array_equal(s["h"][3:, 1], s["h"][2, 1])


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_editing_an_input(cell: str) -> None:
    m = _model(cell)
    x, y = _probe()
    new = (int(x[0, 5]) + 1) % V
    x2 = x.copy()
    x2[0, 5] = new
    want, _ = _oracle(m, x2, lambda t, s: None)
    res = intervene(m, x, y, EditInput(5, new))
    for k, v in want.items():
        np.testing.assert_allclose(res.changed.states[k], v, rtol=1e-10, atol=1e-13)
        np.testing.assert_array_equal(res.diff[k][:5], 0.0)
    assert np.abs(res.diff["h"][5]).max() > 0


def test_editing_a_vector_input() -> None:
    cfg = ModelConfig(
        cell="rnn", input_kind="vectors", input_size=2, hidden=H, output_size=1, head="sigmoid"
    )
    m = Model(cfg, np.random.default_rng(0))
    x = np.zeros((1, T, 2), np.float32)
    y = np.ones((1, T, 1), np.float32)
    res = intervene(m, x, y, EditInput(2, (1.0, 1.0)))
    x2 = x.copy()
    x2[0, 2] = 1.0
    np.testing.assert_array_equal(res.changed.states["h"], run_probe(m, x2, y).states["h"])
    with pytest.raises(ValueError, match="give 2 finite numbers"):
        intervene(m, x, y, EditInput(2, (1.0,)))


def test_mistakes_get_one_line_messages() -> None:
    m = _model("rnn")
    x, y = _probe()
    cases = [
        (Clamp("c", 0, 0.0, 1), "state 'c' cannot be clamped; carried states: h"),
        (Clamp("h", 9, 0.0, 1), "unit 9 is outside the layer"),
        (Clamp("h", 0, float("nan"), 1), "give a finite number"),
        (Clamp("h", 0, 0.0, T), f"step {T} is outside the probe"),
        (ForceGate("f", 0, True, 1), "this cell has no gates"),
        (EditInput(1, V), f"token ids lie in 0..{V - 1}"),
    ]
    for change, message in cases:
        with pytest.raises(ValueError, match=message):
            intervene(m, x, y, change)
    with pytest.raises(ValueError, match="gate 'g' cannot be forced; gates: "):
        intervene(_model("lstm"), x, y, ForceGate("g", 0, True, 1))


def test_the_original_run_is_reused_and_the_model_is_untouched() -> None:
    m = _model("lstm")
    x, y = _probe()
    before = m.params.copy()
    original = run_probe(m, x, y)
    res = intervene(m, x, y, ForceGate("o", 1, True, 0), original=original)
    assert res.original is original
    np.testing.assert_array_equal(m.params, before)
    assert dataclasses.is_dataclass(res.change) and res.start == 0
