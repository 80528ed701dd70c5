"""The gradient flow shown on screen, checked against central differences in float64.

For each step t the objective is split at h_t (and c_t): the loss at step t read from h_t, plus
the loss of a suffix forward pass started from the perturbed state via ``state0``. Then

    ||dL/dh_t||   = flow.flows["h"][t]      (c_t held fixed)
    ||dL/dc_t||   = flow.flows["c"][t]      (h_t = o_t tanh(c_t) follows c_t)
    ||dL_T/dh_t|| = flow.last[t]    (L_T: the loss at the last step only)

with L = (1/B) Σ_b Σ_t mask_bt l_bt and L_T = (1/B) Σ_b mask_bT l_bT.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.model import Model

CELLS = [("rnn", "tanh"), ("rnn", "sigmoid"), ("lstm", "tanh"), ("gru", "tanh")]
B, T, V, H = 2, 6, 4, 3


def _derivative(f: Callable[[float], float], e: float = 1e-4) -> float:
    """Fourth-order central difference (f(-2e) - 8f(-e) + 8f(e) - f(2e)) / (12e)."""
    return (f(-2 * e) - 8 * f(-e) + 8 * f(e) - f(2 * e)) / (12 * e)


def _problem(cell: str, nl: str, seed: int):
    cfg = ModelConfig(
        cell=cell,
        nonlinearity=nl,
        input_size=V,
        hidden=H,
        output_size=V,
        init="xavier",
        forget_bias=0.5,
        dtype="float64",
    )
    rng = np.random.default_rng(seed)
    m = Model(cfg, rng)
    x = rng.integers(0, V, size=(B, T))  # (B, T)
    y = rng.integers(0, V, size=(B, T))  # (B, T)
    mask = np.ones((B, T))  # (B, T)
    mask[0, 1] = mask[1, 3] = mask[1, T - 1] = 0.0  # includes a masked last step
    return m, x, y, mask


def _step_loss(m: Model, h_t: np.ndarray, y_t: np.ndarray, w_t: np.ndarray) -> float:
    """(1/B) Σ_b w_b l_b at one step, from h_t (B, H): l = logsumexp(z) - z[y]."""
    z = h_t @ m.p["W_y"] + m.p["b_y"]  # (B, V)
    lse = np.logaddexp.reduce(z, axis=1)  # (B,)
    return float(np.sum(w_t * (lse - z[np.arange(len(y_t)), y_t]))) / len(y_t)


def _split_objective(m, x, y, mask, t: int, last: bool) -> Callable[[dict], float]:
    """L (or L_T) as a function of the carried state right after step t."""

    def objective(state: dict[str, np.ndarray]) -> float:
        total = 0.0
        if not last or t == T - 1:
            total += _step_loss(m, state["h"], y[:, t], mask[:, t])
        if t < T - 1:
            tr = m.forward(x[:, t + 1 :], y[:, t + 1 :], mask[:, t + 1 :], state0=state)
            lt = tr.loss_t  # (B, T-t-1), already masked
            total += float(lt[:, -1].sum() if last else lt.sum()) / B
        return total

    return objective


def _numerical_gradient(
    objective: Callable[[dict], float], state: dict, key: str, o_t: np.ndarray | None = None
) -> np.ndarray:
    """(B, H) derivative of objective(state) with respect to state[key] by central differences.

    For key "c", h_t = o_t tanh(c_t) is recomputed from the perturbed c_t (o_t (B, H)).
    """
    grad = np.zeros((B, H))  # (B, H)

    def shifted(d: float, b: int, k: int) -> float:
        s = {n: v.copy() for n, v in state.items()}  # name -> (B, H)
        s[key][b, k] += d
        if o_t is not None:
            s["h"][b, k] = o_t[b, k] * np.tanh(s["c"][b, k])  # h_t = o_t tanh(c_t)
        return objective(s)

    for b, k in np.ndindex(B, H):
        grad[b, k] = _derivative(lambda d, b=b, k=k: shifted(d, b, k))
    return grad


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("cell", "nl"), CELLS, ids=[f"{c}-{n}" for c, n in CELLS])
def test_flow_norms_match_central_differences(cell: str, nl: str, seed: int) -> None:
    m, x, y, mask = _problem(cell, nl, seed)
    tr = m.forward(x, y, mask)
    _, flow = m.backward(tr, last=True)
    assert list(flow.flows) == list(m.carried)
    assert ("c" in flow.flows) == (cell == "lstm")
    for t in range(T):
        state = {k: np.ascontiguousarray(tr.states[k][:, t]) for k in m.carried}  # (B, H)
        full = _split_objective(m, x, y, mask, t, last=False)
        only_last = _split_objective(m, x, y, mask, t, last=True)
        num_h = _numerical_gradient(full, state, "h")  # (B, H) dL/dh_t
        num_last = _numerical_gradient(only_last, state, "h")  # (B, H) dL_T/dh_t
        assert flow.flows["h"][t] == pytest.approx(np.linalg.norm(num_h), rel=1e-6), t
        assert flow.last[t] == pytest.approx(np.linalg.norm(num_last), rel=1e-6), t
        if cell == "lstm":
            o_t = tr.states["o"][:, t]  # (B, H)
            num_c = _numerical_gradient(full, state, "c", o_t)  # (B, H) dL/dc_t
            assert flow.flows["c"][t] == pytest.approx(np.linalg.norm(num_c), rel=1e-6), t
    # sequence 1's last step is masked out of L_T; the signal is still non-trivial
    assert flow.last[0] > 0 and flow.flows["h"][0] > flow.last[0]


def _vanishing_rnn(dtype: str, T: int = 50) -> tuple[Model, np.ndarray, np.ndarray]:
    """A tanh RNN whose last-step signal shrinks at least ~7x per step back in time."""
    cfg = ModelConfig(
        cell="rnn", input_size=V, hidden=8, output_size=V, init="xavier", dtype="float64"
    )
    rng = np.random.default_rng(3)
    m = Model(cfg, rng)
    m.p["W_h"][...] *= 0.15 / np.linalg.norm(m.p["W_h"], 2)  # factor <= 0.15 per step
    x = rng.integers(0, V, size=(1, T))  # (1, T)
    y = rng.integers(0, V, size=(1, T))  # (1, T)
    return m.astype(dtype), x, y


def test_flow_norms_are_exact_where_their_squares_leave_float32_range() -> None:
    """‖dL_T/dh_t‖ of a float32 model follows the float64 one down to float32's subnormals.

    The norms used to be sqrt of a float32 sum of squares: below ~1e-19 the squares underflow,
    and the plotted line ended (in echo-rnn at t ≈ 29) although the gradient was representable.
    """
    m64, x, y = _vanishing_rnn("float64")
    m32 = m64.astype("float32")
    _, f64 = m64.backward(m64.forward(x, y), last=True)
    _, f32 = m32.backward(m32.forward(x, y), last=True)
    assert f64.last.min() < 1e-30  # the signal does leave the range of float32 squares
    normal = f64.last > 1e-36  # float32 holds these with full precision
    assert normal.sum() >= 20
    np.testing.assert_allclose(f32.last[normal], f64.last[normal], rtol=1e-3)
    for name in m64.carried:
        np.testing.assert_allclose(f32.flows[name], f64.flows[name], rtol=1e-3)
        assert f32.flows[name].dtype == np.float64
    assert f32.last.dtype == np.float64  # a norm below float32's range can still be reported


def test_gradient_norm_beyond_float32_squares_is_finite() -> None:
    from rnnviz.core.optim import clip_gradients

    g = np.full(1000, 1e18, dtype=np.float32)  # (1000,) finite entries, ‖g‖ ≈ 3.2e19
    before, after, fired = clip_gradients(g, None, 5.0)
    assert before == pytest.approx(np.sqrt(1000) * 1e18, rel=1e-6)
    assert after == pytest.approx(5.0, rel=1e-5) and fired
    tiny = np.full(1000, 1e-30, dtype=np.float32)  # squares below float32's range
    assert clip_gradients(tiny, None, None)[0] == pytest.approx(np.sqrt(1000) * 1e-30, rel=1e-5)
