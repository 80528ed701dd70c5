"""File > Open Recent: corpora and checkpoints, bounded, missing files greyed out, Clear recent."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6 import sip
from test_main_window import WAIT_MS, step_of

from rnnviz.app.main_window import MainWindow
from rnnviz.app.recent import MAX_RECENT, RecentFiles, RecentMenu
from rnnviz.app.settings import Settings

TEXT = "a small corpus for the recent files menu. " * 40


def write(path: Path, text: str = TEXT) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def entries(menu: RecentMenu) -> list[tuple[str, bool]]:
    menu.rebuild()
    return [(a.text(), a.isEnabled()) for a in menu.actions() if not a.isSeparator()]


def test_recent_files_are_bounded_newest_first_and_once(tmp_path: Path) -> None:
    recent = RecentFiles(Settings())
    for i in range(MAX_RECENT + 3):
        recent.add("corpus", str(tmp_path / f"{i}.txt"))
    recent.add("corpus", str(tmp_path / "3.txt"))  # again: moves to the top, not twice
    paths = recent.paths("corpus")
    assert len(paths) == MAX_RECENT
    assert paths[0] == str(tmp_path / "3.txt") and paths.count(paths[0]) == 1
    assert paths[1] == str(tmp_path / f"{MAX_RECENT + 2}.txt")
    assert recent.paths("checkpoint") == []
    assert RecentFiles(Settings()).paths("corpus") == paths  # kept in the settings store
    with pytest.raises(ValueError):
        recent.add("picture", "x.png")


def test_missing_files_are_greyed_out_and_can_be_removed(qtbot, tmp_path: Path) -> None:
    recent = RecentFiles(Settings())
    kept, gone = write(tmp_path / "kept.txt"), write(tmp_path / "gone.txt")
    recent.add("corpus", str(kept))
    recent.add("corpus", str(gone))
    recent.add("checkpoint", str(tmp_path / "old.npz"))
    gone.unlink()
    menu = RecentMenu(recent)
    qtbot.addWidget(menu)
    shown = entries(menu)
    assert ("kept.txt  —  " + str(tmp_path), True) in shown
    assert ("gone.txt  —  " + str(tmp_path) + "  (not found)", False) in shown
    assert ("old.npz  —  " + str(tmp_path) + "  (not found)", False) in shown
    remove = next(a for a in menu.actions() if a.text().startswith("Remove missing files"))
    assert remove.text() == "Remove missing files (2)"
    remove.trigger()
    assert recent.paths("corpus") == [str(kept)] and recent.paths("checkpoint") == []
    clear = next(a for a in menu.actions() if a.text() == "Clear recent")
    clear.trigger()
    assert recent.paths("corpus") == []
    # The menu was rebuilt inside the action's own signal: it must outlive the emission
    # (deleting an action while it emits triggered crashes now and then).
    assert not sip.isdeleted(clear) and not sip.isdeleted(remove)
    qtbot.waitUntil(lambda: sip.isdeleted(clear), timeout=WAIT_MS)  # then it goes
    assert [(t, on) for t, on in entries(menu) if t == "Clear recent"] == [("Clear recent", False)]


def test_a_file_gone_after_the_menu_opened_is_removed_with_a_message(qtbot, tmp_path: Path) -> None:
    recent = RecentFiles(Settings())
    path = write(tmp_path / "notes.txt")
    recent.add("corpus", str(path))
    menu = RecentMenu(recent)
    qtbot.addWidget(menu)
    menu.rebuild()
    entry = next(a for a in menu.actions() if a.text().startswith("notes.txt"))
    path.unlink()
    with qtbot.waitSignal(menu.message, timeout=WAIT_MS) as said:
        entry.trigger()
    assert "no longer exists" in said.args[0] and str(path) in said.args[0]
    assert recent.paths("corpus") == []


def test_opened_corpora_and_loaded_or_saved_checkpoints_are_listed(
    qtbot, tiny_window: MainWindow, tmp_path: Path
) -> None:
    corpus = write(tmp_path / "my notes")  # no extension
    assert tiny_window.open_corpus(str(corpus))
    qtbot.waitUntil(
        lambda: tiny_window.trainer.run.task.options.get("corpus") == str(corpus), timeout=WAIT_MS
    )
    assert tiny_window.recent.paths("corpus") == [str(corpus)]
    tiny_window.step_once()
    qtbot.waitUntil(lambda: step_of(tiny_window) == 1, timeout=WAIT_MS)
    ckpt = tmp_path / "run.npz"
    tiny_window.save_checkpoint(str(ckpt))
    qtbot.waitUntil(lambda: tiny_window.recent.paths("checkpoint") == [str(ckpt)], timeout=WAIT_MS)
    assert ckpt.exists()
    other = tmp_path / "other.npz"
    tiny_window.save_checkpoint(str(other))
    qtbot.waitUntil(
        lambda: tiny_window.recent.paths("checkpoint")[0] == str(other), timeout=WAIT_MS
    )
    tiny_window.recent.clear()
    assert tiny_window.load_checkpoint(str(ckpt))
    qtbot.waitUntil(lambda: tiny_window.recent.paths("checkpoint") == [str(ckpt)], timeout=WAIT_MS)
    # A bundled corpus is not a file: it is not listed.
    assert tiny_window.recent.paths("corpus") == [str(corpus)]


def test_choosing_a_recent_file_opens_it_and_asks_before_discarding_weights(
    qtbot, tiny_window: MainWindow, tmp_path: Path
) -> None:
    corpus = write(tmp_path / "lesson.md")
    tiny_window.recent.add("corpus", str(corpus))
    tiny_window.step_once()
    qtbot.waitUntil(lambda: step_of(tiny_window) == 1, timeout=WAIT_MS)
    menu = tiny_window.recent_menu
    menu.rebuild()
    entry = next(a for a in menu.actions() if a.text().startswith("lesson.md"))
    tiny_window.confirm.answer = False
    entry.trigger()
    assert tiny_window.confirm.asked == ["Discard the current weights?"]
    assert not tiny_window.loading()
    tiny_window.confirm.answer = True
    entry.trigger()
    qtbot.waitUntil(
        lambda: tiny_window.trainer.run.task.options.get("corpus") == str(corpus), timeout=WAIT_MS
    )


def test_the_file_menu_holds_open_recent(tiny_window: MainWindow) -> None:
    file_menu = tiny_window.menuBar().actions()[0].menu()
    assert tiny_window.recent_menu.menuAction() in file_menu.actions()
    assert tiny_window.recent_menu.title() == "Open &Recent"
