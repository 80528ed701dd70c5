"""Output heads: cross-entropy computed from the logits, exact even when p saturates in float32."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.heads import SigmoidBCE, SoftmaxCE
from rnnviz.core.model import Model


def _softmax_ce64(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference l = logsumexp(z) - z[y] in float64; z (N, O), y (N,)."""
    z = z.astype(np.float64)  # (N, O)
    m = z.max(axis=1)  # (N,)
    lse = m + np.log(np.exp(z - m[:, None]).sum(axis=1))  # (N,)
    return lse - z[np.arange(len(y)), y]  # (N,)


def _bce64(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Reference l = Σ_o softplus(z) - y z in float64; z, y (N, O)."""
    z = z.astype(np.float64)  # (N, O)
    return (np.logaddexp(0.0, z) - y * z).sum(axis=1)  # (N,)


def test_softmax_loss_is_exact_for_confidently_wrong_rows_in_float32() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(6, 5)).astype(np.float32)  # (N, O)
    z[0, 1] = 120.0  # p[y=0] = e^-120 underflows to 0 in float32 (the old loss capped at 87.3)
    z[1, 2] = 95.0  # p[y] is subnormal
    z[2, 3] = -300.0
    y = np.array([0, 0, 3, 1, 2, 4])
    want = _softmax_ce64(z, y)  # (N,)
    head = SoftmaxCE()
    p, got = head.forward(z.copy(), y)  # (N, O), (N,)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    assert got[0] > 119.0
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("row_offset", [0.0, -15.0, -60.0, -500.0])
def test_softmax_batch_shift_and_per_row_fallback_agree_with_reference(
    dtype: type, row_offset: float
) -> None:
    # One row far below the others: within SHIFT_SPAN the batch-wide shift is used, beyond it the
    # per-row one; both must give the reference loss and probabilities.
    rng = np.random.default_rng(1)
    z = (rng.normal(size=(8, 7)) * 3.0).astype(dtype)  # (N, O)
    z[3] += dtype(row_offset)
    y = rng.integers(0, 7, 8)
    z64 = z.astype(np.float64)
    p_want = np.exp(z64 - z64.max(axis=1, keepdims=True))  # (N, O)
    p_want /= p_want.sum(axis=1, keepdims=True)
    p, got = SoftmaxCE().forward(z.copy(), y)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(got, _softmax_ce64(z, y), rtol=tol, atol=tol)
    np.testing.assert_allclose(p, p_want, rtol=tol, atol=tol)
    p_only, none = SoftmaxCE().forward(z.copy(), None)
    assert none is None
    np.testing.assert_allclose(p_only, p_want, rtol=tol, atol=tol)


def test_softmax_nan_logits_stay_in_their_row() -> None:
    z = np.array([[np.nan, 1.0, 0.0], [0.0, 1.0, 2.0]])  # (N, O)
    p, l = SoftmaxCE().forward(z, np.array([0, 2]))
    assert np.isnan(l[0]) and np.isnan(p[0]).all()
    np.testing.assert_allclose(l[1], _softmax_ce64(np.array([[0.0, 1.0, 2.0]]), np.array([2]))[0])


@pytest.mark.parametrize(
    ("logit", "target", "want"),
    [(17.0, 0.0, 17.0), (20.0, 0.0, 20.0), (-40.0, 1.0, 40.0), (17.0, 1.0, 4.1399e-8)],
)
def test_sigmoid_loss_from_the_logit_in_float32(logit: float, target: float, want: float) -> None:
    head = SigmoidBCE()
    z = np.array([[logit]], np.float32)  # (1, 1)
    y = np.array([[target]], np.float32)  # (1, 1)
    got = head.forward(z.copy(), y)[1]  # (1,)
    np.testing.assert_allclose(got, _bce64(z, y), rtol=1e-6)
    assert got[0] == pytest.approx(want, rel=1e-4)


def test_sigmoid_loss_matches_reference_on_random_rows() -> None:
    rng = np.random.default_rng(1)
    z = (rng.normal(size=(50, 3)) * 15).astype(np.float32)  # (N, O)
    y = rng.uniform(size=(50, 3)).astype(np.float32)  # (N, O)
    head = SigmoidBCE()
    np.testing.assert_allclose(head.forward(z.copy(), y)[1], _bce64(z, y), rtol=2e-6)


def test_gradients_are_still_p_minus_y() -> None:
    z = np.array([[30.0, -5.0, 0.0]], np.float32)  # (1, O)
    w = np.array([0.5], np.float32)  # (1,)
    sm = SoftmaxCE()
    p, _ = sm.forward(z.copy(), None)
    np.testing.assert_allclose(sm.grad(p, np.array([1]), w), 0.5 * (p - [[0, 1, 0]]))
    sg = SigmoidBCE()
    y = np.array([[0.0, 1.0, 0.5]], np.float32)
    p, _ = sg.forward(z.copy(), y)
    np.testing.assert_allclose(sg.grad(p, y, w), 0.5 * (p - y))


def test_without_targets_only_outputs_are_computed() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(size=(4, 3))  # (N, O)
    y = np.array([0, 2, 1, 1])
    p, l = SoftmaxCE().forward(z.copy(), None)
    assert l is None
    p2, l2 = SoftmaxCE().forward(z.copy(), y)
    np.testing.assert_array_equal(p, p2)
    np.testing.assert_allclose(l2, _softmax_ce64(z, y), rtol=1e-12)


def _float32_model(head: str, output_size: int) -> Model:
    cfg = ModelConfig(
        cell="rnn",
        input_kind="tokens" if head == "softmax" else "vectors",
        input_size=3,
        hidden=4,
        output_size=output_size,
        head=head,
        dtype="float32",
    )
    return Model(cfg, np.random.default_rng(0))


def test_model_trace_reports_uncapped_sigmoid_loss() -> None:
    m = _float32_model("sigmoid", 2)
    m.p["W_y"][:] = 0.0
    m.p["b_y"][:] = [17.0, 20.0]  # every step predicts logits 17 and 20 ...
    x = np.zeros((2, 3, 3), np.float32)
    y = np.zeros((2, 3, 2), np.float32)  # ... for targets 0: loss 17 + 20 nats per step
    tr = m.forward(x, y)
    want = np.logaddexp(0.0, 17.0) + np.logaddexp(0.0, 20.0)
    np.testing.assert_allclose(tr.loss_t, want, rtol=1e-6)
    assert tr.loss == pytest.approx(want, rel=1e-6)


def test_model_trace_reports_uncapped_softmax_loss() -> None:
    m = _float32_model("softmax", 3)
    m.p["W_y"][:] = 0.0
    m.p["b_y"][:] = [0.0, 150.0, 0.0]
    x = np.zeros((2, 4), np.int64)
    y = np.zeros((2, 4), np.int64)  # target 0, logit 150 below the winner
    tr = m.forward(x, y)
    np.testing.assert_allclose(tr.loss_t, 150.0, rtol=1e-6)
    g, _ = m.backward(tr)
    assert np.isfinite(g).all()
