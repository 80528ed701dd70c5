"""The main window: controls on the left, the four live views in the middle, a status bar.

Training runs in a :class:`~rnnviz.app.worker.TrainingWorker` thread. Its Updates arrive through a
queued signal and go into the window's :class:`~rnnviz.train.runmodel.RunModel` (every step's
record, the newest frame, samples, status); the views draw the run model, in parts by a
:class:`~rnnviz.app.scheduler.FrameScheduler` at most :attr:`MainWindow.MAX_FPS` frames per second
(fewer when drawing is slow, see :attr:`MainWindow.DRAW_BUDGET`).

This module is the window's layout and the wiring of its parts; what the window does lives in one
module each, mixed into :class:`MainWindow`:

* :mod:`rnnviz.app.commands`: run, pause, step, reset, optimiser, speed, pause-at, probe;
* :mod:`rnnviz.app.opening`: new runs and files (Apply, presets, corpora, checkpoints, drops);
* :mod:`rnnviz.app.lifecycle`: a run installed, its updates, divergence, failures, closing;
* :mod:`rnnviz.app.questions`: the questions asked before weights or training are lost;
* :mod:`rnnviz.app.menus`: the actions, their keys and the menu bar;
* :mod:`rnnviz.app.launcher`: ``rnnviz gui``, the window opened from the command line.

User mistakes (a bad probe, an unreadable corpus or checkpoint, an impossible setting) appear in a
banner above the views; the run on screen keeps going.
"""

from __future__ import annotations

import os
from typing import Any

from PyQt6.QtCore import QSize, Qt, pyqtSignal
from PyQt6.QtGui import QGuiApplication, QShowEvent
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app import closing
from rnnviz.app.chrome import FrameBar, MessageBanner, StatusPanel
from rnnviz.app.collector import UiCollector
from rnnviz.app.commands import RunCommands
from rnnviz.app.controls import ControlPanel
from rnnviz.app.export_menu import window_exporter, window_tell
from rnnviz.app.frame_dock import FrameDock
from rnnviz.app.inspector import install_inspector
from rnnviz.app.keys import RunKeys
from rnnviz.app.layout import (
    COMFORT_SIZE,
    VIEWS_COMFORT_WIDTH,
    AdaptiveColumn,
    ScrollColumn,
    controls_fit,
    initial_size,
)
from rnnviz.app.lifecycle import RunLifecycle, run_of
from rnnviz.app.menus import build_actions, build_menus
from rnnviz.app.opening import RunFiles
from rnnviz.app.presenter import RunPresenter
from rnnviz.app.questions import CloseQuestions, ConfirmFn, ask_dialog
from rnnviz.app.recent import RecentFiles
from rnnviz.app.record_toggle import RecordToggle
from rnnviz.app.session import RunSession
from rnnviz.app.settings import Settings
from rnnviz.app.step_cursor import StepCursor
from rnnviz.app.style import icon
from rnnviz.app.widgets._common import ui_scale
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel
from rnnviz.app.widgets.samples import SamplesPanel
from rnnviz.app.window_width import WindowWidth
from rnnviz.app.worker import TrainingWorker
from rnnviz.config import RunConfig
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Status

DEFAULT_PRESET = "default"


def _catalogue() -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Presets, task names and bundled corpora to offer in the controls."""
    from rnnviz.presets import list_presets
    from rnnviz.tasks import TASKS
    from rnnviz.tasks.corpus import corpus_names

    return list(list_presets()), list(TASKS), list(corpus_names())


class MainWindow(RunCommands, RunFiles, RunLifecycle, CloseQuestions, QMainWindow):
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
    # Threads for a job the worker runs while training waits (tracing a text for a unit's
    # card): every core. On one the LSTM misses the 200 ms target (its products alone take
    # ~140 ms of a core for 100,000 characters at H=128); the trace's groups never spin-wait
    # (one BLAS thread each): a 10 ms timer on this thread ticked at most 51 ms apart while
    # two groups traced (shared machine, load average 6). See rnnviz.core.tracing.
    JOB_THREADS: int = os.cpu_count() or 1
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
        self._dialog_confirm = ask_dialog(self)
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
            job_threads=self.JOB_THREADS,
        )
        #: Draws the views from the run model, a frame in parts.
        self.presenter = RunPresenter(
            self, self.MAX_FPS, self.DRAW_BUDGET, self._handle_state, self.frameDrawn.emit
        )
        self.frames = self.presenter.frames
        self._divergence_shown = False  # the banner, status message and pill say "diverged"
        self._closing = False
        self._shown_once = False
        self.collector = UiCollector(self)  # collections on this thread, the window frozen

        presets, tasks, corpora = _catalogue()
        self._build_views()
        self.exporter = window_exporter(self)  # File → Export…, the panels' context menus
        self.recorder = RecordToggle(  # File → Record…, Open recording…
            self,
            lambda: None if self.trainer is None else run_of(self.trainer),
            lambda: self.run_model.run_id,
            self.settings,
            window_tell(self),
        )
        self._build_controls(presets, tasks, corpora)
        build_actions(self)
        self.step_cursor = StepCursor(self)  # the training step shown: live or a kept frame
        self.heatmap_column.layout().addWidget(self.step_cursor.bar)
        self.frame_dock = FrameDock(self)
        self.window_width = WindowWidth(self)  # its minimum follows what is shown
        build_menus(self)
        install_inspector(self)  # neurons, interventions, gradients up close, the ⓘ
        run_keys = (self.act_run, self.act_step, self.act_prev, self.act_next)
        run_keys += (self.act_next_array, self.act_prev_array)  # A, Shift+A: the heatmaps
        self.keys = RunKeys(
            self,
            self.centralWidget(),
            [k for act in (*run_keys, self.act_first, self.act_last) for k in act.shortcuts()]
            + self.step_cursor.keys()
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
        lay.addWidget(self.frame_bar)  # the time step; the training step's bar goes below
        self.heatmap_column = left

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

        self.frame_bar.frameChanged.connect(self.presenter.set_time_step)
        self.heatmaps.frameClicked.connect(self.frame_bar.set_frame)

    def _build_controls(
        self, presets: list[tuple[str, str]], tasks: list[str], corpora: list[str]
    ) -> None:
        self.controls = ControlPanel(presets, tasks, corpora)
        scroll = ScrollColumn(self.controls)  # never narrower than the controls and a scroll bar
        bar = scroll.verticalScrollBar()
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
        self.frame_dock.arrange_for(width, height)  # shown where it fits (app/frame_dock.py)

    # ================================================================= the run on screen
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

    def showEvent(self, event: QShowEvent | None) -> None:
        """On the first show, give the controls their preferred width (not possible before)."""
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            if self.controls_dock.isVisible():
                self.resizeDocks(
                    [self.controls_dock], [self._dock_width], Qt.Orientation.Horizontal
                )
            self.frame_dock.room.share_width(self.width(), self.height())  # room for every heatmap
