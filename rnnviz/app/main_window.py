"""The main window: controls on the left, the four live views in the middle, a status bar.

Training runs in a :class:`~rnnviz.app.worker.TrainingWorker` thread. Its Updates arrive through a
queued signal and go into the window's :class:`~rnnviz.train.runmodel.RunModel` (every step's
record, the newest frame, samples, status); the views render the run model, drawn in parts by a
:class:`~rnnviz.app.scheduler.FrameScheduler` at most :attr:`MainWindow.MAX_FPS` frames per second
(fewer when drawing is slow, see :attr:`MainWindow.DRAW_BUDGET`).

A new run (Apply, a preset, a corpus file, a checkpoint) is built by a
:class:`~rnnviz.app.loader.TrainerLoader` thread: a large corpus takes a second or two to read,
and the window keeps drawing (and the old run keeps training) until the new one is ready.

User mistakes (a bad probe, an unreadable corpus or checkpoint, an impossible setting) appear in a
banner above the views; the run on screen keeps going.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QKeySequence,
    QShowEvent,
)
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app import closing, files
from rnnviz.app.chrome import FrameBar, MessageBanner, StatusPanel
from rnnviz.app.compare_window import compare_menu
from rnnviz.app.controls import ControlPanel
from rnnviz.app.export_menu import window_exporter, window_tell
from rnnviz.app.frame_dock import FrameDock
from rnnviz.app.inspector import install_inspector
from rnnviz.app.keys import RunKeys
from rnnviz.app.layout import (
    COMFORT_SIZE,
    VIEWS_COMFORT_WIDTH,
    AdaptiveColumn,
    controls_fit,
    initial_size,
)
from rnnviz.app.metrics import loss_label
from rnnviz.app.presenter import RunPresenter
from rnnviz.app.recent import RecentFiles, RecentMenu
from rnnviz.app.record_toggle import RecordToggle
from rnnviz.app.session import RunSession
from rnnviz.app.settings import Settings
from rnnviz.app.speed import PRESETS as SPEED_PRESETS
from rnnviz.app.speed import SPEEDS, nearest_position, speed_text
from rnnviz.app.style import BIG_SCALE, icon
from rnnviz.app.widgets._common import ui_scale
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel
from rnnviz.app.widgets.samples import SamplesPanel
from rnnviz.app.worker import TrainingWorker, user_errors
from rnnviz.config import RunConfig
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Status, Update

# How long closing waits for the training thread to save a checkpoint (its step ends first).
SAVE_TIMEOUT_S = 60.0

# confirm(title, question) -> True to go ahead. Injectable so tests never block on a dialog.
ConfirmFn = Callable[[str, str], bool]

DEFAULT_PRESET = "default"
ABOUT = (
    "<h3>rnnviz</h3>"
    "<p>Watch recurrent networks learn: a vanilla RNN, an LSTM or a GRU written from scratch in "
    "NumPy trains in a background thread while these views show its hidden state, its gates, "
    "its gradients through time, its loss and what it generates.</p>"
    "<p>Pause at any time and walk through the probe sequence with ← and →.</p>"
)
SHORTCUTS = (
    "<table cellspacing='6'>"
    "<tr><td><b>Space</b></td><td>run / pause</td></tr>"
    "<tr><td><b>S</b> or <b>Ctrl+→</b></td><td>train one batch</td></tr>"
    "<tr><td><b>← / →</b></td><td>previous / next probe step</td></tr>"
    "<tr><td><b>Home / End</b></td><td>first / last probe step</td></tr>"
    "<tr><td><b>F2</b></td><td>show / hide the frame view</td></tr>"
    "<tr><td><b>↓ / ↑</b></td><td>slow motion: next / previous part of the step</td></tr>"
    "<tr><td><b>B</b></td><td>backward stepping (gradients, last step to first)</td></tr>"
    "<tr><td><b>P / R</b></td><td>predict, then reveal / reveal the answer</td></tr>"
    "<tr><td><b>- / +</b></td><td>slower / faster training (Run ▸ Speed)</td></tr>"
    "<tr><td><b>Ctrl+R</b></td><td>reset the weights</td></tr>"
    "<tr><td><b>Ctrl+O</b></td><td>open a text file to train on</td></tr>"
    "<tr><td><b>Ctrl+S / Ctrl+L</b></td><td>save / load a checkpoint</td></tr>"
    "<tr><td><b>Ctrl+Shift+S</b></td><td>save a screenshot</td></tr>"
    "<tr><td><b>Ctrl+D</b></td><td>show / hide the controls</td></tr>"
    "<tr><td><b>F11</b></td><td>full screen</td></tr>"
    "</table>"
    "<p>The run keys work wherever the keyboard is, except while you type into a field; "
    "<b>Enter</b> in a field applies it and hands the keys back to the run.</p>"
)


def _ask(parent: QWidget) -> ConfirmFn:
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


def _catalogue() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Presets, task names and bundled corpora to offer in the controls."""
    from rnnviz.presets import list_presets
    from rnnviz.tasks import TASKS
    from rnnviz.tasks.corpus import corpus_names

    return list(list_presets()), list(TASKS), list(corpus_names())


