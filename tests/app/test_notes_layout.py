"""The notes and the spectral read-out under the gradient-flow plot never cover its x axis.

A box layout took the wrapping read-out's wrapped height as a height it must get; on a small
screen it then placed the read-out over the plot's bottom axis (its title "input at step t"
overwritten by "step 200: ρ(W_ho) 2.14, σ_max 8.03 · ...").
"""

from __future__ import annotations

from PyQt6.QtCore import QRect
from PyQt6.QtWidgets import QApplication, QWidget
from test_main_window import tiny_run
from test_projector import SCREENS, maximised, scale  # noqa: F401 (scale is a fixture)

from rnnviz.app.main_window import MainWindow
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
