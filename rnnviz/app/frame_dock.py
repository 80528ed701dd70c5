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
(:meth:`FrameDock.set_shown`; where, :mod:`rnnviz.app.frame_room`):

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

Beside it, every heatmap the cell declares should fit at its legible size: the controls and the
frame view give up width for them, and share it again when the window is resized
(:class:`~rnnviz.app.frame_room.FrameRoom`).

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
from PyQt6.QtWidgets import QDockWidget, QMenu

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.frame_room import FrameRoom
from rnnviz.app.layout import Placement, ScrollColumn
from rnnviz.app.listen import listen
from rnnviz.app.reveal import TargetMask
from rnnviz.app.widgets.frame_view import FrameView
from rnnviz.train.closeup import Closeup


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
        self.room = FrameRoom(window, dock, self.scroll)  # its width, the heatmaps' share
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
        for signal in _cursor_steps(window):
            signal.connect(self._on_user_step)
        # Ctrl+D: toggled comes before the dock is shown (and the window laid out beside it)
        window.controls_dock.toggleViewAction().toggled.connect(self._before_controls)
        window.controls_dock.visibilityChanged.connect(self._on_controls)
        self.set_shown(False)  # until arrange_for decides (the window's first size)

    def arrange_for(self, width: int, height: int) -> None:
        """Place the frame view for a window ``width`` × ``height`` (see the module docstring):
        shown where it fits beside every view, else it opens at the user's first step."""
        place = self.room.placement(width)
        fits = place is not None and not place.make_way
        self.opens_on_step = not fits
        self.set_shown(fits)

    def _before_controls(self, shown: bool) -> None:
        """The controls are about to be shown (Ctrl+D, the View menu): where they and the frame
        view do not both fit, the frame view gives way first (shown beside it, the controls
        widened the window past the screen). It opens again at a step of the cursor if it fits
        then, and at F2, which hides the controls again."""
        if shown and self.dock.isVisible() and not self.dock.isFloating():
            place = self.room.placement(self.window.width(), controls=True)
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
            place = self.room.placement(window.width(), controls=True)
            if place is not None:
                self.room.make_way(place.make_way)
                self.room.want = place.width
        # their own width again (the frame view's docking may have taken some of it), less what
        # the heatmaps need
        window.resizeDocks([window.controls_dock], [window._dock_width], Qt.Orientation.Horizontal)
        if self.dock.isVisible():
            window.resizeDocks([self.dock], [self.room.want], Qt.Orientation.Horizontal)
        self.room.share_width(window.width(), window.height())

    def _on_user_step(self, *_: object) -> None:
        """The user stepped the cursor: open the frame view if it waits for that, and if it
        fits with the controls as they are (F2 hides them for it: the user's choice)."""
        if not self.opens_on_step or self.dock.isVisible():
            return
        place = self.room.placement(self.window.width())
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
        place = self.room.placement(window.width()) if shown else None
        if shown and place is None:
            window.show_message(no_room(self.room.width_needed(), window.width()), "warning")
        if place is not None:
            self._open(place)
        else:
            if window.dockWidgetArea(self.dock) != Qt.DockWidgetArea.NoDockWidgetArea:
                window.removeDockWidget(self.dock)
            self.dock.setVisible(False)
            self.room.make_way(False)
        self._sync_toggle()

    def _open(self, place: Placement) -> None:
        window = self.window
        if place.hide_controls:
            window.controls_dock.hide()
            window.show_message(CONTROLS_HIDDEN, "info")
        self.room.make_way(place.make_way)  # before the dock takes its width beside what is left
        self.room.want = place.width
        if window.dockWidgetArea(self.dock) == Qt.DockWidgetArea.NoDockWidgetArea:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.show()
        window.resizeDocks([self.dock], [place.width], Qt.Orientation.Horizontal)
        if window.isVisible():
            self.room.share_width(window.width(), window.height())

    def _on_visibility(self, visible: bool) -> None:
        """The dock was shown or hidden, also by its own close button: the right-hand column
        comes back with it hidden."""
        if not visible and self.dock.isHidden() and self.room.made_way:
            self.room.make_way(False)
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
            self.room.share_width(self.window.width(), self.window.height())
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
