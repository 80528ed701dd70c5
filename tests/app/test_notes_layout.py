"""The notes and the spectral read-out under the gradient-flow plot never cover its x axis.

A box layout took the wrapping read-out's wrapped height as a height it must get; on a small
screen it then placed the read-out over the plot's bottom axis (its title "input at step t"
overwritten by "step 200: ρ(W_ho) 2.14, σ_max 8.03 · ...").
"""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtGui import QFontMetrics
from PyQt6.QtWidgets import QApplication, QWidget
from test_main_window import tiny_run
from test_projector import SCREENS, maximised, scale  # noqa: F401 (scale is a fixture)

from rnnviz.app.main_window import MainWindow
from rnnviz.app.widgets.notes_bar import PhenomenonNotes
from rnnviz.core.spectral import Spectrum
from rnnviz.train.inspection import SpectralPoint


def _in_window(w: MainWindow, widget: QWidget, rect: QRect) -> QRect:
    return QRect(widget.mapTo(w, rect.topLeft()), rect.size())


def test_the_spectral_read_out_never_covers_the_flow_plots_axis(qtbot, scale) -> None:  # noqa: F811
    w = MainWindow(tiny_run(hidden=128), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.show()
    point = SpectralPoint(200, tuple(Spectrum(g, 2.14, 8.03) for g in "oifg"), 0.67)
    w.notes.set_spectra(point)  # four blocks and the forget gate: three lines or more
    for size in (*(maximised(s) for s in SCREENS), *SCREENS):
        _check_at(w, size)


def _check_at(w: MainWindow, size: tuple[int, int]) -> None:
    w.arrange_for(*size)
    w.resize(*size)
    QApplication.processEvents()
    if w.right_column.mode() == "tabs":
        w.right_column.tabs.setCurrentWidget(w.gradients.parentWidget())  # its tab's page
        QApplication.processEvents()
    assert w.gradients.isVisible() and w.notes.isVisible()
    flow = w.gradients.flow_widget
    axis = flow.getPlotItem().getAxis("bottom")
    assert axis.label.isVisible() and axis.labelText  # the title is part of the axis' rect
    drawn = flow.mapFromScene(axis.mapRectToScene(axis.boundingRect())).boundingRect()
    axis_rect = _in_window(w, flow, drawn)
    assert flow.rect().contains(drawn), (size, "axis outside its view", drawn, flow.rect())
    notes_rect = _in_window(w, w.notes, w.notes.rect())
    assert not notes_rect.intersects(axis_rect), (size, notes_rect, axis_rect)


def _ink_rows(widget: QWidget) -> list[int]:
    """The pixel rows of ``widget``'s picture that hold anything but its background."""
    image = widget.grab().toImage()
    blank = image.pixel(image.width() - 1, 0)
    return [
        y
        for y in range(image.height())
        if any(image.pixel(x, y) != blank for x in range(image.width()))
    ]


def test_the_notes_draw_whole_lines_only(qtbot) -> None:
    """Given one and a half lines of room, the notes draw one whole line (ending in "…": more
    is left out) and nothing of the second; the tooltip holds the full text. (A wrapping label
    drew the top half of the second line.)"""
    notes = PhenomenonNotes()
    qtbot.addWidget(notes)
    notes.notes = ["clipping fired on 80 % of the last 100 steps"]
    notes.set_spectra(SpectralPoint(200, tuple(Spectrum(g, 2.14, 8.03) for g in "oifg"), 0.67))
    spacing = QFontMetrics(notes.font()).lineSpacing()
    one_and_a_half = 2 * PhenomenonNotes.PAD_Y + spacing + spacing // 2
    notes.resize(300, one_and_a_half)
    notes.show()
    QApplication.processEvents()
    ink = _ink_rows(notes)
    assert ink and max(ink) < PhenomenonNotes.PAD_Y + spacing, (ink, spacing)
    (line,) = notes.shown_lines()
    assert line[0].endswith("…") and line[0].startswith("▸ clipping fired")
    assert notes.toolTip() == notes.text()
    assert "clipping fired on 80 % of the last 100 steps" in notes.toolTip()
    assert "mean forget gate 0.67" in notes.toolTip()


def test_the_notes_show_whole_lines_or_an_ellipsis_at_every_screen_size(qtbot, scale) -> None:  # noqa: F811
    w = MainWindow(tiny_run(hidden=128), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.show()
    w.notes.notes = ["the last-step signal falls below 1e-06 of its size within 20 steps"]
    w.notes.set_spectra(SpectralPoint(200, tuple(Spectrum(g, 2.14, 8.03) for g in "oifg"), 0.67))
    for size in (*(maximised(s) for s in SCREENS), *SCREENS):
        w.arrange_for(*size)
        w.resize(*size)
        QApplication.processEvents()
        if w.right_column.mode() == "tabs":
            w.right_column.tabs.setCurrentWidget(w.gradients.parentWidget())
            QApplication.processEvents()
        notes = w.notes
        fm = QFontMetrics(notes.font())
        room = notes.height() - 2 * notes.PAD_Y
        shown, wrapped = notes.shown_lines(), notes.wrapped()
        assert len(shown) * fm.lineSpacing() <= room, (size, len(shown), room)
        width = notes.width() - 2 * notes.PAD_X
        assert all(fm.horizontalAdvance(t) <= width for t, _ in shown), (size, shown)
        if len(shown) < len(wrapped):
            assert shown and shown[-1][0].endswith("…"), (size, shown)
        else:
            assert shown == wrapped
        assert notes.toolTip() == notes.text() and "ρ(W_hf) 2.14" in notes.toolTip()
