"""Build a Trainer in a background thread, so loading a big corpus never freezes the window.

Reading and encoding a user's text file takes about 1.6 s for 50 MB; a checkpoint may need its
corpus too. :class:`TrainerLoader` runs the factory (``Trainer(run)``, ``Trainer.load(path)``) in
a daemon thread and reports back through queued signals, tagged with a request number so that
only the newest request is acted upon (an older one finishing late is ignored).
"""

from __future__ import annotations

import contextlib
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from rnnviz.app.worker import user_errors


class TrainerLoader(QObject):
    """Runs trainer factories off the UI thread, newest request wins.

    The object has no Qt parent: each thread's closure keeps it alive until the thread ends, so
    a late result never reaches a deleted C++ object.

    Signals
    -------
    ready(int, object)
        (request, Trainer) when the factory returned.
    failed(int, str)
        (request, message): a user mistake (one line) or an unexpected error (type and text).
    """

    ready = pyqtSignal(int, object)
    failed = pyqtSignal(int, str)

    def __init__(self) -> None:
        super().__init__()
        self._request = 0
        self._threads: dict[int, threading.Thread] = {}
        self._closed = False

    @property
    def request(self) -> int:
        """Number of the newest request (0 before the first)."""
        return self._request

    def busy(self) -> bool:
        """Whether the newest request is still being built."""
        thread = self._threads.get(self._request)
        return thread is not None and thread.is_alive()

    def load(self, factory: Callable[[], Any]) -> int:
        """Start ``factory()`` in a new thread; returns the request number it reports with."""
        self._request += 1
        request = self._request
        thread = threading.Thread(
            target=self._build, args=(request, factory), name=f"rnnviz-load-{request}", daemon=True
        )
        self._threads = {k: t for k, t in self._threads.items() if t.is_alive()}
        self._threads[request] = thread
        thread.start()
        return request

    def cancel(self) -> None:
        """Forget every pending request (their results will be ignored)."""
        self._request += 1

    def close(self) -> None:
        """Report nothing more (the window is closing)."""
        self._closed = True
        self.cancel()

    def _build(self, request: int, factory: Callable[[], Any]) -> None:
        try:
            trainer = factory()
        except user_errors() as exc:
            self._report(self.failed, request, str(exc))
        except (KeyError, FileNotFoundError) as exc:
            self._report(self.failed, request, str(exc).strip("'\""))
        except Exception as exc:  # anything else must reach the user too
            print(traceback.format_exc(), file=sys.stderr)
            summary = f"{type(exc).__name__}: {exc}".splitlines()[0]
            self._report(self.failed, request, f"Could not build the run: {summary}")
        else:
            self._report(self.ready, request, trainer)

    def _report(self, signal: Any, request: int, payload: object) -> None:
        if self._closed or request != self._request:
            return
        with contextlib.suppress(RuntimeError):  # the window is already gone
            signal.emit(request, payload)
