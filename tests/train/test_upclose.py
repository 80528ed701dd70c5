"""A Frame's up-close read-outs: predictions, gate saturation and the notes that hold."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from rnnviz.core.spectral import Spectrum
from rnnviz.presets import load_preset
from rnnviz.train.trainer import Trainer
from rnnviz.train.upclose import frame_notes, frame_predictions, frame_saturations


def _trainer(preset: str, **model: object) -> Trainer:
    run = load_preset(preset)
    if model:
        run = run.replace(model=dataclasses.replace(run.model, **model))
    return Trainer(run)


def test_predictions_are_the_tasks_reading_of_the_frame() -> None:
    t = _trainer("brackets")
    frame = t.frame()
    steps = frame_predictions(t.task, frame, k=2)
    assert len(steps) == frame.T
    out = np.asarray(frame.outputs)
    for s in steps:
        assert s.predicted == t.task.output_labels()[int(np.argmax(out[s.t]))]
        assert len(s.top) == 2 and s.target == frame.targets[s.t]
    t.set_probe("(())")
    with pytest.raises(ValueError, match="the probe changed"):
        frame_predictions(t.task, frame)


def test_saturation_and_notes_of_a_frame() -> None:
    t = _trainer("echo", forget_bias=8.0)  # forget gates start wide open
    frame = t.frame()
    sats = {s.gate: s for s in frame_saturations(t.model.cell, frame)}
    assert set(sats) == {"i", "f", "o"}
    f = np.asarray(frame.states["f"])
    np.testing.assert_allclose(sats["f"].right, (f > 0.9).mean(axis=0))
    notes = frame_notes(
        t.model.cell, frame, clipped=np.ones(10, bool), spectra=[Spectrum("g", 1.5, 2)]
    )
    assert any(n.startswith("100% of forget gate f values are right-saturated") for n in notes)
    assert "clipping fired on 100% of the last 10 steps" in " ".join(notes)
    assert any("W_hg has spectral radius 1.50" in n for n in notes)


def test_a_vanishing_signal_is_noted() -> None:
    t = _trainer("echo-rnn")  # a tanh RNN over 51 steps: at the start the signal falls to 6e-5
    assert not [n for n in frame_notes(t.model.cell, t.frame()) if "last-step" in n]
    weak = _trainer("echo-rnn")
    weak.model.p["W_h"][...] *= 0.1  # before the first frame: the signal fades 10x faster
    frame = weak.frame()
    last = np.asarray(frame.flow_last)
    d = int(np.flatnonzero(last[::-1] / last[-1] < 1e-6)[0])  # steps back
    assert f"falls below 1e-06 of its size within {d} steps" in " ".join(
        frame_notes(weak.model.cell, frame)
    )
    assert frame_saturations(weak.model.cell, frame) == []  # a vanilla RNN has no gates
