"""Find units: rank every unit by its correlation with something a person can name.

Three sources of the feature y:

- characters marked in the probe (select text, press **Mark**): y_t = 1 at a marked step; ranked
  on the frame's arrays right here (T steps, a few microseconds: :func:`rnnviz.core.units.
  rank_units`);
- a regular expression marking characters of the held-out text, or a feature the task knows
  (binary addition's carry, bracket depth, echo's stored symbol): ranked in the worker thread
  (:mod:`rnnviz.train.inspection`); this widget asks through :attr:`FindUnits.rankWanted` and
  draws the answer.

Predict-then-reveal (:meth:`FindUnits.set_mask`): the probe's inputs that are targets the class
is guessing read "?" in the probe text, as in the main window; marks stay on their steps.

The table lists units best |r| first; clicking a row inspects the unit. A feature whose best
unit reaches |r| >= :data:`NAMED_R` names that unit after the feature (the carry unit); when no
unit does but a pair of units of one array does together (R >= :data:`NAMED_R`, as an LSTM often
holds the carry), both are named "carry (spread)" and the summary gives each r and their R
(:meth:`rnnviz.tasks.findunits.UnitRanking.naming`).
"""

from __future__ import annotations

import html

import numpy as np
from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QColor, QTextCharFormat, QTextCursor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.reveal import SHOW_ALL, TargetMask, masked_labels
from rnnviz.app.widgets._common import header_label, visible_token
from rnnviz.app.widgets.info import InfoButton
from rnnviz.core.units import NAMED_R, UnitScore, correlations, rank_units
from rnnviz.tasks.findunits import UnitRanking
from rnnviz.train.frame import Frame

#: Rows the table lists.
TOP = 20
MARKS = "marks"
PATTERN = "pattern"
MARK_COLOUR = "#ffd54f"


def probe_positions(labels: tuple[str, ...]) -> tuple[str, np.ndarray]:
    """The probe as one string and the step of each of its characters.

    One-character labels are joined as they are (the text of a text probe); longer labels
    (bits, vectors) are separated by a space, which belongs to no step (-1).
    """
    single = all(len(s) == 1 for s in labels)
    parts: list[str] = []
    steps: list[int] = []
    for t, s in enumerate(labels):
        shown = s if single else visible_token(s)
        if not single and t:
            parts.append(" ")
            steps.append(-1)
        parts.append(shown)
        steps.extend([t] * len(shown))
    return "".join(parts), np.asarray(steps, np.int64)


