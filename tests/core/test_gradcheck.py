"""Every backward has a finite-difference test: every cell x head, float64, lengths 1..12."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.core.gradcheck import (
    TOLERANCE,
    check_configs,
    gradcheck_model,
    random_problem,
)
from rnnviz.core.model import Model
from rnnviz.core.types import Intervention

CONFIGS = check_configs()


def _label(cfg) -> str:
    return f"{cfg.cell}-{cfg.nonlinearity}-{cfg.head}"


LENGTHS = range(1, 13)
SEEDS = (0, 1)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("T", LENGTHS)
@pytest.mark.parametrize("cfg", CONFIGS, ids=[_label(c) for c in CONFIGS])
def test_gradients_match_central_differences(cfg, T: int, seed: int) -> None:
    rng = np.random.default_rng([seed, T])
    rows = gradcheck_model(Model(cfg, rng), rng, batch=2, length=T)
    bad = {r.param: r.rel_err for r in rows if not r.rel_err < TOLERANCE}
    assert not bad, bad
    # every parameter and the initial state (h0, and c0 for the LSTM) were checked
    names = {r.param for r in rows}
    assert {"W_x", "W_h", "b", "W_y", "b_y", "h0"} <= names
    assert ("c0" in names) == (cfg.cell == "lstm")
    assert ("b_hn" in names) == (cfg.cell == "gru")


def _clamps(cell: str, T: int) -> list[Intervention]:
    """h clamps at the first, a middle and the last step (c clamps too for the LSTM)."""
    out = [Intervention("h", 0, 1, 0.3), Intervention("h", T // 2, 0, -0.2)]
    out.append(Intervention("h", T - 1, 2, 0.6))
    if cell == "lstm":
        out += [Intervention("c", 0, 0, 1.5), Intervention("c", T // 2, 0, -0.7)]
        out.append(Intervention("c", T - 1, 1, 0.4))
    return out


INTERVENTION_CFGS = [c for c in CONFIGS if c.head in ("softmax", "sigmoid")]


@pytest.mark.parametrize("T", [1, 2, 5, 9])
@pytest.mark.parametrize("cfg", INTERVENTION_CFGS, ids=[_label(c) for c in INTERVENTION_CFGS])
def test_gradients_with_interventions(cfg, T: int) -> None:
    rng = np.random.default_rng([7, T])
    model = Model(cfg, rng)
    clamps = _clamps(cfg.cell, T)
    rows = gradcheck_model(model, rng, batch=2, length=T, intervention=clamps)
    bad = {r.param: r.rel_err for r in rows if not r.rel_err < TOLERANCE}
    assert not bad, bad
    # the clamps act: the clamped units of h_t carry the clamp value and the gradients change
    prob = random_problem(cfg, np.random.default_rng(1), 2, T)
    args = (prob["x"], prob["y"], prob["mask"])
    tr = model.forward(*args, state0=prob["state0"], intervention=clamps)
    plain = model.forward(*args, state0=prob["state0"])
    assert tr.states["h"][:, T - 1, 2] == pytest.approx(0.6)
    assert not np.allclose(model.backward(tr)[0], model.backward(plain)[0])


def test_float32_model_is_checked_in_float64() -> None:
    cfg = CONFIGS[0]
    model = Model(cfg.__class__(**{**cfg.to_dict(), "dtype": "float32"}), np.random.default_rng(0))
    rows = gradcheck_model(model, np.random.default_rng(1), length=3)
    assert max(r.rel_err for r in rows) < TOLERANCE
    assert model.dtype == np.float32  # the model itself is untouched


@pytest.mark.parametrize("chunk_steps", [1, 3])
def test_lstm_backward_in_chunks(monkeypatch, chunk_steps: int) -> None:
    """The LSTM prepares backward factors a block of steps at a time; blocks must not matter."""
    from rnnviz.core.lstm import LSTMCell

    cfg = next(c for c in CONFIGS if c.cell == "lstm" and c.head == "softmax")
    B, H = 2, cfg.hidden
    monkeypatch.setattr(LSTMCell, "CHUNK_BYTES", chunk_steps * 4 * H * B * 8)
    rng = np.random.default_rng(11)
    rows = gradcheck_model(Model(cfg, rng), rng, batch=B, length=7)
    assert max(r.rel_err for r in rows) < TOLERANCE


def test_live_model_is_checked_on_sampled_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    # a float32 model of window size: every entry would take minutes, 6 per array a moment
    cfg = ModelConfig(cell="lstm", input_size=30, hidden=64, output_size=30)
    live = Model(cfg, np.random.default_rng(0))
    before = live.params.copy()
    rows = gradcheck_model(live, np.random.default_rng(1), entries=6)
    assert [r.param for r in rows] == [*live.param_names, "h0", "c0"]
    assert all(r.size == 6 for r in rows) and all(r.ok for r in rows)
    np.testing.assert_array_equal(live.params, before)  # checked on a float64 copy
    # a wrong analytic gradient is caught on the sampled entries
    backward = Model.backward

    def off_by_one_percent(self, tr, last=False, dfinal=None):
        grads, flow = backward(self, tr, last, dfinal)
        self.grad_views(grads)["W_h"][...] *= 1.01
        return grads, flow

    monkeypatch.setattr(Model, "backward", off_by_one_percent)
    bad = {r.param for r in gradcheck_model(live, np.random.default_rng(1), entries=6) if not r.ok}
    assert bad == {"W_h"}
