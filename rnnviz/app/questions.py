"""The questions the main window asks before it loses something: weights, or unsaved training.

Two kinds, both injectable so that tests never block on a dialog:

* ``confirm(title, question) -> bool`` before trained weights are discarded (Reset, Apply, a
  preset, a checkpoint): Yes / Cancel by default (:func:`ask_dialog`);
* ``ask_unsaved(title, question) -> "save" | "discard" | "cancel"`` on closing with training
  steps not saved (:mod:`rnnviz.app.closing`): Save… saves a checkpoint first, waiting for the
  training thread, and the window stays open if that fails.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import QMessageBox, QWidget

from rnnviz.app import closing
from rnnviz.app.worker import user_errors

if TYPE_CHECKING:
    from rnnviz.app.recent import RecentFiles
    from rnnviz.app.session import RunSession

# How long closing waits for the training thread to save a checkpoint (its step ends first).
SAVE_TIMEOUT_S = 60.0

# confirm(title, question) -> True to go ahead. Injectable so tests never block on a dialog.
ConfirmFn = Callable[[str, str], bool]


def ask_dialog(parent: QWidget) -> ConfirmFn:
    """``confirm`` as a message box: Yes / Cancel, Cancel by default."""

    def confirm(title: str, question: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            question,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    return confirm


class CloseQuestions:
    """The main window's question on closing with unsaved training (a mixin of MainWindow).

    Uses the window's ``confirm``, ``ask_unsaved``, ``session``, ``recent``,
    ``is_running``/``pause``/``run``, ``show_message`` and the checkpoint file dialog.
    """

    confirm: ConfirmFn
    _dialog_confirm: ConfirmFn
    ask_unsaved: closing.UnsavedFn
    session: RunSession
    recent: RecentFiles
    _start_worker: bool
    is_running: Callable[[], bool]
    pause: Callable[[], None]
    run: Callable[[], None]
    show_message: Callable[..., None]
    _ask_checkpoint_path: Callable[[], str | None]

    def _ask_unsaved(self, title: str, question: str) -> str:
        """Save… / Discard / Cancel in a dialog, or put to ``confirm`` if a caller set one."""
        if self.confirm is not self._dialog_confirm:  # tests answer every question this way
            return closing.ask_with_confirm(self.confirm)(title, question)
        return closing.ask_with_dialog(self)(title, question)

    def _may_close(self) -> bool:
        """Whether to close now: asks first when steps were trained since the last save."""
        steps = closing.unsaved_steps(self.session.trainer)
        if steps == 0 or not self._start_worker:  # nothing to lose, or the caller's trainer
            return True
        running = self.is_running()
        self.pause()  # what is saved is what the window shows
        answer = self.ask_unsaved(*closing.question(steps))
        if answer == closing.DISCARD or (answer == closing.SAVE and self._save_before_close()):
            return True
        if running:
            self.run()
        return False

    def _save_before_close(self) -> bool:
        """Save a checkpoint now (waiting for the training thread); False if it was not saved."""
        path = self._ask_checkpoint_path()
        if not path:
            return False
        try:
            self.session.call(lambda t: t.save(path)).result(timeout=SAVE_TIMEOUT_S)
        except (*user_errors(), OSError, FutureTimeout) as exc:
            self.show_message(f"Not closed: the checkpoint was not saved ({exc or 'timed out'})")
            return False
        self.recent.add("checkpoint", path)
        return True
