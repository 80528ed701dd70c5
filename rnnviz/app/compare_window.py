"""Compare runs side by side: 2-4 runs of a Comparison trained in lockstep, drawn together.

A :class:`CompareWindow` trains a :class:`~rnnviz.train.compare.Comparison` (a preset: race,
cells, clipping, learning-rates) on a worker thread (:class:`CompareWorker`) and keeps one
:class:`~rnnviz.train.runmodel.RunModel` per run. It shows:

* the smoothed training loss of every run on one plot, one colour per run, and the gradient
  flow back through time on the probe, ‖∂L/∂h_t‖ per run (solid) and its last-step signal
  ‖∂L_T/∂h_t‖ (dotted), same colours (:mod:`rnnviz.app.compare_curves`: each legend on its
  plot's right, never over a curve);
* the state heatmaps of each run side by side for the same probe
  (:class:`~rnnviz.app.widgets.heatmaps.StateHeatmaps`, one per run) with one time-step cursor
  shared by every heatmap and both plots, and one read-out line naming the run and the value
  under the pointer;
* in the status bar, each run's step, loss and latest metric in its colour.

Where they go on each screen size (one row of runs or two, heatmaps above the curves or in two
tabs) is :mod:`rnnviz.app.compare_layout`'s.

Redraws are paced by one context-object timer (a run model that changed is drawn at the next
tick, at most every :data:`REDRAW_MS`); the worker reports at most every
:data:`REPORT_S` seconds, so four runs never flood the event loop. Each redraw draws one part
(every run's curves at once, or one run's heatmaps), so each repaint is one part's.
"""

from __future__ import annotations

import html
import sys
import threading
import time
from collections.abc import Callable, Sequence

from PyQt6 import sip
from PyQt6.QtCore import QObject, QPointF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QAction, QCloseEvent, QKeySequence
from PyQt6.QtWidgets import QLabel, QMainWindow, QMenu, QSizePolicy, QSplitter

from rnnviz.app import teardown
from rnnviz.app.chrome import FrameBar
from rnnviz.app.compare_curves import RUN_COLOURS, CompareCurves
from rnnviz.app.compare_infos import attach_compare_infos, compare_explanations
from rnnviz.app.compare_layout import CompareArea, ReadOut, RunCell, RunGrid, RunStatus
from rnnviz.app.export_menu import Exporter, ExportSources
from rnnviz.app.settings import Settings
from rnnviz.app.step_name import step_name
from rnnviz.app.widgets._common import FOREGROUND, visible_token
from rnnviz.app.widgets.heatmaps import HINT_TIP, StateHeatmaps
from rnnviz.config import ConfigError
from rnnviz.train.compare import Comparison, RunSpec, check_specs
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Update

#: Comparison presets offered.
PRESETS = ("race", "cells", "clipping", "learning-rates")
REPORT_S = 0.25  # the worker sends the runs' updates (each with a new frame) at most this often
REDRAW_MS = 33  # the views redraw at most this often
#: The read-out line before a value is read (short: beside the tabs at 1024x768 --big).
HINT = "Hover for a value; click a column for its time step."


class CompareWorker(QObject):
    """Builds a Comparison from specs and trains it in lockstep on a Python thread.

    Signals: ``ready(labels)`` once built, ``updates(tuple[Update, ...])`` at most every
    :data:`REPORT_S` s while running (and once on pausing), ``failed(message)`` (one line).
    """

    ready = pyqtSignal(object)
    updates = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, specs: Sequence[RunSpec]) -> None:
        super().__init__()  # no Qt parent: a window deleted on close must not take it along
        self.specs = tuple(specs)
        self.comparison: Comparison | None = None
        self._running = threading.Event()
        self._quit = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rnnviz-compare", daemon=True)
        self.rounds = 0

    def start(self) -> None:
        self._thread.start()

    def set_running(self, on: bool) -> None:
        if on:
            self._running.set()
        else:
            self._running.clear()

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def close(self) -> bool:
        """Stop training; wait for the round in flight at most :data:`teardown.JOIN_S`.

        Returns whether the thread has ended. One still in its round (or still building the
        runs) goes on alone: it emits nothing more, and :mod:`rnnviz.app.teardown` keeps this
        worker until it ends (waited for at exit).
        """
        self._quit.set()
        self._running.set()  # wake it
        if not self._thread.is_alive():
            return True
        self._thread.join(timeout=teardown.JOIN_S)
        if not self._thread.is_alive():
            return True
        teardown.keep(self, self._thread, self._quit.set)
        return False

    def _emit(self, name: str, value: object) -> None:
        """Emit signal ``name`` unless the worker is closed (nobody listens any more)."""
        if not self._quit.is_set():
            getattr(self, name).emit(value)

    def _loop(self) -> None:
        try:
            self.comparison = Comparison(self.specs)
        except (ConfigError, ValueError, OSError) as exc:
            self._emit("failed", str(exc).splitlines()[0])
            return
        comp = self.comparison
        self._emit("ready", comp.labels)
        self._emit("updates", comp.updates("paused"))
        last = time.monotonic()
        while not self._quit.is_set():
            if not self._running.wait(0.1):
                continue
            if self._quit.is_set():
                break
            results = comp.step()
            self.rounds += 1
            now = time.monotonic()
            if now - last >= REPORT_S or not self._running.is_set():
                last = now
                self._emit("updates", _updates(comp, results))
        if comp is not None:
            comp.updates("stopped")


