"""The inspector's worker jobs answer with what core computes on the trainer's probe and text."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core.intervene import Clamp, intervene
from rnnviz.core.tracing import trace_tokens
from rnnviz.tasks.base import TaskInputError
from rnnviz.train import inspection
from rnnviz.train.trainer import Trainer


def _trainer(cell: str = "lstm", task: str = "text", steps: int = 20) -> Trainer:
    options = {"corpus": "tiny"} if task == "text" else {}
    run = RunConfig(
        task=TaskConfig(name=task, options=options),
        model=ModelConfig(cell=cell, hidden=8),
        optim=OptimConfig(lr=0.01),
        train=TrainConfig(seq_len=8, batch=2, seed=1),
    )
    tr = Trainer(run)
    for _ in range(steps):
        tr.step()
    return tr


def test_top_contexts_are_the_held_out_characters_where_the_unit_is_extreme() -> None:
    tr = _trainer()
    text, ids = tr.task.held_out()
    got = inspection.top_contexts(tr, "h", 3, k=5)
    values = trace_tokens(tr.model, np.asarray(ids)[: inspection.MAX_TRACE], names=("h",))["h"]
    column = values[:, 3]  # (N,)
    assert got.characters == column.size
    assert [c.value for c in got.highest] == pytest.approx(np.sort(column)[::-1][:5].tolist())
    assert [c.value for c in got.lowest] == pytest.approx(np.sort(column)[:5].tolist())
    for c in (*got.highest, *got.lowest):
        assert column[c.index] == pytest.approx(c.value)
        assert c.char == text[c.index]
        assert text[: c.index].endswith(c.before) and text[c.index + 1 :].startswith(c.after)
    assert got.highest[0].value >= got.highest[-1].value > got.lowest[-1].value


def test_top_contexts_refuse_what_does_not_exist() -> None:
    tr = _trainer()
    with pytest.raises(ValueError, match="outside the layer"):
        inspection.top_contexts(tr, "h", 8)
    with pytest.raises(TaskInputError):
        inspection.top_contexts(_trainer(task="binary-addition", cell="rnn", steps=1), "h", 0)


def test_probe_intervention_is_core_intervene_on_the_probe_with_read_outs() -> None:
    tr = _trainer()
    probe = tr.task.probe()
    got = inspection.probe_intervention(tr, Clamp("h", 2, 0.5, 3))
    want = intervene(tr.model, probe.x, probe.y, Clamp("h", 2, 0.5, 3), probe.mask)
    for k, v in want.diff.items():
        np.testing.assert_array_equal(got.result.diff[k], v)
    assert got.result.loss_change == want.loss_change
    T = probe.x.shape[1]
    assert len(got.before) == len(got.after) == T
    assert got.step == tr.step_count


def test_verify_gradients_passes_on_the_live_model_and_leaves_it_alone() -> None:
    tr = _trainer("gru")
    before = tr.model.params.copy()
    check = inspection.verify_gradients(tr, entries=6)
    assert check.ok and check.rows
    assert {r.param for r in check.rows} >= set(tr.model.p)
    assert all(r.size <= 6 for r in check.rows)
    np.testing.assert_array_equal(tr.model.params, before)


def test_spectral_probe_is_exact_at_small_sizes() -> None:
    tr = _trainer("lstm")
    point = inspection.SpectralProbe()(tr)
    q = tr.model.cell.unfuse(dict(tr.model.p))
    for s in point.spectra:
        W = np.asarray(q[f"W_h{s.gate}"], np.float64)
        assert s.radius == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=1e-9)
        assert s.sigma_max == pytest.approx(np.linalg.norm(W, 2), rel=1e-9)
    assert point.forget == pytest.approx(float(np.mean(tr.frame().states["f"])))
    assert inspection.SpectralProbe()(_trainer("rnn")).forget is None


def test_feature_sources() -> None:
    tr = _trainer(task="binary-addition", cell="rnn", steps=1)
    assert inspection.feature_names(tr) == ("carry",)
    assert not inspection.has_held_out(tr)
    assert inspection.has_held_out(_trainer(steps=1))
