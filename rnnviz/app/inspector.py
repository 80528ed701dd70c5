"""The inspector: neurons, interventions and gradients up close, as tabs that read a RunModel.

:class:`Inspector` holds the unit inspector, Find units, gate saturation, interventions and
gradients up close. It renders the frame at the run model's cursor (only the tab on screen is
redrawn; the others when they are shown) and sends every piece of heavy work — tracing the
held-out text, ranking units on a task feature, re-running the probe with a change, verifying
gradients, the recurrent spectra — to the worker thread through :class:`~rnnviz.app.jobs.
WorkerJobs`; nothing heavy runs on the UI thread. The unit tab's text pasted by the user is
traced there too (:func:`rnnviz.train.user_text.trace_text`).

Once a task that knows features (binary addition's carry) is solved — an evaluation's
``sum_accuracy`` (or ``accuracy``) reaches :data:`SOLVED` — its first feature is ranked on its
own, so the carry unit is found and named without a click; and again after every later
evaluation that finds it solved, while Find units still follows that feature: a network that
has just solved the task is still sharpening what its units hold (binary addition with a GRU,
seed 0: every sum right at step 1,000 with no unit above r = 0.83, n[9] at r = +0.93 by step
2,000), so the name follows the network instead of the moment it first got every sum right.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from PyQt6 import sip
from PyQt6.QtCore import QPoint, QRect, Qt, pyqtSignal
from PyQt6.QtGui import QAction, QFontMetrics, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QFrame, QScrollArea, QStyle, QTabWidget, QWidget

from rnnviz.app.jobs import Call, WorkerJobs
from rnnviz.app.layout import minimum
from rnnviz.app.on_screen import OnScreen
from rnnviz.app.reveal import TargetMask
from rnnviz.app.widgets._common import legible_height
from rnnviz.app.widgets.find_units import FindUnits
from rnnviz.app.widgets.gradient_check import GradientsUpClose
from rnnviz.app.widgets.info import attach_view_infos
from rnnviz.app.widgets.intervention import InterventionPanel
from rnnviz.app.widgets.notes_bar import PhenomenonNotes
from rnnviz.app.widgets.saturation import SaturationPlot
from rnnviz.app.widgets.unit_inspector import UnitInspector
from rnnviz.train import inspection, user_text
from rnnviz.train.runmodel import RunModel

#: Seconds between the spectra computed while the Gradients tab is not on screen (each costs
#: the training thread a few milliseconds at H = 128; on that tab, every frame gets them).
SPECTRA_EVERY_S = 0.5
#: Share of the window's height the docked inspector takes when the window has the room.
DOCK_SHARE = 0.45
#: Lines of text a tab shows at its usable height, besides its controls and one plot.
USABLE_LINES = 8
#: An evaluation metric at or above this means the task is solved.
SOLVED = 0.99
SOLVED_METRICS = ("sum_accuracy", "accuracy")
#: Why a run that reads no characters cannot trace a user's text (the paste box's tooltip).
NO_TEXT = "Only a text task reads text: this run's inputs are not characters"


class Inspector(QTabWidget):
    """Tabs: Unit, Find units, Saturation, Intervene, Gradients (see the module docstring).

    Parameters
    ----------
    run_model : RunModel
        The run on screen (its frame at the cursor is drawn).
    call : callable
        ``call(fn, done)`` runs ``fn(trainer)`` in the training thread and hands the finished
        Future to ``done`` (the window's RunSession.call; see :mod:`rnnviz.app.jobs`).

    Signals
    -------
    differenceChanged(object)
        The intervention's (T, H) differences by array, or None after Restore (for the heatmaps'
        difference view).
    spectraChanged(object)
        A new :class:`~rnnviz.train.inspection.SpectralPoint` (for the read-out beside the
        last-step signal).
    """

    differenceChanged = pyqtSignal(object)
    spectraChanged = pyqtSignal(object)

    def __init__(
        self,
        run_model: RunModel,
        call: Call,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.run_model = run_model
        self.jobs = WorkerJobs(call, self)
        self.unit = UnitInspector()
        self.find = FindUnits()
        self.saturation = SaturationPlot()
        self.intervene = InterventionPanel()
        self.gradients = GradientsUpClose()
        self._pages: dict[int, QScrollArea] = {}  # id(panel) -> its page (the tab)
        for panel, title in (
            (self.unit, "Unit"),
            (self.find, "Find units"),
            (self.saturation, "Saturation"),
            (self.intervene, "Intervene"),
            (self.gradients, "Gradients"),
        ):
            self._pages[id(panel)] = page = _scrolled(panel)
            self.addTab(page, title)
        self._drawn: dict[int, int] = {}  # tab index -> frame id drawn
        self._epoch = -1
        self._solved_epoch = -1
        self._solved_on: tuple[int, int | None] = (-1, None)  # (epoch, evaluation step) ranked
        self._spectral = inspection.SpectralProbe()
        self._spectra_at = -math.inf  # monotonic time of the last spectra asked for

        self.currentChanged.connect(lambda _i: self.refresh())
        self.unit.contextsWanted.connect(self._want_contexts)
        self.unit.unitChosen.connect(self._on_unit_chosen)
        self.find.unitPicked.connect(self.show_unit)
        self.find.rankWanted.connect(self._want_ranking)
        self.find.ranked.connect(self._on_ranked)
        self.intervene.interventionWanted.connect(self._want_intervention)
        self.intervene.restored.connect(lambda: self.differenceChanged.emit(None))
        self.gradients.verifyWanted.connect(self._want_check)
        # a deleted inspector's listener does nothing (_on_model checks); it is not unsubscribed
        # from the destroyed signal, which can fire while the collector is tearing the run
        # model down
        self._unsubscribe = run_model.on_change(self._on_model)
        self.seen = OnScreen(self, self._draw_tab)  # tabs are drawn only while on screen
        self.refresh()

    # ------------------------------------------------------------------ tabs
    def setCurrentWidget(self, widget: QWidget | None) -> None:
        """Bring the tab of ``widget`` (a panel, or its page) to the front."""
        page = self._pages.get(id(widget), widget)
        super().setCurrentWidget(page)

    def currentWidget(self) -> QWidget | None:
        """The panel on the front tab (not the page that scrolls it)."""
        page = super().currentWidget()
        return page.widget() if isinstance(page, QScrollArea) else page

    def page(self, panel: QWidget) -> QScrollArea:
        """The scrolled page that holds ``panel``."""
        return self._pages[id(panel)]

    def usable_height(self) -> int:
        """The least height at which a tab shows its row of controls, :data:`USABLE_LINES` lines
        of text (titles, legends, colour bars) and one plot at its legible height; the rest of
        the tab scrolls. In the application's fonts (``--big`` scales it)."""
        bar = self.tabBar()
        tabs = bar.sizeHint().height() if bar is not None else 0
        row = self.unit.rows_box.sizeHint().height() + 8
        lines = USABLE_LINES * QFontMetrics(self.font()).lineSpacing()
        return tabs + row + lines + legible_height()

    # ------------------------------------------------------------------ public
    def set_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: the tabs that show the probe's inputs or targets (the unit card,
        Find units, the intervention) hide the targets ``mask`` hides, as the main window does."""
        for panel in (self.unit, self.find, self.intervene):
            panel.set_mask(mask)

    def show_unit(self, state: str, unit: int) -> None:
        """Inspect unit ``unit`` of array ``state`` (e.g. a heatmap row clicked)."""
        self.setCurrentWidget(self.unit)
        self.unit.unit_names = dict(self.find.unit_names)
        self.unit.select(state, unit)
        self.intervene.set_target(state, unit, self.run_model.cursor.t)

    def refresh(self) -> None:
        """Draw the tab on screen from the frame at the cursor (if not drawn yet).

        A hidden inspector (its dock closed, as at launch) draws nothing and asks the worker
        for nothing: the unit tab's held-out contexts trace up to 100,000 characters on the
        training thread, which held up every new run's first frame and, competing for the
        cores, the window's paints (:class:`~rnnviz.app.on_screen.OnScreen` draws the tab once
        it is on screen).
        """
        if self.run_model.epoch != self._epoch:
            self._epoch = self.run_model.epoch
            self._new_run()
        self.seen.request()

    def _draw_tab(self) -> None:
        frame = self.run_model.frame
        idx = self.currentIndex()
        key = id(frame) if frame is not None else 0
        widget = self.currentWidget()
        if widget is self.unit:
            self.unit.set_cursor(self.run_model.cursor.t)
        if self._drawn.get(idx) == key:
            return
        self._drawn[idx] = key
        if widget is self.unit:
            self.unit.unit_names = dict(self.find.unit_names)
            self.unit.set_frame(frame)
            if frame is not None and self.unit._contexts is None and not self.jobs.busy("ctx"):
                self._want_contexts(self.unit.state, self.unit.unit)
        elif widget is self.find:
            self.find.set_frame(frame)
        elif widget is self.saturation:
            self.saturation.set_frame(frame)
        elif widget is self.intervene:
            self.intervene.set_frame(frame)
        elif widget is self.gradients and frame is not None:
            self._want_spectra()

    # ------------------------------------------------------------------ model
    def _on_model(self, parts: frozenset[str]) -> None:
        if sip.isdeleted(self):
            return
        if parts & {"frame", "reset", "cursor"}:
            self.refresh()
        if "frame" in parts and time.monotonic() - self._spectra_at >= SPECTRA_EVERY_S:
            self._want_spectra()  # for the read-out under the gradient plot, a few per second
        if parts & {"history", "status"}:
            self._check_solved()

    def _new_run(self) -> None:
        self._drawn.clear()
        self.gradients.clear()
        self._spectral = inspection.SpectralProbe()
        self.unit.use_held_out()
        self.unit.set_contexts(None, "")
        self.jobs.submit("sources", _sources, self._on_sources)
        self.jobs.submit("reads_text", user_text.reads_text, self._on_reads_text)

    def _on_reads_text(self, ok: bool) -> None:
        self.unit.source.set_available(ok, NO_TEXT)

    def _on_sources(self, answer: tuple[tuple[str, ...], bool]) -> None:
        self.find.set_sources(*answer)
        self._check_solved()  # the run may have been solved before the sources were known

    def _check_solved(self) -> None:
        m = self.run_model.metrics
        if self.find.source.count() < 2:
            return
        if not any(m.get(k, 0.0) >= SOLVED for k in SOLVED_METRICS):
            return
        features = self.find.features()
        if not features:
            return
        evaluations = self.run_model.evaluations
        ranked_on = (self.run_model.epoch, evaluations[-1].step if evaluations else None)
        if self._solved_epoch == self.run_model.epoch and (
            ranked_on == self._solved_on  # this evaluation was ranked on already
            or self.find.chosen() != ("feature", features[0])  # the user follows another
            or self.jobs.busy("rank")
        ):
            return
        self._solved_epoch, self._solved_on = self.run_model.epoch, ranked_on
        self.find.rank_feature(features[0])

    # ------------------------------------------------------------------ jobs
    def _want_contexts(self, state: str, unit: int) -> None:
        text = self.unit.pasted
        if text is not None:  # the user's text, traced in the worker like the held-out text
            self.jobs.submit(
                "ctx",
                lambda tr: user_text.trace_text(tr, text, state, unit),
                self.unit.set_traced,
                self.unit.trace_failed,
            )
            return

        def failed(message: str) -> None:
            self.unit.set_contexts(None, message)

        ok = self.jobs.submit(
            "ctx",
            lambda tr: _contexts_or_none(tr, state, unit),
            lambda c: self.unit.set_contexts(c, "" if c else "this task reads no held-out text"),
            failed,
        )
        if not ok:
            self.unit.set_contexts(None, "")

    def _on_unit_chosen(self, state: str, unit: int) -> None:
        self.intervene.set_target(state, unit, self.run_model.cursor.t)

    def _want_ranking(self, kind: str, what: str) -> None:
        fn = inspection.rank_by_feature if kind == "feature" else inspection.rank_by_pattern
        self.jobs.submit(
            "rank",
            lambda tr: fn(tr, what),
            lambda r: self._ranking_done(r, kind, what),
            self.find.show_error,
        )

    def _ranking_done(self, ranking: Any, kind: str, what: str) -> None:
        self.find.show_ranking(ranking, kind, what)
        self.unit.unit_names = dict(self.find.unit_names)
        if self.unit._frame is not None:
            self.unit.set_frame(self.unit._frame)

    def _on_ranked(self, feature: str, r: dict[str, np.ndarray]) -> None:
        self.unit.set_correlations(feature, r)

    def _want_intervention(self, change: Any) -> None:
        self.jobs.submit(
            "intervene",
            lambda tr: inspection.probe_intervention(tr, change),
            self._intervened,
            self.intervene.show_error,
        )

    def _intervened(self, result: inspection.ProbeIntervention) -> None:
        self.intervene.show_result(result)
        self.differenceChanged.emit(result.result.diff)

    def _want_check(self) -> None:
        self.jobs.submit(
            "verify",
            inspection.verify_gradients,
            self.gradients.show_check,
            self.gradients.show_error,
        )

    def _want_spectra(self) -> None:
        if self.jobs.busy("spectral") or self.run_model.frame is None:
            return
        self._spectra_at = time.monotonic()
        self.jobs.submit("spectral", self._spectral, self._spectra_done)

    def _spectra_done(self, point: inspection.SpectralPoint) -> None:
        self.gradients.add_point(point)
        self.spectraChanged.emit(point)


def _scrolled(panel: QWidget) -> QScrollArea:
    """A tab page that scrolls ``panel`` when the dock is smaller than the panel's minimum (the
    tab bar stays in view; the panel's plots keep their legible sizes)."""
    page = QScrollArea()
    page.setWidgetResizable(True)
    page.setFrameShape(QFrame.Shape.NoFrame)
    page.setWidget(panel)
    return page


