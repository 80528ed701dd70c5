"""Stopping a headless run cleanly: Ctrl-C, SIGTERM and SIGHUP all mean "save and exit".

The first signal only sets :attr:`StopSignals.signum`; the training loop reads it between steps,
so the step in progress completes, the checkpoint is written whole and the summary printed. A
second signal (the user insists) raises KeyboardInterrupt at once, wherever the program is, and
from then on further signals are ignored so that the clean exit that follows cannot be broken by a
third one (which used to print a traceback). An interrupted save leaves the previous checkpoint
untouched and no temporary file (see :mod:`rnnviz.train.safe_write`).

Exit statuses follow the shell's convention, 128 + the signal number: 130 for Ctrl-C (SIGINT),
143 for SIGTERM, 129 for SIGHUP.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

# Signals that ask a run to stop (SIGHUP does not exist on Windows).
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def exit_status(signum: int) -> int:
    """The shell's exit status for a process ended by ``signum``: 128 + signum."""
    return 128 + int(signum)


def signal_name(signum: int) -> str:
    """ "Ctrl-C" for SIGINT, else the signal's name ("SIGTERM", "SIGHUP")."""
    if signum == signal.SIGINT:
        return "Ctrl-C"
    try:
        return signal.Signals(signum).name
    except ValueError:  # pragma: no cover - a number without a name
        return f"signal {signum}"


class StopSignals:
    """Context manager: while active, stop signals are requests read by a loop.

    Attributes
    ----------
    signum : int or None
        The first stop signal received, None if none was.

    Parameters
    ----------
    exiting : bool
        The process ends when the block does (the command line's own process): after a stop
        signal, further ones stay ignored instead of getting their old handlers back, so that a
        Ctrl-C during interpreter shutdown cannot print a traceback.

    Notes
    -----
    Handlers can only be installed from the main thread; elsewhere the manager does nothing
    (signals keep their previous handlers). The previous handlers are restored on exit.
    """

    def __init__(self, exiting: bool = False) -> None:
        self.signum: int | None = None
        self._exiting = exiting
        self._old: dict[int, Any] = {}

    def __enter__(self) -> StopSignals:
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                self._old[s] = signal.signal(s, self._handler)
        return self

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is None:
            self.signum = signum
            return
        for s in self._old:  # the user insists: stop now, and let nothing break the exit
            signal.signal(s, signal.SIG_IGN)
        raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        for s, old in self._old.items():
            if self._exiting and self.signum is not None:
                old = signal.SIG_IGN
            signal.signal(s, old if old is not None else signal.SIG_DFL)
        self._old = {}
