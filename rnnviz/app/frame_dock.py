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

The closeup the view explains is fetched through the run's command queue
(:class:`~rnnviz.app.closeups.CloseupFetcher`) while the dock is shown. In backward stepping the
gradient panel draws its curves from the cursor's step on: the part the backward pass has
reached.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QMenu, QScrollArea

from rnnviz.app.closeups import CloseupFetcher, run_here
from rnnviz.app.listen import listen
from rnnviz.app.widgets.frame_view import FrameView

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
        self.fetcher = CloseupFetcher(window.run_model, self)
        self.fetcher.ready.connect(self.view.set_closeup)
        self.fetcher.failed.connect(lambda text: window.show_message(text, "warning"))
        dock.visibilityChanged.connect(self.fetcher.set_active)
        self.view.stepWanted.connect(window.frame_bar.set_frame)
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
        self.set_shown(False)  # F2 (a shown dock takes the views' room on smaller screens)

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
        direct = run_here(trainer)

        def call(fn: Callable[[Any], Any]) -> Future[Any]:
            controller, worker = self.window.controller, self.window.worker
            if controller is not None and worker is not None and worker.is_alive():
                return controller.call(fn)
            return direct(fn)

        self.fetcher.set_call(call)

    def _set_backward(self, on: bool) -> None:
        self.view.set_backward(on)
        self._draw_gradients_to_cursor()

    def _on_change(self, parts: frozenset[str]) -> None:
        if "cursor" in parts or "frame" in parts:
            self._draw_gradients_to_cursor()

    def _draw_gradients_to_cursor(self) -> None:
        t = self.view.t if self.view.backward else None
        self.window.gradients.set_drawn_from(t)
