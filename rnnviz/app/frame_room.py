"""Room for the frame view in the main window, and for every heatmap beside it.

Where the frame view goes (:meth:`FrameRoom.placement`, :func:`~rnnviz.app.layout.place_column`):
beside every view, else with the loss, gradient and samples column out of its way (it
:meth:`~FrameRoom.make_way`), else with the controls hidden too. Beside it, every heatmap the cell
declares should fit at its legible size: where they would not at the docks' own widths
(1920×1080 with ``--big``: two of an LSTM's six), the controls and the frame view give up width,
in proportion to what each can spare above its legible least (:meth:`FrameRoom.share_width`,
:func:`~rnnviz.app.layout.fit_columns`), and the heatmaps get the room they need.

The heatmaps' height in that sum is the one the window's layouts give them
(:meth:`FrameRoom.heatmaps_height`), not an estimate: an estimate 4-16 px too tall narrowed the
docks at heights where the heatmaps then did not fit all the same.

When the window is resized (maximised, restored) the room is shared again, once the resize is
over (:meth:`FrameRoom.reshare`): the column comes back where there is room for it, makes way
where there is not (a frame view beside it stays while it has its least width there), and the
docks go back to their own widths less what the heatmaps need (they kept the widths of the
window's last size: squeezed after a restore, and still squeezed after maximising again).
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QEvent, QObject, Qt, QTimer
from PyQt6.QtWidgets import QDockWidget, QStyle

from rnnviz.app.layout import (
    Column,
    Placement,
    ScrollColumn,
    fit_columns,
    heatmaps_width,
    minimum,
    place_column,
)
from rnnviz.app.widgets._common import ui_scale

#: Width of the docked frame view at normal fonts (``--big`` scales it): its text and diagram
#: are legible from its minimum (~250 px) up; more is taken from the heatmaps.
FRAME_WIDTH = 340

#: Pixels the other views keep beyond their legible minimum width beside the frame view, at
#: normal fonts (``--big`` scales it): at their bare minimum width the legends of the gradient
#: plots wrap into more lines, and at 1280x720 with --big the window grew taller than the screen.
SLACK_PX = 100

#: Narrowest width of the docked frame view at normal fonts (``--big`` scales it), when the
#: heatmaps need the room: its read-out, diagram and equations stay legible.
FRAME_LEAST = 270


class FrameRoom(QObject):
    """The frame view's room in ``window``: its width, where it goes, the heatmaps' share.

    Parameters
    ----------
    window : MainWindow
        Provides ``controls_dock``, ``heatmap_column``, ``heatmaps``, ``right_column``,
        ``main_splitter``, ``trainer`` and ``_dock_width`` (the controls' own width).
    dock : QDockWidget
        The frame view's dock.
    scroll : ScrollColumn
        The dock's contents (the frame view, scrolled).
    """

    def __init__(self, window: Any, dock: QDockWidget, scroll: ScrollColumn) -> None:
        super().__init__(window)
        self.window = window
        self.dock = dock
        self.scroll = scroll
        #: The dock's own width where it is shown (the heatmaps may take some of it).
        self.want = self.width()
        self.made_way = False  # the right-hand column is hidden for the frame view
        self._reshare = QTimer(self)  # after a resize, once its events are delivered
        self._reshare.setSingleShot(True)
        self._reshare.setInterval(0)
        self._reshare.timeout.connect(self.reshare)
        window.installEventFilter(self)

    def width(self) -> int:
        """Width the docked frame view likes at the application's fonts."""
        return round(FRAME_WIDTH * ui_scale())

    def least_width(self) -> int:
        """The narrowest the docked frame view gets (its text and diagram legible), never less
        than the whole view beside its scroll bar."""
        return max(round(FRAME_LEAST * ui_scale()), self.scroll.least_width())

    def placement(self, width: int, controls: bool | None = None) -> Placement | None:
        """Where the frame view goes in a window ``width`` wide, with the controls shown or
        hidden (by default as they are), or None when it has no room: beside every view, else
        with the loss, gradient and samples column out of its way, else with the controls
        hidden too (see :func:`~rnnviz.app.layout.place_column`)."""
        window = self.window
        if controls is None:
            controls = window.controls_dock.isVisibleTo(window)
        column, alone, slack, separator = self._parts()
        if window.right_column.isHidden():  # made way: the views' least with it, reckoned
            right = window.main_splitter.handleWidth() + minimum(window.right_column).width()
            views = alone + right
        else:  # as the window's layout has it
            views = window.centralWidget().minimumSizeHint().width()
        held = window._dock_width if controls else 0
        return place_column(width, held, column, views, alone, slack, separator)

    def _parts(self) -> tuple[Column, int, int, int]:
        """The frame view's column, the heatmaps' least width (with the views' margins), the
        slack the views keep and a dock separator's width, in pixels."""
        window = self.window
        margins = window.centralWidget().layout().contentsMargins()
        alone = minimum(window.heatmap_column).width() + margins.left() + margins.right()
        separator = window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        least = self.least_width()
        column = Column(max(self.width(), least), least)
        return column, alone, round(SLACK_PX * ui_scale()), separator

    def width_needed(self) -> int:
        """The narrowest window the frame view has room in (the controls hidden)."""
        column, alone, slack, separator = self._parts()
        return column.least + alone + slack + separator

    def make_way(self, on: bool) -> None:
        """Hide the right-hand column (loss, gradients, samples) for the frame view, or show it
        again."""
        self.made_way = on
        window = self.window
        if on == window.right_column.isHidden():
            return
        window.right_column.setVisible(not on)
        # the views' new least width, now: a dock shown next is placed beside it (the splitter
        # tells its layouts in a later pass of the event loop; meanwhile the window took the
        # dock's least beside the views' old least, and widened past the screen)
        window.main_splitter.refresh()
        window.centralWidget().layout().activate()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """The window was resized: share its room again once the resize is over."""
        if obj is self.window and event is not None and event.type() == QEvent.Type.Resize:
            self._reshare.start()
        return False

    def reshare(self) -> None:
        """Place the open frame view again for the window's size (never hiding the controls:
        the column makes way while the frame view does not fit beside it), the docks at their
        own widths less what the heatmaps need."""
        window = self.window
        if not window.isVisible() or not self.dock.isVisible() or self.dock.isFloating():
            return
        place = self.placement(window.width())
        beside = place is not None and not place.make_way
        if not beside and not self.made_way:  # beside already: stays while its least fits
            column, _alone, slack, _separator = self._parts()
            held = window._dock_width if window.controls_dock.isVisible() else 0
            room = window.width() - held - window.centralWidget().minimumSizeHint().width()
            if room - slack >= column.least:
                place, beside = Placement(min(column.want, room - slack)), True
        self.make_way(not beside)
        self.want = (
            place.width if place is not None and not place.hide_controls else self.least_width()
        )
        docks, widths = [self.dock], [self.want]
        if window.controls_dock.isVisible() and not window.controls_dock.isFloating():
            docks.append(window.controls_dock)
            widths.append(window._dock_width)
        window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
        self.share_width(window.width(), window.height())

    def share_width(self, width: int, height: int) -> bool:
        """Narrow the controls and the frame view (toward their least) where the heatmaps would
        otherwise not all fit in the window, now ``width`` × ``height``; False if they fit as
        they are or not even so (the heatmap view then shows fewer arrays)."""
        window = self.window
        if not window.isVisible() or not self.dock.isVisibleTo(window) or self.dock.isFloating():
            return False
        trainer = window.trainer
        arrays = 0 if trainer is None else len(trainer.model.specs)
        need = self._heatmaps_need(arrays, height)
        if not need:
            return False
        controls = window.controls_dock.isVisibleTo(window)
        docks = [self.dock, *([window.controls_dock] if controls else [])]
        columns = [Column(max(self.want, self.least_width()), self.least_width())]
        if controls:
            least = window.controls_dock.minimumSizeHint().width()
            columns.append(Column(window._dock_width, least))
        separator = window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        margins = window.centralWidget().layout().contentsMargins()
        room = width - len(docks) * separator - margins.left() - margins.right()
        alone = self.made_way  # the heatmaps take the views' whole width
        handle = 0 if alone else window.main_splitter.handleWidth()
        right = 0 if alone else minimum(window.right_column).width()
        right += 0 if alone else round(SLACK_PX * ui_scale() / 2)
        free = room - sum(c.want for c in columns) - handle
        if (free if alone else free // 2) >= need:
            return False  # the heatmaps' share is enough
        widths = fit_columns(room, need + handle + right, columns)
        if widths is None:
            return False
        window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
        if not alone:
            views = room - sum(widths) - handle
            window.main_splitter.setSizes([need, views - need])
        return True

    def _heatmaps_need(self, arrays: int, height: int) -> int | None:
        """The heatmap view's width that shows ``arrays`` heatmaps legibly in a window
        ``height`` high, or None: found at the view's width now, then again at the width found
        (a line that wraps there takes height from the heatmaps)."""
        width = self.window.heatmaps.width()
        need = None
        for _ in range(3):
            need = heatmaps_width(arrays, self.heatmaps_height(height, width))
            if need is None or need == width:
                break
            width = need
        return need

    def heatmaps_height(self, height: int, width: int) -> float:
        """Height of the heatmaps' grid in the window ``height`` high with the heatmap view
        ``width`` wide, as the layouts give it: the heatmaps' column now, plus what the window
        gains, less the column's other rows and its read-out at that width."""
        window = self.window
        column = window.heatmap_column
        lay = column.layout()
        left = column.height() + height - window.height()
        rows = 0
        for k in range(lay.count()):
            item = lay.itemAt(k)
            widget = item.widget() if item is not None else None
            if item is None or widget is None or widget.isHidden():
                continue
            rows += 1
            if widget is window.heatmaps:
                continue
            hfw = item.hasHeightForWidth()
            left -= item.heightForWidth(width) if hfw else item.sizeHint().height()
        left -= lay.spacing() * max(rows - 1, 0)
        return window.heatmaps.grid_height(left, width)
