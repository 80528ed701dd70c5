"""Where the compare window's views go, so that they fit every classroom screen legibly.

The runs' heatmaps (:class:`RunGrid`, one :class:`RunCell` per run: the run's name in its colour,
the heatmaps' chooser beside it, the heatmaps) sit side by side in one row where each gets its
legible width, else in two columns, else one. Under them, one read-out line for every run, then
the frame bar (the shared time-step cursor) and the curves.

:class:`CompareArea` puts the heatmaps and the curves one above the other in a splitter when
the rows of heatmaps, the read-out, the frame bar and the curves all fit at their legible
heights; otherwise (four runs on a 1024×768 projector at presentation size: two rows of
heatmaps) they become two tabs, "Heatmaps" and "Loss and gradient flow", with the frame bar
under both, so the cursor stays in reach. The grid scrolls only in a window smaller than any
classroom screen.

:class:`RunStatus` is the status bar's line of every run: each run's entry whole, on as many
lines as the width needs (never one entry cut).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PyQt6.QtCore import QEvent, QSize, Qt
from PyQt6.QtGui import QTextDocument
from PyQt6.QtWidgets import (
    QGridLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.widgets.heatmaps import MIN_IMAGE_H, StateHeatmaps

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum"
#: Units shown a pixel each at least (more share the rows; the wheel zooms them).
ROWS_PX = 128
#: Where a cell's chooser goes, from the most room to the least (see RunCell.fit).
PLACES = ("full", "short", "below")
#: Pixels between the runs' cells.
CELL_SPACING = 6
#: The tabs' names when the views do not fit one above the other.
TAB_NAMES = ("Heatmaps", "Loss and gradient flow")


def grid_columns(n: int, width: float, need: float) -> int:
    """Columns for ``n`` cells ``need`` pixels wide each in ``width``: all, half, or one."""
    for cols in (n, (n + 1) // 2, 1):
        if cols * need + (cols - 1) * CELL_SPACING <= width:
            return cols
    return 1


class RunCell(QWidget):
    """One run's column: its ``title`` (a label) with the ``view``'s chooser beside it (the
    chooser's "1 of 6 arrays fit:" left out where the column is narrow; under the title only
    where even the chooser alone does not fit), then the heatmaps, which keep their height for
    their panels (the read-out is the window's one line)."""

    def __init__(self, title: QLabel, view: StateHeatmaps) -> None:
        super().__init__()
        self.title, self.view = title, view
        view.readout.hide()
        # every run's header as tall as a chooser, so the heatmaps of a row line up
        title.setMinimumHeight(view.chooser_bar.sizeHint().height())
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(2)
        self.grid.addWidget(title, 0, 0)
        self.grid.setColumnStretch(1, 1)
        self.peers = [self]  # the cells of one grid: their headers are placed alike
        self.place = ""
        self._place("full")
        self._measure()
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def fit(self, width: float) -> str:
        """How the header fits ``width``: ``"full"`` (the chooser beside the title),
        ``"short"`` (its label left out) or ``"below"`` (the chooser under the title)."""
        bar = self.view.chooser_bar.layout()
        margins = bar.contentsMargins()
        combo = margins.left() + margins.right() + self.view.chooser.sizeHint().width()
        label = self.view.chooser_label.sizeHint().width() + bar.spacing()
        room = width - self.title.sizeHint().width() - self.grid.horizontalSpacing()
        return "full" if combo + label <= room else "short" if combo <= room else "below"

    def peers_fit(self, width: float) -> str:
        """The header every cell of the grid takes at ``width``: the one the widest needs."""
        return max((p.fit(width) for p in self.peers), key=PLACES.index)

    def min_height(self, width: float) -> int:
        """The cell's legible height at ``width``: its header (the chooser counted: it shows
        where the heatmaps are short of room) and one heatmap panel."""
        title, chooser = self.title.sizeHint().height(), self.view.chooser_bar.sizeHint().height()
        below = self.peers_fit(width) == "below"
        head = title + 2 + chooser if below else max(title, chooser)
        return head + 2 + self.view.minimumSize().height()

    def minimumSizeHint(self) -> QSize:
        return QSize(self.view.minimumSizeHint().width(), self.min_height(self.width()))

    def _measure(self) -> None:
        """Make the view's minimum height the one that keeps a panel legible, measured on the
        panels it draws: around its image, the axes, titles and margins as drawn, and the image
        at least :data:`MIN_IMAGE_H` px and a pixel per unit up to :data:`ROWS_PX` units. (The
        view's own minimum, estimated from its fonts, was 16 px taller at presentation size:
        a 1280×720 projector had no room for two rows of runs.)"""
        view = self.view
        if not view.shown():
            height = view.minimumSizeHint().height()
        else:
            around = max(
                view.panels[n].plot.geometry().height()
                - view.panels[n].plot.getViewBox().geometry().height()
                for n in view.shown()
            )
            _, top, _, bottom = view.graphics.ci.layout.getContentsMargins()
            image = max(MIN_IMAGE_H, min(len(view.shown_units()), ROWS_PX))
            height = math.ceil(around + top + bottom) + image
        if view.minimumHeight() != height:
            view.setMinimumHeight(height)

    def _place(self, place: str) -> None:
        if place == self.place:
            return
        self.place = place
        bar = self.view.chooser_bar
        self.view.chooser_label.setVisible(place != "short")
        self.grid.removeWidget(bar)
        self.grid.removeWidget(self.view)
        below = place == "below"
        self.grid.addWidget(bar, 1 if below else 0, 0 if below else 1, 1, 1 + below)
        self.grid.addWidget(self.view, 1 + below, 0, 1, 2)
        self.grid.setRowStretch(1, 0 if below else 1)
        self.grid.setRowStretch(2, 1 if below else 0)

    def event(self, event: QEvent | None) -> bool:
        # the chooser's label changes with the room: look again at what fits beside the title
        if event is not None and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._measure()
            self._place(self.peers_fit(self.width()))
        return super().event(event)


class RunGrid(QScrollArea):
    """The runs' cells side by side: one row when each gets its legible width, else two
    columns, else one. It scrolls only in a window smaller than any classroom screen."""

    def __init__(self, cells: Sequence[RunCell], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cells = list(cells)
        for cell in self.cells:
            cell.peers = self.cells
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.inner = QWidget()
        self.grid = QGridLayout(self.inner)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(CELL_SPACING)
        self.setWidget(self.inner)
        self.columns = 0
        self._arrange(len(self.cells))

    def cell_width(self) -> int:
        """The width a cell needs for legible heatmaps."""
        return max(c.minimumSizeHint().width() for c in self.cells)

    def columns_for(self, width: float) -> int:
        return grid_columns(len(self.cells), width, self.cell_width())

    def height_for(self, width: float) -> int:
        """The height of the cells' rows, each legible, at ``width``."""
        cols = self.columns_for(width)
        rows = math.ceil(len(self.cells) / cols)
        col_w = (width - (cols - 1) * CELL_SPACING) / cols
        return rows * max(c.min_height(col_w) for c in self.cells) + (rows - 1) * CELL_SPACING

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for cell in self.cells:
            self.grid.removeWidget(cell)
        for k, cell in enumerate(self.cells):
            self.grid.addWidget(cell, k // columns, k % columns)
        for c in range(len(self.cells)):
            self.grid.setColumnStretch(c, 1 if c < columns else 0)

    def minimumSizeHint(self) -> QSize:
        """Narrow (it scrolls), but one row of cells tall."""
        return QSize(120, max(c.minimumSizeHint().height() for c in self.cells))

    def resizeEvent(self, event: object) -> None:
        self._arrange(self.columns_for(self.viewport().width()))
        super().resizeEvent(event)  # type: ignore[arg-type]


class CompareArea(QWidget):
    """The heatmaps with their read-out, the frame bar and the curves: one above the other
    where all fit legibly, else two tabs (the read-out beside them) over the frame bar (see the
    module docstring).

    Parameters
    ----------
    grid : RunGrid
    readout : QLabel
        The one read-out line of every run's heatmaps.
    frame_bar : QWidget
        The shared time-step cursor.
    curves : QWidget
        The loss and gradient-flow plots.
    """

    def __init__(self, grid: RunGrid, readout: QLabel, frame_bar: QWidget, curves: QWidget):
        super().__init__()
        self.grid, self.readout, self.frame_bar, self.curves = grid, readout, frame_bar, curves
        self.top = QWidget()  # the heatmaps, their read-out and the frame bar, over the curves
        self.top_layout = QVBoxLayout(self.top)
        self.top_layout.setContentsMargins(0, 0, 0, 0)
        self.top_layout.setSpacing(0)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setChildrenCollapsible(False)
        self.split.addWidget(self.top)
        self.split.addWidget(curves)
        self.split.setStretchFactor(0, 3)  # the heatmaps get the larger share
        self.split.setStretchFactor(1, 2)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab = 0  # the tab shown when the views are tabbed again
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(0, 0, 0, 0)
        self.outer.setSpacing(0)
        self.outer.addWidget(self.split, 1)
        self.outer.addWidget(self.tabs, 1)
        self.mode = ""
        self._use("split")

    def split_height(self, width: float) -> int:
        """Height the views need one above the other, each legible, at ``width``."""
        top = self.grid.height_for(width) + self.readout.sizeHint().height()
        top += self.frame_bar.sizeHint().height()
        return top + self.split.handleWidth() + self.curves.minimumSizeHint().height()

    def minimumSizeHint(self) -> QSize:
        """The tabs' minimum (one row of heatmaps): the window may be that small."""
        width = max(
            self.grid.cell_width(),
            self.curves.minimumSizeHint().width(),
            self.frame_bar.minimumSizeHint().width(),
        )
        tab = max(self.tabs.tabBar().sizeHint().height(), self.readout.sizeHint().height())
        page = max(self.grid.minimumSizeHint().height(), self.curves.minimumSizeHint().height())
        return QSize(width, tab + page + self.frame_bar.sizeHint().height())

    def event(self, event: QEvent | None) -> bool:
        # a resize, or a view whose needs changed (a chooser shown, a new run's panels)
        if event is not None and event.type() in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
            self._fit()
        return super().event(event)

    def _fit(self) -> None:
        """Split or tabs for the current size; split, the heatmaps keep their legible rows."""
        need = self.split_height(self.width())
        self._use("split" if need <= self.height() else "tabs")
        if self.mode != "split":  # the read-out beside the tabs: its end cut, never the tabs
            room = self.width() - self.tabs.tabBar().sizeHint().width() - 12
            if self.readout.maximumWidth() != room:
                self.readout.setMaximumWidth(max(room, 0))
            return
        top = need - self.split.handleWidth() - self.curves.minimumSizeHint().height()
        if self.top.minimumHeight() != top:
            self.top.setMinimumHeight(top)
        sizes = self.split.sizes()
        if sizes[0] < top:  # the splitter keeps its sizes until it is resized: give room now
            self.split.setSizes([top, sum(sizes) - top])

    def reveal(self, widget: QWidget) -> None:
        """Show the tab that holds ``widget`` (nothing to do when the views are not tabbed)."""
        for i in range(self.tabs.count()):
            page = self.tabs.widget(i)
            if self.mode == "tabs" and (page is widget or page.isAncestorOf(widget)):
                self.tabs.setCurrentIndex(i)

    def _use(self, mode: str) -> None:
        """Put the views one above the other (``"split"``) or in tabs (``"tabs"``)."""
        if mode == self.mode:
            return
        self.mode = mode
        if mode == "tabs":
            self.top.setMinimumHeight(0)
            self.tabs.addTab(self.grid, TAB_NAMES[0])
            self.tabs.addTab(self.curves, TAB_NAMES[1])
            self.tabs.setCurrentIndex(self.tab)
            self.tabs.setCornerWidget(self.readout, Qt.Corner.TopRightCorner)
            self.outer.addWidget(self.frame_bar)
            self.split.hide()
            self.tabs.show()
        else:
            self.tab = max(self.tabs.currentIndex(), 0)
            self.readout.setMaximumWidth(QWIDGETSIZE_MAX)
            self.tabs.setCornerWidget(None, Qt.Corner.TopRightCorner)
            self.tabs.clear()
            self.top_layout.addWidget(self.grid, 1)
            self.top_layout.addWidget(self.readout)
            self.top_layout.addWidget(self.frame_bar)
            self.split.insertWidget(1, self.curves)
            self.tabs.hide()
            self.split.show()
            self.grid.show()
            self.curves.show()
            total = max(self.height() - self.frame_bar.height(), 2)
            self.split.setSizes([3 * total // 5, total - 3 * total // 5])  # heatmaps larger
        self.readout.show()
        self.frame_bar.show()


class ReadOut(QLabel):
    """The one read-out line: its size hint never wider than its maximum width, since a tab
    widget sizes its corner by the hint (a long line pushed the tabs out of sight)."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.maximumWidth()), hint.height())


class RunStatus(QLabel):
    """Every run's entry (rich text) in the status bar, each whole: as many entries on a line
    as its width holds, further lines under it."""

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[str] = []
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._doc = QTextDocument()

    def set_entries(self, entries: Sequence[str]) -> None:
        self.entries = list(entries)
        self.setToolTip("<br>".join(self.entries))
        self._lay_out()

    def _width(self, html: str) -> float:
        self._doc.setDefaultFont(self.font())
        self._doc.setHtml(html)
        self._doc.setDocumentMargin(0)
        return self._doc.idealWidth()

    def _lay_out(self) -> None:
        gap = " &nbsp; "
        lines: list[str] = []
        for entry in self.entries:
            joined = f"{lines[-1]}{gap}{entry}" if lines else entry
            if lines and self._width(joined) <= self.width() - 8:
                lines[-1] = joined
            else:
                lines.append(entry)
        text = "<br>".join(lines)
        if text != self.text():
            self.setText(text)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._lay_out()
