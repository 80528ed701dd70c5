"""A number field that refuses a value out of range visibly and never changes what was typed.

Qt's spin boxes clamp silently (typing 1000 into a box whose maximum is 10 gives 10) and round
to their number of decimals (1e-7 becomes 0.000000). :class:`NumberEdit` is a line edit that
keeps the text exactly as typed and checks it against a :class:`~rnnviz.config.Limit` from the
configuration, the same limit the command line and ``validate()`` use. A refused text gets a red
frame, the reason in the tooltip and in a label under the field (:attr:`NumberEdit.error`,
placed by the owner), and it is never sent: :meth:`NumberEdit.value` stays the last accepted
number until the text is fixed. Enter (or leaving the field) commits an accepted text; Escape
puts back the last accepted one; Up and Down step it, stopping at the limits.
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QEvent, Qt, pyqtSignal
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import QLabel, QLineEdit, QWidget

from rnnviz.config import Limit

# Dynamic property marking a number field: the run's keys treat it like a spin box (it claims
# keys only once the user has typed into it, see rnnviz.app.keys).
NUMBER_FIELD = "numberField"
REFUSED_STYLE = "QLineEdit { border: 2px solid #c62828; border-radius: 3px; background: #fff4f4; }"


def number_text(value: float, integer: bool) -> str:
    """``value`` as typed back: whole numbers exactly, others as the shortest exact decimal."""
    if integer:
        return str(int(value))
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse_number(text: str, lim: Limit, optional: bool = False) -> tuple[float | int | None, str]:
    """The number in ``text`` and why ``lim`` refuses it ("" when it is accepted).

    Parameters
    ----------
    text : str
    lim : Limit
    optional : bool
        An empty text is accepted and means "none".

    Returns
    -------
    value : int, float or None
        None when ``text`` is empty or not a number.
    problem : str
        The reason for a refusal, or "".
    """
    t = text.strip()
    if not t:
        return None, "" if optional else "type a number"
    try:
        value: float | int = int(t) if lim.integer else float(t)
    except ValueError:
        kind = "a whole number" if lim.integer else "a number"
        return None, f"{t!r} is not {kind}"
    if not lim.integer and not math.isfinite(value):
        return None, f"{t!r} is not a finite number"
    return value, lim.problem(value)


class NumberEdit(QLineEdit):
    """A line edit for one numeric setting, checked against ``limit``.

    Parameters
    ----------
    limit : Limit
        The allowed range (see :data:`rnnviz.config.LIMITS`).
    value : int, float or None
        The first value shown.
    optional : bool
        An empty field is accepted as None ("off"; ``placeholder`` says so).
    placeholder : str
        Shown in an empty field.

    Signals
    -------
    committed(object)
        An accepted value (or None), when Enter, leaving the field or Up/Down changed it.
    edited()
        The text changed (accepted or not).
    """

    committed = pyqtSignal(object)
    edited = pyqtSignal()

    def __init__(
        self,
        limit: Limit,
        value: float | None = 0,
        parent: QWidget | None = None,
        *,
        optional: bool = False,
        placeholder: str = "",
    ) -> None:
        super().__init__(parent)
        self.setProperty(NUMBER_FIELD, True)
        self.setPlaceholderText(placeholder)
        self._limit = limit
        self._optional = optional
        self._value: float | int | None = None  # the text's value while accepted
        self._committed: float | int | None = None  # the value last emitted or set
        self._problem = ""
        self._hint = ""
        self.error = QLabel()
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.textChanged.connect(self._check)
        self.setValue(value)
        self.textEdited.connect(self._on_edited)
        self.editingFinished.connect(self.commit)

    # ------------------------------------------------------------------ value
    def limit(self) -> Limit:
        """The range the text is checked against."""
        return self._limit

    def setLimit(self, limit: Limit) -> None:
        """Check the text against a new range (e.g. another optimiser's learning rates)."""
        self._limit = limit
        self._check()

    def value(self) -> float | int | None:
        """The text's value while it is accepted, else the last committed one (a refused text
        is never the value)."""
        return self._value

    def setValue(self, value: float | None) -> None:
        """Show ``value`` (None: empty) as the accepted one, without emitting ``committed``."""
        if value is not None:
            value = int(value) if self._limit.integer else float(value)
        self._value = self._committed = value
        self.setText("" if value is None else number_text(value, self._limit.integer))
        self.setModified(False)

    def problem(self) -> str:
        """Why the text is refused ("" when it is accepted or the field is disabled)."""
        return self._problem if self.isEnabled() else ""

    def setToolTip(self, text: str | None) -> None:
        """The field's own tip; a refusal is shown above it while there is one."""
        self._hint = text or ""
        self._show()

    def commit(self) -> bool:
        """Commit an accepted text (emits ``committed`` when the value changed); False if the
        text is refused (it stays, marked)."""
        if self._problem:
            return False
        self.setModified(False)
        if self._value != self._committed:
            self._committed = self._value
            self.committed.emit(self._value)
        return True

    # ------------------------------------------------------------------ checking
    def _on_edited(self, _text: str) -> None:
        self._check()  # before anyone asks (textChanged may come after textEdited)
        self.edited.emit()

    def _check(self) -> None:
        value, self._problem = parse_number(self.text(), self._limit, self._optional)
        self._value = self._committed if self._problem else value
        self._show()

    def _show(self) -> None:
        problem = self.problem()
        self.error.setText(problem)
        self.error.setVisible(bool(problem))
        style = REFUSED_STYLE if problem else ""
        if self.styleSheet() != style:
            self.setStyleSheet(style)
        tip = f"Refused: {problem}" if problem else ""
        super().setToolTip("\n".join(t for t in (tip, self._hint) if t))

    def changeEvent(self, event: QEvent | None) -> None:
        """Hide a refusal while disabled (a disabled setting is not used)."""
        super().changeEvent(event)
        if event is not None and event.type() == QEvent.Type.EnabledChange:
            self._show()

    # ------------------------------------------------------------------ keys
    def keyPressEvent(self, event: QKeyEvent | None) -> None:
        """Up/Down step the value within the limits; Escape puts the accepted value back."""
        if event is None:
            return
        key = event.key()
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            sign = 1 if key in (Qt.Key.Key_Up, Qt.Key.Key_PageUp) else -1
            big = key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)
            self.step(sign * (10 if big else 1))
            return
        if key == Qt.Key.Key_Escape and (self._problem or self._value != self._committed):
            self.setValue(self._committed)
            return
        super().keyPressEvent(event)

    def step(self, steps: int) -> None:
        """Move the value by ``steps`` steps (±1 for whole numbers, a tenth of the leading
        decimal digit otherwise), stopping at the limits, and commit it."""
        if self._problem:
            return  # the text says something else: no step from a value not shown
        base = self._value if self._value is not None else self._limit.lo
        if self._limit.integer:
            new: float = base + steps
        else:
            size = 10.0 ** (math.floor(math.log10(abs(base))) - 1) if base else 0.1
            new = round(base + steps * size, 12)
        new = min(max(new, self._limit.lo), self._limit.hi)
        if new != self._value:
            self.setText(number_text(new, self._limit.integer))
            self.commit()
