"""Files the window opens and saves: the dialogs, and files dropped onto the window.

Every file dialog offers "All files (*)": a corpus is any UTF-8 text, and notes often have no
extension at all, so the corpus dialog starts on All files; the checkpoint and picture dialogs
start on their own type. Dialogs open in the folder last used (remembered in the settings).

A dropped file is opened like one chosen with Open…, Load checkpoint… or Open recording…:
:func:`dropped_file` says which file was dropped (or why the drop is refused) and
:func:`kind_of` whether it is a checkpoint, a recording or a text; the window then takes the
same path as the menu commands.
"""

from __future__ import annotations

import os

from PyQt6.QtCore import QMimeData
from PyQt6.QtWidgets import QFileDialog, QWidget

from rnnviz.app.settings import Settings
from rnnviz.train.chunks import is_recording_file

ALL_FILES = "All files (*)"
# Name filters of each kind of file, the one the dialog starts on first.
FILTERS = {
    "corpus": (ALL_FILES, "Text files (*.txt *.md *.rst *.py *.csv)"),
    "checkpoint": ("rnnviz checkpoints (*.npz)", ALL_FILES),
    "png": ("PNG images (*.png)", ALL_FILES),
    "svg": ("SVG drawings (*.svg)", ALL_FILES),
    "gif": ("Animated GIF (*.gif)", ALL_FILES),
    "mp4": ("MP4 video (*.mp4)", ALL_FILES),
    "csv": ("CSV tables (*.csv)", ALL_FILES),
    "recording": ("rnnviz recordings (*.rnnrec)", ALL_FILES),
}
# A checkpoint is a zip archive (NumPy's .npz): its first bytes.
ZIP_MAGIC = b"PK\x03\x04"


def _filters(kind: str) -> str:
    return ";;".join(FILTERS[kind])


def ask_open_path(parent: QWidget, title: str, kind: str, settings: Settings) -> str | None:
    """Ask for an existing file of ``kind``; None when the user cancels."""
    path, _ = QFileDialog.getOpenFileName(
        parent, title, settings.folder(), _filters(kind), FILTERS[kind][0]
    )
    if not path:
        return None
    settings.set_folder_of(path)
    return path


def ask_save_path(
    parent: QWidget, title: str, kind: str, name: str, settings: Settings
) -> str | None:
    """Ask where to save a file of ``kind`` (suggesting ``name``); None when cancelled."""
    suggested = os.path.join(settings.folder(), name) if settings.folder() else name
    path, _ = QFileDialog.getSaveFileName(
        parent, title, suggested, _filters(kind), FILTERS[kind][0]
    )
    if not path:
        return None
    settings.set_folder_of(path)
    return path


def dropped_file(mime: QMimeData | None) -> tuple[str | None, str]:
    """The one local file in a drop, or None and why the drop cannot be opened.

    Returns
    -------
    path : str or None
        The file's path when exactly one local file (not a folder) was dropped.
    problem : str
        Empty when ``path`` is given; otherwise what to tell the user ("" when the drop holds
        no files at all, e.g. dragged text, which is simply not accepted).
    """
    if mime is None or not mime.hasUrls():
        return None, ""
    paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
    if not paths:
        return None, "only files on this computer can be opened (not web addresses)"
    if len(paths) > 1:
        return None, f"{len(paths)} files were dropped: drop one text file or one checkpoint"
    path = paths[0]
    if os.path.isdir(path):
        return None, f"{path} is a folder: drop a text file or a checkpoint (.npz)"
    return path, ""


def kind_of(path: str) -> str:
    """ "checkpoint" for an .npz file or any zip archive, "recording" for a file that starts
    with a recording's signature, else "corpus".

    Only a regular file is looked into (reading a FIFO or a device could block); anything
    else is judged by its name and left to the loaders, which refuse it with a message.
    """
    if path.lower().endswith(".npz"):
        return "checkpoint"
    if is_recording_file(path):
        return "recording"
    if os.path.isfile(path):
        try:
            with open(path, "rb") as f:
                if f.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
                    return "checkpoint"
        except OSError:
            pass  # the corpus reader will say what is wrong with it
    return "corpus"
