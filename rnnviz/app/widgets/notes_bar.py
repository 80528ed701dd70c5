"""Plain-language notes where the phenomenon is: under the gradient-flow plot.

Beside them, the recurrent matrices' spectral radius and largest singular value (and the LSTM's
mean forget gate) at the latest step computed, next to the last-step signal they explain.

:class:`PhenomenonNotes` reads the frame at the run model's cursor and the run's recent
clipping, asks :mod:`rnnviz.core.notes` what (if anything) is worth saying, and shows each
sentence on a line of its own ("the last-step signal falls below 1e-06 of its size within 20
steps: this network cannot learn dependencies longer than that"). The thresholds and the
wording are the core module's; this label only places them.
"""

from __future__ import annotations

import html

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtWidgets import QSizePolicy, QWidget

from rnnviz.app.widgets._common import FOREGROUND, HeaderLabel
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


class PhenomenonNotes(HeaderLabel):
    """A wrapping label with the notes of :func:`run_notes` (empty when there are none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("")
        if parent is not None:
            self.setParent(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)  # cut: the end
        self.setVisible(False)
        self.setStyleSheet(f"color: {NOTE_COLOUR}; padding: 1px 6px;")
        self.notes: list[str] = []
        self.spectra = ""  # the read-out of the recurrent matrices' spectra

    def set_spectra(self, point: SpectralPoint) -> None:
        """Show ρ and σ_max of each recurrent block (and the mean forget gate) of ``point``."""
        self.spectra = spectra_line(point)
        self._show()

    def minimumSizeHint(self) -> QSize:
        """Nothing: the notes take the room the plots leave (they never make the window taller
        than the screen; the plots keep their legible height first)."""
        return QSize(0, 0)

    def hasHeightForWidth(self) -> bool:
        """No: a box layout takes a height-for-width item's wrapped height as a height it must
        get, so squeezed below the plots' minimums it laid the notes over the gradient-flow
        plot's x-axis title. The wrapped height is the :meth:`sizeHint` instead, which the
        layout gives only when the plots keep their minimums."""
        return False

    def sizeHint(self) -> QSize:
        """The text wrapped at the current width (a height the layout may cut)."""
        hint = super().sizeHint()
        if self.isVisible() and self.width() > 0:
            hint.setHeight(self.heightForWidth(self.width()))
        return hint

    def update_from(self, model: RunModel) -> None:
        """Show the notes of ``model`` (hidden when there are none)."""
        notes = run_notes(model)
        if notes == self.notes:
            return
        self.notes = notes
        self._show()

    def _show(self) -> None:
        lines = [f"▸ {html.escape(n)}" for n in self.notes]
        if self.spectra:
            lines.append(f"<span style='color:{FOREGROUND}'>{html.escape(self.spectra)}</span>")
        self.setText("<br>".join(lines))
        self.setVisible(bool(lines))


__all__ = ["PhenomenonNotes", "run_notes"]
