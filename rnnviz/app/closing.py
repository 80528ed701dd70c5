"""Closing the window with trained weights that were never saved: ask, so nothing is lost.

Steps trained since the last save or load (``Trainer.step_count - Trainer.saved_step``) are
unsaved progress. With none (nothing trained, or just saved) the window closes without a word;
otherwise it pauses training and asks: Save… (then close), Discard (close) or Cancel (training
goes on as before).
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtWidgets import QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"

# unsaved(title, question) -> SAVE, DISCARD or CANCEL. Injectable so tests never block.
UnsavedFn = Callable[[str, str], str]


def unsaved_steps(trainer: object) -> int:
    """Steps trained since the trainer was last saved or loaded (0 for fresh weights)."""
    step = int(getattr(trainer, "step_count", 0))
    return max(0, step - int(getattr(trainer, "saved_step", step)))


def question(steps: int) -> tuple[str, str]:
    """Title and text of the question asked on closing with ``steps`` unsaved steps."""
    what = "training step is" if steps == 1 else f"{steps:,} training steps are"
    return (
        "Save the trained weights?",
        f"The last {what} not saved. Save a checkpoint before closing?",
    )


def ask_with_dialog(parent: QWidget) -> UnsavedFn:
    """The question as a message box: Save… / Discard / Cancel (Escape cancels)."""

    def ask(title: str, text: str) -> str:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        box.setEscapeButton(buttons.Cancel)
        save = box.button(buttons.Save)
        if save is not None:
            save.setText("Save…")
        answers = {buttons.Save: SAVE, buttons.Discard: DISCARD}
        return answers.get(QMessageBox.StandardButton(box.exec()), CANCEL)

    return ask


def ask_with_confirm(confirm: Callable[[str, str], bool]) -> UnsavedFn:
    """The question put to a yes/no ``confirm``: yes closes without saving, no cancels."""

    def ask(title: str, text: str) -> str:
        return DISCARD if confirm(title, text + " (Yes: close without saving.)") else CANCEL

    return ask
