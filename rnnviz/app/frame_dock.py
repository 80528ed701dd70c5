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

Where the frame view is. F2, the Frame menu and a step of the cursor open it the same way
(:meth:`FrameDock.set_shown`, :meth:`FrameDock.placement`, :func:`~rnnviz.app.layout.place_column`):

* docked on the right beside every view when the window leaves them their legible width beside
  it and the controls as the window shows them (1024×768, where the controls start hidden, and
  1920×1080, normal and ``--big``); there it is shown from the start;
* else with the loss, gradient and samples column out of its way (1280×720, and 1024×768 with
  ``--big``), until it is closed; there it starts hidden and opens the first time the user
  steps the cursor (← →, Home, End, the frame bar, a click on a heatmap column), or at F2;
* else, at F2, with the controls hidden too, and the window says so; Ctrl+D showing the
  controls where both do not fit makes the frame view give way;
* else (a window too narrow even so) it stays hidden and the window says how wide it must be.

The dock is never narrower than the whole view beside its scroll bar
(:class:`~rnnviz.app.layout.ScrollColumn`), and the window never wider than it was: room is
found before the dock is shown.

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
from PyQt6.QtWidgets import QDockWidget, QMenu, QStyle

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.layout import (
    Column,
    Placement,
    ScrollColumn,
    fit_columns,
    heatmaps_width,
    minimum,
    place_column,
)
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


def no_room(needed: int, width: int) -> str:
    """What the window says when the frame view has no room in it."""
    return (
        f"No room for the frame view: it needs a window at least {needed} px wide beside the "
        f"heatmaps (this one is {width} px). Widen or maximise the window."
    )


#: What the window says when the frame view opens with the controls hidden for it.
CONTROLS_HIDDEN = (
    "The controls are hidden to make room for the frame view. Ctrl+D shows them (the frame "
    "view then gives way; F2 brings it back)."
)

