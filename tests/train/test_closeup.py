"""Closeup: what the frame view explains is the frame's probe, at the frame's weights."""

from __future__ import annotations

import io

import numpy as np
import pytest

from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.core.backstep import backward_steps
from rnnviz.core.cell import PREV
from rnnviz.core.explain import explain_step, number, reference_steps
from rnnviz.core.registry import cell_names
from rnnviz.train.closeup import closeup_at, closeup_of
from rnnviz.train.frame import load_frame
from rnnviz.train.runmodel import RunModel
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
    probe = tr.task.probe()
    model, x = tr.model.astype("float64"), np.asarray(probe.x)[:1]
    alone = backstep.backward_steps(model, x, probe.y, probe.mask)
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


def _earlier(cell: str) -> tuple[Trainer, RunModel, object, object]:
    """A run whose run model holds an earlier frame: (trainer, run model, that frame, the
    float64 model of the weights it was taken with)."""
    tr = trained(cell, steps=2)
    rm = RunModel()
    rm.ingest(tr.update(state="paused"))
    old, then = rm.frame, tr.model.astype("float64")
    for _ in range(3):
        tr.step()
        rm.ingest(tr.update(state="paused"))
    assert rm.newest_frame is not old
    return tr, rm, old, then


@pytest.mark.parametrize("cell", cell_names())
def test_an_earlier_frame_is_explained_at_the_weights_it_was_taken_with(cell: str) -> None:
    tr, rm, old, then = _earlier(cell)
    probe = tr.task.probe()
    x = np.asarray(probe.x)[:1]
    c = closeup_at(tr, old, rm.weights_of(old))
    assert c.matches(old) and c.has_weights
    ref = reference_steps(then, x)  # the textbook step at that step's weights
    back = backward_steps(then, x, probe.y, probe.mask)
    for t in range(c.T):
        for key, v in ref[t].items():
            np.testing.assert_array_equal(c.steps[t][key], v)
        np.testing.assert_array_equal(c.backward[t].own, back[t].own)
        np.testing.assert_array_equal(c.backward[t].later, back[t].later)
        for name, v in old.states.items():  # and they are the frame's arrays
            np.testing.assert_allclose(c.value(name, t), v[t], atol=2e-5)
        assert c.explain(t, 1).live == explain_step(then, x, t, 1).live
    dh = np.array([np.linalg.norm(b.dh) for b in c.backward])  # (T,)
    np.testing.assert_allclose(dh, old.flows["h"], rtol=1e-3, atol=1e-7)
    now = closeup_of(tr)  # the current weights give other numbers
    assert not np.array_equal(now.steps[1]["h"], c.steps[1]["h"])


@pytest.mark.parametrize("cell", cell_names())
def test_a_frame_without_its_weights_is_explained_from_its_arrays_and_no_more(cell: str) -> None:
    """Values, read-out and equations without a pre-activation are the frame's own; what needs
    the weights (pre-activations, the backward split) is absent, not made up. A frame read back
    from its file (as a recording holds it) is explained the same."""
    tr, _rm, old, then = _earlier(cell)
    with_weights = closeup_at(tr, old, then.params)
    for frame in (old, load_frame(io.BytesIO(old.to_bytes()))):
        c = closeup_at(tr, frame, None)
        assert c.matches(old) and not c.has_weights and c.backward == ()
        assert c.predictions == with_weights.predictions  # the read-out and top-k
        for t in range(c.T):
            for name, v in old.states.items():
                np.testing.assert_array_equal(c.value(name, t), v[t])  # exactly the frame's
            for s in c.carried:
                prev = old.states[s][t - 1] if t else np.zeros(c.H)
                np.testing.assert_array_equal(c.value(s + PREV, t), prev)
            np.testing.assert_array_equal(c.value("x", t), with_weights.value("x", t))
            assert all(c.gradient(n.key, t) is None for n in c.diagram.nodes)
            live, full = c.explain(t, 2).live, with_weights.explain(t, 2).live
            for n in c.diagram.nodes:
                if not live[n.key]:
                    continue
                value = number(old.states[n.key][t, 2])
                assert live[n.key].endswith(f" = {value}")
                if n.pre is not None:  # f(pre) = value written as its value only
                    lhs, rhs = n.equation.split(" = ", 1)
                    assert live[n.key] == f"{lhs}[2] = {rhs}[2] = {value}"
                    assert full[n.key] != live[n.key]
        assert c.gradient_top == 0.0
        np.testing.assert_array_equal(c.flows["h"], old.flows["h"])
    assert np.isfinite(with_weights.gradient_top)


@pytest.mark.parametrize("cell", cell_names())
def test_a_recorded_frame_is_explained_from_its_arrays(cell: str, tmp_path) -> None:
    """A recording holds frames, not weights: a frame read from one is explained from its arrays,
    with the numbers of the same run's frame at that step (same seed, same numbers)."""
    from rnnviz.train.recording import Recorder, Recording, Schedule, record_training

    tr, _rm, old, _then = _earlier(cell)
    twin = trained(cell, steps=0)  # the same run from the start, recorded
    rec = Recorder(tmp_path / "r.rnnrec", twin.run, twin.run_id, Schedule(1))
    assert record_training(twin, rec, old.step) == "stopped"
    recording = Recording(tmp_path / "r.rnnrec")
    try:
        frame = recording.frame_at(old.step)
    finally:
        recording.close()
    assert frame is not None and frame.step == old.step
    c = closeup_at(twin, frame, None)
    assert c.matches(frame) and not c.has_weights
    mine = closeup_at(tr, old, None)
    assert c.predictions == mine.predictions
    for t in range(c.T):
        for key in mine.steps[t]:
            np.testing.assert_array_equal(c.steps[t][key], mine.steps[t][key])
