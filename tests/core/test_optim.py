"""Optimisers and clipping on flat arrays, checked against hand-computed updates."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import OptimConfig
from rnnviz.core.optim import clip_gradients, make_optimizer


def _one_update(name: str, **kw) -> tuple[np.ndarray, np.ndarray]:
    cfg = OptimConfig(name=name, lr=0.1, **kw)
    p = np.array([1.0, -2.0, 0.5])
    g = np.array([0.5, 1.0, -2.0])
    opt = make_optimizer(cfg, 3, "float64")
    opt.update(p, g)
    opt.update(p, g)
    return p, g


def test_sgd_plain_and_momentum() -> None:
    p, g = _one_update("sgd")
    np.testing.assert_allclose(p, [1.0, -2.0, 0.5] - 2 * 0.1 * g)
    p, g = _one_update("sgd", momentum=0.9)
    # v1 = g, v2 = 0.9 g + g
    np.testing.assert_allclose(p, [1.0, -2.0, 0.5] - 0.1 * (g + 1.9 * g))


def test_adagrad_and_rmsprop() -> None:
    p, g = _one_update("adagrad", eps=1e-8)
    p0 = np.array([1.0, -2.0, 0.5])
    expect = p0 - 0.1 * g / (np.sqrt(g * g) + 1e-8) - 0.1 * g / (np.sqrt(2 * g * g) + 1e-8)
    np.testing.assert_allclose(p, expect)
    p, g = _one_update("rmsprop", rho=0.9, eps=1e-8)
    e1 = 0.1 * g * g
    e2 = 0.9 * e1 + 0.1 * g * g
    expect = p0 - 0.1 * g / (np.sqrt(e1) + 1e-8) - 0.1 * g / (np.sqrt(e2) + 1e-8)
    np.testing.assert_allclose(p, expect)


def test_adam_bias_correction() -> None:
    p, g = _one_update("adam", eps=1e-8)
    p0 = np.array([1.0, -2.0, 0.5])
    expect = p0.copy()
    m = v = 0.0
    for t in (1, 2):
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expect -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(p, expect, rtol=1e-10)


def test_lr_change_and_switch_keep_state() -> None:
    opt = make_optimizer(OptimConfig(name="adam"), 2, "float32")
    p = np.zeros(2, np.float32)
    opt.update(p, np.ones(2, np.float32))
    assert opt.t == 1 and opt.lr == 0.01
    opt.set_config(OptimConfig(name="sgd", lr=0.5))
    opt.update(p, np.ones(2, np.float32))
    assert opt.lr == 0.5 and "m" in opt.buffers and opt.t == 1
    sd = opt.state_dict()
    other = make_optimizer(OptimConfig(name="adam"), 2, "float32")
    other.load_state_dict(sd)
    assert other.t == 1
    np.testing.assert_array_equal(other.buffers["m"], opt.buffers["m"])
    with pytest.raises(ValueError, match="shape"):
        other.load_state_dict({"m": np.zeros(3)})


def test_clip_value_then_norm() -> None:
    g = np.array([3.0, -4.0, 12.0])
    before, after, fired = clip_gradients(g, 5.0, None)
    assert before == pytest.approx(13.0) and fired
    np.testing.assert_array_equal(g, [3.0, -4.0, 5.0])
    assert after == pytest.approx(np.sqrt(50.0))
    g = np.array([3.0, 4.0])
    before, after, fired = clip_gradients(g, None, 1.0)
    assert before == pytest.approx(5.0) and after == pytest.approx(1.0) and fired
    np.testing.assert_allclose(g, [0.6, 0.8])
    g = np.array([0.1, 0.2])
    assert clip_gradients(g, 5.0, 10.0)[2] is False


def test_adam_beta_change_keeps_the_moments() -> None:
    g = np.array([0.5, -1.0])
    a = make_optimizer(OptimConfig(name="adam", beta1=0.9), 2, "float64")
    b = make_optimizer(OptimConfig(name="adam", beta1=0.5), 2, "float64")
    pa, pb = np.zeros(2), np.zeros(2)
    a.update(pa, g)
    b.update(pb, g)
    a.set_config(OptimConfig(name="adam", beta1=0.5))
    # after one step m = (1 - β1) g whatever the storage; a now has m = 0.1 g, b has m = 0.5 g
    a.update(pa, g)
    b.update(pb, g)
    m_a = 0.5 * 0.1 * g + 0.5 * g
    m_b = 0.5 * 0.5 * g + 0.5 * g
    v = 0.999 * 0.001 * g * g + 0.001 * g * g
    step = lambda m: 0.01 * (m / (1 - 0.5**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)  # noqa: E731
    first_a = 0.01 * np.sign(g) / (1 + 1e-8 / np.abs(g))
    np.testing.assert_allclose(pa, -first_a - step(m_a), rtol=1e-9)
    np.testing.assert_allclose(pb, -first_a - step(m_b), rtol=1e-9)