def _sources(trainer: Any) -> tuple[tuple[str, ...], bool]:
    return inspection.feature_names(trainer), inspection.has_held_out(trainer)


def _contexts_or_none(trainer: Any, state: str, unit: int) -> inspection.UnitContexts | None:
    if not inspection.has_held_out(trainer):
        return None
    return inspection.top_contexts(trainer, state, unit)


def install_inspector(window: Any) -> QDockWidget:
    """Give ``window`` (a MainWindow) the inspector dock, the ⓘ of its views and the notes.

    - an "Inspector" dock (hidden until asked for: **View ▸ Inspector**, Ctrl+I, or a click on
      a heatmap row, which inspects that unit);
    - the heatmaps show an intervention's difference view until Restore;
    - predict-then-reveal's hidden targets (the frame view's) are hidden in its tabs too;
    - an ⓘ on the heatmaps, both gradient plots, the loss and the samples;
    - the plain-language notes under the gradient-flow plot.
    """
    dock = QDockWidget("Inspector", window)
    dock.setObjectName("inspector")
    ins = Inspector(window.run_model, window.session.call)
    dock.setWidget(ins)  # its tabs scroll their panels: the dock never outgrows the screen
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    act = QAction("Inspector (neurons, interventions, gradients)", window)
    act.setCheckable(True)
    act.setShortcut(QKeySequence("Ctrl+I"))
    act.triggered.connect(lambda on: open_inspector(window) if on else dock.hide())
    dock.visibilityChanged.connect(lambda _v: act.setChecked(dock.isVisible()))
    window.addAction(act)
    view = next((a.menu() for a in window.menuBar().actions() if a.text() == "&View"), None)
    if view is not None:
        actions = view.actions()
        view.insertAction(actions[1] if len(actions) > 1 else None, act)

    def inspect(state: str, unit: int) -> None:
        open_inspector(window)
        ins.show_unit(state, unit)

    window.heatmaps.unitClicked.connect(inspect)
    frame_view = window.frame_dock.view  # predict-then-reveal hides the targets here too
    frame_view.maskChanged.connect(ins.set_mask)
    ins.set_mask(frame_view.target_mask())
    ins.differenceChanged.connect(window.heatmaps.set_difference)
    attach_view_infos(window)
    notes = PhenomenonNotes()
    layout = window.gradients.layout()
    layout.insertWidget(layout.indexOf(window.gradients.flow_widget) + 1, notes)
    ins.spectraChanged.connect(notes.set_spectra)
    window.run_model.on_change(
        lambda parts: (
            None
            if sip.isdeleted(notes) or not parts & {"frame", "reset"}
            else notes.update_from(window.run_model)
        )
    )
    window.inspector, window.inspector_dock, window.notes = ins, dock, notes
    window.inspector_action = act
    return dock


