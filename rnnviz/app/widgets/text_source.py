"""Where the unit card's contexts come from: the held-out text, or a text the user pastes.

:class:`TextSource` is a row of the unit card: a box to paste or type a paragraph (any length,
Ctrl+V), **Trace** (asks the owner to trace it in the worker: :attr:`TextSource.traceWanted`),
**Held-out text** (back to the held-out contexts: :attr:`TextSource.heldOutWanted`), a one-line
message (a refusal, the characters skipped) and, once traced, the text with every character on
the colour of the unit's value after reading it (:func:`traced_html`). An empty box is refused
here, with a message, before anything is asked of the worker. A task that reads no text gets
the row disabled, and its tooltip says why.
"""

from __future__ import annotations

import html

import numpy as np
from PyQt6.QtCore import pyqtSignal
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.widgets._common import points
from rnnviz.app.widgets.scales import ColourScale, colours, ink_on
from rnnviz.train.user_text import TextRead

#: Characters of a traced text drawn coloured (the trace and its contexts cover all of it;
#: rich text of 100,000 coloured characters would hold the window's thread for seconds).
SHOWN_CHARS = 4000
#: Lines of the paste box and of the coloured text.
BOX_LINES = 3
VIEW_LINES = 7
#: Point size of the coloured text (before the presentation scale).
TEXT_PT = 11
TRACE_TIP = (
    "Trace this text with the current weights (in the training thread) and colour it by the "
    "unit's value; its top contexts replace the held-out text's"
)
EMPTY = "nothing to trace: paste or type some text first"
MUTED = "#607080"
ERROR = "#c62828"
NOTE = "#a15c00"  # amber: the text was read with a change (skipped, lower-cased)


def traced_html(
    source: TextRead, values: np.ndarray, cmap: str, levels: tuple[float, float]
) -> str:
    """Rich text: the first :data:`SHOWN_CHARS` characters of ``source.text``, each kept one on
    the colour of its value (``values``: (N,), one per kept character), each skipped one grey
    and struck through; newlines drawn ↵ and kept as line breaks."""
    text = source.text[:SHOWN_CHARS]
    kept = source.kept[: len(text)]  # (M',)
    shade = iter(colours(cmap, levels, np.asarray(values)[: int(kept.sum())]))
    out = []
    for ch, k in zip(text, kept, strict=True):
        shown = "↵\n" if ch == "\n" else ("⇥" if ch == "\t" else ch)
        if k:
            c = next(shade)
            style = f"background-color:{c.name()}; color:{ink_on(c)}"
        else:
            style = "color:#9e9e9e; text-decoration:line-through"
        out.append(f"<span style='{style}'>{html.escape(shown)}</span>")
    more = ""
    if len(source.text) > SHOWN_CHARS:
        more = (
            f"<span style='color:{MUTED}'> … (coloured: the first {SHOWN_CHARS:,} of "
            f"{len(source.text):,} characters)</span>"
        )
    return (
        f"<p style='white-space:pre-wrap; font-family:monospace; "
        f"font-size:{points(TEXT_PT)}pt'>{''.join(out)}{more}</p>"
    )


class TextSource(QWidget):
    """The paste box, Trace / Held-out text, a message line and the coloured traced text.

    Signals
    -------
    traceWanted(str)
        The user asked to trace this (non-empty) text.
    heldOutWanted()
        The user asked for the held-out text's contexts again.
    """

    traceWanted = pyqtSignal(str)
    heldOutWanted = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setPlaceholderText(
            "Paste or type a paragraph (Ctrl+V), then Trace: the unit's value over your text"
        )
        lines = self.edit.fontMetrics().lineSpacing()
        self.edit.setFixedHeight(BOX_LINES * lines + 12)
        self.trace_button = QPushButton("Trace")
        self.trace_button.setToolTip(TRACE_TIP)
        self.back_button = QPushButton("Held-out text")
        self.back_button.setToolTip("Show the held-out text's contexts again")
        self.back_button.setEnabled(False)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.scale = ColourScale()  # the traced text's colours (a cell state's own range)
        self.scale.hide()
        self.view = QTextBrowser()
        self.view.setFixedHeight(VIEW_LINES * lines + 12)
        self.view.hide()
        buttons = QVBoxLayout()
        buttons.addWidget(self.trace_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Your text"))
        row.addWidget(self.edit, 1)
        row.addLayout(buttons)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.message)
        lay.addWidget(self.scale)
        lay.addWidget(self.view)
        self.trace_button.clicked.connect(self.trace)
        self.back_button.clicked.connect(self._on_back)

    # ------------------------------------------------------------------ state
    @property
    def tracing_own(self) -> bool:
        """Whether the card shows the user's text (not the held-out text)."""
        return self.back_button.isEnabled()

    def set_available(self, ok: bool, why: str = "") -> None:
        """Enable the row (a text task) or disable it with ``why`` as every part's tooltip."""
        for w in (self.edit, self.trace_button):
            w.setEnabled(ok)
        self.setToolTip("" if ok else why)
        self.edit.setToolTip("" if ok else why)
        self.trace_button.setToolTip(TRACE_TIP if ok else why)
        if not ok:
            self.show_held_out()

    def show_message(self, text: str, error: bool = False, colour: str = MUTED) -> None:
        """One line under the box (red for a refusal)."""
        colour = ERROR if error else colour
        shown = html.escape(text, quote=False)
        self.message.setText(f"<span style='color:{colour}'>{shown}</span>")

    def show_traced(
        self, rich: str, note: str, cmap: str, levels: tuple[float, float], title: str
    ) -> None:
        """Show the coloured traced text, its colour bar (``cmap`` over ``levels``) and the
        note on what was changed ('' for nothing)."""
        self.scale.set_scale(cmap, levels, title)
        self.scale.show()
        self.view.setHtml(rich)
        self.view.show()
        self.show_message(note, colour=NOTE)

    def show_held_out(self) -> None:
        """Back to the held-out text: the coloured view hidden, the box keeps its text."""
        self.back_button.setEnabled(False)
        self.scale.hide()
        self.view.hide()
        self.view.clear()
        self.message.clear()

    # ------------------------------------------------------------------ events
    def trace(self) -> None:
        """Ask for the box's text to be traced (an empty box is refused with a message)."""
        text = self.edit.toPlainText()
        if not text:
            self.show_message(EMPTY, error=True)
            return
        self.back_button.setEnabled(True)
        self.show_message(f"tracing your text ({len(text):,} characters)…")
        self.traceWanted.emit(text)

    def _on_back(self) -> None:
        self.show_held_out()
        self.heldOutWanted.emit()


__all__ = ["SHOWN_CHARS", "TextSource", "traced_html"]
