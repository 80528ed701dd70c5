"""Gradients, up close: verify the live model's gradients, and the recurrent spectra over training.

- **Verify gradients** asks the owner (through :attr:`GradientsUpClose.verifyWanted`) to run
  :func:`rnnviz.train.inspection.verify_gradients` in the worker thread: central differences on
  a float64 copy of the model, sampled entries of every parameter. The table lists each array's
  entries checked, largest |analytic − numerical| and relative error ‖a − n‖ / (‖a‖ + ‖n‖), and
  pass (below :data:`rnnviz.core.gradcheck.TOLERANCE`) or fail.
- The spectral plot shows, per training step the window saw, each recurrent block's spectral
  radius ρ(W_hk) (solid) and largest singular value σ_max(W_hk) (dashed), with the line 1 drawn,
  and, for a cell with a forget gate, its mean on the probe (on the same axis);
  the points come from :class:`rnnviz.train.inspection.SpectralProbe` (worker thread). Under it,
  the plain-language note of :func:`rnnviz.core.notes.spectrum_note` for the newest point.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.on_screen import OnScreen
from rnnviz.app.widgets._common import (
    COLOURS,
    FOREGROUND,
    header_label,
    legend_html,
    legible_height,
    line_width,
    plot_widget,
)
from rnnviz.app.widgets.info import InfoButton
from rnnviz.core.gradcheck import TOLERANCE
from rnnviz.core.notes import spectrum_note
from rnnviz.train.inspection import GradientCheck, SpectralPoint

LINE_COLOURS = ("blue", "orange", "green", "purple", "red", "grey")
#: The spectra plot's left-axis title.
SPECTRA_AXIS = "ρ, σ_max"
#: Points of the spectra kept (the oldest half is thinned to every other point beyond).
MAX_POINTS = 2048


class SpectralSeries:
    """The spectral points seen, by training step (bounded; a reset clears it)."""

    def __init__(self, capacity: int = MAX_POINTS) -> None:
        self.capacity = capacity
        self.points: list[SpectralPoint] = []

    def add(self, p: SpectralPoint) -> bool:
        """Keep ``p`` unless a point of its step or a later one is already held."""
        if self.points and p.step <= self.points[-1].step:
            return False
        self.points.append(p)
        if len(self.points) > self.capacity:
            half = len(self.points) // 2
            self.points[:half] = self.points[:half:2]
        return True

    def clear(self) -> None:
        """Forget every point."""
        self.points.clear()

    def curves(self) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]], np.ndarray]:
        """steps (n,), gate -> (ρ (n,), σ_max (n,)), mean forget gate (n,) (NaN where none)."""
        steps = np.array([p.step for p in self.points], np.float64)  # (n,)
        gates = [s.gate for s in self.points[-1].spectra] if self.points else []
        out = {}
        for g in gates:
            rho = [next((s.radius for s in p.spectra if s.gate == g), np.nan) for p in self.points]
            sv = [
                next((s.sigma_max for s in p.spectra if s.gate == g), np.nan) for p in self.points
            ]
            out[g] = (np.array(rho, np.float64), np.array(sv, np.float64))
        forget = np.array(
            [np.nan if p.forget is None else p.forget for p in self.points], np.float64
        )  # (n,)
        return steps, out, forget


class GradientsUpClose(QWidget):
    """Verify gradients and the recurrent spectra (see the module docstring).

    Signals
    -------
    verifyWanted()
        The user pressed Verify gradients.
    """

    verifyWanted = pyqtSignal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.check: GradientCheck | None = None
        self.series = SpectralSeries()
        self.verify_button = QPushButton("Verify gradients")
        self.verify_button.setToolTip(
            "Central differences on a float64 copy of the live model, in the training thread"
        )
        self.verdict = header_label("")
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(
            ["parameter", "entries", "max |a − n|", "relative error", "result"]
        )
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        self.legend = header_label("")
        self.plot = plot_widget()
        p = self.plot.getPlotItem()
        p.setMouseEnabled(x=False, y=False)
        p.hideButtons()
        p.setLabel("bottom", "training step")
        # the legend names the lines (the mean forget gate too): a longer title than the axis
        # at its legible height was cut to "ρ, σ_max, mean forget g" at 1280x720 --big
        p.setLabel("left", SPECTRA_AXIS)
        self.plot.setMinimumHeight(legible_height(SPECTRA_AXIS))
        p.addItem(
            pg.InfiniteLine(1.0, angle=0, pen=pg.mkPen(FOREGROUND, style=Qt.PenStyle.DotLine))
        )
        self.lines: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        self.forget_line = pg.PlotDataItem(
            pen=pg.mkPen(COLOURS["black"], width=line_width(1.5), style=Qt.PenStyle.DashDotLine)
        )
        p.addItem(self.forget_line)
        self.notes = header_label("")

        self.verify_box = top = QWidget()  # Verify gradients: the button, verdict and table
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.verify_button)
        row.addWidget(self.verdict, 1)
        row.addWidget(InfoButton("verify"))
        tl.addLayout(row)
        tl.addWidget(self.table, 1)
        self.spectra_box = bottom = QWidget()  # the spectra: legend, plot and notes
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.legend, 1)
        head.addWidget(InfoButton("spectral"))
        bl.addLayout(head)
        bl.addWidget(self.plot, 1)
        bl.addWidget(self.notes)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split, 1)
        self.verify_button.clicked.connect(self._on_verify)
        self.seen = OnScreen(self, self._draw)  # the plot is drawn only while on screen

    def _on_verify(self) -> None:
        self.verdict.setText("checking on a float64 copy in the training thread…")
        self.verify_button.setEnabled(False)
        self.verifyWanted.emit()

    def show_check(self, check: GradientCheck) -> None:
        """Fill the table with a gradient check."""
        self.check = check
        self.verify_button.setEnabled(True)
        self.table.setRowCount(len(check.rows))
        for i, r in enumerate(check.rows):
            cells = (
                r.param,
                f"{r.size:,}",
                f"{r.max_abs_err:.2e}",
                f"{r.rel_err:.2e}",
                "pass" if r.ok else "FAIL",
            )
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 4:
                    item.setForeground(pg.mkColor("#2e7d32" if r.ok else "#c62828"))
                self.table.setItem(i, j, item)
        self._fit_table()
        verdict = "every array passes" if check.ok else "SOME ARRAYS FAIL"
        colour = "#2e7d32" if check.ok else "#c62828"
        self.verdict.setText(
            f"<span style='color:{colour}'><b>{verdict}</b></span> (relative error below "
            f"{TOLERANCE:g}; weights of training step {check.step:,}, "
            f"{check.entries} sampled entries per array, float64)"
        )

    def _fit_table(self) -> None:
        """Make every row of the table its minimum: the rows are few (one per array) and a
        check with its rows behind a scroll bar hid the arrays it checked; when the tab is
        short of room, its page scrolls instead."""
        t = self.table
        rows = sum(t.rowHeight(i) for i in range(t.rowCount()))
        t.setMinimumHeight(t.horizontalHeader().sizeHint().height() + rows + 2 * t.frameWidth())

    def show_error(self, message: str) -> None:
        """Say why the check could not run."""
        self.verify_button.setEnabled(True)
        self.verdict.setText(f"<span style='color:#c62828'>{html.escape(message)}</span>")

    def add_point(self, point: SpectralPoint) -> None:
        """Add one training step's spectra; redraw if the tab is on screen (else when shown:
        the spectra keep coming for the read-out under the gradient plot, a few per second,
        and a hidden plot redrawn for each cost the window 8-12 ms a point)."""
        if self.series.add(point):
            self.seen.request()

    def clear(self) -> None:
        """A new run: forget the spectra."""
        self.series.clear()
        self.seen.request()

    def _draw(self) -> None:
        steps, curves, forget = self.series.curves()
        p = self.plot.getPlotItem()
        for g in [g for g in self.lines if g not in curves]:
            for item in self.lines.pop(g):
                p.removeItem(item)
        entries = []
        for k, (g, (rho, sv)) in enumerate(curves.items()):
            colour = COLOURS[LINE_COLOURS[k % len(LINE_COLOURS)]]
            if g not in self.lines:
                a = pg.PlotDataItem(
                    pen=pg.mkPen(colour, width=line_width(2)),
                    symbol="o",
                    symbolSize=line_width(5),
                    symbolBrush=colour,
                    symbolPen=colour,
                )
                b = pg.PlotDataItem(
                    pen=pg.mkPen(colour, width=line_width(1.5), style=Qt.PenStyle.DashLine)
                )
                p.addItem(a)
                p.addItem(b)
                self.lines[g] = (a, b)
            self.lines[g][0].setData(steps, rho)
            self.lines[g][1].setData(steps, sv)
            entries += [(colour, "━━", f"ρ(W_h{g})"), (colour, "╍╍", f"σ_max(W_h{g})")]
        has_forget = bool(np.isfinite(forget).any())
        self.forget_line.setData(steps if has_forget else [], forget if has_forget else [])
        if has_forget:
            entries.append((COLOURS["black"], "─·─", "mean forget gate"))
        entries.append((FOREGROUND, "┈┈", "1"))
        self.legend.setText(legend_html("Recurrent matrices over training", entries))
        notes = []
        if self.series.points:
            last = self.series.points[-1]
            notes = [n for n in (spectrum_note(s) for s in last.spectra) if n]
            if last.forget is not None:
                notes.append(f"mean forget gate on the probe: {last.forget:.2f}")
        self.notes.setText("<br>".join(f"• {html.escape(n)}" for n in notes))


__all__ = ["GradientsUpClose", "SpectralSeries"]
