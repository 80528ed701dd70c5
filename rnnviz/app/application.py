"""One way to create (or reuse) the QApplication: window, screenshots and benchmarks."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

from PyQt6.QtCore import (
    QCoreApplication,
    QEvent,
    QMessageLogContext,
    QtMsgType,
    qInstallMessageHandler,
)
from PyQt6.QtWidgets import QApplication

from rnnviz.app import teardown
from rnnviz.app.collector import release_all
from rnnviz.app.style import apply_theme

# Messages Qt prints that carry no information for a user of rnnviz. The offscreen platform
# (screenshots, benchmarks, CI) says these once per top-level window (a floating dock too).
_NOISE = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
)


def _message_handler(kind: QtMsgType, _context: QMessageLogContext, message: str | None) -> None:
    text = message or ""
    if any(noise in text for noise in _NOISE):
        return
    if kind != QtMsgType.QtDebugMsg:
        print(text, file=sys.stderr)


def use_offscreen() -> None:
    """Render without a display (unless the user chose a platform explicitly)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_app(argv: Sequence[str] = (), scale: float = 1.0, quiet: bool = True) -> QApplication:
    """The QApplication, created on first use, with the rnnviz theme applied.

    Parameters
    ----------
    argv : sequence of str
        Extra Qt arguments (rarely needed).
    scale : float
        Font scale factor (see :func:`rnnviz.app.style.apply_theme`).
    quiet : bool
        Drop Qt's offscreen-platform chatter from stderr (only when this call creates the app,
        so test harnesses keep their own message handler).
    """
    app = QApplication.instance()
    if app is None:
        if quiet:
            qInstallMessageHandler(_message_handler)
        app = QApplication(["rnnviz", *argv])
        app.setApplicationName("rnnviz")
        app.setOrganizationName("rnnviz")
    assert isinstance(app, QApplication)
    apply_theme(app, scale)
    return app


def release_windows() -> None:
    """Free closed windows now, while Python and the QApplication are fully alive.

    Call it after dropping the last name for a closed top-level window and for every widget of
    it (a name for one widget still held by the calling frame keeps the whole window alive: the
    widget's children reach the window through their connected closures). Such a window has no Qt
    parent, and its Python side sits in reference cycles through its own children (actions with
    connected closures), so dropping the name does not free it: it would live on, with its
    loader and pyqtgraph's parentless menus, until PyQt's clean-up at interpreter exit deletes
    every parentless QObject while walking sip's table of wrappers (the QApplication possibly
    before the window). Deleting an object there releases the last references to its own
    wrapper, and the walk reads freed memory: ``rnnviz gui`` closed within a second of opening
    segfaulted about 1 time in 6. Collecting the cycles here deletes all of it in order instead.
    A window's collection policy is switched off first (:func:`rnnviz.app.collector.release_all`):
    frozen objects are not collected.
    (Deleting the C++ window first, by ``sip.delete`` or ``deleteLater``, does not help: the
    proxies holding its connected closures outlive it and keep its Python side alive.)

    A window closed with ``WA_DeleteOnClose`` (replay, compare) is that case: Qt deleted it while
    the event loop ran, and PyQt's proxies for its closures are deleted by a queued call, which
    then posts their ``deleteLater``. With the event loop over nothing delivers those, and the
    proxies kept the window's Python side and its parentless menus (28 objects for a replay) for
    the exit clean-up. So: the closed windows go first, then those two kinds of posted event are
    delivered, and what the proxies held is collected.

    Worker threads still in a step their window did not wait for end first
    (:func:`rnnviz.app.teardown.finish`): none runs Python while their Qt objects are deleted.
    """
    teardown.finish()
    release_all()
    gc.collect()
    app = QCoreApplication.instance()
    if app is not None:
        app.sendPostedEvents(None, QEvent.Type.MetaCall.value)  # the proxies' deleteLater
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)  # the proxies go
    gc.collect()
