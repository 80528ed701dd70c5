"""Work for a view done only while the view is on screen.

A view that is hidden (its dock closed, its tab at the back) draws nothing and asks the worker
for nothing: drawing it costs the window's thread, and asking costs the training thread, for
nothing anyone sees. :class:`OnScreen` holds that rule for one view::

    seen = OnScreen(view, draw)
    seen.request()    # something changed: draw now if the view is on screen, else once shown

``draw`` reads the state it draws when it runs, so a view that missed many changes while hidden
draws once, the latest, when it is shown.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject
from PyQt6.QtWidgets import QWidget


class OnScreen(QObject):
    """Runs ``work`` for ``view`` only while ``view`` is on screen (see the module docstring).

    Parameters
    ----------
    view : QWidget
        The view; the helper is its child (it dies with it) and watches its Show events.
    work : callable
        Draws the view (or asks for what it draws) from the current state; no arguments.
    """

    def __init__(self, view: QWidget, work: Callable[[], None]) -> None:
        super().__init__(view)
        self.view = view
        self._work = work
        #: Something changed that the view has not drawn yet.
        self.pending = False
        view.installEventFilter(self)

    def on_screen(self) -> bool:
        """Whether the view is shown (itself and every parent up to its window)."""
        return self.view.isVisible()

    def request(self) -> None:
        """Something changed: run the work now if the view is on screen, else when it is shown."""
        self.pending = True
        if self.on_screen():
            self._run()

    def _run(self) -> None:
        self.pending = False
        self._work()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """The view is shown: run the work it missed while hidden."""
        shown = obj is self.view and event is not None and event.type() == QEvent.Type.Show
        if shown and self.pending:
            self._run()
        return False


__all__ = ["OnScreen"]
