"""Every backward has a finite-difference test: every cell x head, float64, lengths 1..12."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.core.gradcheck import TOLERANCE, check_configs, cli, gradcheck_model
from rnnviz.core.model import Model
from rnnviz.core.types import Intervention

CONFIGS = check_configs()


def _label(cfg) -> str:
    return f"{cfg.cell}-{cfg.nonlinearity}-{cfg.head}"


@pytest.mark.parametrize("cfg", CONFIGS, ids=[_label(c) for c in CONFIGS])
def test_gradients_match_central_differences(cfg) -> None:
    worst = 0.0
    names = set()
    for seed, T in [(0, 1), (1, 2), (2, 5), (3, 12)]:
        rng = np.random.default_rng(seed)
        model = Model(cfg, rng)
        rows = gradcheck_model(model, rng, batch=2, length=T)
        names |= {r.param for r in rows}
        worst = max(worst, *(r.rel_err for r in rows))
    assert worst < TOLERANCE
    # every parameter and the initial state (h0, and c0 for the LSTM) were checked
    assert {"W_x", "W_h", "b", "W_y", "b_y", "h0"} <= names
    assert ("c0" in names) == (cfg.cell == "lstm")
    assert ("b_hn" in names) == (cfg.cell == "gru")


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_gradients_with_interventions(cell: str) -> None:
    cfg = next(c for c in CONFIGS if c.cell == cell and c.head == "softmax")
    rng = np.random.default_rng(7)
    model = Model(cfg, rng)
    clamps = [Intervention("h", 2, 1, 0.3), Intervention("h", 4, 0, -0.2)]
    if cell == "lstm":
        clamps.append(Intervention("c", 3, 2, 1.5))
    rows = gradcheck_model(model, rng, batch=2, length=6, intervention=clamps)
    assert max(r.rel_err for r in rows) < TOLERANCE


def test_float32_model_is_checked_in_float64() -> None:
    cfg = CONFIGS[0]
    model = Model(cfg.__class__(**{**cfg.to_dict(), "dtype": "float32"}), np.random.default_rng(0))
    rows = gradcheck_model(model, np.random.default_rng(1), length=3)
    assert max(r.rel_err for r in rows) < TOLERANCE
    assert model.dtype == np.float32  # the model itself is untouched


def test_cli_prints_table_and_max_error(capsys) -> None:
    code = cli(["--seeds", "1", "--lengths", "1,3"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert out[0].split()[:3] == ["cell", "head", "param"]
    assert out[-1].startswith("max relative error: ")
    assert float(out[-1].split(":")[1]) < TOLERANCE
    cells = {line.split()[0] for line in out[1:-1]}
    assert cells == {"rnn-tanh", "rnn-sigmoid", "lstm", "gru"}


def test_cli_rejects_bad_lengths(capsys) -> None:
    with pytest.raises(SystemExit) as e:
        cli(["--lengths", "a,b"])
    assert e.value.code == 2
    assert "--lengths" in capsys.readouterr().err


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
