"""File > Open Recent: the corpora and checkpoints opened (or saved) lately, newest first.

The lists live in the settings store (``recent/corpus``, ``recent/checkpoint``), at most
:data:`MAX_RECENT` absolute paths each. The menu is rebuilt every time it opens, so a file that
has gone since is shown greyed out ("not found"), and one that vanishes between opening the menu
and choosing it is removed with a message instead of failing later.
"""

from __future__ import annotations

import os

from PyQt6.QtCore import pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QMenu, QWidget

from rnnviz.app.settings import Settings
from rnnviz.config import RunConfig

MAX_RECENT = 8
KINDS = ("corpus", "checkpoint")
SECTION_TITLES = {"corpus": "Corpora", "checkpoint": "Checkpoints"}


class RecentFiles:
    """Bounded lists of recently used files, one per kind, kept in the settings store.

    Parameters
    ----------
    settings : Settings
        Where the lists are stored.
    limit : int
        Most paths kept per kind.
    """

    def __init__(self, settings: Settings, limit: int = MAX_RECENT) -> None:
        self._settings = settings
        self.limit = limit

    @staticmethod
    def _key(kind: str) -> str:
        if kind not in KINDS:
            raise ValueError(f"unknown kind of recent file {kind!r}")
        return f"recent/{kind}"

    def paths(self, kind: str) -> list[str]:
        """The remembered paths of ``kind``, newest first."""
        return self._settings.texts(self._key(kind))[: self.limit]

    def add(self, kind: str, path: str) -> None:
        """Put ``path`` first (once), dropping the oldest beyond the limit."""
        path = os.path.abspath(path)
        paths = [path] + [p for p in self.paths(kind) if p != path]
        self._settings.set(self._key(kind), paths[: self.limit])
        self._settings.sync()

    def remove(self, kind: str, path: str) -> None:
        """Forget ``path``."""
        self._settings.set(self._key(kind), [p for p in self.paths(kind) if p != path])
        self._settings.sync()

    def note_run(self, run: RunConfig) -> None:
        """Remember the corpus file ``run`` trains on (a bundled corpus is not a file)."""
        from rnnviz.tasks.corpus import corpus_names

        corpus = run.task.options.get("corpus") if run.task.name == "text" else None
        if isinstance(corpus, str) and corpus not in corpus_names() and os.path.isfile(corpus):
            self.add("corpus", corpus)

    def clear(self) -> None:
        """Forget every recent file."""
        self._settings.remove(*(self._key(kind) for kind in KINDS))
        self._settings.sync()


def entry_text(path: str) -> str:
    """How a recent file reads in the menu: its name, then its folder."""
    folder = os.path.dirname(path)
    home = os.path.expanduser("~")
    if folder == home or folder.startswith(home + os.sep):
        folder = "~" + folder[len(home) :]
    return f"{os.path.basename(path)}  —  {folder}"


class RecentMenu(QMenu):
    """The "Open Recent" submenu.

    Signals
    -------
    openRequested(str, str)
        (kind, path) of the file chosen; it existed when chosen.
    message(str)
        Something to tell the user (a chosen file that no longer exists).
    """

    openRequested = pyqtSignal(str, str)
    message = pyqtSignal(str)

    def __init__(self, recent: RecentFiles, parent: QWidget | None = None) -> None:
        super().__init__("Open &Recent", parent)
        self.recent = recent
        self.setToolTipsVisible(True)
        self.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        """List every remembered file; the missing ones greyed out.

        The old entries are deleted later, not at once: a rebuild may run inside one of them
        (Clear recent), and deleting an action while it emits ``triggered`` crashes.
        """
        for old in self.actions():
            self.removeAction(old)
            old.deleteLater()
        missing = 0
        for kind in KINDS:
            paths = self.recent.paths(kind)
            if paths:
                self.addSection(SECTION_TITLES[kind])
            for path in paths:
                entry = self._entry(kind, path)
                missing += not entry.isEnabled()
                self.addAction(entry)
        self.addSeparator()
        if missing:
            forget = QAction(f"Remove missing files ({missing})", self)
            forget.triggered.connect(self._remove_missing)
            self.addAction(forget)
        clear = QAction("Clear recent", self)
        clear.setEnabled(any(self.recent.paths(kind) for kind in KINDS))
        clear.triggered.connect(self._clear)
        self.addAction(clear)

    def _entry(self, kind: str, path: str) -> QAction:
        act = QAction(entry_text(path), self)
        if os.path.isfile(path):
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, k=kind, p=path: self._choose(k, p))
        else:
            act.setText(entry_text(path) + "  (not found)")
            act.setToolTip(f"{path} no longer exists")
            act.setEnabled(False)
        return act

    def _choose(self, kind: str, path: str) -> None:
        if not os.path.isfile(path):  # gone since the menu opened
            self.recent.remove(kind, path)
            self.message.emit(f"{path} no longer exists; it was removed from Open Recent")
            return
        self.openRequested.emit(kind, path)

    def _remove_missing(self) -> None:
        for kind in KINDS:
            for path in self.recent.paths(kind):
                if not os.path.isfile(path):
                    self.recent.remove(kind, path)
        self.rebuild()

    def _clear(self) -> None:
        self.recent.clear()
        self.rebuild()
