"""The frame view in the window: its dock, its keys and menu, and the route to the trainer.

The window gets a **Frame** menu (and the same keys wherever the keyboard is, except while a
field is being edited):

========================  ==========  ==================================================
Frame view (dock)         F2          show or hide the frame view
Next part of the step     Down        slow motion: input → gates → states → prediction
Previous part             Up          slow motion, back
Backward stepping         B           gradients from the last step back to the first
Predict, then reveal      P           hide the model's answer until R
Reveal                    R           show it (and score the guess typed)
========================  ==========  ==================================================

Where the frame view is (:meth:`FrameDock.arrange_for`, when the window takes its first size):

* docked on the right, shown, when the window leaves the other views their legible width beside
  it and the controls as the window shows them (:func:`frame_fits`: 1024×768, where the
  controls start hidden, and 1920×1080, normal and ``--big``); Ctrl+D showing the controls
  where both do not fit makes the frame view give way until the next step of the cursor;
* elsewhere (1280×720, and 1024×768 with ``--big``) it starts hidden and opens the first time
  the user steps the cursor (← →, Home, End, the frame bar, a click on a heatmap column); the
  loss, gradient and samples column then makes way for it until F2 closes it, so the heatmaps
  and the frame view keep their legible width.

Beside it, every heatmap the cell declares should fit at its legible size: where they would
not at the docks' own widths (1920×1080 with ``--big``: two of an LSTM's six), the controls and
the frame view give up width, in proportion to what each can spare above its legible least
(:meth:`FrameDock.share_width`, :func:`~rnnviz.app.layout.fit_columns`), and the heatmaps get
the room they need beside the loss, gradient and samples column.

The closeup the view explains is fetched through the run's command queue
(:class:`~rnnviz.app.closeups.CloseupFetcher`) while the view is on screen; while training runs
it is shown on a turn of the window's frame scheduler of its own (:meth:`FrameDock._on_closeup`),
paced like the parts of a frame: shown as it arrived, its repaint went with the next part's in
one pass of the event loop, in the longest stalls of the window while training. In backward
stepping the gradient panel draws its curves from the cursor's step on: the part the backward
pass has reached.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QMenu, QScrollArea, QStyle

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.layout import Column, fit_columns, heatmaps_width
from rnnviz.app.listen import listen
from rnnviz.app.reveal import TargetMask
from rnnviz.app.widgets._common import ui_scale
from rnnviz.app.widgets.frame_view import FrameView
from rnnviz.train.closeup import Closeup

#: Width of the docked frame view at normal fonts (``--big`` scales it): its text and diagram
#: are legible from its minimum (~250 px) up; more is taken from the heatmaps.
FRAME_WIDTH = 340

#: Pixels the other views keep beyond their legible minimum width beside the frame view, at
#: normal fonts (``--big`` scales it): at their bare minimum width the legends of the gradient
#: plots wrap into more lines, and at 1280x720 with --big the window grew taller than the screen.
SLACK_PX = 100

#: Narrowest width of the docked frame view at normal fonts (``--big`` scales it), when the
#: heatmaps need the room: its read-out, diagram and equations stay legible.
FRAME_LEAST = 270

#: Spacing of a layout between two of its widgets (pixels), as the window's layouts use.
SPACING_PX = 4


def frame_fits(
    window_width: int, controls_width: int, frame_width: int, views_min: int, slack: int
) -> bool:
    """Whether a frame view ``frame_width`` wide leaves the views (heatmaps and the right-hand
    column, legible from ``views_min``) ``slack`` pixels more beside the controls (0: hidden)."""
    return window_width - controls_width - frame_width >= views_min + slack


#: (attribute, text, key, tip, checkable) of the frame view's actions, in menu order.
ACTIONS = (
    ("act_next_part", "Next part of the step", "Down", "Slow motion: light the next part", False),
    ("act_prev_part", "Previous part of the step", "Up", "Slow motion: back one part", False),
    ("act_backward", "Backward stepping", "B", "Gradients, from the last step back", True),
    ("act_reveal_mode", "Predict, then reveal", "P", "Hide the model's answer until R", True),
    ("act_reveal", "Reveal the answer", "R", "Show the model's answer (scores a guess)", False),
)


class FrameDock(QObject):
    """The frame view docked in ``window``, with its actions and its closeup fetcher.

    Parameters
    ----------
    window : MainWindow
        Provides ``run_model``, ``frame_bar``, ``gradients``, ``controller``, ``worker`` and
        ``show_message``.
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.view = FrameView(window.run_model)
        dock = QDockWidget("Frame view", window)
        dock.setObjectName("frameDock")
        # scrolled when short of room: the dock never makes the window taller than the screen
        scroll = QScrollArea()
        scroll.setWidget(self.view)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        dock.setWidget(scroll)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.dock = dock
        self.fetcher = CloseupFetcher(window.run_model, self, self.view)  # while on screen
        self.fetcher.ready.connect(self._on_closeup)
        self._closeup: Closeup | None = None  # arrived, not shown yet
        self._closeup_part = window.frames.add_part(self._show_closeup)
        self.fetcher.failed.connect(lambda text: window.show_message(text, "warning"))
        self.view.stepWanted.connect(window.frame_bar.set_frame)
        # predict-then-reveal: the targets the view hides are hidden everywhere
        self.view.maskChanged.connect(window.frame_bar.set_mask)
        self.view.maskChanged.connect(window.heatmaps.set_mask)
        self.view.maskChanged.connect(window.gradients.set_mask)
        self.view.maskChanged.connect(self._on_mask)
        listen(self, window.run_model, self._on_change)
        self.actions: list[QAction] = []
        slots: dict[str, Callable[..., Any]] = {
            "act_next_part": self.view.next_stage,
            "act_prev_part": self.view.previous_stage,
            "act_backward": self._set_backward,
            "act_reveal_mode": self.view.set_reveal,
            "act_reveal": self.view.reveal,
        }
        for name, text, key, tip, checkable in ACTIONS:
            act = QAction(text, window)
            act.setShortcut(QKeySequence(key))
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.setToolTip(tip)
            act.setStatusTip(tip)
            act.setCheckable(checkable)
            (act.toggled if checkable else act.triggered).connect(slots[name])
            window.addAction(act)
            setattr(self, name, act)
            self.actions.append(act)
        self.toggle = QAction("Frame view", window)
        self.toggle.setCheckable(True)
        self.toggle.setChecked(dock.isVisible())
        self.toggle.setShortcut(QKeySequence("F2"))
        self.toggle.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.toggle.toggled.connect(self.set_shown)
        dock.visibilityChanged.connect(self._sync_toggle)
        window.addAction(self.toggle)
        #: Opened by a cursor step on a window too small for it beside the other views.
        self.opens_on_step = False
        self._made_way = False  # the right-hand column is hidden for the frame view
        for signal in _cursor_steps(window):
            signal.connect(self._on_user_step)
        window.controls_dock.visibilityChanged.connect(self._on_controls)
        self.set_shown(False)  # until arrange_for decides (the window's first size)

    def width(self) -> int:
        """Width the docked frame view gets at the application's fonts."""
        return round(FRAME_WIDTH * ui_scale())

    def _fits(self, width: int, controls: bool) -> bool:
        held = self.window._dock_width if controls else 0
        views_min = self.window.centralWidget().minimumSizeHint().width()
        return frame_fits(width, held, self.width(), views_min, round(SLACK_PX * ui_scale()))

    def least_width(self) -> int:
        """The narrowest the docked frame view gets when the heatmaps need the room."""
        return max(round(FRAME_LEAST * ui_scale()), self.view.minimumSizeHint().width())

    def arrange_for(self, width: int, height: int) -> None:
        """Place the frame view for a window ``width`` × ``height`` (see the module docstring)."""
        fits = self._fits(width, self.window.controls_dock.isVisibleTo(self.window))
        self.opens_on_step = not fits
        self.set_shown(fits)
        if fits:
            self.share_width(width, height)

    def share_width(self, width: int, height: int) -> bool:
        """Narrow the controls and the frame view (toward their least) where the heatmaps would
        otherwise not all fit in a window ``width`` × ``height``; False if they fit as they
        are or not even so (the heatmap view then shows fewer arrays)."""
        window = self.window
        if not self.dock.isVisibleTo(window):
            return False
        trainer = window.trainer
        arrays = 0 if trainer is None else len(trainer.model.specs)
        need = heatmaps_width(arrays, self._heatmaps_height(height))
        if not need:
            return False
        controls = window.controls_dock.isVisibleTo(window)
        docks = [self.dock, *([window.controls_dock] if controls else [])]
        columns = [Column(self.width(), self.least_width())]
        if controls:
            least = window.controls_dock.minimumSizeHint().width()
            columns.append(Column(window._dock_width, least))
        separator = window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        margins = window.centralWidget().layout().contentsMargins()
        room = width - len(docks) * separator - margins.left() - margins.right()
        handle = window.main_splitter.handleWidth()
        right = window.right_column.minimumSizeHint().width() + round(SLACK_PX * ui_scale() / 2)
        if (room - sum(c.want for c in columns) - handle) // 2 >= need:
            return False  # the splitter's even share is enough
        widths = fit_columns(room, need + handle + right, columns)
        if widths is None:
            return False
        window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
        views = room - sum(widths) - handle
        window.main_splitter.setSizes([need, views - need])
        return True

    def _heatmaps_height(self, height: int) -> int:
        """Height of the heatmaps' grid in a window ``height`` high: less the menu and status
        bars, the time step's and training step's bars and the read-out (two lines: it wraps
        in a narrow view), and the layouts' spacing."""
        window = self.window
        bars = (window.menuBar(), window.statusBar(), window.frame_bar, window.step_cursor.bar)
        chrome = sum(w.sizeHint().height() for w in bars)
        chrome += 2 * window.heatmaps.readout.fontMetrics().lineSpacing() + 8
        margins = window.centralWidget().layout().contentsMargins()
        return height - chrome - margins.top() - margins.bottom() - 4 * SPACING_PX

    def _on_controls(self, shown: bool) -> None:
        """The controls were shown (Ctrl+D) where they and the frame view do not both fit: the
        frame view gives way (and opens again at the next step of the cursor)."""
        if not shown:
            return
        window = self.window
        if self.dock.isVisible() and not self._fits(window.width(), True):
            self.set_shown(False)
            self.opens_on_step = True
        # their own width again (the frame view's docking may have taken some of it), less what
        # the heatmaps need
        window.resizeDocks([window.controls_dock], [window._dock_width], Qt.Orientation.Horizontal)
        self.share_width(window.width(), window.height())

    def _on_user_step(self, *_: object) -> None:
        """The user stepped the cursor: open the frame view if it waits for that."""
        if self.opens_on_step and not self.dock.isVisible():
            self.opens_on_step = False
            self._make_way(True)
            self.set_shown(True)

    def set_shown(self, shown: bool) -> None:
        """Show the dock (docked on the right) or take it out of the window's layout: a hidden
        dock still held room there, and the controls beside it lost a pixel of their width."""
        docked = self.window.dockWidgetArea(self.dock) != Qt.DockWidgetArea.NoDockWidgetArea
        if shown:
            if not docked:
                self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.show()
        elif docked:
            self.window.removeDockWidget(self.dock)
        self.dock.setVisible(shown)
        if shown:
            self.window.resizeDocks([self.dock], [self.width()], Qt.Orientation.Horizontal)
        elif self._made_way:
            self._make_way(False)
        self._sync_toggle()

    def _make_way(self, on: bool) -> None:
        """Hide the right-hand column (loss, gradients, samples) while the frame view is open on
        a small window, and show it again."""
        self._made_way = on
        self.window.right_column.setVisible(not on)

    def _sync_toggle(self, *_: object) -> None:
        self.toggle.blockSignals(True)
        self.toggle.setChecked(self.dock.isVisible())
        self.toggle.blockSignals(False)

    def menu(self) -> QMenu:
        """The Frame menu: the dock's toggle and the view's actions."""
        menu = QMenu("F&rame", self.window)
        menu.addAction(self.toggle)
        menu.addSeparator()
        for act in self.actions:
            menu.addAction(act)
        return menu

    def keys(self) -> list[QKeySequence]:
        """The keys that act wherever the keyboard is (not Up/Down: number fields use them)."""
        return [a.shortcut() for a in self.actions if a.shortcut().toString() not in ("Up", "Down")]

    def set_trainer(self, trainer: Any) -> None:
        """A new run: closeups come from its worker (or from ``trainer`` itself without one)."""
        if self.window.isVisible():  # a cell with more arrays may need more room for them
            self.share_width(self.window.width(), self.window.height())
        direct = run_here(trainer)

        def call(fn: Callable[[Any], Any]) -> Future[Any]:
            controller, worker = self.window.controller, self.window.worker
            if controller is not None and worker is not None and worker.is_alive():
                return controller.call(fn)
            return direct(fn)

        self.fetcher.set_call(call)

    def _on_closeup(self, closeup: Closeup) -> None:
        """A closeup arrived: while training runs the view shows it on its own turn of the
        frame scheduler (the newest if several came); otherwise at once (nothing else is being
        drawn, and a paused run, a step or a screenshot waits for it)."""
        self._closeup = closeup
        if self.window.run_model.status.state == "running":
            self.window.frames.mark(self._closeup_part)
        else:
            self._show_closeup()

    def _show_closeup(self) -> bool:
        closeup, self._closeup = self._closeup, None
        if closeup is not None and closeup.run_id == self.window.run_model.run_id:
            self.view.set_closeup(closeup)  # (one of a run replaced meanwhile is not shown)
        return False

    def _on_mask(self, mask: TargetMask) -> None:
        """Predict-then-reveal: the probe's text in the controls is hidden with the targets."""
        self.window.controls.hide_probe(mask.active)

    def _set_backward(self, on: bool) -> None:
        self.view.set_backward(on)
        self._draw_gradients_to_cursor()

    def _on_change(self, parts: frozenset[str]) -> None:
        if "cursor" in parts or "frame" in parts:
            self._draw_gradients_to_cursor()

    def _draw_gradients_to_cursor(self) -> None:
        t = self.view.t if self.view.backward else None
        self.window.gradients.set_drawn_from(t)


def _cursor_steps(window: Any) -> list[Any]:
    """The signals of the user moving the cursor: keys, the frame bar, a heatmap column."""
    bar = window.frame_bar
    acts = (window.act_prev, window.act_next, window.act_first, window.act_last)
    return [
        *(a.triggered for a in acts),
        bar.prev.clicked,
        bar.next.clicked,
        bar.strip.frameClicked,
        bar.slider.sliderMoved,
        window.heatmaps.frameClicked,
    ]
