"""The window's Record toggle and File → Open recording….

Record asks where to write, then hands every update the window receives to a
:class:`~rnnviz.train.recording.Recorder` (frames on its schedule, every step, samples, the
configuration: the file ``rnnviz record`` writes); unchecking it, closing the window, or a new
run (Reset, Apply, a loaded checkpoint: the recorder holds one run) closes the file. The status
bar shows "● REC" and the file's size while recording. Open recording… opens a
:class:`~rnnviz.app.replay_window.ReplayWindow`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6 import sip
from PyQt6.QtCore import QObject
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QLabel, QMainWindow

from rnnviz.app import files
from rnnviz.app.replay_window import ReplayWindow, open_replay
from rnnviz.app.settings import Settings
from rnnviz.config import RunConfig
from rnnviz.train.recording import Recorder, RecordingError
from rnnviz.train.update import Update

SUFFIX = ".rnnrec"


class RecordToggle(QObject):
    """Record and Open recording… for a window (see the module docstring).

    Parameters
    ----------
    window : QMainWindow
        Its status bar shows the recording; dialogs are its children.
    run : callable
        ``run()`` -> the RunConfig of the run shown, or None when there is none.
    run_id : callable
        ``run_id()`` -> the id of the run shown (updates of another run end a recording).
    settings : Settings
    tell : callable
        ``tell(text, level)`` one-line messages.
    """

    def __init__(
        self,
        window: QMainWindow,
        run: Callable[[], RunConfig | None],
        run_id: Callable[[], str],
        settings: Settings,
        tell: Callable[[str, str], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self._run, self._run_id, self.settings, self._tell = run, run_id, settings, tell
        self.recorder: Recorder | None = None
        self.replays: list[ReplayWindow] = []
        self.action = QAction("&Record…", self)
        self.action.setCheckable(True)
        self.action.setShortcut("Ctrl+R")
        self.action.setToolTip("Record this run (frames, every step, samples) to replay later")
        self.action.toggled.connect(self._toggled)
        self.open_action = QAction("Open &recording…", self)
        self.open_action.setToolTip("Replay a recorded run with a timeline (no training)")
        self.open_action.triggered.connect(lambda: self.open_recording())
        self.badge = QLabel()
        self.badge.setStyleSheet("color: #c62828; font-weight: bold; padding: 0 6px;")
        self.badge.setVisible(False)
        window.statusBar().addPermanentWidget(self.badge)

    @property
    def recording(self) -> bool:
        return self.recorder is not None and not self.recorder.closed

    def start(self, path: str | None = None) -> bool:
        """Start recording to ``path`` (asked if None); True if recording."""
        if self.recording:
            return True
        run = self._run()
        if run is None:
            self._tell("nothing to record yet: no run is loaded", "warning")
            self._uncheck()
            return False
        path = path or files.ask_save_path(
            self.window, "Record to", "recording", f"run{SUFFIX}", self.settings
        )
        if not path:
            self._uncheck()
            return False
        try:
            self.recorder = Recorder(path, run, self._run_id())
        except RecordingError as exc:
            self._tell(str(exc), "error")
            self._uncheck()
            return False
        self._show_badge()
        self.action.blockSignals(True)
        self.action.setChecked(True)
        self.action.blockSignals(False)
        self._tell(f"Recording to {path}", "info")
        return True

    def stop(self, why: str = "") -> Path | None:
        """Close the recording; returns its path (None if none was open)."""
        rec, self.recorder = self.recorder, None
        self._uncheck()
        self.badge.setVisible(False)
        if rec is None:
            return None
        rec.close(why)
        reason = rec.closed_because or why
        self._tell(
            f"Recording saved: {rec.path} ({rec.frames_written} frames, "
            f"{rec.bytes_written / 1e6:.1f} MB)" + (f"; {reason}" if reason else ""),
            "info",
        )
        return rec.path

    def add(self, update: Update) -> None:
        """Hand ``update`` to the recording (nothing when not recording)."""
        rec = self.recorder
        if rec is None:
            return
        rec.add(update)
        if rec.closed:  # another run: the recorder ended itself
            self.stop(rec.closed_because)
        else:
            self._show_badge()

    def open_recording(self, path: str | None = None) -> ReplayWindow | None:
        """Open a recording in a replay window."""
        path = path or files.ask_open_path(
            self.window, "Open recording", "recording", self.settings
        )
        if not path:
            return None
        opened = open_replay(path, self.window)
        if isinstance(opened, str):
            self._tell(opened, "error")
            return None
        self.replays = [w for w in self.replays if not sip.isdeleted(w)] + [opened]
        return opened

    def _toggled(self, on: bool) -> None:
        if on:
            self.start()
        else:
            self.stop()

    def _uncheck(self) -> None:
        self.action.blockSignals(True)
        self.action.setChecked(False)
        self.action.blockSignals(False)

    def _show_badge(self) -> None:
        rec = self.recorder
        if rec is not None:
            self.badge.setText(f"● REC {rec.bytes_written / 1e6:.1f} MB")
            self.badge.setToolTip(f"Recording to {rec.path}; File ▸ Record… stops it")
            self.badge.setVisible(True)
