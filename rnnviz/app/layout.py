"""Fitting the window to the screen: legible from a 1024×768 projector to a 1920×1080 monitor.

Two rules keep every view legible when room is short (a small screen, or ``--big`` fonts):

* the right-hand column (:class:`AdaptiveColumn`) stacks its views while each gets its legible
  minimum height, and otherwise shows them as tabs (loss and samples on one, gradients on the
  other), instead of squeezing plots to slivers;
* the controls dock starts hidden when the views would otherwise get less than their comfortable
  width (:func:`controls_fit`); Ctrl+D shows it, and the views then shrink to their minimum,
  which still fits a 1024×768 screen.

The heatmap view itself shows fewer arrays when not all fit (see
:class:`~rnnviz.app.widgets.heatmaps.StateHeatmaps`). Before it comes to that, the docked
columns beside the views (the controls, the frame view) give up width, down to their legible
least, so that every array the cell declares fits (:func:`fit_columns`, :func:`heatmaps_width`):
at 1920×1080 with ``--big`` an LSTM's six heatmaps sit beside the controls and the frame view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from PyQt6.QtCore import QEvent, QObject, QSize, Qt
from PyQt6.QtWidgets import QScrollArea, QSplitter, QTabWidget, QWidget

from rnnviz.app.widgets.heatmaps import MIN_IMAGE_W, SPACING, PanelMetrics

#: Window size the views are designed for; smaller screens get the window maximised.
COMFORT_SIZE = QSize(1400, 900)

#: Width the views (heatmaps, curves) want beside the controls at normal fonts; ``--big``
#: scales it. A window narrower than this plus the controls starts with the controls hidden.
VIEWS_COMFORT_WIDTH = 900

#: Room a desktop takes from a screen's height for the window's title bar, beyond the
#: screen's available area (which already excludes panels and docks).
TITLE_BAR_PX = 40


def initial_size(available: QSize) -> tuple[QSize, bool]:
    """The window's first size on a screen with ``available`` room, and whether to maximise.

    A screen smaller than :data:`COMFORT_SIZE` plus a title bar gets a maximised window: the
    window manager then fits the frame and the title bar on the screen (a plain resize to the
    available size pushed the status bar off a 1024×768 screen by the height of the title).
    """
    need = QSize(COMFORT_SIZE.width(), COMFORT_SIZE.height() + TITLE_BAR_PX)
    if available.width() >= need.width() and available.height() >= need.height():
        return QSize(COMFORT_SIZE), False
    width = min(COMFORT_SIZE.width(), available.width())
    height = min(COMFORT_SIZE.height(), available.height() - TITLE_BAR_PX)
    return QSize(width, max(height, 1)), True


def minimum(widget: QWidget) -> QSize:
    """The size a layout will not squeeze ``widget`` below (its set minimum, else its hint)."""
    hint, fixed = widget.minimumSizeHint(), widget.minimumSize()
    return QSize(
        fixed.width() if fixed.width() > 0 else max(hint.width(), 0),
        fixed.height() if fixed.height() > 0 else max(hint.height(), 0),
    )


def controls_fit(window_width: int, dock_width: int, views_width: int) -> bool:
    """Whether the controls dock leaves the views their comfortable width ``views_width``."""
    return window_width - dock_width >= views_width


@dataclass(frozen=True)
class Column:
    """A docked column's width in pixels: what it likes (``want``) and the least it stays
    legible at (``least``)."""

    want: int
    least: int


def fit_columns(room: int, views: int, columns: Sequence[Column]) -> list[int] | None:
    """Widths of docked ``columns`` that leave ``views`` pixels of ``room`` to the views.

    Each column keeps its ``want`` while the views fit; otherwise the columns give up the
    shortfall in proportion to what each can spare (``want - least``). None when even at their
    least they leave the views less than ``views``.
    """
    wants = [c.want for c in columns]
    short = views + sum(wants) - room
    if short <= 0:
        return wants
    spare = [max(0, c.want - c.least) for c in columns]
    if short > sum(spare):
        return None
    total = sum(spare)
    give = [math.ceil(short * s / total) for s in spare]  # rounded up: the views get their need
    return [w - min(g, s) for w, g, s in zip(wants, give, spare, strict=True)]


@dataclass(frozen=True)
class Placement:
    """Where a docked column goes: ``width`` pixels, with the right-hand column hidden for it
    (``make_way``) and the controls hidden for it (``hide_controls``)."""

    width: int
    make_way: bool = False
    hide_controls: bool = False


def place_column(
    window: int,
    controls: int,
    column: Column,
    views: int,
    alone: int,
    slack: int,
    separator: int = 0,
) -> Placement | None:
    """Where a column (the frame view) goes in a window ``window`` pixels wide, or None: no room.

    The views beside it keep ``slack`` pixels beyond their legible least: ``views`` with the
    right-hand column, ``alone`` (the heatmaps) without it. Tried in turn, the first that fits:

    1. beside every view and the controls (``controls`` pixels, 0 when hidden), at the column's
       ``want``;
    2. with the right-hand column out of the way, as wide as the room allows up to ``want``,
       at least ``least``;
    3. the same with the controls hidden too (when shown).

    In 2 and 3 the room is less a dock ``separator`` beside each docked column.
    """
    if window - controls - column.want >= views + slack:
        return Placement(column.want)
    for hide in (False, True) if controls else (False,):
        held = 0 if hide else controls
        room = window - held - alone - slack - separator * (2 if held else 1)
        if room >= column.least:
            return Placement(min(column.want, room), make_way=True, hide_controls=hide)
    return None


def heatmaps_width(arrays: int, height: int) -> int | None:
    """The narrowest heatmap view (pixels) that shows ``arrays`` heatmaps at their legible size
    in a grid ``height`` pixels high (at the application's fonts), or None if no width does."""
    if arrays <= 0:
        return 0
    metrics = PanelMetrics.current()
    for cols in range(1, min(arrays, 3) + 1):
        width = cols * (metrics.side_w + MIN_IMAGE_W) + (cols - 1) * SPACING
        if metrics.best_columns(arrays, width, height) is not None:
            return width
    return None


class ScrollColumn(QScrollArea):
    """A docked column's contents, scrolled up and down when short of height, never cut on the
    right: its minimum width is its widget's plus the vertical scroll bar's (which takes its
    width from the viewport when it shows), and follows the widget's minimum as it changes.

    Parameters
    ----------
    widget : QWidget
        What the column shows; resized to the column's width.
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self._least = -1
        widget.installEventFilter(self)  # its minimum may grow with a new text

    def least_width(self) -> int:
        """The narrowest the column shows its widget whole, a scroll bar beside it."""
        widget = self.widget()
        inner = 0 if widget is None else minimum(widget).width()
        return inner + self.verticalScrollBar().sizeHint().width() + 2 * self.frameWidth()

    def minimumSizeHint(self) -> QSize:
        """:meth:`least_width` wide."""
        return QSize(self.least_width(), super().minimumSizeHint().height())

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """A new minimum of the widget is this column's (its dock's, its window's) too."""
        if (
            event is not None
            and obj is self.widget()
            and event.type() == QEvent.Type.LayoutRequest
            and self.least_width() != self._least
        ):
            self._least = self.least_width()
            self.updateGeometry()
        return super().eventFilter(obj, event)


class AdaptiveColumn(QWidget):
    """Views stacked in a vertical splitter when they all fit at their minimum, else tabs.

    Each view's ``minimumSizeHint`` is its legible minimum (the plots set theirs from the
    fonts). The column's own minimum is that of the tabs, so a window may shrink to it; it
    stacks the views again as soon as their minimums add up to no more than its height.

    Parameters
    ----------
    views : sequence of QWidget
        The views, top to bottom when stacked.
    groups : sequence of (title, sequence of QWidget)
        The tabs, each holding one or more of ``views`` (stacked within the tab).
    stretch : sequence of int, optional
        Initial share of each view's height when stacked (one per view).
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(
        self,
        views: Sequence[QWidget],
        groups: Sequence[tuple[str, Sequence[QWidget]]],
        stretch: Sequence[int] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._views = list(views)
        self._groups = [(title, list(members)) for title, members in groups]
        if sorted(map(id, self._views)) != sorted(id(v) for _t, g in self._groups for v in g):
            raise ValueError("every view must be in exactly one group")
        self._stretch = list(stretch) or [1] * len(self._views)
        self.stack = QSplitter(Qt.Orientation.Vertical, self)
        self.stack.setChildrenCollapsible(False)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self._pages: list[QSplitter] = []
        for title, _views in self._groups:
            page = QSplitter(Qt.Orientation.Vertical)
            page.setChildrenCollapsible(False)
            self._pages.append(page)
            self.tabs.addTab(page, title)
        self._mode = ""
        self._set_mode("stacked")
        for view in self._views:
            view.installEventFilter(self)  # a view's minimum may grow after a resize

    def mode(self) -> str:
        """ "stacked" or "tabs"."""
        return self._mode

    def stacked_height(self) -> int:
        """Height the views need stacked, each at its minimum."""
        handles = self.stack.handleWidth() * (len(self._views) - 1)
        return sum(minimum(v).height() for v in self._views) + handles

    def minimumSizeHint(self) -> QSize:
        """The tabs' minimum: a tab bar over the tallest group at its minimum."""
        bar = self.tabs.tabBar().sizeHint().height() if self.tabs.tabBar() else 0
        tallest = max(sum(minimum(v).height() for v in views) for _t, views in self._groups)
        width = max(minimum(v).width() for v in self._views)
        return QSize(width, bar + tallest + 4)

    def sizeHint(self) -> QSize:
        """Room for every view stacked at its preferred size."""
        hints = [v.sizeHint() for v in self._views]
        return QSize(max(h.width() for h in hints), sum(h.height() for h in hints))

    def resizeEvent(self, event: object) -> None:
        """Stack or tab the views for the new height; the shown container fills the column."""
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._set_mode("stacked" if self.height() >= self.stacked_height() else "tabs")
        for container in (self.stack, self.tabs):
            container.setGeometry(self.rect())

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Tabs when a stacked view's minimum grew after the last resize (a legend wrapped
        again at its new width) and the views no longer fit: they were squeezed below it."""
        if (
            event is not None
            and event.type() == QEvent.Type.LayoutRequest
            and self._mode == "stacked"
            and self.isVisible()
            and self.height() < self.stacked_height()
        ):
            self._set_mode("tabs")
            self.tabs.setGeometry(self.rect())
        return False

    def _set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        if mode == "stacked":
            for view in self._views:
                self.stack.addWidget(view)  # reparents out of the tab pages
                view.show()
            total = sum(self._stretch)
            height = max(self.height(), self.stacked_height())
            self.stack.setSizes([height * s // total for s in self._stretch])
        else:
            for page, (_title, views) in zip(self._pages, self._groups, strict=True):
                for view in views:
                    page.addWidget(view)
                    view.show()
        self.stack.setVisible(mode == "stacked")
        self.tabs.setVisible(mode == "tabs")
