"""One step explained: every diagram node's value equals the engine's fast loop, and the live
equations carry the step's own numbers (checked against values computed here from the fused
weights, not through the textbook step)."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.cell import DiagramNode
from rnnviz.core.explain import explain_step, live_equation, number, reference_steps
from rnnviz.core.model import Model
from rnnviz.core.registry import CELLS

VARIANTS = [(name, nl) for name, cls in CELLS.items() for nl in cls.nonlinearities]
IDS = [f"{c}-{n}" for c, n in VARIANTS]
T, V, H = 7, 6, 5


def _model(cell: str, nl: str = "tanh", seed: int = 0) -> Model:
    nl = nl if nl in CELLS[cell].nonlinearities else CELLS[cell].nonlinearities[0]
    cfg = ModelConfig(
        cell=cell, nonlinearity=nl, input_size=V, hidden=H, output_size=V, dtype="float64"
    )
    m = Model(cfg, np.random.default_rng(seed))
    m.p["b"][...] = np.random.default_rng(seed + 1).normal(0.0, 0.5, m.p["b"].shape)
    return m


def _x(seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, V, size=(1, T))  # (1, T)


@pytest.mark.parametrize(("cell", "nl"), VARIANTS, ids=IDS)
@pytest.mark.parametrize("t", [0, 4])
def test_every_node_value_is_the_fast_loops(cell: str, nl: str, t: int) -> None:
    m = _model(cell, nl)
    x = _x()
    tr = m.forward(x)
    ex = explain_step(m, x, t, 2)
    spec_names = {s.name for s in m.specs}
    seen = set()
    for nv in ex.nodes:
        key = nv.node.key
        if key in spec_names:
            np.testing.assert_allclose(nv.value, tr.states[key][0, t], rtol=2e-5, atol=2e-6)
            seen.add(key)
        elif key.endswith("_prev"):
            state = key[: -len("_prev")]
            want = tr.states[state][0, t - 1] if t else np.zeros(H)
            np.testing.assert_allclose(nv.value, want, rtol=2e-5, atol=2e-6)
        elif key == "x":
            np.testing.assert_array_equal(nv.value, np.eye(V)[x[0, t]])
    assert "h" in seen
    assert ex.node("h").value.shape == (H,)


def test_lstm_gate_and_cell_state_equations_carry_the_steps_numbers() -> None:
    m = _model("lstm")
    x = _x()
    t, u = 3, 1
    tr = m.forward(x)
    st = {k: v[0].astype(np.float64) for k, v in tr.states.items()}  # (T, H)
    cell = m.cell
    cols = cell.block("f")
    h_prev = st["h"][t - 1]
    # the forget gate's pre-activation from the fused weights: x_t W_x + h_{t-1} W_h + b
    a_f = m.p["W_x"][x[0, t], cols] + h_prev @ m.p["W_h"][:, cols] + m.p["b"][cols]  # (H,)
    f = 1.0 / (1.0 + np.exp(-a_f[u]))
    ex = explain_step(m, x, t, u)
    assert ex.live["f"] == (
        f"f_t[{u}] = σ(x_t·W_xf + h_{{t−1}}·W_hf + b_f)[{u}] = σ({a_f[u]:.2f}) = {f:.2f}"
    )
    c_prev, i, g, c = st["c"][t - 1, u], st["i"][t, u], st["g"][t, u], st["c"][t, u]

    def op(v: float) -> str:
        return f"({number(v)})" if v < 0 else number(v)

    assert ex.live["c"] == (
        f"c_t[{u}] = f_t ⊙ c_{{t−1}} + i_t ⊙ g_t = {op(st['f'][t, u])} ⊙ {op(c_prev)} + "
        f"{op(i)} ⊙ {op(g)} = {number(c)}"
    )
    o, h = st["o"][t, u], st["h"][t, u]
    assert ex.live["h"] == f"h_t[{u}] = o_t ⊙ tanh(c_t) = {op(o)} ⊙ tanh({number(c)}) = {number(h)}"
    assert ex.live["x"] == "" and ex.live["c_prev"] == ""


@pytest.mark.parametrize("cell", ["rnn", "gru"])
def test_pre_activation_equations_apply_their_activation(cell: str) -> None:
    m = _model(cell)
    x = _x()
    ex = explain_step(m, x, 5, 4)
    for nv in ex.nodes:
        if nv.node.pre is None:
            continue
        pre, val = nv.pre[4], nv.value[4]
        fn = nv.node.equation.split("=", 1)[1].strip().split("(")[0]
        want = np.tanh(pre) if fn == "tanh" else 1.0 / (1.0 + np.exp(-pre))
        assert val == pytest.approx(want, rel=1e-12)
        assert ex.live[nv.node.key].endswith(f"= {fn}({number(pre)}) = {number(val)}")


def test_gru_hidden_state_equation_substitutes_every_symbol() -> None:
    m = _model("gru")
    x = _x()
    t, u = 2, 0
    steps = reference_steps(m, x)
    s = steps[t]
    line = explain_step(m, x, t, u, steps=steps).live["h"]
    z, n, hp = s["z"][0, u], s["n"][0, u], s["h_prev"][0, u]
    numbers = line.split(" = ")[2]
    assert "z_t" not in numbers and "h_{t−1}" not in numbers and "n_t" not in numbers
    assert (1 - z) * n + z * hp == pytest.approx(s["h"][0, u])
    assert numbers.startswith(f"(1 − {number(z)})" if z >= 0 else "(1 − (")


def test_a_negative_number_gets_one_pair_of_parentheses() -> None:
    """An operand of a product is parenthesised when negative; a function's sole argument is
    already enclosed ("tanh(-6.54)", which read "tanh((-6.54))")."""
    step = {k: np.array([[v]]) for k, v in {"o": -0.5, "c": -6.54, "f": 0.75, "cp": -0.83}.items()}
    step |= {"i": np.array([[0.2]]), "g": np.array([[-0.31]]), "h": np.array([[0.5]])}
    labels = {"o_t": "o", "c_t": "c", "f_t": "f", "c_{t−1}": "cp", "i_t": "i", "g_t": "g"}
    h = DiagramNode("h", "h_t", "h_t = o_t ⊙ tanh(c_t)", "output", (3, 3))
    assert (
        live_equation(h, step, labels, 0)
        == "h_t[0] = o_t ⊙ tanh(c_t) = (-0.50) ⊙ tanh(-6.54) = 0.50"
    )
    c = DiagramNode("c", "c_t", "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t", "state", (2, 0))
    assert "= 0.75 ⊙ (-0.83) + 0.20 ⊙ (-0.31) =" in live_equation(c, step, labels, 0)


def test_bad_step_or_unit_is_refused() -> None:
    m = _model("lstm")
    with pytest.raises(ValueError, match="step 7 is outside the probe"):
        explain_step(m, _x(), 7, 0)
    with pytest.raises(ValueError, match="unit 5 is outside the layer"):
        explain_step(m, _x(), 0, 5)


def test_number_keeps_small_and_large_values_visible() -> None:
    assert number(0.9123) == "0.91"
    assert number(-2.305) == "-2.31" or number(-2.305) == "-2.30"
    assert number(0.0) == "0.00"
    assert number(0.00123) == "1.23e-03"
    assert number(12345.0) == "1.23e+04"
