"""The control panel: what to train, how, and the run buttons.

Two kinds of settings live here.

*Live* settings (optimiser, learning rate, clipping) take effect between two training steps without
touching the weights: every change emits :attr:`ControlPanel.optimChanged` at once.

*Structural* settings (task, corpus, cell, sizes, initialisation, seed) need a new model. Editing
them only marks the panel as pending; **Apply** emits :attr:`ControlPanel.applyRequested` with the
new RunConfig and the window asks before it discards the current weights. (Asking on every click
of a spin box would be unbearable, so the question comes once, at Apply.)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from pathlib import Path

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.fields import NumberEdit
from rnnviz.app.speed import SpeedPanel
from rnnviz.config import (
    INITS,
    LIMITS,
    OPTIMIZERS,
    OptimConfig,
    RunConfig,
    lr_limit,
)
from rnnviz.core.registry import CELLS, fit_nonlinearity
from rnnviz.presets import preset_of

OPTIMIZER_LABELS = {
    "sgd": "SGD (+momentum)",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
}
CLIP_MODES = ("none", "value", "norm")
CLIP_LABELS = {"none": "None", "value": "Each value", "norm": "Global norm"}
CORPUS_FILE_PREFIX = "file: "
# The text task's corpus when its options name none (the contract's default).
DEFAULT_CORPUS = "pydoc"

#: The probe field's tooltips, and while predict-then-reveal hides the targets.
PROBE_TIP = "The sequence the heatmaps show, one column per time step"
PROBE_HIDDEN_TIP = "Hidden while the class guesses (predict-then-reveal): P shows it again"

#: The preset box's entry for a run that is none of the presets.
CUSTOM_PRESET = "custom (not a preset)"

# The learning-rate slider works in log10(lr) at LR_TICKS ticks per decade, from 1e-5 up to the
# optimiser's largest rate (smaller rates are typed).
LR_MIN_EXP, LR_TICKS = -5.0, 20


def _form(box: QWidget) -> QFormLayout:
    """A form whose fields go under their labels when the panel is narrow (large fonts)."""
    form = QFormLayout(box)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def _field_row(form: QFormLayout, label: str, field: NumberEdit | LearningRateEdit) -> None:
    """A labelled row for a number field, and under it the row that says why a value is refused."""
    form.addRow(label, field)
    form.addRow(field.error)


class LearningRateEdit(QWidget):
    """A log-scale slider and a number field showing the same learning rate.

    The field takes any rate typed and refuses one outside the optimiser's range visibly
    (:attr:`error` says why; place it under the row). The slider spans 1e-5 to the optimiser's
    largest rate, so it can only offer allowed rates.

    Signals
    -------
    valueChanged(float)
        The new (accepted) learning rate, once per user change.
    """

    valueChanged = pyqtSignal(float)

    def __init__(self, optimizer: str = "adam", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setMinimumWidth(40)
        self.field = NumberEdit(lr_limit(optimizer), 0.01)
        self.field.setToolTip("Learning rate η: type any value, e.g. 0.003 or 3e-4")
        self.field.setMinimumWidth(self.field.fontMetrics().horizontalAdvance("0.00001__"))
        self.error = self.field.error
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.field)
        self._syncing = False
        self.set_optimizer(optimizer)
        self.slider.valueChanged.connect(self._from_slider)
        self.field.committed.connect(self._from_field)

    def value(self) -> float:
        """The accepted learning rate."""
        return float(self.field.value())

    def problem(self) -> str:
        """Why the typed rate is refused ("" when it is accepted)."""
        return self.field.problem()

    def setValue(self, lr: float) -> None:
        """Show ``lr`` without emitting ``valueChanged``."""
        self.field.setValue(lr)
        self._move_slider(lr)

    def set_optimizer(self, name: str) -> None:
        """Check the rate against ``name``'s range; the slider ends at its largest rate."""
        lim = lr_limit(name)
        self.field.setLimit(lim)
        top = round(math.log10(lim.hi) * LR_TICKS)
        self._syncing = True
        try:  # a shorter slider must not move the rate
            self.slider.setRange(int(LR_MIN_EXP * LR_TICKS), top)
            self.slider.setToolTip(f"Learning rate on a log scale (1e-5 … {lim.hi:g})")
        finally:
            self._syncing = False
        self._move_slider(self.value())

    def _move_slider(self, lr: float) -> None:
        self._syncing = True
        try:
            self.slider.setValue(round(math.log10(max(lr, 1e-12)) * LR_TICKS))
        finally:
            self._syncing = False

    def _from_slider(self, tick: int) -> None:
        if self._syncing:
            return
        lr = float(f"{10 ** (tick / LR_TICKS):.2g}")
        self.field.setValue(lr)
        self.valueChanged.emit(lr)

    def _from_field(self, lr: float) -> None:
        self._move_slider(lr)
        self.valueChanged.emit(float(lr))


