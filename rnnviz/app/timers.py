"""Timers that die with their owner.

PyQt6's ``QTimer.singleShot(ms, fn)`` has no context object: when the widget ``fn`` refers to is
deleted before the timer fires, the callback runs anyway and touches a deleted C++ object (or,
in a test session, the next test's objects). Every delayed call in rnnviz goes through
:func:`single_shot`, whose timer is a child of ``owner`` and is destroyed with it.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QObject, QTimer


def single_shot(owner: QObject, ms: int, fn: Callable[[], object]) -> QTimer:
    """Call ``fn()`` once after ``ms`` milliseconds, unless ``owner`` is destroyed first.

    Parameters
    ----------
    owner : QObject
        Context of the call: the timer is its child, so it never fires after ``owner`` is gone.
    ms : int
        Delay in milliseconds (0: after the events already queued).
    fn : callable
        Called without arguments in ``owner``'s thread.

    Returns
    -------
    QTimer
        The (running) timer, e.g. to ``stop()`` it; it deletes itself after firing.
    """
    timer = QTimer(owner)
    timer.setSingleShot(True)
    timer.timeout.connect(fn)
    timer.timeout.connect(timer.deleteLater)
    timer.start(max(0, int(ms)))
    return timer
