"""The frame view keeps the docked width in every mode: the slow-motion line ("slow motion 2/5:
forget gate f, input gate i, candidate g, output gate o") sat in the unit row and made the view
up to 751 px wide in its 340 px dock, which cut off the right of the diagram (h_t, ŷ_t)."""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication
from test_frame_view import trainer, view_of

from rnnviz.app.frame_room import FRAME_WIDTH
from rnnviz.core.registry import cell_names


def _min_width(view) -> int:
    """The view's minimum width once its layouts have taken the new texts in."""
    for _ in range(3):
        QApplication.processEvents()
    return view.minimumSizeHint().width()


@pytest.mark.parametrize("cell", cell_names())
def test_every_mode_fits_the_docked_width(qtbot, cell: str) -> None:
    v = view_of(qtbot, trainer(cell))
    v.resize(FRAME_WIDTH, 700)
    widths = {"plain": _min_width(v)}
    v.set_reveal(True)
    v.set_backward(True)
    for k in range(len(v.stages)):
        v.next_stage()
        assert v.stage == k
        widths[f"stage {k}, backward, reveal"] = _min_width(v)
    assert "slow motion" in v.mode.text() and "backward" in v.mode.text()
    for mode, width in widths.items():
        assert width <= FRAME_WIDTH, (mode, width)


def test_slow_motions_last_stage_keeps_a_hidden_answer_hidden(qtbot) -> None:
    """With predict-then-reveal on, the equations' line at the prediction stage printed the
    model's answer ("prediction: ( → 3: 3 100%, ...") while the read-out and ŷ_t said '?'."""
    v = view_of(qtbot, trainer("lstm"))
    v.set_reveal(True)
    v.run_model.set_cursor(t=2)
    for _ in v.stages:
        v.next_stage()
    answer = v.closeup.predictions[2].text
    assert v.hidden() and v.stage == len(v.stages) - 1
    assert answer not in v.equations.plain_text() and "hidden" in v.equations.plain_text()
    v.reveal()
    assert not v.hidden() and "prediction:" in v.equations.plain_text()
