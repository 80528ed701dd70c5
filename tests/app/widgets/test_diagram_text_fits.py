"""The cell diagram's boxes and legend hold their whole text: a tiny value written −6.72e−03 was
cut to '6.72e−0' (the sign and the exponent's last digit outside the box), and the backward
legend's '|gradient| reaching each box' ran off the right edge of the docked frame view."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QPointF, QRectF
from PyQt6.QtGui import QFontMetricsF, QPainter
from test_frame_view import trainer, view_of

from rnnviz.core.registry import cell_names


def _box_texts(monkeypatch: pytest.MonkeyPatch, widget) -> list[tuple[QRectF, str, float]]:
    """(box, text, widest line's width in the painter's font) of every text drawn in a box, and
    (QRectF(x, y, 0, 0), text, width) of every text drawn from a point (the legend)."""
    drawn: list[tuple[QRectF, str, float]] = []
    draw = QPainter.drawText

    def spy(self: QPainter, *args: object) -> None:
        fm = QFontMetricsF(self.font())
        if len(args) == 3 and isinstance(args[0], QRectF) and isinstance(args[2], str):
            widest = max(fm.horizontalAdvance(line) for line in args[2].split("\n"))
            drawn.append((QRectF(args[0]), args[2], widest))
        elif len(args) == 2 and isinstance(args[0], QPointF) and isinstance(args[1], str):
            drawn.append((QRectF(args[0], args[0]), args[1], fm.horizontalAdvance(args[1])))
        draw(self, *args)

    monkeypatch.setattr(QPainter, "drawText", spy)
    widget.grab()
    monkeypatch.undo()
    return drawn


@pytest.mark.parametrize("cell", cell_names())
@pytest.mark.parametrize("backward", [False, True])
def test_every_box_holds_its_text(
    qtbot, monkeypatch: pytest.MonkeyPatch, cell: str, backward: bool
) -> None:
    v = view_of(qtbot, trainer(cell))
    v.resize(340, 640)  # the docked frame view's width
    v.set_backward(backward)  # gradients: most numbers are in scientific notation
    v.run_model.set_cursor(t=1)
    v.unit.setValue(2)
    drawn = _box_texts(monkeypatch, v.diagram)
    boxes = [(r, text, w) for r, text, w in drawn if "\n" in text]  # label and number
    assert len(boxes) >= 3  # the RNN: h_{t-1}, h_t and the prediction
    for r, text, widest in boxes:
        assert widest <= r.width(), (text, widest, r.width())
    legend = [(r.x(), text, w) for r, text, w in drawn if r.width() == 0]
    assert legend and any(("gradient" in text) == backward for _, text, _ in legend)
    for x, text, width in legend:
        assert x + width <= v.diagram.width(), (text, x + width, v.diagram.width())
