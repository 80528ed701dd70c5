"""Every file dialog offers All files; dropping a text file or a checkpoint opens it like the
menu commands do (same questions, same checks, same messages)."""

from __future__ import annotations

import ast
import os
import zipfile
from pathlib import Path

import pytest
from PyQt6.QtCore import QMimeData, QPointF, Qt, QUrl
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import QFileDialog
from test_main_window import WAIT_MS, step_of

from rnnviz.app import files
from rnnviz.app.main_window import MainWindow

APP = Path(files.__file__).resolve().parent
TEXT = "words to train on, dropped onto the tiny_window. " * 40


class Dialogs:
    """Stands in for QFileDialog: records every (title, filters, selected filter), cancels."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[tuple[str, str, str]] = []
        monkeypatch.setattr(QFileDialog, "getOpenFileName", self.answer)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", self.answer)

    def answer(self, parent, title: str, folder: str, filters: str, selected: str = ""):
        self.seen.append((title, filters, selected))
        return "", ""


def test_every_file_dialog_offers_all_files(
    qtbot, tiny_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogs = Dialogs(monkeypatch)
    assert not tiny_window.open_corpus()
    assert not tiny_window.load_checkpoint()
    tiny_window.save_checkpoint()
    tiny_window.save_screenshot_dialog()
    tiny_window.step_once()
    qtbot.waitUntil(lambda: step_of(tiny_window) == 1, timeout=WAIT_MS)
    tiny_window.ask_unsaved = lambda *question: "save"
    tiny_window.close()  # Save… first asks where; cancelled, so the tiny_window stays open
    assert tiny_window.isVisible()
    tiny_window.ask_unsaved = lambda *question: "discard"
    titles = [title for title, _, _ in dialogs.seen]
    assert titles == [
        "Open a text file to train on",
        "Load checkpoint",
        "Save checkpoint",
        "Save screenshot",
        "Save checkpoint",
    ]
    for title, filters, _ in dialogs.seen:
        assert files.ALL_FILES in filters.split(";;"), title
    # A corpus may be any text file, with or without an extension: the dialog starts on them all.
    assert dialogs.seen[0][2] == files.ALL_FILES


def test_no_file_dialog_bypasses_the_one_module() -> None:
    """Every dialog goes through rnnviz.app.files, so none can forget All files."""
    users = []
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        if names & {"getOpenFileName", "getSaveFileName", "getOpenFileNames"}:
            users.append(path.name)
    assert users == ["files.py"]


def test_kind_of_a_file_is_read_from_its_name_or_first_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.npz").write_bytes(b"anything")
    with zipfile.ZipFile(tmp_path / "saved-run", "w") as z:  # a checkpoint renamed
        z.writestr("x.npy", b"")
    (tmp_path / "notes").write_text(TEXT, encoding="utf-8")
    assert files.kind_of(str(tmp_path / "a.npz")) == "checkpoint"
    assert files.kind_of(str(tmp_path / "saved-run")) == "checkpoint"
    assert files.kind_of(str(tmp_path / "notes")) == "corpus"
    assert files.kind_of(str(tmp_path / "missing")) == "corpus"  # the loader will say so
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")
        assert files.kind_of(str(tmp_path / "fifo")) == "corpus"  # not read: it would block


def mime_of(*urls: QUrl) -> QMimeData:
    mime = QMimeData()
    mime.setUrls(list(urls))
    return mime


def drop(window: MainWindow, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    return event


def test_dragging_files_is_accepted_and_text_is_not(
    tiny_window: MainWindow, tmp_path: Path
) -> None:
    assert tiny_window.acceptDrops()
    for mime, accepted in (
        (mime_of(QUrl.fromLocalFile(str(tmp_path / "a.txt"))), True),
        (QMimeData(), False),
    ):
        if not accepted:
            mime.setText("just some text")
        event = QDragEnterEvent(
            QPointF(10, 10).toPoint(),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        tiny_window.dragEnterEvent(event)
        assert event.isAccepted() == accepted


def test_a_dropped_text_file_becomes_the_corpus(
    qtbot, tiny_window: MainWindow, tmp_path: Path
) -> None:
    corpus = tmp_path / "lecture notes"
    corpus.write_text(TEXT, encoding="utf-8")
    drop(tiny_window, mime_of(QUrl.fromLocalFile(str(corpus))))
    qtbot.waitUntil(
        lambda: tiny_window.trainer.run.task.options.get("corpus") == str(corpus), timeout=WAIT_MS
    )
    assert tiny_window.recent.paths("corpus") == [str(corpus)]


def test_a_dropped_checkpoint_asks_before_discarding_weights_like_load(
    qtbot, tiny_window: MainWindow, tmp_path: Path
) -> None:
    tiny_window.step_once()
    qtbot.waitUntil(lambda: step_of(tiny_window) == 1, timeout=WAIT_MS)
    ckpt = tmp_path / "one.npz"
    tiny_window.save_checkpoint(str(ckpt))
    qtbot.waitUntil(lambda: ckpt.exists(), timeout=WAIT_MS)
    tiny_window.step_once()
    qtbot.waitUntil(lambda: step_of(tiny_window) == 2, timeout=WAIT_MS)
    tiny_window.confirm.answer = False
    drop(tiny_window, mime_of(QUrl.fromLocalFile(str(ckpt))))
    assert tiny_window.confirm.asked == ["Load this checkpoint?"]
    assert not tiny_window.loading() and tiny_window.trainer.step_count == 2
    tiny_window.confirm.answer = True
    drop(tiny_window, mime_of(QUrl.fromLocalFile(str(ckpt))))
    qtbot.waitUntil(lambda: step_of(tiny_window) == 1, timeout=WAIT_MS)  # step 1 is back
    assert tiny_window.confirm.asked == ["Load this checkpoint?"] * 2


@pytest.mark.parametrize("bad", ["binary", "broken checkpoint"])
def test_a_bad_dropped_file_gets_the_message_open_gives(
    qtbot, tiny_window: MainWindow, tmp_path: Path, bad: str
) -> None:
    path = tmp_path / ("data.bin" if bad == "binary" else "broken.npz")
    path.write_bytes(bytes(range(256)) * 8 if bad == "binary" else b"PK\x03\x04 not a zip")
    opened = tiny_window.open_file(str(path))  # what Open… / Load checkpoint… do with this file
    assert opened
    qtbot.waitUntil(
        lambda: not tiny_window.loading() and tiny_window.banner.level == "error", timeout=WAIT_MS
    )
    by_menu = tiny_window.banner.text()
    tiny_window.banner.dismiss()
    drop(tiny_window, mime_of(QUrl.fromLocalFile(str(path))))
    qtbot.waitUntil(
        lambda: not tiny_window.loading() and tiny_window.banner.level == "error", timeout=WAIT_MS
    )
    assert tiny_window.banner.text() == by_menu and str(path.name) in by_menu
    assert tiny_window.trainer.run.task.options.get("corpus") == "tiny"  # the run on screen stays


@pytest.mark.parametrize("what", ["two files", "a folder", "a web address"])
def test_drops_that_cannot_be_opened_say_why(
    tiny_window: MainWindow, tmp_path: Path, what: str
) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    if what == "two files":
        mime = mime_of(QUrl.fromLocalFile(str(a)), QUrl.fromLocalFile(str(b)))
        said = "2 files were dropped"
    elif what == "a folder":
        mime = mime_of(QUrl.fromLocalFile(str(tmp_path)))
        said = "is a folder"
    else:
        mime = mime_of(QUrl("https://example.org/corpus.txt"))
        said = "only files on this computer"
    event = drop(tiny_window, mime)
    assert not event.isAccepted()
    assert said in tiny_window.banner.text()
    assert not tiny_window.loading()


def test_a_dropped_recording_opens_its_replay_and_the_run_stays(
    qtbot, tiny_window: MainWindow, tmp_path: Path
) -> None:
    from rnnviz.cli import main

    rec = tmp_path / "lesson.rnnrec"
    assert main(["record", "--preset", "echo", "--steps", "3", "--out", str(rec), "--quiet"]) == 0
    assert files.kind_of(str(rec)) == "recording"
    drop(tiny_window, mime_of(QUrl.fromLocalFile(str(rec))))
    replays = tiny_window.recorder.replays
    assert len(replays) == 1 and replays[0].path == rec  # was: refused as a binary text file
    qtbot.addWidget(replays[0])
    assert not tiny_window.loading() and tiny_window.banner.level != "error"
    assert tiny_window.trainer.run.task.options.get("corpus") == "tiny"  # the run on screen stays