class ControlPanel(QWidget):
    """The left-hand panel.

    Parameters
    ----------
    presets : sequence of (name, description)
        Presets offered in the preset box.
    tasks : sequence of str
        Task names offered in the task box.
    corpora : sequence of str
        Bundled corpus names for the text task.

    Signals
    -------
    applyRequested(object)
        A RunConfig with new structural settings (the window confirms and rebuilds).
    optimChanged(object)
        An OptimConfig to apply live.
    presetChosen(str)
        The user picked a preset.
    probeSubmitted(str)
        The user asked for a new probe sequence.
    openCorpusRequested()
        The user wants to pick a corpus file.
    """

    applyRequested = pyqtSignal(object)
    optimChanged = pyqtSignal(object)
    presetChosen = pyqtSignal(str)
    probeSubmitted = pyqtSignal(str)
    openCorpusRequested = pyqtSignal()

    def __init__(
        self,
        presets: Sequence[tuple[str, str]] = (),
        tasks: Sequence[str] = ("text",),
        corpora: Sequence[str] = (DEFAULT_CORPUS,),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._applied = RunConfig()
        self.applied_preset = ""  # set_config names it
        self._loading = False
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        root = QVBoxLayout(self)
        root.setContentsMargins(6, 4, 6, 6)
        root.setSpacing(2)

        # --- run buttons (actions are attached by the window)
        self.run_button = QToolButton(objectName="runButton")
        self.step_button = QToolButton()
        self.reset_button = QToolButton()
        run_row = QHBoxLayout()
        for b in (self.run_button, self.step_button, self.reset_button):
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            run_row.addWidget(b)
        root.addLayout(run_row)

        # --- how fast (live): steps per second and a step to pause at
        box = QGroupBox("Speed — live")
        self.speed = SpeedPanel()
        QVBoxLayout(box).addWidget(self.speed)
        root.addWidget(box)

        # --- what to learn
        box = QGroupBox("Experiment")
        form = _form(box)
        self.preset = QComboBox()
        for name, description in presets:
            self.preset.addItem(name, name)
            idx = self.preset.count() - 1
            self.preset.setItemData(idx, description, Qt.ItemDataRole.ToolTipRole)
        self.preset.setToolTip("Load a ready-made experiment (asks before discarding weights)")
        #: Shown when the run is none of the presets (a checkpoint's, or changed and applied).
        self.preset.addItem(CUSTOM_PRESET, "")
        self.preset.setItemData(
            self.preset.count() - 1,
            "The run on screen is not one of the presets: opened from a checkpoint, or its "
            "settings were changed and applied",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.task = QComboBox()
        for name in tasks:
            self.task.addItem(name, name)
        self.corpus = QComboBox()
        for name in corpora:
            self.corpus.addItem(name, name)
        self.open_corpus = QToolButton(text="Open…")
        self.open_corpus.setToolTip("Train on a UTF-8 text file of your own")
        corpus_row = QHBoxLayout()
        corpus_row.setContentsMargins(0, 0, 0, 0)
        corpus_row.addWidget(self.corpus, 1)
        corpus_row.addWidget(self.open_corpus)
        form.addRow("Preset", self.preset)
        form.addRow("Task", self.task)
        form.addRow("Corpus", corpus_row)
        root.addWidget(box)

        # --- the network (structural)
        box = QGroupBox("Network")
        form = _form(box)
        self.cell = QComboBox()
        for name, cls in CELLS.items():
            self.cell.addItem(cls.title, name)
        self.hidden = NumberEdit(LIMITS["model.hidden"], 100)
        self.hidden.setToolTip("Hidden units H (rows of each heatmap)")
        self.init = QComboBox()
        for name in INITS:
            self.init.addItem(name, name)
        self.seq_len = NumberEdit(LIMITS["train.seq_len"], 25)
        self.seq_len.setToolTip("Steps of backpropagation through time per batch")
        self.batch = NumberEdit(LIMITS["train.batch"], 1)
        self.batch.setToolTip("Sequences per batch")
        self.seed = NumberEdit(LIMITS["train.seed"], 0)
        self.seed.setToolTip("Same seed, same weights, same batches, same numbers")
        form.addRow("Cell", self.cell)
        _field_row(form, "Hidden units", self.hidden)
        _field_row(form, "Seq. length", self.seq_len)
        _field_row(form, "Batch size", self.batch)
        form.addRow("Init", self.init)
        _field_row(form, "Seed", self.seed)
        self.apply_button = QPushButton("Apply", objectName="applyButton")
        self.apply_button.setToolTip(
            "Rebuild the model with these settings: new random weights (asks first)"
        )
        self.apply_button.setEnabled(False)
        self.pending_hint = _hint("These settings need a new network: press Apply.")
        self.pending_hint.setVisible(False)
        form.addRow(self.apply_button)
        form.addRow(self.pending_hint)
        root.addWidget(box)

        # --- optimiser (live)
        box = QGroupBox("Optimiser — live")
        form = _form(box)
        self.optimizer = QComboBox()
        for name in OPTIMIZERS:
            self.optimizer.addItem(OPTIMIZER_LABELS.get(name, name), name)
        self.lr = LearningRateEdit()
        self.momentum = NumberEdit(LIMITS["optim.momentum"], 0.0)
        self.momentum.setToolTip("SGD momentum μ: v = μ v + g; 0 is plain SGD")
        self.clip_mode = QComboBox()
        for name in CLIP_MODES:
            self.clip_mode.addItem(CLIP_LABELS[name], name)
        self.clip_mode.setToolTip(
            "Gradient clipping: each value to ±threshold, or the global norm to the threshold"
        )
        self.clip = NumberEdit(LIMITS["optim.clip_norm"], 5.0)
        self.clip.setToolTip("Clipping threshold: ±threshold per value, or the largest global norm")
        form.addRow("Optimiser", self.optimizer)
        _field_row(form, "Learn. rate", self.lr)
        _field_row(form, "Momentum", self.momentum)
        form.addRow("Clipping", self.clip_mode)
        _field_row(form, "Threshold", self.clip)
        root.addWidget(box)

        # --- probe
        box = QGroupBox("Probe sequence")
        lay = QVBoxLayout(box)
        self.probe = QLineEdit()
        self.probe.setClearButtonEnabled(True)
        self.probe.setPlaceholderText("type a probe, press Enter")
        self.probe.setToolTip(PROBE_TIP)
        self.probe_apply = QPushButton("Show")
        row = QHBoxLayout()
        row.addWidget(self.probe, 1)
        row.addWidget(self.probe_apply)
        lay.addLayout(row)
        self.probe_error = QLabel()
        self.probe_error.setProperty("role", "error")
        self.probe_error.setWordWrap(True)
        self.probe_error.setVisible(False)
        lay.addWidget(self.probe_error)
        root.addWidget(box)
        self.keys_hint = _hint(
            "<b>Space</b> run / pause &nbsp;·&nbsp; <b>S</b> one step<br>"
            "<b>←</b> <b>→</b> walk through the probe &nbsp;·&nbsp; <b>F1</b> all keys"
        )
        self.keys_hint.setContentsMargins(4, 6, 4, 0)
        root.addWidget(self.keys_hint)
        root.addStretch(1)

        for combo in (
            self.preset,
            self.task,
            self.corpus,
            self.cell,
            self.init,
            self.optimizer,
            self.clip_mode,
        ):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(6)  # narrow enough for a 1024-wide projector

        # --- wiring
        self.preset.activated.connect(self._on_preset)
        self.open_corpus.clicked.connect(self.openCorpusRequested)
        self.apply_button.clicked.connect(self._on_apply)
        for combo in (self.task, self.corpus, self.cell, self.init):
            combo.currentIndexChanged.connect(self._on_structural_edit)
        for field in self.structural_fields():
            field.edited.connect(self._on_structural_edit)
        self.optimizer.currentIndexChanged.connect(self._on_optim_edit)
        self.clip_mode.currentIndexChanged.connect(self._on_optim_edit)
        for field in (self.clip, self.momentum):
            field.committed.connect(self._on_optim_edit)
        for field in (self.clip, self.momentum, self.lr.field):
            field.edited.connect(self._refresh_pending)
        self.lr.valueChanged.connect(self._on_optim_edit)
        self.probe.returnPressed.connect(self._on_probe)
        self.probe_apply.clicked.connect(self._on_probe)
        self.probe.textEdited.connect(lambda _text: self.show_probe_error(""))
        self.set_config(self._applied)

    # ------------------------------------------------------------------ actions
    def set_actions(self, run: QAction, step: QAction, reset: QAction) -> None:
        """Show the window's Run/Pause, Step and Reset actions as buttons."""
        self.run_button.setDefaultAction(run)
        self.step_button.setDefaultAction(step)
        self.reset_button.setDefaultAction(reset)

    # ------------------------------------------------------------------ config in/out
    def set_config(self, run: RunConfig, preset: str | None = None) -> None:
        """Show ``run`` as the applied configuration (clears the pending state).

        ``preset`` names the preset ``run`` was built from; None: the preset whose settings are
        exactly ``run``'s, if any, else :data:`CUSTOM_PRESET` (a checkpoint of another task
        never reads as the preset picked last).
        """
        self._applied = run
        self._loading = True
        try:
            #: The preset the applied run is ("": none of them).
            self.applied_preset = preset or preset_of(run) or ""
            self._select(self.preset, self.applied_preset)
            self._select(self.task, run.task.name)
            self.add_corpus(str(run.task.options.get("corpus", DEFAULT_CORPUS)))
            self.corpus.setEnabled(run.task.name == "text")
            self.open_corpus.setEnabled(run.task.name == "text")
            self._select(self.cell, run.model.cell)
            self.hidden.setValue(run.model.hidden)
            self._select(self.init, run.model.init)
            self.seq_len.setValue(run.train.seq_len)
            self.batch.setValue(run.train.batch)
            self.seed.setValue(run.train.seed)
            self.set_optim(run.optim)
        finally:
            self._loading = False
        self._refresh_pending()

    def set_optim(self, optim: OptimConfig) -> None:
        """Show an OptimConfig without emitting ``optimChanged``."""
        was, self._loading = self._loading, True
        try:
            self._select(self.optimizer, optim.name)
            self.lr.set_optimizer(optim.name)
            self.lr.setValue(optim.lr)
            self.momentum.setValue(optim.momentum)
            self.momentum.setEnabled(optim.name == "sgd")
            mode = "none"
            if optim.clip_norm is not None:
                mode = "norm"
            elif optim.clip_value is not None:
                mode = "value"
            self._select(self.clip_mode, mode)
            self.clip.setValue(optim.clip_norm or optim.clip_value or self.clip.value())
            self.clip.setEnabled(mode != "none")
        finally:
            self._loading = was

    def applied(self) -> RunConfig:
        """The configuration of the run on screen."""
        return self._applied

    def config(self) -> RunConfig:
        """The configuration the panel shows (applied run with the user's edits)."""
        base = self._applied
        task_name = self.task.currentData() or base.task.name
        options = dict(base.task.options) if task_name == base.task.name else {}
        corpus = self.corpus.currentData()
        if task_name == "text" and corpus and corpus != options.get("corpus", DEFAULT_CORPUS):
            options["corpus"] = corpus
        cell = self.cell.currentData()
        model = dataclasses.replace(
            base.model,
            cell=cell,
            hidden=self.hidden.value(),
            init=self.init.currentData(),
            nonlinearity=fit_nonlinearity(cell, base.model.nonlinearity),
        )
        train = dataclasses.replace(
            base.train,
            seq_len=self.seq_len.value(),
            batch=self.batch.value(),
            seed=self.seed.value(),
        )
        task = dataclasses.replace(base.task, name=task_name, options=options)
        return base.replace(task=task, model=model, train=train, optim=self.optim())

    def optim(self) -> OptimConfig:
        """The OptimConfig the live controls show."""
        mode = self.clip_mode.currentData()
        thr = float(self.clip.value())
        return dataclasses.replace(
            self._applied.optim,
            name=self.optimizer.currentData(),
            lr=self.lr.value(),
            momentum=float(self.momentum.value() or 0.0),
            clip_value=thr if mode == "value" else None,
            clip_norm=thr if mode == "norm" else None,
        )

    def structural_fields(self) -> tuple[NumberEdit, ...]:
        """The number fields that need a new network (Apply)."""
        return (self.hidden, self.seq_len, self.batch, self.seed)

    def problems(self) -> list[str]:
        """Why values typed in the panel are refused, one line per field ([] when none is)."""
        fields = {"Hidden units": self.hidden, "Seq. length": self.seq_len}
        fields.update({"Batch size": self.batch, "Seed": self.seed, "Learning rate": self.lr})
        fields.update({"Momentum": self.momentum, "Clipping threshold": self.clip})
        return [f"{name}: {f.problem()}" for name, f in fields.items() if f.problem()]

    def pending(self) -> bool:
        """Whether structural edits wait for Apply."""
        new, old = self.config(), self._applied
        return (new.task, new.model, new.train) != (old.task, old.model, old.train)

    def revert(self) -> None:
        """Drop structural edits: show the applied configuration again."""
        optim = self.optim()
        self.set_config(self._applied)
        self.set_optim(optim)

    # ------------------------------------------------------------------ corpus / probe
    def add_corpus(self, corpus: str) -> None:
        """Offer ``corpus`` (a bundled name or a file path) and select it."""
        idx = self.corpus.findData(corpus)
        if idx < 0:
            is_path = "/" in corpus or "\\" in corpus or corpus.endswith(".txt")
            label = CORPUS_FILE_PREFIX + Path(corpus).name if is_path else corpus
            self.corpus.addItem(label, corpus)
            idx = self.corpus.count() - 1
            self.corpus.setItemData(idx, corpus, Qt.ItemDataRole.ToolTipRole)
        self.corpus.setCurrentIndex(idx)

    def set_probe_text(self, text: str) -> None:
        """Show the probe currently in use (unless the user is editing it)."""
        if self.probe.hasFocus() and self.probe.isModified():
            return
        if self.probe.text() != text:
            self.probe.setText(text)
            self.probe.setCursorPosition(0)
        self.probe.setModified(False)

    def hide_probe(self, hidden: bool) -> None:
        """Predict-then-reveal: the probe's text (its characters after the cursor's step are the
        targets a class guesses) is shown as dots while answers are hidden; it is kept."""
        mode = QLineEdit.EchoMode.Password if hidden else QLineEdit.EchoMode.Normal
        self.probe.setEchoMode(mode)
        self.probe.setToolTip(PROBE_HIDDEN_TIP if hidden else PROBE_TIP)

    def show_probe_error(self, message: str) -> None:
        """Show (or with "" hide) a problem with the probe text under the field."""
        self.probe_error.setText(message)
        self.probe_error.setVisible(bool(message))

    # ------------------------------------------------------------------ slots
    @staticmethod
    def _select(combo: QComboBox, data: str) -> None:
        idx = combo.findData(data)
        if idx >= 0:
            combo.setCurrentIndex(idx)

    def _refresh_pending(self) -> None:
        pending, refused = self.pending(), bool(self.problems())
        self.apply_button.setEnabled(pending and not refused)
        self.pending_hint.setText(
            "A value is refused (marked in red): correct it to apply."
            if refused
            else "These settings need a new network: press Apply."
        )
        self.pending_hint.setVisible(pending or refused)

    def _on_structural_edit(self, *_args: object) -> None:
        if self._loading:
            return
        is_text = self.task.currentData() == "text"
        self.corpus.setEnabled(is_text)
        self.open_corpus.setEnabled(is_text)
        self._refresh_pending()

    def _on_optim_edit(self, *_args: object) -> None:
        name = self.optimizer.currentData()
        self.lr.set_optimizer(name)  # each optimiser has its own largest rate
        self.momentum.setEnabled(name == "sgd")
        self.clip.setEnabled(self.clip_mode.currentData() != "none")
        self._refresh_pending()
        live = (self.lr, self.momentum, self.clip)
        if not self._loading and not any(f.problem() for f in live):
            self.optimChanged.emit(self.optim())  # a refused value is never sent

    def _on_apply(self) -> None:
        self.applyRequested.emit(self.config())

    def _on_preset(self, index: int) -> None:
        name = self.preset.itemData(index)
        if name:
            self.presetChosen.emit(name)

    def _on_probe(self) -> None:
        self.probeSubmitted.emit(self.probe.text())