#: What the status bar says when a step of the cursor does not open the frame view because
#: the controls are in its way.
STEP_HINT = "F2 opens the frame view (the controls make room for it)"


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
        self.scroll = ScrollColumn(self.view)
        dock.setWidget(self.scroll)
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
        dock.visibilityChanged.connect(self._on_visibility)
        window.addAction(self.toggle)
        #: Opened by a cursor step on a window too small for it beside the other views.
        self.opens_on_step = False
        self._made_way = False  # the right-hand column is hidden for the frame view
        self._want = self.width()  # the dock's width where it is shown
        for signal in _cursor_steps(window):
            signal.connect(self._on_user_step)
        # Ctrl+D: toggled comes before the dock is shown (and the window laid out beside it)
        window.controls_dock.toggleViewAction().toggled.connect(self._before_controls)
        window.controls_dock.visibilityChanged.connect(self._on_controls)
        self.set_shown(False)  # until arrange_for decides (the window's first size)

    def width(self) -> int:
        """Width the docked frame view likes at the application's fonts."""
        return round(FRAME_WIDTH * ui_scale())

    def least_width(self) -> int:
        """The narrowest the docked frame view gets (its text and diagram legible), never less
        than the whole view beside its scroll bar."""
        return max(round(FRAME_LEAST * ui_scale()), self.scroll.least_width())

    def placement(self, width: int, controls: bool | None = None) -> Placement | None:
        """Where the frame view goes in a window ``width`` wide, with the controls shown or
        hidden (by default as they are), or None when it has no room: beside every view, else
        with the loss, gradient and samples column out of its way, else with the controls
        hidden too (see :func:`~rnnviz.app.layout.place_column`)."""
        window = self.window
        if controls is None:
            controls = window.controls_dock.isVisibleTo(window)
        column, alone, slack, separator = self._room_parts()
        right = window.main_splitter.handleWidth() + minimum(window.right_column).width()
        held = window._dock_width if controls else 0
        return place_column(width, held, column, alone + right, alone, slack, separator)

    def _room_parts(self) -> tuple[Column, int, int, int]:
        """The frame view's column, the heatmaps' least width (with the views' margins), the
        slack the views keep and a dock separator's width, in pixels."""
        window = self.window
        margins = window.centralWidget().layout().contentsMargins()
        alone = minimum(window.heatmap_column).width() + margins.left() + margins.right()
        separator = window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        least = self.least_width()
        column = Column(max(self.width(), least), least)
        return column, alone, round(SLACK_PX * ui_scale()), separator

    def _width_needed(self) -> int:
        """The narrowest window the frame view has room in (the controls hidden)."""
        column, alone, slack, separator = self._room_parts()
        return column.least + alone + slack + separator

    def arrange_for(self, width: int, height: int) -> None:
        """Place the frame view for a window ``width`` × ``height`` (see the module docstring):
        shown where it fits beside every view, else it opens at the user's first step."""
        place = self.placement(width)
        fits = place is not None and not place.make_way
        self.opens_on_step = not fits
        self.set_shown(fits)

    def share_width(self, width: int, height: int) -> bool:
        """Narrow the controls and the frame view (toward their least) where the heatmaps would
        otherwise not all fit in a window ``width`` × ``height``; False if they fit as they
        are or not even so (the heatmap view then shows fewer arrays)."""
        window = self.window
        if not self.dock.isVisibleTo(window) or self.dock.isFloating():
            return False
        trainer = window.trainer
        arrays = 0 if trainer is None else len(trainer.model.specs)
        need = heatmaps_width(arrays, self._heatmaps_height(height))
        if not need:
            return False
        controls = window.controls_dock.isVisibleTo(window)
        docks = [self.dock, *([window.controls_dock] if controls else [])]
        columns = [Column(max(self._want, self.least_width()), self.least_width())]
        if controls:
            least = window.controls_dock.minimumSizeHint().width()
            columns.append(Column(window._dock_width, least))
        separator = window.style().pixelMetric(QStyle.PixelMetric.PM_DockWidgetSeparatorExtent)
        margins = window.centralWidget().layout().contentsMargins()
        room = width - len(docks) * separator - margins.left() - margins.right()
        alone = self._made_way  # the heatmaps take the views' whole width
        handle = 0 if alone else window.main_splitter.handleWidth()
        right = 0 if alone else minimum(window.right_column).width()
        right += 0 if alone else round(SLACK_PX * ui_scale() / 2)
        free = room - sum(c.want for c in columns) - handle
        if (free if alone else free // 2) >= need:
            return False  # the heatmaps' share is enough
        widths = fit_columns(room, need + handle + right, columns)
        if widths is None:
            return False
        window.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
        if not alone:
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

    def _before_controls(self, shown: bool) -> None:
        """The controls are about to be shown (Ctrl+D, the View menu): where they and the frame
        view do not both fit, the frame view gives way first (shown beside it, the controls
        widened the window past the screen). It opens again at a step of the cursor if it fits
        then, and at F2, which hides the controls again."""
        if shown and self.dock.isVisible() and not self.dock.isFloating():
            place = self.placement(self.window.width(), controls=True)
            if place is None or place.hide_controls:
                self.set_shown(False)
                self.opens_on_step = True

    def _on_controls(self, shown: bool) -> None:
        """The controls were shown: the frame view makes room for them (gives way where they
        do not both fit, if :meth:`_before_controls` did not see them coming)."""
        if not shown:
            return
        window = self.window
        self._before_controls(True)
        if self.dock.isVisible() and not self.dock.isFloating():
            place = self.placement(window.width(), controls=True)
            if place is not None:
                self._make_way(place.make_way)
                self._want = place.width
        # their own width again (the frame view's docking may have taken some of it), less what
        # the heatmaps need
        window.resizeDocks([window.controls_dock], [window._dock_width], Qt.Orientation.Horizontal)
        if self.dock.isVisible():
            window.resizeDocks([self.dock], [self._want], Qt.Orientation.Horizontal)
        self.share_width(window.width(), window.height())

    def _on_user_step(self, *_: object) -> None:
        """The user stepped the cursor: open the frame view if it waits for that, and if it
        fits with the controls as they are (F2 hides them for it: the user's choice)."""
        if not self.opens_on_step or self.dock.isVisible():
            return
        place = self.placement(self.window.width())
        if place is None or place.hide_controls:
            self.window.statusBar().showMessage(STEP_HINT, 8000)
            return
        self.opens_on_step = False
        self.set_shown(True)

    def set_shown(self, shown: bool) -> None:
        """Show the frame view or hide it: F2, the Frame menu and a step of the cursor all come
        here. Shown where :meth:`placement` finds room (the right-hand column hidden, or the
        controls too, when that takes it), docked on the right at a width at which it is whole;
        with no room the window says so and leaves it hidden. Hidden, it is taken out of the
        window's layout: a hidden dock still held room there, and the controls beside it lost a
        pixel of their width."""
        window = self.window
        place = self.placement(window.width()) if shown else None
        if shown and place is None:
            window.show_message(no_room(self._width_needed(), window.width()), "warning")
        if place is not None:
            self._open(place)
        else:
            if window.dockWidgetArea(self.dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                window.removeDockWidget(self.dock)
            self.dock.setVisible(False)
            self._make_way(False)
        self._sync_toggle()

    def _open(self, place: Placement) -> None:
        window = self.window
        if place.hide_controls:
            window.controls_dock.hide()
            window.show_message(CONTROLS_HIDDEN, "info")
        self._make_way(place.make_way)  # before the dock takes its width beside what is left
        self._want = place.width
        if window.dockWidgetArea(self.dock) == Qt.DockWidgetArea.NoDockWidgetArea:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.show()
        window.resizeDocks([self.dock], [place.width], Qt.Orientation.Horizontal)
        if window.isVisible():
            self.share_width(window.width(), window.height())

    def _make_way(self, on: bool) -> None:
        """Hide the right-hand column (loss, gradients, samples) while the frame view is open on
        a small window, and show it again."""
        self._made_way = on
        window = self.window
        if on == window.right_column.isHidden():
            return
        window.right_column.setVisible(not on)
        # the views' new least width, now: a dock shown next is placed beside it (the splitter
        # tells its layouts in a later pass of the event loop; meanwhile the window took the
        # dock's least beside the views' old least, and widened past the screen)
        window.main_splitter.refresh()
        window.centralWidget().layout().activate()

    def _on_visibility(self, visible: bool) -> None:
        """The dock was shown or hidden, also by its own close button: the right-hand column
        comes back with it hidden."""
        if not visible and self.dock.isHidden() and self._made_way:
            self._make_way(False)
        self._sync_toggle()

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
