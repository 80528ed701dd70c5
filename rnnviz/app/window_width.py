"""The main window's width: its minimum follows what is shown, and it stays as wide as the user
made it.

Qt gives a window the minimum width of everything it shows. With the frame view docked beside
the loss, gradient and samples column, that is about 1030 px at normal fonts, although the
column steps aside for the frame view where there is no room for both
(:meth:`~rnnviz.app.frame_room.FrameRoom.make_way`): a user narrowing the window was held at
1030 px until the column had stepped aside, and once it came back (or the frame view was
closed) the window stayed at the width it had been held at.

:class:`WindowWidth` sets the window's minimum width itself (:meth:`WindowWidth.least`): the
layout's, less the column where it would step aside for the frame view. A window made narrower
than the column allows makes it step aside at once, in the same resize, so nothing is cut. It
remembers the width the user made the window (every resize but its own): when what is shown
needs more (the controls shown, Ctrl+D), the window widens to the new minimum, and when that
need is gone (the column back, the frame view closed, the controls hidden) it goes back to the
user's width.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QEvent, QObject

from rnnviz.app.layout import minimum


class WindowWidth(QObject):
    """Keeps ``window``'s minimum width and the width the user made it (see the module docstring).

    Parameters
    ----------
    window : MainWindow
        Provides ``frame_dock`` (its dock and room), ``right_column`` and ``main_splitter``.
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        #: The width the user made the window (None before its first resize).
        self.asked: int | None = None
        self._adjusting = False
        window.installEventFilter(self)

    def needed(self) -> int:
        """The least width of what the window shows now (its layout's minimum)."""
        return self.window.layout().totalMinimumSize().width()

    def column_steps_aside(self) -> bool:
        """Whether the right-hand column is shown beside a docked frame view (it would step
        aside for the frame view in a narrower window)."""
        window = self.window
        dock = window.frame_dock.dock
        return (
            dock.isVisibleTo(window) and not dock.isFloating() and window.right_column.isVisible()
        )

    def least(self) -> int:
        """The window's minimum width: what it shows, less the right-hand column where it
        would step aside for the frame view."""
        need = self.needed()
        if self.column_steps_aside():
            window = self.window
            need -= window.main_splitter.handleWidth() + minimum(window.right_column).width()
        return need

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """A resize by the user, or a new least width of what the window shows."""
        if obj is self.window and event is not None and not self._adjusting:
            kind = event.type()
            if kind == QEvent.Type.Resize:
                self._resized()
            elif kind == QEvent.Type.LayoutRequest:
                self.follow()
        return False

    def _resized(self) -> None:
        window = self.window
        self.asked = window.width()
        if window.width() < self.needed() and self.column_steps_aside():
            window.frame_dock.room.make_way(True)  # now: nothing is cut meanwhile
        self.follow()

    def follow(self) -> None:
        """Set the window's minimum width for what it shows; widen the window to what that
        needs, or narrow it back toward the width the user made it."""
        window = self.window
        self._adjusting = True
        try:
            window.setMinimumWidth(self.least())
            if window.isMaximized() or window.isFullScreen():
                return  # the window manager's size
            need, width = self.needed(), window.width()
            asked = width if self.asked is None else self.asked
            target = max(asked, need) if width > asked else max(width, need)
            if target != width:
                window.resize(target, window.height())
        finally:
            self._adjusting = False