class MainWindow(QMainWindow):
    """The rnnviz window.

    Parameters
    ----------
    run : RunConfig, optional
        Configuration of the first run (ignored when ``trainer`` is given); the default preset
        when both are None.
    trainer : Trainer, optional
        An already built trainer (a loaded checkpoint, or the screenshot command's).
    preset : str, optional
        Name of the preset ``run`` came from (shown in the controls).
    confirm : callable, optional
        ``confirm(title, question) -> bool`` asked before weights are discarded; a dialog by
        default. Tests pass ``lambda *a: True``.
    start_worker : bool
        Start the training thread (paused). False leaves the trainer to the caller
        (``rnnviz screenshot`` steps it synchronously and calls :meth:`present`).
    ask_unsaved : callable, optional
        ``ask_unsaved(title, question) -> "save" | "discard" | "cancel"`` asked on closing with
        unsaved training steps (see :mod:`rnnviz.app.closing`); by default a dialog asks, or
        ``confirm`` when one was given (True: close without saving).
    settings : Settings, optional
        Where recent files and dialog folders are kept (the user's settings by default).
    remember : bool
        Remember the geometry, dock layout and run in ``settings`` when the window closes
        (``rnnviz gui``; never for screenshots and tests).

    Signals
    -------
    frameDrawn(object)
        After a frame's last part was drawn, with the Status it showed.
    runStateChanged(str)
        "running", "paused", "diverged", "error" as the window shows it.
    """

    # Frames per second at most. A frame is drawn in three parts (heatmaps; gradients; loss,
    # samples and status) on successive timer ticks, so the event loop is never blocked by a
    # whole frame at once.
    MAX_FPS = 20
    # Fraction of the time the UI thread may spend drawing: after each part the next waits
    # cost / DRAW_BUDGET (cost = CPU time of the update and its paint). Drawing holds the GIL
    # for its Python parts, so this is what keeps training fast on a slow machine, while a
    # fast one still gets MAX_FPS.
    DRAW_BUDGET = 0.15
    # Updates per second asked of the controller while training. Each costs the worker a
    # forward and backward pass over the probe (~10 ms for the default LSTM), so this is the
    # main price the window makes training pay. The views draw ~5-10 frames a second while a
    # big model trains (see DRAW_BUDGET), so more updates than that would be wasted work.
    UPDATES_PER_S = 8
    # BLAS threads for training while the window is open: one core fewer than the machine has,
    # so the UI thread always finds a free core (OpenBLAS threads spin; an oversubscribed core
    # stalls them all). None: use every core.
    BLAS_THREADS: int | None = max(1, (os.cpu_count() or 1) - 1)
    frameDrawn = pyqtSignal(object)
    runStateChanged = pyqtSignal(str)

    def __init__(
        self,
        run: RunConfig | None = None,
        *,
        trainer: Any = None,
        preset: str | None = None,
        confirm: ConfirmFn | None = None,
        start_worker: bool = True,
        ask_unsaved: closing.UnsavedFn | None = None,
        settings: Settings | None = None,
        remember: bool = False,
    ) -> None:
        super().__init__()
        self.setWindowTitle("rnnviz — watch recurrent networks learn")
        self.setWindowIcon(icon("rnnviz"))
        self._dialog_confirm = _ask(self)
        self.confirm: ConfirmFn = confirm or self._dialog_confirm
        self.ask_unsaved: closing.UnsavedFn = ask_unsaved or self._ask_unsaved
        self.settings = settings if settings is not None else Settings()
        self.recent = RecentFiles(self.settings)
        self._remember = remember
        self._start_worker = start_worker
        #: The run on screen: trainer, thread, loader and run model; the route of commands.
        self.session = RunSession(
            self,
            threaded=start_worker,
            updates_per_s=self.UPDATES_PER_S,
            blas_threads=self.BLAS_THREADS,
        )
        #: Draws the views from the run model, a frame in parts.
        self.presenter = RunPresenter(
            self, self.MAX_FPS, self.DRAW_BUDGET, self._handle_state, self.frameDrawn.emit
        )
        self.frames = self.presenter.frames
        self._divergence_shown = False  # the banner, status message and pill say "diverged"
        self._closing = False
        self._shown_once = False

        presets, tasks, corpora = _catalogue()
        self._build_views()
        self.exporter = window_exporter(self)  # File → Export…, the panels' context menus
        self.recorder = RecordToggle(  # File → Record…, Open recording…
            self,
            lambda: None if self.trainer is None else _run_of(self.trainer),
            lambda: self.run_model.run_id,
            self.settings,
            window_tell(self),
        )
        self._build_controls(presets, tasks, corpora)
        self._build_actions()
        self.frame_dock = FrameDock(self)
        self._build_menus()
        install_inspector(self)  # neurons, interventions, gradients up close, the ⓘ
        run_keys = (self.act_run, self.act_step, self.act_prev, self.act_next)
        self.keys = RunKeys(
            self,
            self.centralWidget(),
            [k for act in (*run_keys, self.act_first, self.act_last) for k in act.shortcuts()]
            + self.frame_dock.keys(),
        )
        self.status = StatusPanel(self.statusBar())
        self._show_speed()
        self._fit_to_screen()
        self._default_docks = self.saveState()  # for "Restore default layout and settings"
        self.setAcceptDrops(True)  # a text file or a checkpoint dropped on the window opens

        if trainer is None:
            if run is None:
                from rnnviz.presets import load_preset

                run, preset = load_preset(DEFAULT_PRESET), DEFAULT_PRESET
            trainer = self._new_trainer(run)
        session = self.session
        session.updated.connect(self._on_update)
        session.installed.connect(self._on_installed)
        session.loaded.connect(self._on_loaded)
        session.loadFailed.connect(self._on_load_failed)
        session.failed.connect(self._on_failed)
        session.install(trainer, preset=preset)

    # ================================================================= construction
    def _build_views(self) -> None:
        self.heatmaps = StateHeatmaps()
        self.gradients = GradientPanel()
        self.loss = LossPanel()
        self.samples = SamplesPanel()
        self.frame_bar = FrameBar()
        self.banner = MessageBanner()

        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.heatmaps, 1)
        lay.addWidget(self.frame_bar)

        # Stacked when every view has its legible height, else tabs (a projector, --big).
        right = AdaptiveColumn(
            (self.loss, self.gradients, self.samples),
            (("Loss", (self.loss, self.samples)), ("Gradients", (self.gradients,))),
            stretch=(28, 50, 22),  # the gradient panel holds two plots and two legends
        )
        self.right_column = right

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 400])
        split.setChildrenCollapsible(False)
        self.main_splitter = split

        central = QWidget()
        central.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click on the views leaves a field
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 0)
        lay.setSpacing(4)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)
        self.banner.float_over(central)  # over the views' top edge: the views never move

        self.frame_bar.frameChanged.connect(self._on_frame)
        self.heatmaps.frameClicked.connect(self.frame_bar.set_frame)

    def _build_controls(
        self, presets: list[tuple[str, str]], tasks: list[str], corpora: list[str]
    ) -> None:
        self.controls = ControlPanel(presets, tasks, corpora)
        scroll = QScrollArea()
        scroll.setWidget(self.controls)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        bar = scroll.verticalScrollBar()
        scroll.setMinimumWidth(self.controls.minimumSizeHint().width() + bar.sizeHint().width())
        dock = QDockWidget("Controls", self)
        dock.setObjectName("controlsDock")
        dock.setWidget(scroll)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        # As wide as the controls like to be; their fields go under their labels if narrower.
        self._dock_width = self.controls.sizeHint().width() + bar.sizeHint().width()
        self.resizeDocks([dock], [self._dock_width], Qt.Orientation.Horizontal)
        self.controls_dock = dock
        self.controls.applyRequested.connect(self.apply_config)
        self.controls.optimChanged.connect(self.set_optim)
        self.controls.presetChosen.connect(self.load_preset)
        self.controls.probeSubmitted.connect(self.set_probe)
        self.controls.openCorpusRequested.connect(self.open_corpus)
        self.controls.speed.speedChanged.connect(self.set_speed)
        self.controls.speed.pauseAtChanged.connect(self.set_pause_at)

    def _action(
        self,
        text: str,
        slot: Callable[..., Any],
        keys: tuple[str | QKeySequence.StandardKey, ...] = (),
        tip: str = "",
        checkable: bool = False,
    ) -> QAction:
        act = QAction(text, self)
        if keys:
            act.setShortcuts([QKeySequence(k) for k in keys])
        act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip:
            act.setToolTip(tip)
            act.setStatusTip(tip)
        act.setCheckable(checkable)
        (act.toggled if checkable else act.triggered).connect(slot)
        self.addAction(act)
        return act

    def _build_actions(self) -> None:
        self.act_run = self._action("Run", self._on_run_toggled, ("Space",), "Run / pause", True)
        # Standard media icons: a glyph like "⏸" is missing from many systems' fonts.
        style = self.style()
        self._run_icons = {
            True: style.standardIcon(QStyle.StandardPixmap.SP_MediaPause),
            False: style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
        }
        self.act_run.setIcon(self._run_icons[False])
        self.act_step = self._action(
            "Step", self.step_once, ("S", "Ctrl+Right"), "Train on one batch, then pause"
        )
        self.act_reset = self._action("Reset", self.reset, ("Ctrl+R",), "New random weights")
        self.act_prev = self._action("Previous step", lambda: self.frame_bar.move(-1), ("Left",))
        self.act_next = self._action("Next step", lambda: self.frame_bar.move(+1), ("Right",))
        self.act_first = self._action("First step", lambda: self.frame_bar.set_frame(0), ("Home",))
        self.act_last = self._action("Last step", lambda: self.frame_bar.set_frame(10**9), ("End",))
        self.act_open = self._action(
            "Open corpus…", self.open_corpus, ("Ctrl+O",), "Train on a text file"
        )
        self.act_save = self._action("Save checkpoint…", self.save_checkpoint, ("Ctrl+S",))
        self.act_load = self._action("Load checkpoint…", self.load_checkpoint, ("Ctrl+L",))
        self.act_shot = self._action(
            "Save screenshot…", self.save_screenshot_dialog, ("Ctrl+Shift+S",)
        )
        self.act_quit = self._action("Quit", self.close, ("Ctrl+Q",))
        self.act_full = self._action(
            "Full screen", self._toggle_full_screen, ("F11",), "Fill the screen (projector)", True
        )
        self.act_about = self._action("About rnnviz", self._about)
        self.act_defaults = self._action(
            "Restore default layout and settings", self.restore_defaults
        )
        self.recent_menu = RecentMenu(self.recent, self)
        self.recent_menu.openRequested.connect(self.open_recent)
        self.recent_menu.message.connect(lambda text: self.show_message(text, "warning"))
        self.act_keys = self._action("Keyboard shortcuts", self._shortcuts, ("F1",))
        self.controls.set_actions(self.act_run, self.act_step, self.act_reset)
        self.speed_actions = QActionGroup(self)
        self.speed_actions.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for text, rate in SPEED_PRESETS:
            act = QAction(text, self.speed_actions, checkable=True)  # triggered: by the user only
            act.triggered.connect(lambda _on=False, r=rate: self.set_speed(r))
            act.setData(rate)
        self.act_slower = self._action("Slower", lambda: self._nudge_speed(-1), ("-",))
        self.act_faster = self._action("Faster", lambda: self._nudge_speed(+1), ("+", "="))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        m = bar.addMenu("&File")
        m.addAction(self.act_open)
        m.addMenu(self.recent_menu)
        m.addAction(self.recorder.open_action)
        m.addMenu(compare_menu(self, window_tell(self)))
        m.addSeparator()
        m.addAction(self.act_save)
        m.addAction(self.act_load)
        m.addSeparator()
        m.addAction(self.recorder.action)
        m.addSeparator()
        m.addAction(self.act_shot)
        m.addActions(self.exporter.file_actions(self))
        m.addSeparator()
        m.addAction(self.act_quit)
        m = bar.addMenu("&Run")
        for act in (self.act_run, self.act_step, self.act_reset):
            m.addAction(act)
        m.addSeparator()
        speed = m.addMenu("Speed")
        for act in self.speed_actions.actions():
            speed.addAction(act)
        speed.addSeparator()
        speed.addAction(self.act_slower)
        speed.addAction(self.act_faster)
        m.addSeparator()
        for act in (self.act_prev, self.act_next, self.act_first, self.act_last):
            m.addAction(act)
        m = bar.addMenu("&View")
        toggle = self.controls_dock.toggleViewAction()
        toggle.setText("Controls panel")
        toggle.setShortcut(QKeySequence("Ctrl+D"))
        m.addAction(toggle)
        m.addAction(self.act_full)
        m.addSeparator()
        m.addAction(self.act_defaults)
        bar.addMenu(self.frame_dock.menu())
        m = bar.addMenu("&Help")
        m.addAction(self.act_keys)
        m.addAction(self.act_about)

    def restore_defaults(self) -> bool:
        """Back to the default layout and run: size, docked controls, the default preset.

        Asks first when trained weights would be discarded; the remembered layout and run are
        forgotten (recent files stay). Returns False when the user declined.
        """
        if not self.load_preset(DEFAULT_PRESET):
            return False
        self.settings.forget_layout_and_run()
        self.act_full.setChecked(False)
        self.showNormal()
        self.restoreState(self._default_docks)
        self._fit_to_screen()
        if self.start_maximized:
            self.showMaximized()
        return True

    def _fit_to_screen(self) -> None:
        """A comfortable size, or maximised on a smaller screen (see :func:`initial_size`)."""
        screen = QGuiApplication.primaryScreen()
        size, self.start_maximized = QSize(COMFORT_SIZE), False
        if screen is not None:
            size, self.start_maximized = initial_size(screen.availableGeometry().size())
        self.arrange_for(size.width(), size.height())

    def arrange_for(self, width: int, height: int) -> None:
        """Resize to ``width`` × ``height`` and show the controls only if the views keep room.

        The controls dock starts hidden when it would leave the views less than their
        comfortable width (a 1024-wide projector, or ``--big`` below 1920); Ctrl+D shows it.
        """
        self.resize(width, height)
        comfort = round(VIEWS_COMFORT_WIDTH * ui_scale())
        shown = controls_fit(width, self._dock_width, comfort)
        self.controls_dock.setVisible(shown)
        if shown:
            self.resizeDocks([self.controls_dock], [self._dock_width], Qt.Orientation.Horizontal)

    # ================================================================= run lifecycle
    @property
    def trainer(self) -> Any:
        """The Trainer on screen (owned by the worker thread while it runs)."""
        return self.session.trainer

    @property
    def worker(self) -> TrainingWorker | None:
        """The training thread wrapper (None in screenshot mode)."""
        return self.session.worker

    @property
    def run_model(self) -> RunModel:
        """The run on screen as the views read it: history, samples, frames, cursor."""
        return self.session.model

    @property
    def last_status(self) -> Status | None:
        """The status of the newest frame drawn (None right after a new run started)."""
        return self.presenter.last_status

    @property
    def draw_seconds(self) -> list[float]:
        """Recent CPU costs of a part of a frame (update + paint), seconds."""
        return self.frames.draw_seconds

    @property
    def controller(self) -> Any:
        """The RunController of the current run, or None."""
        return self.session.controller

    def _new_trainer(self, run: RunConfig) -> Any:
        from rnnviz.train.trainer import Trainer

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return Trainer(run.validate())
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _install(self, trainer: Any, preset: str | None = None) -> None:
        """Show ``trainer`` (its thread starts paused)."""
        self.session.install(trainer, preset)

    def _on_installed(self, trainer: Any, preset: str | None) -> None:
        """A new run is on screen: clear the views and show its settings."""
        self._forget_pending()
        self.presenter.probe_text = trainer.task.probe().text  # before the thread owns it
        self.frame_dock.set_trainer(trainer)
        run = _run_of(trainer)
        self.recent.note_run(run)
        self.controls.set_config(run, preset)
        self.loss.set_loss_label(*loss_label(run.task.name, trainer.task.head))
        self._set_run_checked(False)
        self._show_run_state("paused")
        self._clear_divergence()

    # ================================================================= commands
    def _on_run_toggled(self, running: bool) -> None:
        if running:
            restarted = not self.session.alive()
            if not self.session.resume():
                self._set_run_checked(False)  # screenshot mode: nothing to run
                return
            if restarted:  # after a crash: a fresh thread, and the button shows it running
                self._set_run_checked(True)
            if self.banner.level == "warning":  # e.g. the divergence note: acted upon
                self.banner.dismiss()
            self._show_run_state("running")
            self._clear_divergence()
        else:
            self.session.pause()  # the loop then reports every step trained so far
            self._show_run_state("paused")

    def _set_run_checked(self, checked: bool) -> None:
        self.act_run.blockSignals(True)
        self.act_run.setChecked(checked)
        self.act_run.blockSignals(False)

    def run(self) -> None:
        """Start (or continue) training."""
        self.act_run.setChecked(True)

    def pause(self) -> None:
        """Pause training after the current step."""
        self.act_run.setChecked(False)

    def is_running(self) -> bool:
        """Whether the window shows a running run."""
        return self.act_run.isChecked()

    def step_once(self) -> None:
        """Pause, then train exactly one batch."""
        self.pause()
        if self.session.step_once():
            self._clear_divergence()

    def reset(self) -> None:
        """New random weights (same seed and settings), after asking."""
        if self._last_step() > 0 and not self.confirm(
            "Reset the weights?",
            "Start again from fresh random weights? The current ones are lost.",
        ):
            return
        self.session.reset(done=self._on_reset_done)

    def set_optim(self, optim: Any) -> None:
        """Apply an OptimConfig (optimiser, learning rate, clipping) between two steps."""
        try:
            optim.validate()
        except user_errors() as exc:
            self.show_message(str(exc))
            return
        self.session.set_optim(optim)
        self.gradients.set_clipping(optim.clip_value, optim.clip_norm)

    def set_speed(self, steps_per_s: float | None) -> None:
        """Train at most ``steps_per_s`` steps per second (None: as fast as it goes)."""
        from rnnviz.train.pacing import check_speed

        try:
            rate = check_speed(steps_per_s)
        except ValueError as exc:
            self.show_message(str(exc))
            self._show_speed()
            return
        self.session.set_speed(rate)
        self._show_speed()
        self.statusBar().showMessage(f"Speed: {speed_text(rate)}", 3000)

    def speed(self) -> float | None:
        """The speed limit in force (steps per second; None: unlimited)."""
        return self.session.speed

    def _nudge_speed(self, direction: int) -> None:
        k = nearest_position(self.session.speed) + direction
        self.set_speed(SPEEDS[max(0, min(k, len(SPEEDS) - 1))])

    def _show_speed(self) -> None:
        """The speed in the controls, the Run menu and the status bar."""
        rate = self.session.speed
        self.controls.speed.set_speed(rate)
        for act in self.speed_actions.actions():
            act.setChecked(act.data() == rate)
        self.status.set_speed_limit(None if rate is None else speed_text(rate))

    def set_pause_at(self, step: int | None) -> bool:
        """Pause when training reaches ``step`` (None: do not); a step already past is refused."""
        now = self._trainer_step()
        if step is not None and step <= now:
            self.controls.speed.show_pause_error(
                f"Step {step:,} is already done (the run is at step {now:,}): choose a later step."
            )
            self.controls.speed.set_pause_at(self.session.pause_at)  # what is in force
            return False
        self.controls.speed.show_pause_error("")
        self.session.set_pause_at(step)
        self.controls.speed.set_pause_at(step)
        return True

    def pause_at(self) -> int | None:
        """The step the run will pause at, or None."""
        return self.session.pause_at

    def _trainer_step(self) -> int:
        """The newest step known on this thread (the trainer's own while nothing trains)."""
        if not self.session.alive() or not self.is_running():
            trainer = self.session.trainer
            return int(trainer.step_count) if trainer is not None else 0
        return self._last_step()

    def set_lr(self, lr: float) -> None:
        """Change the learning rate live (as if typed in the controls)."""
        self.controls.lr.setValue(lr)
        self.set_optim(self.controls.optim())

    def set_probe(self, text: str) -> None:
        """Replace the probe sequence; a bad one is explained under the field."""
        self.controls.show_probe_error("")

        def set_probe(trainer: Any) -> str:
            trainer.set_probe(text)
            return trainer.task.probe().text

        self.session.call(set_probe, self._probe_set)
        if not self.session.alive():  # no thread sends the new frame: show it now
            self.present(self.session.trainer.update(state="paused"))

    def _probe_set(self, result: Future[str]) -> None:
        """The probe command's result: the probe now in use, or why the text was refused."""
        exc = result.exception()
        if exc is not None:
            self._on_user_error("probe", _error_text(exc))
            return
        self.presenter.probe_text = result.result()
        self.controls.set_probe_text(self.presenter.probe_text)
        self.controls.show_probe_error("")

    def apply_config(self, run: RunConfig) -> bool:
        """Rebuild the model from ``run`` after asking; errors leave the current run untouched.

        Returns True when the new run is being built (in the background: the current run stays
        on screen until it is ready, see :meth:`loading`), False when the user declined.
        """
        if self._last_step() > 0 and not self.confirm(
            "Discard the current weights?",
            "These settings need a new network: training restarts from random weights.",
        ):
            return False
        try:
            run = run.validate()
        except user_errors() as exc:
            self.show_message(str(exc))
            return False
        self._build(lambda: _make_trainer(run), None, _loading_text(run))
        return True

    def loading(self) -> bool:
        """Whether a new run is being built in the background."""
        return self.session.loading()

    def _build(
        self,
        factory: Callable[[], Any],
        preset: str | None,
        message: str,
        checkpoint: str | None = None,
    ) -> None:
        """Build a trainer with ``factory`` off the UI thread; install it when it is ready."""
        self.session.build(factory, preset, checkpoint)
        self.show_message(message, "info")

    def _on_loaded(self, trainer: Any, checkpoint: str | None) -> None:
        if checkpoint is not None:
            self.recent.add("checkpoint", checkpoint)
        self.banner.dismiss()
        self.statusBar().showMessage("New run ready", 3000)

    def _on_load_failed(self, message: str) -> None:
        self.show_message(message)

    def load_preset(self, name: str) -> bool:
        """Switch to preset ``name`` after asking."""
        from rnnviz.presets import load_preset

        try:
            run = load_preset(name)
        except (*user_errors(), KeyError, FileNotFoundError) as exc:
            self.show_message(str(exc))
            return False
        if self._last_step() > 0 and not self.confirm(
            f"Load preset “{name}”?",
            "The preset builds a new network: the current weights are discarded.",
        ):
            self.controls.set_config(self.controls.applied(), preset=self._preset_name())
            return False
        self._build(lambda: _make_trainer(run), name, _loading_text(run))
        return True

    def _preset_name(self) -> str | None:
        return self.controls.preset.currentData()

    def open_corpus(self, path: str | None = None) -> bool:
        """Train on a text file (asks for it when ``path`` is None)."""
        if not path:
            path = files.ask_open_path(
                self, "Open a text file to train on", "corpus", self.settings
            )
            if not path:
                return False
        run = self.controls.config()
        options = dict(run.task.options) if run.task.name == "text" else {}
        options["corpus"] = str(path)
        run = run.replace(task=run.task.__class__(name="text", options=options))
        return self.apply_config(run)

    def save_checkpoint(self, path: str | None = None) -> None:
        """Save weights, optimiser state and configuration (asks for a file when None)."""
        if not path:
            path = self._ask_checkpoint_path()
            if not path:
                return
        target = str(path)
        self.session.call(lambda t: str(t.save(target)), self._saved)

    def _saved(self, result: Future[str]) -> None:
        """The save command's result: the checkpoint written, or why it was not."""
        exc = result.exception()
        if exc is not None:
            self.show_message(_error_text(exc))
            return
        path = result.result()
        self.recent.add("checkpoint", path)
        self.statusBar().showMessage(f"Saved checkpoint {path}", 5000)

    def _ask_checkpoint_path(self) -> str | None:
        name = "rnnviz-checkpoint.npz"
        return files.ask_save_path(self, "Save checkpoint", "checkpoint", name, self.settings)

    def load_checkpoint(self, path: str | None = None) -> bool:
        """Continue a saved run (asks before discarding the current weights).

        The checkpoint (and the corpus it names) is read in the background; True means
        loading started, and errors arrive in the banner.
        """
        from rnnviz.train.trainer import Trainer

        if not path:
            path = files.ask_open_path(self, "Load checkpoint", "checkpoint", self.settings)
            if not path:
                return False
        if self._last_step() > 0 and not self.confirm(
            "Load this checkpoint?", "The current weights are discarded."
        ):
            return False
        target = str(path)
        self._build(lambda: Trainer.load(target), None, f"Loading checkpoint {target}…", target)
        return True

    def open_file(self, path: str) -> bool:
        """Open a text file to train on, or a checkpoint, as Open… / Load checkpoint… would."""
        if files.kind_of(path) == "checkpoint":
            return self.load_checkpoint(path)
        return self.open_corpus(path)

    def open_recent(self, kind: str, path: str) -> bool:
        """Open a file chosen in File > Open Recent."""
        return self.load_checkpoint(path) if kind == "checkpoint" else self.open_corpus(path)

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        """Accept one local file (a folder or several files are refused on the drop)."""
        if event is not None and event.mimeData() is not None and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:
        """Open the dropped file like Open… or Load checkpoint… (same questions, same checks)."""
        if event is None:
            return
        path, problem = files.dropped_file(event.mimeData())
        if path is None:
            if problem:
                self.show_message(problem)
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_file(path)

    def save_screenshot(self, path: str) -> bool:
        """Save the whole window as a PNG; returns whether it worked."""
        ok = self.grab().save(str(path), "PNG")
        if ok:
            self.statusBar().showMessage(f"Saved screenshot {path}", 5000)
        else:
            self.show_message(f"could not write {path}: choose a writable .png file")
        return ok

    def save_screenshot_dialog(self) -> None:
        """Ask for a file and save a screenshot."""
        path = files.ask_save_path(self, "Save screenshot", "png", "rnnviz.png", self.settings)
        if path:
            self.save_screenshot(path)

    # ================================================================= messages
    def show_message(self, text: str, level: str = "error") -> None:
        """Tell the user something in the banner (and briefly in the status bar)."""
        self.banner.show_message(text, level)
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 8000)

    def _on_user_error(self, kind: str, message: str) -> None:
        if kind == "probe":
            self.controls.show_probe_error(message)
        self.show_message(message)

    def _on_failed(self, summary: str, details: str) -> None:
        if details:
            print(details, file=sys.stderr)
        self.pause()
        self._show_run_state("error", summary)
        self.show_message(
            f"Training stopped because of an internal error: {summary}. "
            "Press Run to restart from the current weights, or Reset."
        )

    def _toggle_full_screen(self, on: bool) -> None:
        if on:
            self.showFullScreen()
        else:
            self.showNormal()

    def _about(self) -> None:
        QMessageBox.about(self, "About rnnviz", ABOUT)

    def _shortcuts(self) -> None:
        QMessageBox.information(self, "Keyboard shortcuts", SHORTCUTS)

    # ================================================================= updates and frames
    def _on_update(self, update: Update) -> None:
        """An update the run model took in: the views draw it on the next frame."""
        if self._closing:
            return
        self.recorder.add(update)
        status = update.status
        if status.state == "paused" and self.is_running() and self._reached_pause_step():
            self._set_run_checked(False)
            reason = f"Paused at step {status.step:,}, as asked"
            self._show_run_state("paused", reason)
            self.statusBar().showMessage(reason, 8000)
        self.presenter.take(status, now=not self.session.threaded)  # no thread: show it now

    def present(self, update: Update) -> None:
        """Take ``update`` and draw it now in every view, bypassing the pacing (no worker:
        ``rnnviz screenshot`` steps the trainer itself)."""
        self.session.deliver(update)
        if self.session.threaded:
            self.presenter.draw_now()

    def _reached_pause_step(self) -> bool:
        """Whether the controller has just paused itself at the "pause at" step."""
        ctl = self.controller
        if self.session.pause_at is None or ctl is None or ctl.state != "paused" or ctl.pause_at:
            return False
        self.session.pause_at = None
        self.controls.speed.set_pause_at(None)
        return True

    def _on_reset_done(self, result: Future[None]) -> None:
        if result.exception() is not None:
            self.show_message(_error_text(result.exception()))  # type: ignore[arg-type]
            return
        self._forget_pending()
        self._clear_divergence()

    def _forget_pending(self) -> None:
        self.presenter.forget()

    def _handle_state(self, new: Status) -> None:
        """The newest state a frame showed: a divergence, an error or a message."""
        if new.state == "diverged":
            self._on_diverged(new.message)
        elif new.state == "error":  # the loop caught an exception and ended
            self._on_failed(new.message or "unknown error", "")
        elif new.message and new.state != "stopped":
            self.show_message(new.message, "warning")

    def _on_diverged(self, message: str) -> None:
        """Pause and explain, once per divergence.

        An update may be drawn after the user already acted on the divergence (Run, Step,
        Reset): the controller, not the update, says whether the run is still diverged.
        """
        if self.controller is not None and self.controller.state != "diverged":
            return
        if self.status.state_name == "diverged":
            return  # already shown (e.g. an update after a settings change)
        self.pause()
        self._show_run_state("diverged", message)
        advice = " Then press Run to go on from there."
        self.show_message(message[:1].upper() + message[1:] + advice, "warning")
        self._divergence_shown = True

    def _clear_divergence(self) -> None:
        """Take down the banner, the status message and the red pill of a divergence."""
        if not self._divergence_shown:
            return
        self._divergence_shown = False
        if self.banner.level == "warning":
            self.banner.dismiss()
        self.statusBar().clearMessage()
        if self.status.state_name == "diverged":
            self._show_run_state("running" if self.is_running() else "paused")

    def _on_frame(self, t: int | None) -> None:
        self.presenter.set_time_step(t)

    def _show_run_state(self, state: str, reason: str = "") -> None:
        self.status.set_state(state, reason)
        running = state == "running"
        self.act_run.setText("Pause" if running else "Run")
        self.act_run.setIcon(self._run_icons[running])
        self.runStateChanged.emit(state)

    def _last_step(self) -> int:
        s = self.presenter.last_status
        return 0 if s is None else int(s.step)

    def showEvent(self, event: QShowEvent | None) -> None:
        """On the first show, give the controls their preferred width (not possible before)."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.controls_dock.isVisible():
                self.resizeDocks(
                    [self.controls_dock], [self._dock_width], Qt.Orientation.Horizontal
                )

    # ================================================================= closing
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

    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Offer to save unsaved training, then stop and join the training thread."""
        if not self._closing and not self._may_close():
            if event is not None:
                event.ignore()
            return
        if self._remember and not self._closing:
            self.settings.save_window(self)
            self.settings.save_run(_run_of(self.session.trainer), self._preset_name())
            self.settings.sync()
        self._closing = True
        self.presenter.stop()
        self.session.close()
        self.recorder.stop()
        super().closeEvent(event)


