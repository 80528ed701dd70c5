"""Run the event loop until the work a change queued is done: for timing a redraw to its end.

One ``processEvents()`` is not enough: Qt delivers only the events posted *before* it began, so
work that queues more work runs in later passes. A cursor move does: a label's new text asks
its layout again, the layout asks its parent's, up to the window (one pass each), and the
repaint they cause follows; a pyqtgraph scene collects its items' changes in a queued call
that only then asks its view to repaint. Timing a move to the end of the first pass left that
out. :func:`settle` runs passes until one delivers no event at all.
"""

from __future__ import annotations

from PyQt6.QtCore import QCoreApplication, QEvent, QObject

#: Passes after which :func:`settle` gives up (work that re-queues itself for ever).
MAX_PASSES = 100


class _EventCount(QObject):
    """Counts every event delivered in the application while installed."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        self.count += 1
        return False


def settle(app: QCoreApplication, max_passes: int = MAX_PASSES) -> int:
    """Process events until a pass delivers none; returns the passes run (the quiet one too).

    Timers not yet due are not waited for (a redraw deferred by a timer is not measured).

    Raises
    ------
    RuntimeError
        When work keeps queueing more after ``max_passes`` passes.
    """
    counter = _EventCount()
    app.installEventFilter(counter)
    try:
        for passes in range(1, max_passes + 1):
            counter.count = 0
            app.processEvents()
            if counter.count == 0:
                return passes
    finally:
        app.removeEventFilter(counter)
    raise RuntimeError(f"events still queued after {max_passes} passes")
