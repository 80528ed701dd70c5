"""Closing with unsaved training asks Save… / Discard / Cancel; with nothing to lose it just
closes; closing while training still ends the training thread."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_main_window import WAIT_MS, Confirm, step_of, tiny_run

from rnnviz.app import closing, files
from rnnviz.app.main_window import MainWindow
from rnnviz.train.trainer import Trainer


class Ask:
    """Injected close question: records what was asked, answers ``answer``."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, question: str) -> str:
        self.asked.append(question)
        return self.answer


def open_window(qtbot, answer: str) -> tuple[MainWindow, Ask]:
    ask = Ask(answer)
    w = MainWindow(tiny_run(), confirm=Confirm(), ask_unsaved=ask)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w, ask


def train(qtbot, w: MainWindow, steps: int) -> None:
    w.run()
    qtbot.waitUntil(lambda: step_of(w) >= steps, timeout=WAIT_MS)


def test_nothing_trained_closes_without_a_question(qtbot) -> None:
    w, ask = open_window(qtbot, closing.CANCEL)
    w.close()
    assert ask.asked == [] and not w.isVisible()


def test_cancel_keeps_the_window_and_the_run_going(qtbot) -> None:
    w, ask = open_window(qtbot, closing.CANCEL)
    train(qtbot, w, 3)
    w.close()
    assert len(ask.asked) == 1 and "training steps are not saved" in ask.asked[0]
    assert w.isVisible() and w.worker is not None and w.worker.is_alive()
    assert w.is_running()  # it was running: it goes on
    before = w.trainer.step_count
    qtbot.waitUntil(lambda: w.trainer.step_count > before, timeout=WAIT_MS)
    w.ask_unsaved = Ask(closing.DISCARD)


def test_discard_closes_and_ends_the_training_thread(qtbot) -> None:
    w, ask = open_window(qtbot, closing.DISCARD)
    train(qtbot, w, 3)
    worker = w.worker
    w.close()
    assert len(ask.asked) == 1 and not w.isVisible()
    assert worker is not None and not worker.is_alive()


def test_save_writes_the_weights_on_screen_then_closes(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    w, _ = open_window(qtbot, closing.SAVE)
    train(qtbot, w, 3)
    target = tmp_path / "before closing.npz"
    monkeypatch.setattr(files, "ask_save_path", lambda *a, **k: str(target))
    worker = w.worker
    w.close()
    assert not w.isVisible() and worker is not None and not worker.is_alive()
    saved = Trainer.load(target)
    assert saved.step_count == w.trainer.step_count >= 3  # paused first: nothing after the save
    assert w.recent.paths("checkpoint") == [str(target)]


def test_a_save_that_fails_keeps_the_window_open(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    w, _ = open_window(qtbot, closing.SAVE)
    train(qtbot, w, 2)
    monkeypatch.setattr(files, "ask_save_path", lambda *a, **k: str(tmp_path / "no" / "x.npz"))
    w.close()
    assert w.isVisible()
    assert "Not closed: the checkpoint was not saved" in w.banner.text()
    w.ask_unsaved = Ask(closing.DISCARD)


def test_saved_or_just_loaded_weights_close_without_a_question(qtbot, tmp_path: Path) -> None:
    w, ask = open_window(qtbot, closing.CANCEL)
    train(qtbot, w, 2)
    w.pause()
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=WAIT_MS)
    ckpt = tmp_path / "a.npz"
    w.save_checkpoint(str(ckpt))
    qtbot.waitUntil(lambda: w.trainer.saved_step == w.trainer.step_count, timeout=WAIT_MS)
    w.close()
    assert ask.asked == [] and not w.isVisible()
    v, ask = open_window(qtbot, closing.CANCEL)
    assert v.load_checkpoint(str(ckpt))
    qtbot.waitUntil(lambda: v.trainer.step_count == w.trainer.step_count, timeout=WAIT_MS)
    v.close()
    assert ask.asked == []


def test_the_default_question_is_a_dialog_with_three_answers(qtbot, monkeypatch) -> None:
    from PyQt6.QtWidgets import QMessageBox

    shown: list[list[str]] = []

    def exec_(box: QMessageBox) -> int:
        shown.append([b.text() for b in box.buttons()])
        return int(QMessageBox.StandardButton.Discard.value)

    monkeypatch.setattr(QMessageBox, "exec", exec_)
    w = MainWindow(tiny_run(), start_worker=False)
    qtbot.addWidget(w)
    answer = w.ask_unsaved(*closing.question(12))
    assert answer == closing.DISCARD
    assert "Save…" in shown[0] and len(shown[0]) == 3
    assert closing.question(1)[1].startswith("The last training step is not saved.")
    assert closing.question(1234)[1].startswith("The last 1,234 training steps are not saved.")
