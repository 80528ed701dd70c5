"""What the window remembers between launches: geometry, dock layout, the last run, folders.

Everything lives in one QSettings store in INI format in the user's configuration folder
(organisation and application "rnnviz": ``~/.config/rnnviz/rnnviz.ini`` on Linux). Remembering
is a convenience, never a reason not to start: every value read back is checked, and one of the
wrong type, a preset that no longer exists, a corpus file that is gone, a geometry off every
screen or a damaged file is dropped quietly and the default used instead.

Tests point the store at a temporary folder (``QSettings.setPath``) and never touch the user's.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import QByteArray, QRect, QSettings
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QMainWindow

from rnnviz.config import ConfigError, RunConfig

ORGANISATION = "rnnviz"
APPLICATION = "rnnviz"
# Keys of the store; "recent/<kind>" lists are kept by rnnviz.app.recent.
GEOMETRY, FRAME, DOCKS = "window/geometry", "window/frame", "window/docks"
RUN, PRESET = "run/config", "run/preset"
FOLDER = "dialogs/folder"
# A restored window must show at least this much of itself on some screen (pixels).
MIN_VISIBLE = 120


def store() -> QSettings:
    """The user's settings file (INI format on every platform)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


@dataclass(frozen=True)
class RememberedRun:
    """The run the window showed when it was last closed."""

    run: RunConfig
    preset: str | None  # the preset it came from, if that preset still exists


class Settings:
    """Typed, checked access to the store.

    Parameters
    ----------
    qsettings : QSettings, optional
        The store to use; :func:`store` by default.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings if qsettings is not None else store()

    # ------------------------------------------------------------------ typed reads
    def _value(self, key: str) -> Any:
        try:
            return self._q.value(key)
        except Exception:  # a damaged entry Qt cannot turn into a value
            return None

    def text(self, key: str) -> str | None:
        """The string at ``key``, or None (missing or not a string)."""
        value = self._value(key)
        return value if isinstance(value, str) and value else None

    def texts(self, key: str) -> list[str]:
        """The list of strings at ``key`` (stored as JSON); [] when missing or damaged."""
        try:
            items = json.loads(self.text(key) or "[]")
        except ValueError:
            return []
        if not isinstance(items, list):
            return []
        return [item for item in items if isinstance(item, str) and item]

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set(self, key: str, value: str | list[str] | QByteArray) -> None:
        """Store ``value`` at ``key`` (a list as JSON); nothing is written until :meth:`sync`."""
        self._q.setValue(key, json.dumps(value) if isinstance(value, list) else value)

    def remove(self, *keys: str) -> None:
        """Forget ``keys``."""
        for key in keys:
            self._q.remove(key)

    def sync(self) -> None:
        """Write pending changes to the file (Qt also does it on exit)."""
        self._q.sync()

    # ------------------------------------------------------------------ the window
    def save_window(self, window: QMainWindow) -> None:
        """Remember the window's geometry and its dock layout."""
        frame = window.frameGeometry()
        self.set(GEOMETRY, window.saveGeometry())
        self.set(FRAME, [str(v) for v in (frame.x(), frame.y(), frame.width(), frame.height())])
        self.set(DOCKS, window.saveState())

    def restore_window(self, window: QMainWindow) -> bool:
        """Give ``window`` its remembered geometry and dock layout, if they are usable.

        Returns False (the window keeps its defaults) when nothing usable was remembered: no
        geometry, one Qt cannot read, or one that would put the window off every screen.
        """
        geometry, docks, frame = self._bytes(GEOMETRY), self._bytes(DOCKS), self.texts(FRAME)
        if geometry is None or not _on_screen_frame(frame):
            return False  # Qt would move an off-screen window into view: the default instead
        before = window.geometry()
        if not window.restoreGeometry(geometry) or not on_screen(window.frameGeometry()):
            window.setGeometry(before)
            return False
        if docks is not None:
            window.restoreState(docks)  # False (ignored) for a layout Qt cannot read
        return True

    # ------------------------------------------------------------------ the run
    def save_run(self, run: RunConfig, preset: str | None) -> None:
        """Remember the run on screen (its settings, and the preset it came from)."""
        self.set(RUN, json.dumps(run.to_dict()))
        if preset:
            self.set(PRESET, preset)
        else:
            self.remove(PRESET)

    def last_run(self) -> RememberedRun | None:
        """The remembered run, or None when there is none or it cannot be used any more.

        A run is dropped when its record is damaged or invalid, or when it trains on a file
        that is no longer there; a preset name that no longer exists is dropped with its run.
        """
        from rnnviz.presets import preset_names

        text = self.text(RUN)
        if text is None:
            return None
        try:
            run = RunConfig.from_dict(json.loads(text)).validate()
        except (ValueError, TypeError, ConfigError):
            return None
        preset = self.text(PRESET)
        if preset is not None and preset not in preset_names():
            return None
        if not _corpus_available(run):
            return None
        return RememberedRun(run, preset)

    # ------------------------------------------------------------------ dialogs
    def folder(self) -> str:
        """The folder a file dialog starts in: the last one used, if it still exists."""
        folder = self.text(FOLDER)
        return folder if folder is not None and os.path.isdir(folder) else ""

    def set_folder_of(self, path: str) -> None:
        """Start the next file dialog where ``path`` is."""
        folder = os.path.dirname(os.path.abspath(path))
        if os.path.isdir(folder):
            self.set(FOLDER, folder)

    def forget_layout_and_run(self) -> None:
        """Forget the geometry, dock layout and run (recent files and folders stay)."""
        self.remove(GEOMETRY, FRAME, DOCKS, RUN, PRESET)
        self.sync()


def on_screen(rect: QRect) -> bool:
    """Whether at least MIN_VISIBLE x MIN_VISIBLE pixels of ``rect`` lie on some screen."""
    for screen in QGuiApplication.screens():
        seen = rect.intersected(screen.availableGeometry())
        if seen.width() >= MIN_VISIBLE and seen.height() >= MIN_VISIBLE:
            return True
    return False


def _on_screen_frame(frame: list[str]) -> bool:
    """Whether a remembered frame ([x, y, width, height] as text) is on some screen."""
    try:
        x, y, w, h = (int(v) for v in frame)
    except ValueError:  # damaged, or not four numbers
        return False
    return on_screen(QRect(x, y, w, h))


def _corpus_available(run: RunConfig) -> bool:
    """False when ``run`` trains on a user file that is gone (or is no longer a file)."""
    from rnnviz.tasks.corpus import corpus_names

    corpus = run.task.options.get("corpus") if run.task.name == "text" else None
    if not isinstance(corpus, str) or corpus in corpus_names():
        return True
    return os.path.isfile(corpus)
