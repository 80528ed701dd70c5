"""Recycled buffers never overwrite arrays the caller still holds."""

from __future__ import annotations

import numpy as np

from rnnviz.config import ModelConfig
from rnnviz.core._ops import Workspace
from rnnviz.core.model import Model


def test_workspace_reuses_only_released_arrays() -> None:
    ws = Workspace()
    shape, dt = (64, 256), np.dtype(np.float32)
    a = ws.empty(shape, dt)
    b = ws.empty(shape, dt)
    assert a is not b
    view = a[3:]
    del a
    c = ws.empty(shape, dt)
    assert c is not b and c is not view.base  # a view keeps its base busy
    del view, c
    assert ws.empty(shape, dt) is not b
    small = ws.empty((2, 2), dt)
    assert ws.empty((2, 2), dt) is not small


def test_kept_traces_and_gradients_survive_later_passes() -> None:
    cfg = ModelConfig(cell="lstm", input_size=7, hidden=40, output_size=7)
    m = Model(cfg, np.random.default_rng(0))
    rng = np.random.default_rng(1)
    batches = [(rng.integers(0, 7, (16, 30)), rng.integers(0, 7, (16, 30))) for _ in range(5)]
    kept = m.forward(*batches[0])
    g_kept, _ = m.backward(kept)
    snapshot = {k: v.copy() for k, v in kept.states.items()}
    outputs, g_copy = kept.outputs.copy(), g_kept.copy()
    for x, y in batches[1:]:
        tr = m.forward(x, y)
        m.backward(tr)
    for k, v in snapshot.items():
        np.testing.assert_array_equal(kept.states[k], v)
    np.testing.assert_array_equal(kept.outputs, outputs)
    np.testing.assert_array_equal(g_kept, g_copy)
    # and the recycled passes still compute the same numbers as a fresh model
    fresh = m.copy()
    np.testing.assert_array_equal(
        fresh.forward(*batches[3]).outputs, m.forward(*batches[3]).outputs
    )
