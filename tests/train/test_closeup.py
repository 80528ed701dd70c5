"""Closeup: what the frame view explains is the frame's probe, at the frame's weights."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core.registry import cell_names
from rnnviz.train.closeup import closeup_of
from rnnviz.train.trainer import Trainer


def trained(cell: str, task: str = "text", steps: int = 3, **options: object) -> Trainer:
    opts = {"corpus": "tiny"} if task == "text" else dict(options)
    run = RunConfig(
        task=TaskConfig(name=task, options=opts),
        model=ModelConfig(cell=cell, hidden=6),
        optim=OptimConfig(lr=0.05),
        train=TrainConfig(seq_len=8, batch=2),
    )
    tr = Trainer(run.validate())
    for _ in range(steps):
        tr.step()
    return tr


@pytest.mark.parametrize("cell", cell_names())
def test_closeup_is_the_frames_probe_at_its_weights(cell: str) -> None:
    tr = trained(cell)
    frame = tr.frame()
    c = closeup_of(tr)
    assert c.matches(frame) and c.T == frame.T and c.H == 6
    # every declared array the diagram shows is the frame's (textbook step in float64 vs the
    # fast loop in float32)
    for n in c.diagram.nodes:
        if n.key in frame.states:
            got = np.stack([c.value(n.key, t) for t in range(c.T)])  # (T, H)
            np.testing.assert_allclose(got, frame.states[n.key], atol=2e-5)
    # the read-out is the task's, of the frame's outputs: top-1 is the argmax at every step
    for t, p in enumerate(c.predictions):
        assert p.t == t and p.input == frame.labels[t]
        best = int(np.argmax(frame.outputs[t]))
        assert p.top[0] == (frame.output_labels[best], pytest.approx(float(frame.outputs[t, best])))
    # the backward split adds up to the gradient panel's ||dL/dh_t||
    flow = frame.flows["h"]
    dh = np.array([np.linalg.norm(b.dh) for b in c.backward])  # (T,)
    np.testing.assert_allclose(dh, flow, rtol=1e-3, atol=1e-7)


def test_closeup_no_longer_matches_after_a_step() -> None:
    tr = trained("lstm")
    c = closeup_of(tr)
    tr.step()
    assert not c.matches(tr.frame())
    assert closeup_of(tr).matches(tr.frame())


def test_spec_of_a_previous_state_is_the_states() -> None:
    c = closeup_of(trained("lstm", steps=0))
    assert c.spec("h_prev").name == "h" and c.spec("c_prev").name == "c"
    assert c.spec("x") is None


@pytest.mark.parametrize("cell", cell_names())
def test_the_scales_summaries_come_made_with_the_closeup(cell: str) -> None:
    """The extents and the largest gradient the diagram's colour scales read are computed with
    the closeup (in the training thread), not where it is drawn, and are the numbers over t."""
    c = closeup_of(trained(cell))
    assert "gradient_top" in vars(c)  # computed by closeup_of, not on first use
    for key in c.steps[0]:
        v = np.stack([c.value(key, t) for t in range(c.T)])  # (T, H) or (T, I)
        assert c.extents[key] == (float(v.min()), float(np.abs(v).max()))
    grads = [c.gradient(n.key, t) for t in range(c.T) for n in c.diagram.nodes]
    top = max(float(np.abs(g).max()) for g in grads if g is not None)
    assert c.gradient_top == top > 0
    # the gradient each node receives: dL/dh_t for h, dL/da for a gate, nothing for the input
    b = c.backward[2]
    np.testing.assert_array_equal(c.gradient(c.carried[0], 2), b.dh)
    for k in set(c.gates) - {c.carried[0]}:  # (the RNN's one block is h itself)
        np.testing.assert_array_equal(c.gradient(k, 2), b.gates[k])
    assert c.gradient("x", 2) is None


def test_the_probe_is_run_forward_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The backward pass reads the forward's textbook steps: the probe is stepped once (it was
    stepped again for the backward, on the training thread)."""
    import rnnviz.core.backstep as backstep
    import rnnviz.train.closeup as closeup

    tr = trained("lstm")
    calls = []
    real = closeup.reference_steps

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(closeup, "reference_steps", counted)
    monkeypatch.setattr(backstep, "reference_steps", counted)
    c = closeup_of(tr)
    assert len(calls) == 1
    alone = backstep.backward_steps(c._model, c._x, tr.task.probe().y, tr.task.probe().mask)
    for a, b in zip(c.backward, alone, strict=True):  # the same numbers as computed afresh
        np.testing.assert_array_equal(a.dh, b.dh)


@pytest.mark.parametrize("cell", cell_names())
def test_the_closeups_gradients_are_the_full_backwards(
    cell: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The closeup skips the weights' gradients; every gradient its diagram shows equals the one
    of a closeup whose backward computed them all."""
    tr = trained(cell)
    lean = closeup_of(tr)
    cls = type(tr.model.cell)
    real = cls.backward_reference
    monkeypatch.setattr(
        cls, "backward_reference", lambda self, q, step, d, weights=True: real(self, q, step, d)
    )
    full = closeup_of(tr)
    shown = 0
    for n in lean.diagram.nodes:
        for t in range(lean.T):
            g = lean.gradient(n.key, t)
            if g is not None:
                np.testing.assert_array_equal(g, full.gradient(n.key, t))
                shown += 1
    assert shown >= 2 * lean.T  # h and at least one gate or state per step
    assert lean.gradient_top == full.gradient_top
