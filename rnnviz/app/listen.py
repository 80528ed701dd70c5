"""Qt objects listening to a RunModel: a callback that ends with the object it belongs to.

A RunModel calls plain functions (it knows no Qt). A view that registers its method must not be
called once Qt has deleted it, and must not reach into a run model that Python is tearing down
at exit either; :func:`listen` registers a guard that calls ``fn`` while ``owner`` lives and
unsubscribes itself the first time it finds ``owner`` gone.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6 import sip
from PyQt6.QtCore import QObject

from rnnviz.train.runmodel import RunModel


def listen(owner: QObject, run_model: RunModel, fn: Callable[[frozenset[str]], None]) -> None:
    """Call ``fn(parts)`` on every change of ``run_model`` while ``owner`` is alive."""
    unsubscribe: Callable[[], None] | None = None

    def guarded(parts: frozenset[str]) -> None:
        if sip.isdeleted(owner):
            if unsubscribe is not None:
                unsubscribe()
            return
        fn(parts)

    unsubscribe = run_model.on_change(guarded)