def _updates(comp: Comparison, results: tuple) -> tuple[Update, ...]:
    """Each run's update after a lockstep round with ``results`` (one StepResult per run)."""
    return tuple(
        t.update("diverged", t.diverged or "") if r.diverged else t.update("running")
        for t, r in zip(comp.trainers, results, strict=True)
    )


class CompareWindow(QMainWindow):
    """Runs of a comparison, side by side (see the module docstring).

    Parameters
    ----------
    preset : str
        A comparison preset (see :data:`PRESETS`), unless ``specs`` are given.
    specs : sequence of RunSpec, optional
        The runs (tests use tiny ones).
    run : bool
        Start training once built.
    settings : Settings, optional
        Where export dialogs start (the folder used last).
    """

    def __init__(
        self,
        preset: str = "race",
        specs: Sequence[RunSpec] | None = None,
        run: bool = False,
        settings: Settings | None = None,
    ) -> None:
        description = ""
        if specs is None:
            from rnnviz.presets import list_compares, load_compare

            specs = load_compare(preset)  # ConfigError: the caller says why
            description = dict(list_compares()).get(preset, "")
        check_specs(specs)  # ConfigError (one line) before any widget or thread exists
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.specs = tuple(specs)
        self.labels = tuple(s.label for s in self.specs)
        self.setWindowTitle(f"rnnviz compare — {preset if specs else ''}".rstrip(" —"))
        self.models = [RunModel(max_weight_bytes=0) for _ in self.specs]  # no frame view here
        self._drawn = [(-1, -1, -1)] * len(self.specs)  # curves: (epoch, history, frame) drawn
        self._heat_drawn: list[tuple[int, int] | None] = [None] * len(self.specs)  # heatmaps
        self._run_on_ready = run
        self._building: set[int] = set()  # runs whose heatmap panels are still being built
        self._budget = 1  # heatmap panels this redraw may still build
        self._turn = 0  # the run whose heatmaps are drawn first at the next redraw
        self.ready = False

        self.settings = settings if settings is not None else Settings()
        self._build_run_action()
        self._build_views()
        self.infos = attach_compare_infos(  # the ⓘ of every panel
            self.curves.loss_panel.plot_widget,
            self.curves.flow_panel.plot_widget,
            [view.graphics for view in self.heatmaps],
            compare_explanations(self.specs, description),
        )
        self.exporter = self._make_exporter()
        self._build_menus()
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.timeout.connect(self.redraw)

        self.worker = CompareWorker(self.specs)
        self.worker.ready.connect(self._on_ready)
        self.worker.updates.connect(self._on_updates)
        self.worker.failed.connect(self._on_failed)
        self.statusBar().showMessage("Building the runs…")
        self.worker.start()

    # ------------------------------------------------------------------ construction
    def _build_run_action(self) -> None:
        """Run / Pause, an item of the menu bar (a tool bar would take a row of height the
        heatmaps need on a projector)."""
        self.act_run = QAction("Run", self)
        self.act_run.setCheckable(True)
        self.act_run.setShortcut("Space")
        self.act_run.setToolTip("Train every run in lockstep (Space)")
        self.act_run.setEnabled(False)
        self.act_run.toggled.connect(self.set_running)

    def _make_exporter(self) -> Exporter:
        """File → Export… and the panels' context menus: the heatmaps of every run, each
        curve plot or the whole window as pictures or time-step animations; each run's step
        history or frame as CSV."""

        def steps() -> int:
            frame = self.models[0].frame
            return int(frame.T) if frame is not None else 0

        exporter = Exporter(
            ExportSources(
                self,
                {
                    "heatmaps": ("the runs' state heatmaps", self.heatmap_grid),
                    "loss": ("the loss plot", self.curves.loss_panel),
                    "gradients": ("the gradient-flow plot", self.curves.flow_panel),
                },
                steps,
                self.frame_bar.frame,
                self.frame_bar.set_frame,
                lambda: self.models[0],
                self._tell,
                self.settings,
                runs=lambda: list(zip(self.labels, self.models, strict=True)),
                reveal=self.area.reveal,
            )
        )
        exporter.install_context_menus()
        return exporter

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        m.addActions(self.exporter.file_actions(self))
        m.addSeparator()
        close = m.addAction("&Close")
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        self.menuBar().addAction(self.act_run)

    def _tell(self, text: str, level: str) -> None:
        self.statusBar().showMessage(text, 0 if level == "error" else 8000)

    def _build_views(self) -> None:
        n = len(self.specs)
        self.heatmaps = [StateHeatmaps() for _ in range(n)]
        cells = []
        for i, (label, view) in enumerate(zip(self.labels, self.heatmaps, strict=True)):
            title = QLabel(f"<b style='color:{RUN_COLOURS[i]}'>━ {label}</b>")
            cells.append(RunCell(title, view))
            view.frameClicked.connect(self._set_time_step_from_view)
            view.graphics.scene().sigMouseMoved.connect(lambda p, i=i: self._show_readout(i, p))
        grid = self.heatmap_grid = RunGrid(cells)
        self.readout = ReadOut(HINT)  # one line for every run: the value under the pointer
        self.readout.setToolTip(HINT_TIP)
        self.readout.setStyleSheet(f"color: {FOREGROUND}; padding: 2px 6px;")
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.frame_bar = FrameBar()
        self.frame_bar.frameChanged.connect(self.set_time_step)

        self.curves = CompareCurves(self.labels)
        c = self.curves
        self.loss_plot, self.flow_plot = c.loss_plot, c.flow_plot
        self.loss_curves, self.flow_curves, self.last_curves = (
            c.loss_curves,
            c.flow_curves,
            c.last_curves,
        )
        self.flow_cursor = c.flow_cursor
        curves = QSplitter(Qt.Orientation.Horizontal)
        curves.addWidget(c.loss_panel)
        curves.addWidget(c.flow_panel)
        curves.setChildrenCollapsible(False)
        self.area = CompareArea(grid, self.readout, self.frame_bar, curves)
        self.setCentralWidget(self.area)

        # Every run's step and loss, each entry whole, on two lines where one is too narrow.
        self.run_texts = [
            f"<span style='color:{RUN_COLOURS[i]}'>● {label}</span>"
            for i, label in enumerate(self.labels)
        ]
        self.run_status = RunStatus()
        self.run_status.set_entries(self.run_texts)
        self.statusBar().addWidget(self.run_status, 1)

    def _show_readout(self, i: int, scene_pos: QPointF) -> None:
        """The run's name and the value under the pointer in run ``i``'s heatmaps, value first
        (where the read-out sits beside the tabs, a narrow window cuts its end, not the value)."""
        view, frame = self.heatmaps[i], self.models[i].frame
        for name in view.shown() if frame is not None else ():
            vb = view.panels[name].plot.getViewBox()
            if not vb.sceneBoundingRect().contains(scene_pos):
                continue
            at = vb.mapSceneToView(scene_pos)
            t, unit = round(at.x()), round(at.y())
            a = frame.states.get(name)  # (T, H)
            if a is None or not (0 <= t < a.shape[0] and 0 <= unit < a.shape[1]):
                return
            token = html.escape(visible_token(frame.labels[t]) if t < len(frame.labels) else "?")
            self.readout.setText(
                f"<b style='color:{RUN_COLOURS[i]}'>{html.escape(self.labels[i])}</b>: value "
                f"<b>{float(a[t, unit]):+.3f}</b> &nbsp; {view.panels[name].spec.label} &nbsp; "
                f"unit <b>{unit}</b> &nbsp; {step_name(t)} &nbsp; input <b>{token}</b>"
            )
            return

    # ------------------------------------------------------------------ worker
    def _on_ready(self, labels: object) -> None:
        self.ready = True
        self.act_run.setEnabled(True)
        self.statusBar().clearMessage()
        if self._run_on_ready:
            self.act_run.setChecked(True)

    def _on_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"cannot compare: {message}")

    def _on_updates(self, updates: object) -> None:
        for model, update in zip(self.models, updates, strict=True):  # type: ignore[call-overload]
            model.ingest(update)
        if not self._redraw.isActive():
            self._redraw.start(REDRAW_MS)

    def set_running(self, on: bool) -> None:
        """Train (or pause) every run in lockstep."""
        if self.act_run.isChecked() != on:
            self.act_run.setChecked(on)
            return
        self.act_run.setText("Pause" if on else "Run")
        self.worker.set_running(on)

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        """Draw one part of what changed since the last redraw.

        A redraw draws either the curves and read-outs of every run that changed (set in one
        pass, so each plot repaints once however many runs changed) or, when no curve changed,
        the heatmaps of one run whose frame changed (the runs take turns). Each repaint that
        follows is then one part's, never the whole window's, and the event loop runs between
        parts: the next redraw follows after :data:`REDRAW_MS` while a run's heatmaps wait.
        The runs' first heatmaps are built one panel per redraw across all runs (a grid of four
        LSTMs built at once held the UI thread for seconds).
        """
        self._budget = 1
        for i in sorted(self._building):
            self._render_heatmaps(i)
        if not self._draw_curves():
            self._draw_next_heatmaps()
        if (self._building or self._heatmaps_waiting()) and not self._redraw.isActive():
            self._redraw.start(0 if self._building else REDRAW_MS)

    def _draw_curves(self) -> bool:
        """Set the curves and status of every run whose history or frame changed; True if any."""
        changed = False
        for i, model in enumerate(self.models):
            key = (model.epoch, model.version["history"], model.version["frame"])
            old = self._drawn[i]
            if key == old:
                continue
            changed = True
            self._drawn[i] = key
            if key[:2] != old[:2]:
                self.curves.set_loss(i, *model.series("smoothed"))
                self.run_texts[i] = self._run_text(i, model)
            frame = model.frame
            if key[::2] != old[::2] and frame is not None:
                self.curves.set_flow(i, frame)
                if i == 0 and self.frame_bar.set_labels(frame.labels, frame.targets):
                    self.set_time_step(self.frame_bar.frame())
        if changed:
            self.curves.anchor()
            self.run_status.set_entries(self.run_texts)
        return changed

    def _heatmap_key(self, i: int) -> tuple[int, int] | None:
        """What run ``i``'s heatmaps should show (None: no frame yet)."""
        model = self.models[i]
        return None if model.frame is None else (model.epoch, model.version["frame"])

    def _heatmaps_waiting(self) -> bool:
        return any(
            self._heatmap_key(i) not in (None, self._heat_drawn[i]) for i in range(len(self.models))
        )

    def _draw_next_heatmaps(self) -> None:
        """Draw the heatmaps of the next run (in turn) whose frame changed."""
        n = len(self.models)
        for k in range(n):
            i = (self._turn + k) % n
            key = self._heatmap_key(i)
            if key is not None and key != self._heat_drawn[i]:
                self._heat_drawn[i] = key
                self._turn = i + 1
                self._render_heatmaps(i)
                return

    def redraw_all(self) -> None:
        """Draw everything now, every run's heatmaps included (screenshots, exports, tests)."""
        for _ in range(64 * len(self.models)):  # bounded: 4 grids of a few panels each
            self.redraw()
            if not self._redraw.isActive():
                break
            self._redraw.stop()

    def _render_heatmaps(self, i: int) -> None:
        """Draw run ``i``'s heatmaps, building a new panel only if this redraw built none."""
        view = self.heatmaps[i]
        before = len(view.panels)
        if view.draw_model(self.models[i], build_budget=self._budget):
            self._building.discard(i)
        else:
            self._building.add(i)
        if len(view.panels) > before:
            self._budget = 0

    def _run_text(self, i: int, model: RunModel) -> str:
        text = f"● {self.labels[i]} · step {model.step:,}"
        if model.last_loss is not None:
            text += f" · loss {model.last_loss:.3f}"
        val = model.val_loss
        if val is not None:
            text += f" · val {val:.3f}"
        if model.status.state == "diverged":
            text += " · diverged"
        return f"<span style='color:{RUN_COLOURS[i]}'>{text}</span>"

    # ------------------------------------------------------------------ cursor
    def set_time_step(self, t: int) -> None:
        """Move the shared time-step cursor of every heatmap and the flow plot."""
        for model, view in zip(self.models, self.heatmaps, strict=True):
            model.set_cursor(t=t)
            view.set_frame(t)
        self.flow_cursor.setPos(t)

    def _set_time_step_from_view(self, t: int) -> None:
        self.frame_bar.set_frame(t)

    def closeEvent(self, event: QCloseEvent | None) -> None:
        self._redraw.stop()
        if self.exporter.current is not None and self.exporter.current.running:
            self.exporter.current.cancel()
        self.hide()  # closed at once to the eye, while the round in flight ends
        self.worker.close()
        super().closeEvent(event)


