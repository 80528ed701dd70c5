"""Python's cyclic garbage collector while a window is on screen: run by the UI thread only, over
the objects made since the window was shown.

CPython collects a generation when allocations reach its threshold, in whichever thread allocates
the object that crosses it: the training thread too. A collection there deletes whatever cyclic
garbage the UI thread left (a closed dialog, a replaced plot item and its Qt object), from the
wrong thread, which Qt does not allow (pyqtgraph's ``GarbageCollector`` helper exists for this
reason). And a full collection walks every tracked object: about 64,000 with the window open
(Qt wrappers, pyqtgraph items, modules), 34-80 ms holding the GIL on a loaded 2-core machine.

While a window is shown, :class:`UiCollector` therefore

* turns automatic collection off and collects from a timer on the UI thread instead, the
  generation CPython would have collected (the same thresholds: ``gc.get_count()`` against
  ``gc.get_threshold()``), so a collection never runs in the training thread;
* freezes (``gc.freeze()``) the objects that exist when the window is shown: the window, its
  views and the modules are long-lived, and a full collection then walks only what was made
  since (a run's history, its frames, a new run's objects).

Frozen objects are still freed when their last reference goes (reference counting does not
look at generations); only cycles among them wait. When the last window is hidden or closed the
objects are unfrozen and automatic collection is restored as it was, so a closed window's cycles
are collected as before (:func:`rnnviz.app.application.release_windows`). A window hidden while
another stays shown is collected at once (unfreeze, collect, freeze again), so nothing it held
waits for the other window to close.
"""

from __future__ import annotations

import gc

from PyQt6 import sip
from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtWidgets import QWidget

#: How often the UI thread looks at the allocation counts (milliseconds). A look costs a
#: microsecond; CPython's own thresholds decide whether it collects.
PERIOD_MS = 100

_shown: dict[int, UiCollector] = {}  # the collectors whose window is shown, by key
_enabled_before = True  # whether automatic collection was on before the first window showed


def due_generation() -> int | None:
    """The generation CPython's thresholds ask to collect now (the oldest due), or None.

    ``gc.get_count()`` counts allocations minus deallocations since the last collection of
    generation 0, collections of generation 0 since the last of generation 1, and of 1 since
    the last of 2; a generation is due when its count exceeds its threshold (a threshold of 0
    turns collection off). CPython also waits with the oldest generation until a quarter of it
    is new since its last collection; not here: with the window frozen it is small.
    """
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] == 0:
        return None
    for gen in (2, 1, 0):
        if counts[gen] > thresholds[gen]:
            return gen
    return None


class UiCollector(QObject):
    """The collection policy of ``window`` (see the module docstring): on while it is shown.

    Parameters
    ----------
    window : QWidget
        Owner; its Show and Hide events switch the policy on and off.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._timer = QTimer(self)
        self._timer.setInterval(PERIOD_MS)
        self._timer.timeout.connect(self.collect_due)
        #: Collections made, by generation (for tests and benchmarks).
        self.collections = [0, 0, 0]
        self._key = id(self)
        window.installEventFilter(self)
        if window.isVisible():
            self.start()

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Switch on when the window is shown, off when it is hidden or closed."""
        if obj is self._window and event is not None:
            if event.type() == QEvent.Type.Show:
                self.start()
            elif event.type() == QEvent.Type.Hide:
                self.stop()
        return False

    @property
    def active(self) -> bool:
        """Whether the policy is on for this window."""
        return _shown.get(self._key) is self

    def start(self) -> None:
        """Collect on the UI thread only, and freeze the objects that exist now."""
        global _enabled_before
        _prune()
        if self.active:
            return
        if not _shown:
            _enabled_before = gc.isenabled()
            gc.disable()
        _shown[self._key] = self
        gc.collect(1)  # young garbage is not frozen with the window
        gc.freeze()
        self._timer.start()

    def stop(self) -> None:
        """The window is hidden: unfreeze, and give automatic collection back after the last."""
        _prune()
        if not self.active:
            return
        self._timer.stop()
        del _shown[self._key]
        gc.unfreeze()
        if _shown:  # another window stays: what this one held is collected now
            gc.collect()
            gc.freeze()
        elif _enabled_before:
            gc.enable()

    def collect_due(self) -> None:
        """Collect the generation CPython's thresholds ask for, if any (on the UI thread)."""
        gen = due_generation()
        if gen is not None:
            gc.collect(gen)
            self.collections[gen] += 1


def _prune() -> None:
    """Forget the collectors deleted with their window while it was shown (a window deleted
    without being closed gets no Hide event); after the last, nothing stays frozen and automatic
    collection is given back. Run from the UI thread's events, never inside a collection."""
    for key, collector in list(_shown.items()):
        if sip.isdeleted(collector):
            del _shown[key]
            if not _shown:
                gc.unfreeze()
                if _enabled_before:
                    gc.enable()


def release_all() -> None:
    """Switch every window's policy off: nothing frozen, automatic collection as before the first.

    For :func:`rnnviz.app.application.release_windows`: a frozen closed window would not be
    collected there.
    """
    _prune()
    for collector in list(_shown.values()):
        collector.stop()
