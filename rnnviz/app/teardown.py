"""Worker threads that outlive their window, kept until they end and waited for at exit.

Closing a window waits at most :data:`JOIN_S` for its worker thread. A step in flight may take
longer (a big model's training step, a comparison round, a command such as a gradient check):
the window closes anyway, and the thread ends on its own after that step. Until it has ended it
still uses its worker, the parentless QObject it emits through. :func:`keep` holds that worker
here, on the UI thread: a window deleted on close does not take it along, and the thread never
drops the last reference to it (which would delete a QObject off its own thread). When the
application's event loop is over, :func:`finish` waits for every thread still kept, before the
windows are freed (:func:`rnnviz.app.application.release_windows`): no worker thread runs Python
while Qt objects are deleted, at exit or in PyQt's exit clean-up.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterator

#: Seconds a closing window waits for its thread's step in flight: a usual step ends well
#: within it (the thread is then gone with the window); a longer one is kept here.
JOIN_S = 1.0

_kept: list[tuple[object, threading.Thread, Callable[[], object]]] = []


def keep(worker: object, thread: threading.Thread, stop: Callable[[], object]) -> None:
    """Hold ``worker`` until ``thread`` has ended (``stop()`` asks it to end; it was asked)."""
    _kept[:] = [k for k in _kept if k[1].is_alive()]
    _kept.append((worker, thread, stop))


def running() -> list[threading.Thread]:
    """The kept threads that are still running."""
    return [thread for _, thread, _ in _kept if thread.is_alive()]


@contextlib.contextmanager
def no_collection() -> Iterator[None]:
    """Automatic garbage collection off for the ``with`` block (as it was after it): while the
    UI thread waits for a worker thread, a collection started by that thread's allocations
    would delete the UI's cyclic garbage, Qt objects included, in that thread."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def finish() -> None:
    """Wait for every kept thread to end (each after its step in flight), then let go of the
    workers. Call it on the UI thread once the event loop is over.

    Automatic garbage collection is off meanwhile: the closed windows are cyclic garbage by
    now, and a collection started by a kept thread's allocations would delete their Qt objects
    in that thread.
    """
    with no_collection():
        for _, _, stop in _kept:
            stop()
        for _, thread, _ in _kept:
            thread.join()
    _kept.clear()
