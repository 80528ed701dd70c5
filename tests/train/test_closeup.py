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
