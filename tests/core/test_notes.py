"""Plain-language notes appear exactly at their thresholds."""

from __future__ import annotations

import numpy as np

from rnnviz.core import notes
from rnnviz.core.spectral import Spectrum
from rnnviz.core.units import Saturation


def test_vanishing_note_at_the_threshold() -> None:
    # the last-step signal, last step = 1; 20 steps back it is exactly 1e-6: not yet below
    flow = np.concatenate([[1e-7, 1e-6], np.geomspace(1e-6, 1.0, 21)[1:]])  # (22,)
    assert notes.vanishing_note(flow) == (
        "the last-step signal falls below 1e-06 of its size within 21 steps: this network "
        "cannot learn dependencies longer than that"
    )
    assert notes.vanishing_note(flow[1:]) is None  # bottoms out at exactly 1e-6
    assert notes.vanishing_note(np.array([0.0, 0.5])) is not None  # underflow counts
    assert notes.vanishing_note(np.array([0.5, 0.0])) is None  # nothing to compare with
    assert notes.vanishing_note(None) is None


def test_exploding_note_at_the_threshold() -> None:
    assert notes.exploding_note(np.array([1e6, 1.0])) is None
    assert "within 1 step back" in notes.exploding_note(np.array([1.0000001e6, 1.0]))
    assert "within 2 steps back" in notes.exploding_note(np.array([np.inf, 2.0, 1.0]))


def test_saturation_note_at_the_threshold() -> None:
    half = Saturation("f", np.zeros(4), np.array([0.5, 0.5, 0.5, 0.5]))
    assert notes.saturation_note(half, "forget gate f", forget=True) == (
        "50% of forget gate f values are right-saturated (> 0.9): these units hold their memory"
    )
    under = Saturation("f", np.zeros(4), np.array([0.49, 0.5, 0.5, 0.5]))
    assert notes.saturation_note(under, "forget gate f", forget=True) is None
    shut = Saturation("i", np.full(2, 0.84), np.zeros(2))
    assert notes.saturation_note(shut, "input gate i") == (
        "84% of input gate i values are left-saturated (< 0.1): the gate is mostly shut"
    )


def test_clipping_note_at_the_threshold() -> None:
    recent = np.zeros(300, bool)
    recent[-50:] = True  # 50 of the last 100
    assert notes.clipping_note(recent) == (
        "clipping fired on 50% of the last 100 steps: the threshold, not the gradient, sets "
        "most updates"
    )
    recent[-50] = False
    assert notes.clipping_note(recent) is None
    assert notes.clipping_note(np.array([True, True, False])).startswith(
        "clipping fired on 67% of the last 3 steps"
    )
    assert notes.clipping_note(np.zeros(0, bool)) is None


def test_spectrum_note() -> None:
    assert notes.spectrum_note(Spectrum("h", 1.0, 1.0)) is None
    assert "spectral radius 1.01 > 1" in notes.spectrum_note(Spectrum("h", 1.01, 1.5))
    assert "largest singular value 0.99 < 1" in notes.spectrum_note(Spectrum("f", 0.5, 0.99))