def _error_text(exc: BaseException) -> str:
    """A command's error as the user reads it: a user mistake's own words, else its type too."""
    return str(exc) if isinstance(exc, user_errors()) else f"{type(exc).__name__}: {exc}"


def _make_trainer(run: RunConfig) -> Any:
    """A Trainer for ``run`` (any thread: touches no widget)."""
    from rnnviz.train.trainer import Trainer

    return Trainer(run)


def _loading_text(run: RunConfig) -> str:
    """What the banner says while a run is built."""
    if run.task.name == "text":
        return "Loading corpus… (the current run stays on screen until the new one is ready)"
    return "Building the new network…"


def _run_of(trainer: Any) -> RunConfig:
    run = trainer.run
    assert isinstance(run, RunConfig)
    return run


def _first_window(args: argparse.Namespace, settings: Settings) -> MainWindow:
    """The window ``rnnviz gui`` opens: on --checkpoint or --preset if given, else on the run
    remembered from last time, else (none, or it cannot be built any more) the default preset."""
    keep = {"settings": settings, "remember": True}
    if args.checkpoint:
        from rnnviz.train.trainer import Trainer

        trainer = Trainer.load(args.checkpoint)
        RecentFiles(settings).add("checkpoint", args.checkpoint)
        return MainWindow(trainer=trainer, **keep)
    if args.preset:
        from rnnviz.presets import load_preset

        return MainWindow(load_preset(args.preset), preset=args.preset, **keep)
    last = settings.last_run()
    if last is not None:
        try:
            return MainWindow(last.run, preset=last.preset, **keep)
        except (*user_errors(), KeyError, OSError, MemoryError):
            pass  # remembering is a convenience: start on the default instead
    return MainWindow(**keep)


def launch(argv: list[str] | None = None) -> int:
    """Open the window; returns the exit code.

    Parameters
    ----------
    argv : list of str
        Arguments after the program name, as :func:`rnnviz.cliargs.window_parser` reads them.
    """
    from rnnviz.cliargs import UsageError, window_parser

    try:
        args = window_parser().parse_args(argv if argv is not None else [])
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except UsageError as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    from rnnviz.app.application import make_app, release_windows
    from rnnviz.app.display import display_problem

    problem = display_problem()
    if problem is not None:
        print(f"rnnviz: error: {problem}", file=sys.stderr)
        return 2
    app = make_app(scale=BIG_SCALE if args.big else 1.0, quiet=False)
    settings = Settings()
    try:
        window = _first_window(args, settings)
    except (*user_errors(), KeyError, FileNotFoundError) as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    restored = settings.restore_window(window)  # geometry and docks as last time, if usable
    if not restored and window.start_maximized:  # the window manager fits it on a small screen
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    window.show()
    if args.run:
        window.run()
    code = int(app.exec())
    del window
    release_windows()  # now, not in PyQt's exit clean-up
    return code