def compare_menu(parent: QMainWindow, tell: Callable[[str, str], None]) -> QMenu:
    """File → Compare runs ▸ one entry per comparison preset, each opening a CompareWindow."""
    from rnnviz.presets import load_compare

    menu = QMenu("&Compare runs", parent)
    menu.setToolTip("Train 2-4 runs in lockstep from the same weights and watch them together")
    opened: list[CompareWindow] = []

    def open_preset(name: str) -> None:
        try:
            window = CompareWindow(name, run=True)
        except ConfigError as exc:
            tell(str(exc), "error")
            return
        opened[:] = [w for w in opened if not sip.isdeleted(w)] + [window]
        window.resize(parent.size())
        window.show()

    for name in PRESETS:
        try:
            labels = ", ".join(s.label for s in load_compare(name))
        except ConfigError:
            continue
        act = menu.addAction(f"{name}: {labels}")
        act.triggered.connect(lambda _=False, n=name: open_preset(n))
    menu.opened = opened  # type: ignore[attr-defined]  # the windows it keeps alive
    return menu


def launch(preset: str, big: bool = False) -> int:
    """``rnnviz compare --preset NAME --gui [--big]``: the compare window, training at once.

    Returns the exit code (2 with one line when there is no display or the preset is bad).
    """
    from rnnviz.app.application import make_app, release_windows
    from rnnviz.app.display import display_problem
    from rnnviz.app.style import BIG_SCALE

    problem = display_problem()
    if problem is not None:
        print(f"rnnviz: error: {problem}", file=sys.stderr)
        return 2
    app = make_app(scale=BIG_SCALE if big else 1.0, quiet=False)
    try:
        window = CompareWindow(preset, run=True)
    except ConfigError as exc:
        print(f"rnnviz: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    window.resize(1400, 900)
    window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    window.show()
    code = int(app.exec())
    del window
    release_windows()
    return code


def snapshot(preset: str, out: str, size: tuple[int, int], rounds: int, big: bool = False) -> int:
    """``rnnviz compare --gui --screenshot OUT.png``: the compare window, offscreen, after
    ``rounds`` lockstep rounds, at ``size`` (``--size``), saved as a PNG; the time-step cursor
    in the middle of the probe. Returns the exit code (2 with one line for a bad preset)."""
    from rnnviz.app.application import make_app, release_windows, use_offscreen
    from rnnviz.app.style import BIG_SCALE

    use_offscreen()
    app = make_app(scale=BIG_SCALE if big else 1.0)
    try:
        window = CompareWindow(preset)
    except ConfigError as exc:
        print(f"rnnviz: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    window.resize(*size)
    window.show()
    _train_rounds(window, rounds)
    window.redraw_all()
    app.processEvents()
    window.frame_bar.set_frame(window.frame_bar.slider.maximum() // 2)
    window.grab()  # a first paint sets the axes' widths; the picture is the second
    app.processEvents()
    pixmap = window.grab()
    ok = pixmap.save(out, "PNG")
    step, shown = window.models[0].step, (pixmap.width(), pixmap.height())
    window.close()
    del window
    release_windows()
    if not ok:
        print(f"rnnviz: error: could not write {out}", file=sys.stderr)
        return 2
    note = "" if shown == tuple(size) else f", the smallest the window allows for {size}"
    print(f"wrote {out} ({shown[0]}x{shown[1]}{note}, step {step})")
    return 0


def _train_rounds(window: CompareWindow, rounds: int) -> None:
    """Train ``window``'s runs until ``rounds`` lockstep rounds are drawn, then pause (the
    worker reports every :data:`REPORT_S` s: a few rounds more may be done by then)."""
    from PyQt6.QtCore import QEventLoop

    loop = QEventLoop()

    def check(_: object) -> None:  # after the window's own slot has taken the updates in
        if window.worker.rounds >= rounds and all(m.frame is not None for m in window.models):
            window.set_running(False)
            loop.quit()
        elif not window.worker.running:
            window.set_running(True)

    window.worker.updates.connect(check)
    window.worker.failed.connect(lambda _: loop.quit())
    # Start here, not only from an update: the worker's first (paused) update may have been
    # delivered before ``check`` was connected, and then no update would ever come.
    window.set_running(True)
    loop.exec()
