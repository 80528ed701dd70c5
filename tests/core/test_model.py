"""The Model's public API: shapes, traces, interventions, state, copies, errors."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ConfigError, ModelConfig
from rnnviz.core.model import Model, carried_states, param_shapes
from rnnviz.core.types import Intervention

CELLS = ["rnn", "lstm", "gru"]
STATE_NAMES = {"rnn": {"h"}, "lstm": {"h", "c", "i", "f", "o", "g"}, "gru": {"h", "r", "z", "n"}}


def _model(cell: str = "lstm", seed: int = 0, **kw) -> Model:
    base = {"cell": cell, "input_size": 5, "hidden": 6, "output_size": 5, **kw}
    return Model(ModelConfig(**base), np.random.default_rng(seed))


def _batch(B: int = 3, T: int = 7, V: int = 5, seed: int = 1):
    rng = np.random.default_rng(seed)
    return rng.integers(0, V, size=(B, T)), rng.integers(0, V, size=(B, T))


@pytest.mark.parametrize("cell", CELLS)
def test_forward_trace_shapes_and_ranges(cell: str) -> None:
    m = _model(cell)
    x, y = _batch()
    tr = m.forward(x, y)
    assert set(tr.states) == STATE_NAMES[cell] == {s.name for s in m.specs}
    for spec in m.specs:
        a = tr.states[spec.name]
        assert a.shape == (3, 7, 6)
        if spec.lo is not None:
            assert spec.lo <= a.min() and a.max() <= spec.hi
    assert tr.outputs.shape == (3, 7, 5)
    np.testing.assert_allclose(tr.outputs.sum(axis=2), 1.0, rtol=1e-5)
    assert tr.loss_t.shape == (3, 7) and tr.mask.shape == (3, 7)
    assert np.isclose(tr.loss, tr.loss_t.sum() / 21, rtol=1e-5)
    assert set(tr.final) == set(m.carried)
    np.testing.assert_array_equal(tr.final["h"], tr.states["h"][:, -1])
    assert tr.states["h"].dtype == np.float32 and m.params.dtype == np.float32


@pytest.mark.parametrize("cell", CELLS)
def test_backward_returns_flat_grads_and_flow(cell: str) -> None:
    m = _model(cell)
    x, y = _batch()
    grads, flow = m.backward(m.forward(x, y), last=True)
    assert grads.shape == m.params.shape and grads.dtype == m.params.dtype
    views = m.grad_views(grads)
    assert set(views) == set(m.p) == set(flow.params)
    for name, v in views.items():
        assert v.shape == m.p[name].shape
        assert np.isclose(flow.params[name], np.linalg.norm(v), rtol=1e-4)
    assert list(flow.flows) == list(m.carried)  # one curve per carried state, in order
    assert all(f.shape == (7,) and f.dtype == np.float64 for f in flow.flows.values())
    assert flow.last.shape == (7,)
    assert ("c" in flow.flows) == (cell == "lstm")
    assert set(flow.dstate0) == set(m.carried)
    assert flow.dstate0["h"].shape == (3, 6)


@pytest.mark.parametrize("cell", CELLS)
def test_last_step_flow_equals_total_flow_when_only_last_step_counts(cell: str) -> None:
    m = _model(cell, dtype="float64")
    x, y = _batch()
    mask = np.zeros((3, 7))
    mask[:, -1] = 1.0
    _, flow = m.backward(m.forward(x, y, mask), last=True)
    np.testing.assert_allclose(flow.last, flow.flows["h"], rtol=1e-12)
    # with every step counting, the total signal at t < T is larger than the last step's alone
    _, flow_all = m.backward(m.forward(x, y), last=True)
    assert flow_all.last[-1] == pytest.approx(flow_all.flows["h"][-1])
    assert flow_all.flows["h"][0] > 0 and flow_all.last[0] > 0


def test_without_targets_loss_is_nan_and_backward_refuses() -> None:
    m = _model()
    x, _ = _batch()
    tr = m.forward(x)
    assert np.isnan(tr.loss) and not tr.loss_t.any()
    assert tr.outputs.shape == (3, 7, 5)
    with pytest.raises(ValueError, match="no targets"):
        m.backward(tr)


@pytest.mark.parametrize("cell", CELLS)
def test_stateful_chunks_equal_one_long_pass(cell: str) -> None:
    m = _model(cell, dtype="float64")
    x, y = _batch(T=10)
    whole = m.forward(x, y)
    first = m.forward(x[:, :6], y[:, :6])
    second = m.forward(x[:, 6:], y[:, 6:], state0=first.final)
    np.testing.assert_allclose(second.states["h"], whole.states["h"][:, 6:], atol=1e-13)
    for k in m.carried:
        np.testing.assert_allclose(second.final[k], whole.final[k], atol=1e-13)


@pytest.mark.parametrize("cell", CELLS)
def test_step_matches_forward(cell: str) -> None:
    m = _model(cell, dtype="float64")
    x, _ = _batch(T=4)
    tr = m.forward(x)
    state = m.zero_state(3)
    for t in range(4):
        out, state = m.step(x[:, t], state)
        np.testing.assert_allclose(out, tr.outputs[:, t], atol=1e-13)
    np.testing.assert_allclose(state["h"], tr.final["h"], atol=1e-13)


@pytest.mark.parametrize("cell", CELLS)
def test_intervention_clamps_a_unit_and_changes_later_steps(cell: str) -> None:
    m = _model(cell, dtype="float64")
    x, y = _batch()
    plain = m.forward(x, y)
    tr = m.forward(x, y, intervention=Intervention("h", 3, 2, 0.9))
    np.testing.assert_array_equal(tr.states["h"][:, 3, 2], 0.9)
    np.testing.assert_array_equal(tr.states["h"][:, :3], plain.states["h"][:, :3])
    assert not np.allclose(tr.states["h"][:, 4], plain.states["h"][:, 4])
    if cell == "lstm":
        tc = m.forward(x, y, intervention=[Intervention("c", 1, 0, -2.0)])
        np.testing.assert_array_equal(tc.states["c"][:, 1, 0], -2.0)


def test_intervention_mistakes_raise_value_error() -> None:
    m = _model("gru")
    x, _ = _batch()
    for bad, words in [
        (Intervention("c", 0, 0, 1.0), "cannot be clamped"),
        (Intervention("h", 7, 0, 1.0), "outside the sequence"),
        (Intervention("h", 0, 6, 1.0), "unit 6"),
    ]:
        with pytest.raises(ValueError, match=words):
            m.forward(x, intervention=bad)


def test_input_mistakes_raise_value_error() -> None:
    m = _model()
    x, y = _batch()
    with pytest.raises(ValueError, match="token ids"):
        m.forward(x + 5)
    with pytest.raises(ValueError, match="integer token ids"):
        m.forward(x.astype(float))
    with pytest.raises(ValueError, match="targets"):
        m.forward(x, y[:, :3])
    with pytest.raises(ValueError, match="mask"):
        m.forward(x, y, mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match="state0"):
        m.forward(x, state0={"h": np.zeros((3, 6))})  # LSTM needs c too
    with pytest.raises(ConfigError, match="hidden"):
        _model(hidden=0)


def test_vector_inputs_and_heads() -> None:
    rng = np.random.default_rng(0)
    for head in ("sigmoid", "linear"):
        cfg = ModelConfig(
            cell="rnn",
            nonlinearity="sigmoid" if head == "sigmoid" else "tanh",
            input_kind="vectors",
            input_size=2,
            hidden=4,
            output_size=1,
            head=head,
        )
        m = Model(cfg, rng)
        x = rng.normal(size=(2, 5, 2))
        y = rng.uniform(size=(2, 5, 1))
        tr = m.forward(x, y)
        assert tr.outputs.shape == (2, 5, 1) and np.isfinite(tr.loss)
        if head == "sigmoid":
            assert tr.outputs.min() > 0 and tr.outputs.max() < 1
            assert m.specs[0].lo == 0.0
        with pytest.raises(ValueError, match="vectors"):
            m.forward(x[:, :, :1])


def test_copy_astype_and_state_dict_round_trip() -> None:
    m = _model("gru")
    c = m.copy()
    c.params += 1.0
    assert not np.shares_memory(c.params, m.params)
    assert not np.allclose(c.params, m.params)
    d = m.astype("float64")
    assert d.dtype == np.float64 and d.cfg.dtype == "float64"
    np.testing.assert_allclose(d.params, m.params)
    sd = m.state_dict()
    assert set(sd) == {"W_x", "W_h", "b", "b_hn", "W_y", "b_y"}
    c.load_state_dict(sd)
    np.testing.assert_array_equal(c.params, m.params)
    sd["W_h"] = sd["W_h"][:2]
    with pytest.raises(ValueError, match="W_h"):
        c.load_state_dict(sd)
    with pytest.raises(ValueError, match="missing"):
        c.load_state_dict({"W_x": sd["W_x"]})


def test_views_share_the_flat_parameter_array() -> None:
    m = _model()
    m.params[:] = 0.0
    assert all(not v.any() for v in m.p.values())
    m.p["W_y"][0, 0] = 3.0
    assert 3.0 in m.params


@pytest.mark.parametrize("init", ["xavier", "uniform", "orthogonal", "random"])
def test_initialisations(init: str) -> None:
    m = _model("lstm", init=init, hidden=8, forget_bias=1.0)
    H = 8
    f = m.cell.block("f")
    np.testing.assert_array_equal(m.p["b"][f], 1.0)  # forget block
    assert np.count_nonzero(m.p["b"]) == H
    W_h = m.p["W_h"].astype(np.float64)
    if init == "orthogonal":
        block = W_h[:, :H]
        np.testing.assert_allclose(block.T @ block, np.eye(H), atol=1e-5)
    if init == "random":
        assert W_h.min() >= -1 and W_h.max() <= 1 and np.abs(W_h).mean() > 0.3
    if init == "uniform":
        assert np.abs(W_h).max() <= 1 / np.sqrt(H)
    if init == "xavier":
        assert 0.2 < W_h.std() < 0.5  # sqrt(2 / 16) = 0.35


def test_same_seed_same_numbers_bit_for_bit() -> None:
    from rnnviz.config import OptimConfig
    from rnnviz.core.optim import clip_gradients, make_optimizer

    def run() -> tuple[list[float], np.ndarray]:
        m = _model("lstm", seed=42)
        opt = make_optimizer(OptimConfig(), m.params.size, m.dtype)
        rng = np.random.default_rng(3)
        losses = []
        state = m.zero_state(2)
        for _ in range(5):
            x = rng.integers(0, 5, size=(2, 6))
            tr = m.forward(x, np.roll(x, -1, axis=1), state0=state)
            g, _ = m.backward(tr)
            clip_gradients(g, 5.0, None)
            opt.update(m.params, g)
            state = tr.final
            losses.append(tr.loss)
        return losses, m.params.copy()

    (l1, p1), (l2, p2) = run(), run()
    assert l1 == l2
    np.testing.assert_array_equal(p1, p2)


@pytest.mark.parametrize("cell", CELLS)
def test_param_shapes_and_carried_states_describe_the_model(cell: str) -> None:
    m = _model(cell, hidden=7)
    shapes = param_shapes(m.cfg)
    assert list(shapes) == list(m.p) and shapes == {k: v.shape for k, v in m.p.items()}
    assert sum(int(np.prod(s)) for s in shapes.values()) == m.params.size
    assert carried_states(m.cfg) == m.carried