def room_below(window: Any) -> int:
    """Height the bottom dock area can take while the central views keep their minimum."""
    used = window.menuBar().height() + window.statusBar().height()
    used += minimum(window.centralWidget()).height()
    used += window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
    return window.height() - used


def open_inspector(window: Any) -> str:
    """Show the inspector where it is usable; returns "docked" or "floating".

    Docked at the bottom when the window has room for its usable height
    (:meth:`Inspector.usable_height`) beside the central views at their minimum; it then takes
    :data:`DOCK_SHARE` of the window's height, or its usable height if that is more. Otherwise
    (docked, a 1024x768 projector with ``--big`` fonts left it a strip a fifth of the screen
    high) it floats over the window, as large as the window below its menu bar; its title
    bar's button docks it again, Ctrl+I hides it.
    """
    dock, ins = window.inspector_dock, window.inspector
    title = dock.style().pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight)
    need = ins.usable_height() + title
    room = room_below(window)
    if room >= need:
        dock.setFloating(False)
        dock.show()
        height = min(room, max(need, round(window.height() * DOCK_SHARE)))
        window.resizeDocks([dock], [height], Qt.Orientation.Vertical)
        return "docked"
    top = window.menuBar().height()
    area = QRect(window.mapToGlobal(QPoint(0, top)), window.size())
    area.setHeight(window.height() - top - window.statusBar().height())
    dock.setFloating(True)
    dock.setGeometry(area)
    dock.show()
    return "floating"


__all__ = ["Inspector", "install_inspector", "open_inspector", "room_below"]
