"""Plain-language notes where the phenomenon is: under the gradient-flow plot.

Beside them, the recurrent matrices' spectral radius and largest singular value (and the LSTM's
mean forget gate) at the latest step computed, next to the last-step signal they explain.

:class:`PhenomenonNotes` reads the frame at the run model's cursor and the run's recent
clipping, asks :mod:`rnnviz.core.notes` what (if anything) is worth saying, and shows each
sentence on a line of its own ("the last-step signal falls below 1e-06 of its size within 20
steps: this network cannot learn dependencies longer than that"). The thresholds and the
wording are the core module's; this widget only places them, in whole lines (see
:class:`PhenomenonNotes`).
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QTextLayout, QTextOption
from PyQt6.QtWidgets import QSizePolicy, QWidget

from rnnviz.app.widgets._common import FOREGROUND
from rnnviz.core.notes import CLIP_WINDOW, clipping_note, exploding_note, vanishing_note
from rnnviz.train.inspection import SpectralPoint
from rnnviz.train.runmodel import RunModel

NOTE_COLOUR = "#6a1b9a"


def spectra_line(point: SpectralPoint) -> str:
    """ "step 300: ρ(W_hf) 1.66, σ_max 2.10 · ... · mean forget gate 0.57" """
    parts = [f"ρ(W_h{s.gate}) {s.radius:.2f}, σ_max {s.sigma_max:.2f}" for s in point.spectra]
    if point.forget is not None:
        parts.append(f"mean forget gate {point.forget:.2f}")
    return f"step {point.step:,}: " + " · ".join(parts)


def run_notes(model: RunModel) -> list[str]:
    """The notes the run on screen calls for, in a fixed order (none when all is quiet)."""
    frame = model.frame
    notes = []
    if frame is not None:
        notes += [vanishing_note(frame.flow_last), exploding_note(frame.flow_last)]
    if model.history.count:
        _, clipped = model.history.recent("clipped")  # (n,) 1 where clipping fired
        notes.append(clipping_note(clipped[-CLIP_WINDOW:] > 0))
    return [n for n in notes if n]


class PhenomenonNotes(QWidget):
    """The notes of :func:`run_notes` and the spectra line, in whole lines.

    The text wraps at the widget's width. When the room the plots leave holds fewer lines than
    the text takes, only the lines that fit whole are drawn and the last of them ends in "…";
    the tooltip then holds the full text. (A wrapping label drew the line it was cut in half:
    at 1024×768 the spectra line showed only the top of its letters.)

    It keeps the room of one line even with nothing to say: the right-hand column decides
    between stacking its views and tabs from their minimum heights when it is resized, and a
    line that appeared later squeezed the gradient plots below theirs.
    """

    #: Pixels around the text: left and right, top and bottom.
    PAD_X, PAD_Y = 6, 1

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.notes: list[str] = []
        self.spectra = ""  # the read-out of the recurrent matrices' spectra
        self._wrapped = 0  # lines the text takes at the current width, as last reported

    # ------------------------------------------------------------------ text
    def set_spectra(self, point: SpectralPoint) -> None:
        """Show ρ and σ_max of each recurrent block (and the mean forget gate) of ``point``."""
        self.spectra = spectra_line(point)
        self._show()

    def update_from(self, model: RunModel) -> None:
        """Show the notes of ``model`` (hidden when there are none)."""
        notes = run_notes(model)
        if notes == self.notes:
            return
        self.notes = notes
        self._show()

    def lines(self) -> list[tuple[str, str]]:
        """(text, colour) of each note ("▸ ..."), then the spectra line."""
        lines = [(f"▸ {n}", NOTE_COLOUR) for n in self.notes]
        if self.spectra:
            lines.append((self.spectra, FOREGROUND))
        return lines

    def text(self) -> str:
        """The full text, a line per note."""
        return "\n".join(t for t, _ in self.lines())

    def _show(self) -> None:
        full = self.text()
        self.setToolTip(full)
        self._relayout()
        self.update()

    # ------------------------------------------------------------------ fitting
    def _text_width(self) -> int:
        return max(1, self.width() - 2 * self.PAD_X)

    def wrapped(self) -> list[tuple[str, str]]:
        """Every line of the text wrapped at the current width, with its colour."""
        out = []
        for text, colour in self.lines():
            out += [(part, colour) for part in wrap(text, self.font(), self._text_width())]
        return out

    def shown_lines(self) -> list[tuple[str, str]]:
        """The lines drawn: those that fit whole in the height, the last one elided ("…") when
        some are left out."""
        return fit(self.lines(), self.font(), self._text_width(), self.rows())

    def rows(self) -> int:
        """Whole lines the current height holds."""
        room = self.height() - 2 * self.PAD_Y
        return max(0, room // QFontMetrics(self.font()).lineSpacing())

    def minimumSizeHint(self) -> QSize:
        """One line: the rest of the text takes only the room the plots leave (the plots keep
        their legible height first), the first line is always there (with "…" if cut)."""
        return QSize(0, QFontMetrics(self.font()).lineSpacing() + 2 * self.PAD_Y)

    def sizeHint(self) -> QSize:
        """The text wrapped at the current width (a height the layout may cut)."""
        n = len(self.wrapped()) if self.width() > 0 else len(self.lines())
        spacing = QFontMetrics(self.font()).lineSpacing()
        return QSize(200, max(n, 1) * spacing + 2 * self.PAD_Y)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._relayout()

    def _relayout(self) -> None:
        wrapped = len(self.wrapped()) if self.width() > 0 else 0
        if wrapped != self._wrapped:  # the text now takes more or fewer lines
            self._wrapped = wrapped
            self.updateGeometry()

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        p.setFont(self.font())
        fm = QFontMetrics(self.font())
        y = self.PAD_Y + fm.ascent()
        for text, colour in self.shown_lines():
            p.setPen(QColor(colour))
            p.drawText(self.PAD_X, y, text)
            y += fm.lineSpacing()
        p.end()


def wrap(text: str, font: QFont, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels (at spaces where it can)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
    layout.setTextOption(option)
    lines = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        lines.append(text[line.textStart() : line.textStart() + line.textLength()].rstrip())
    layout.endLayout()
    return lines or [""]


def fit(lines: list[tuple[str, str]], font: QFont, width: int, rows: int) -> list[tuple[str, str]]:
    """``lines`` (text, colour) wrapped at ``width`` and cut to ``rows`` whole lines; when
    something is left out, the last line kept ends in "…"."""
    wrapped = [(part, c) for text, c in lines for part in wrap(text, font, width)]
    if len(wrapped) <= rows:
        return wrapped
    if rows <= 0:
        return []
    kept = wrapped[:rows]
    last, colour = kept[-1]
    fm = QFontMetrics(font)
    kept[-1] = (fm.elidedText(last + " …", Qt.TextElideMode.ElideRight, width), colour)
    return kept


__all__ = ["PhenomenonNotes", "fit", "run_notes", "wrap"]
