"""The run's keys (Space, S, arrows, Home, End) act on the run unless a text is being edited.

Qt lets a focused text field claim any printable or cursor key before the window's shortcuts see
it (the ShortcutOverride event): after a click into the learning rate, Space typed a space into
the number (emptying it) instead of resuming the run. :class:`RunKeys` decides per key press:

* a line edit (the probe) with focus is a text being edited: every key is its own;
* a number field (a spin box, or a :class:`~rnnviz.app.fields.NumberEdit`) is being edited once
  the user has typed into it (its text is modified) and until the value is committed; before
  that, and after Enter, the run keys act on the run (Up and Down still change the number,
  digits start editing it);
* anything else (buttons, lists, read-only text) never claims the run keys.

Enter in any field commits it and hands the keyboard back to the view, so the next Space runs.
"""

from __future__ import annotations

from collections.abc import Iterable

from PyQt6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PyQt6.QtGui import QKeyEvent, QKeySequence
from PyQt6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

from rnnviz.app.fields import NUMBER_FIELD

# Widgets that may claim keys; RunKeys watches these.
EDITORS = (QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit)


def is_editing(widget: QObject | None) -> bool:
    """Whether ``widget`` is a text the user is editing (so typed keys belong to it).

    Parameters
    ----------
    widget : QObject or None
        Usually the focus widget.
    """
    if isinstance(widget, QLineEdit) and isinstance(widget.parent(), QAbstractSpinBox):
        widget = widget.parent()
    if isinstance(widget, QAbstractSpinBox):
        edit = widget.lineEdit()
        return widget.isEnabled() and not widget.isReadOnly() and bool(edit and edit.isModified())
    if isinstance(widget, QLineEdit):
        typed = widget.isModified() or not widget.property(NUMBER_FIELD)
        return widget.isEnabled() and not widget.isReadOnly() and typed
    if isinstance(widget, (QPlainTextEdit, QTextEdit)):
        return not widget.isReadOnly()
    return False


def _combination(event: QKeyEvent) -> QKeyCombination:
    mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return QKeyCombination(mods, Qt.Key(event.key()))


class RunKeys(QObject):
    """Keeps the run's shortcuts working in fields that are not being edited.

    Parameters
    ----------
    window : QWidget
        The window whose fields are watched (the filter is its child and dies with it).
    view : QWidget
        Where the keyboard goes after Enter in a field (it must accept focus).
    keys : iterable of QKeySequence
        The run's shortcuts (single key combinations).
    """

    def __init__(self, window: QWidget, view: QWidget, keys: Iterable[QKeySequence]) -> None:
        super().__init__(window)
        self.view = view
        self.keys = {seq[0].toCombined() for seq in keys if seq.count() == 1}
        for widget in window.findChildren(QWidget):
            self.watch(widget)

    def watch(self, widget: QWidget) -> None:
        """Filter ``widget``'s key events (if it is a field) and return focus after its Enter."""
        if not isinstance(widget, EDITORS):
            return
        widget.installEventFilter(self)
        if isinstance(widget, QLineEdit):  # spin boxes' own line edits too
            widget.returnPressed.connect(self.focus_view)

    def focus_view(self) -> None:
        """Give the keyboard to the view (the field keeps its committed value)."""
        self.view.setFocus(Qt.FocusReason.OtherFocusReason)

    def claims(self, widget: QObject | None, event: QKeyEvent) -> bool:
        """Whether ``widget`` may keep ``event`` from the window's shortcuts."""
        if _combination(event).toCombined() not in self.keys:
            return True
        return is_editing(widget)

    def eventFilter(self, obj: QObject | None, event: QEvent | None) -> bool:
        """Let a run key through to the window's shortcut unless a text is being edited."""
        if (
            event is not None
            and event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not self.claims(obj, event)
        ):
            event.ignore()  # not overridden: the shortcut fires
            return True
        return False