class FindUnits(QWidget):
    """Rank units against marks, a pattern or a task feature (see the module docstring).

    Signals
    -------
    unitPicked(str, int)
        A row of the ranking was clicked: inspect (array, unit).
    rankWanted(str, str)
        ("pattern", regex) or ("feature", name): the owner runs the ranking in the worker.
    ranked(str, object)
        (what, {array: (H,) r}) after every ranking, for the inspector's order.
    """

    unitPicked = pyqtSignal(str, int)
    rankWanted = pyqtSignal(str, str)
    ranked = pyqtSignal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frame: Frame | None = None
        self._steps = np.zeros(0, np.int64)  # character -> step
        self._mask = SHOW_ALL  # predict-then-reveal's hidden targets
        self._shown: tuple[str, ...] = ()  # the probe's inputs as shown ("?": hidden)
        self.marks = np.zeros(0, bool)  # (T,) marked steps
        self.scores: list[UnitScore] = []
        self.unit_names: dict[tuple[str, int], str] = {}

        self.source = QComboBox()
        self.source.addItem("characters marked in the probe", f"{MARKS}:")
        self.pattern = QLineEdit('"[^"\\n]*"')
        self.pattern.setToolTip("A regular expression; the characters it matches are marked")
        self.probe = QTextEdit()
        self.probe.setReadOnly(True)
        self.probe.setMaximumHeight(90)
        self.probe.setToolTip("Select characters, then press Mark")
        self.mark_button = QPushButton("Mark selection")
        self.clear_button = QPushButton("Clear marks")
        self.rank_button = QPushButton("Rank units")
        self.summary = header_label("")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["array", "unit", "r", "named"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)

        top = QHBoxLayout()
        top.addWidget(QLabel("Follow"))
        top.addWidget(self.source, 1)
        top.addWidget(self.pattern, 1)
        top.addWidget(InfoButton("find"))
        buttons = QHBoxLayout()
        for b in (self.mark_button, self.clear_button, self.rank_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.probe)
        lay.addLayout(buttons)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)

        self.source.currentIndexChanged.connect(self._on_source)
        self.mark_button.clicked.connect(self.mark_selection)
        self.clear_button.clicked.connect(self.clear_marks)
        self.rank_button.clicked.connect(self.rank)
        self.table.cellClicked.connect(self._on_cell)
        self._on_source()

    # ------------------------------------------------------------------ input
    def chosen(self) -> tuple[str, str]:
        """The source chosen: ("marks", ""), ("pattern", ""), ("feature", "carry")."""
        kind, _, name = str(self.source.currentData() or f"{MARKS}:").partition(":")
        return kind, name

    def features(self) -> list[str]:
        """The task features offered."""
        data = [str(self.source.itemData(i)) for i in range(self.source.count())]
        return [d.partition(":")[2] for d in data if d.startswith("feature:")]

    def set_sources(self, features: tuple[str, ...], has_text: bool) -> None:
        """Offer the task's features (and a pattern when it has held-out text)."""
        keep = self.source.currentData()
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem("characters marked in the probe", f"{MARKS}:")
        if has_text:
            self.source.addItem("a pattern in the held-out text", f"{PATTERN}:")
        for f in features:
            self.source.addItem(f"the task's feature: {f}", f"feature:{f}")
        idx = max(0, self.source.findData(keep))
        self.source.setCurrentIndex(idx)
        self.source.blockSignals(False)
        self._on_source()

    def set_frame(self, frame: Frame | None) -> None:
        """Show the frame's probe (marks kept while the probe stays the same)."""
        old = self._frame
        self._frame = frame
        if frame is None:
            self.probe.clear()
            self._shown = ()
            return
        if old is None or old.labels != frame.labels:
            self.marks = np.zeros(frame.T, bool)
            self._shown = ()
        self._show_probe()

    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: every input that is a target ``mask`` hides reads "?"."""
        self._mask = mask
        if self._frame is not None:
            self._show_probe()

    def _show_probe(self) -> None:
        """Write the probe's inputs as the mask lets them show (if that changed), marks kept."""
        assert self._frame is not None
        shown = masked_labels(self._frame.labels, self._frame.targets, self._mask)
        if shown == self._shown:
            return
        self._shown = shown
        text, self._steps = probe_positions(shown)
        self.probe.setPlainText(text)
        self._paint_marks()

    def set_marks(self, steps: np.ndarray) -> None:
        """Mark these probe steps ((T,) bool, or step numbers)."""
        T = 0 if self._frame is None else self._frame.T
        a = np.asarray(steps)
        marks = np.zeros(T, bool)
        if a.dtype == bool:
            marks[: a.size] = a[:T]
        else:
            marks[a[(a >= 0) & (a < T)]] = True
        self.marks = marks
        self._paint_marks()

    def mark_selection(self) -> None:
        """Add the probe characters selected in the text to the marks."""
        cur = self.probe.textCursor()
        lo, hi = cur.selectionStart(), cur.selectionEnd()
        steps = self._steps[lo:hi]
        self.set_marks(np.union1d(np.flatnonzero(self.marks), steps[steps >= 0]))

    def clear_marks(self) -> None:
        """Unmark every step."""
        self.set_marks(np.zeros(self.marks.size, bool))

    def rank(self) -> None:
        """Rank units against the chosen source."""
        kind, name = self.chosen()
        if kind == MARKS:
            self._rank_marks()
        elif kind == PATTERN:
            self.summary.setText("ranking against the pattern in the held-out text…")
            self.rankWanted.emit(PATTERN, self.pattern.text())
        else:
            self.summary.setText(f"ranking against the feature {html.escape(name)}…")
            self.rankWanted.emit("feature", name)

    def rank_feature(self, name: str) -> None:
        """Rank units against the task's feature ``name``, chosen in the Follow box as a user
        would (the automatic ranking of a solved task goes this way)."""
        self._follow("feature", name)
        self.rank()

    def show_ranking(self, ranking: UnitRanking, kind: str, what: str) -> None:
        """Show a ranking made in the worker for the request (``kind``, ``what``) — ("feature",
        "carry") or ("pattern", regex) — whose source the Follow box then names (the user may
        have chosen another while it ran); a feature's best unit is named after it if it fits."""
        self._follow(kind, what)
        feature = what if kind == "feature" else ""
        named = ""
        naming = ranking.naming() if feature else None
        if feature:  # the names of an earlier ranking on this feature go
            stale = (feature, f"{feature} (spread)")
            self.unit_names = {k: v for k, v in self.unit_names.items() if v not in stale}
        if naming is not None:
            for u in naming.units:
                self.unit_names[u.state, u.unit] = naming.label
            named = " — " + html.escape(naming.describe()).replace(
                html.escape(feature), f"<b>{html.escape(feature)}</b>", 1
            )
        elif feature and ranking.scores:
            best = ranking.scores[0]
            named = (
                f" — no unit is named {html.escape(feature)}: the best, {best.state}[{best.unit}],"
                f" has r = {best.correlation:+.3f}"
                + (f" and the best pair R = {ranking.pair.together:.3f}" if ranking.pair else "")
                + f", below {NAMED_R:g}"
            )
        self._show(
            ranking.scores,
            f"{html.escape(ranking.source)}: {ranking.steps:,} steps, "
            f"{ranking.marked:,} non-zero{named}",
        )
        self.ranked.emit(feature or ranking.source, self._as_arrays(ranking.scores))

    def show_error(self, message: str) -> None:
        """Say why a ranking could not be made."""
        self.summary.setText(f"<span style='color:#c62828'>{html.escape(message)}</span>")

    # ------------------------------------------------------------------ internals
    def _rank_marks(self) -> None:
        frame = self._frame
        if frame is None:
            return
        n = int(self.marks.sum())
        if n == 0 or n == self.marks.size:
            self.show_error("mark some characters of the probe (select them, press Mark)")
            return
        y = self.marks.astype(np.float64)  # (T,)
        scores = rank_units(frame.states, y)
        marked = f"{n} marked of {self.marks.size} probe steps"
        self._show(scores, f"{marked} (training step {frame.step:,})")
        r = {k: correlations(v, y) for k, v in frame.states.items()}  # (H,) each
        self.ranked.emit("the marks", r)

    def _as_arrays(self, scores: list[UnitScore]) -> dict[str, np.ndarray]:
        if self._frame is None:
            return {}
        out = {k: np.full(v.shape[1], np.nan) for k, v in self._frame.states.items()}
        for s in scores:
            if s.state in out and s.unit < out[s.state].size:
                out[s.state][s.unit] = s.correlation
        return out

    def _show(self, scores: list[UnitScore], summary: str) -> None:
        self.scores = list(scores)
        self.summary.setText(summary)
        rows = self.scores[:TOP]
        self.table.setRowCount(len(rows))
        for i, s in enumerate(rows):
            name = self.unit_names.get((s.state, s.unit), "")
            for j, text in enumerate((s.state, str(s.unit), f"{s.correlation:+.3f}", name)):
                item = QTableWidgetItem(text)
                if j in (1, 2):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(i, j, item)

    def _paint_marks(self) -> None:
        doc_cursor = QTextCursor(self.probe.document())
        doc_cursor.select(QTextCursor.SelectionType.Document)
        plain = QTextCharFormat()
        doc_cursor.setCharFormat(plain)
        fmt = QTextCharFormat()
        fmt.setBackground(QColor(MARK_COLOUR))
        for pos in np.flatnonzero(np.isin(self._steps, np.flatnonzero(self.marks))):
            c = QTextCursor(self.probe.document())
            c.setPosition(int(pos))
            c.setPosition(int(pos) + 1, QTextCursor.MoveMode.KeepAnchor)
            c.setCharFormat(fmt)

    def _follow(self, kind: str, what: str) -> None:
        """Choose source ``kind`` (a pattern: with the text ``what``) in the Follow box."""
        index = self.source.findData(f"{kind}:{'' if kind == PATTERN else what}")
        if index < 0:
            return
        if kind == PATTERN:
            self.pattern.setText(what)
        self.source.setCurrentIndex(index)  # _on_source shows the source's own controls

    def _on_source(self) -> None:
        kind = self.chosen()[0]
        self.pattern.setVisible(kind == PATTERN)
        self.probe.setVisible(kind == MARKS)
        self.mark_button.setVisible(kind == MARKS)
        self.clear_button.setVisible(kind == MARKS)

    def _on_cell(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.scores):
            s = self.scores[row]
            self.unitPicked.emit(s.state, s.unit)


__all__ = ["NAMED_R", "FindUnits", "probe_positions"]
