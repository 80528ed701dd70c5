"""The checkpoint record's array checks: values no run can produce are refused."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import ModelConfig
from rnnviz.train.record import check_arrays
from rnnviz.train.schema import SchemaError


@pytest.mark.parametrize(
    ("cell", "nonlinearity", "value", "refused"),
    [
        ("lstm", "tanh", 1.5, "the carried hidden state h lies outside [-1, 1]"),
        ("lstm", "tanh", -0.5, ""),
        ("rnn", "sigmoid", -0.5, "the carried hidden state h lies outside [0, 1]"),
    ],
)
def test_a_carried_state_outside_its_declared_range_is_refused(
    cell: str, nonlinearity: str, value: float, refused: str
) -> None:
    model = ModelConfig(cell=cell, nonlinearity=nonlinearity, hidden=2)
    arrays = {"carry/h": np.full((1, 2), value, np.float32)}
    if cell == "lstm":  # the cell state is unbounded: any finite value may be carried
        arrays["carry/c"] = np.full((1, 2), 40.0, np.float32)
    if not refused:
        check_arrays(arrays, model)
        return
    with pytest.raises(SchemaError) as info:
        check_arrays(arrays, model)
    assert str(info.value) == refused
