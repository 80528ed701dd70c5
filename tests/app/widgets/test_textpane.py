"""TextPane: rich text laid out at the pane's width, whatever came first, the text or the width."""

from __future__ import annotations

import math

from PyQt6.QtGui import QTextDocument

from rnnviz.app.widgets.textpane import TextPane

WORDS = " ".join(f"word{k}" for k in range(60))


def height_at(pane: TextPane, html: str, width: int) -> int:
    """The height a fresh document of ``html`` takes at ``width`` in ``pane``'s font."""
    doc = QTextDocument()
    doc.setDefaultFont(pane.font())
    doc.setDocumentMargin(3)
    doc.setHtml(f"<body>{html}</body>")
    doc.setTextWidth(width)
    return math.ceil(doc.size().height())


def test_text_and_width_in_any_order(qtbot) -> None:
    pane = TextPane()
    qtbot.addWidget(pane)
    pane.resize(400, 10)
    pane.show()  # (a hidden widget gets its resize events when shown)
    pane.setText(WORDS)
    assert pane.height() == height_at(pane, WORDS, 400)
    pane.resize(150, pane.height())  # narrower: more lines
    assert pane.height() == height_at(pane, WORDS, 150) > height_at(pane, WORDS, 400)
    pane.setText(f"<b>{WORDS}</b>")  # a new text at the width the pane has
    assert pane.height() == height_at(pane, f"<b>{WORDS}</b>", 150)
    pane.setText("one line")
    assert pane.height() == height_at(pane, "one line", 150)
    pane.setText("")
    assert pane.height() == 0
