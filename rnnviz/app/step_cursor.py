"""The training step the main window shows: the newest frame (live) or an earlier one it kept.

The run model keeps frames from the whole run (:class:`~rnnviz.train.runmodel.RunModel`, at most
``max_frames``, spread over the run). A timeline under the heatmaps (the replay window's
:class:`~rnnviz.app.replay_window.Timeline`, its play button, speed and read-out hidden: training is
what plays here) moves the run model's cursor to an earlier training step, at any time, paused or
running. Every view that reads the frame at the cursor then shows that step: the heatmaps, the
gradient-flow plot and the frame bar (drawn again by the presenter), the frame view (that frame
explained, at the weights kept with it: :mod:`rnnviz.app.closeups`); a dashed black line marks
the step on the loss curve and on the gradient norms. A line under the timeline says which step is
shown; in amber while it is not the newest::

    viewing step 1,200 of 3,000 (live: press Ctrl+End to follow)

========================  ==============  ===============================================
Earlier training step     PgUp            the kept frame before the one shown
Later training step       PgDown          the next kept frame (the newest: live again)
Oldest training step      Ctrl+Home       the first frame kept
Follow live               Ctrl+End        the newest frame, as training goes on
========================  ==============  ===============================================

(End alone is the probe's last time step.) Run and Step follow live again: the views show what
is being trained.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject, Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from rnnviz.app.chrome import WrappedSlot
from rnnviz.app.listen import listen
from rnnviz.app.menus import make_action
from rnnviz.app.replay_window import Timeline
from rnnviz.app.widgets._common import COLOURS, line_width, ui_scale
from rnnviz.train.runmodel import RunModel

#: (attribute, text, keys, tip) of the cursor's actions, in menu order.
ACTIONS = (
    ("act_earlier", "Earlier training step", ("PgUp",), "The frame kept before the one shown"),
    ("act_later", "Later training step", ("PgDown",), "The next frame kept (the newest: live)"),
    ("act_oldest", "Oldest training step", ("Ctrl+Home",), "The first frame kept"),
    ("act_live", "Follow live", ("Ctrl+End",), "Show the newest frame as training goes on"),
)
SLIDER_MIN_WIDTH = 60  # px at normal size (the frame bar's is 40): the window still fits 1024 --big
LIVE_HINT = "live: press Ctrl+End to follow"
LIVE_STYLE = "QLabel { padding: 1px 6px; }"  # the same box as VIEWING_STYLE, no colour
VIEWING_STYLE = (
    f"QLabel {{ background: {COLOURS['orange']}; color: black; font-weight: bold;"
    " border-radius: 3px; padding: 1px 6px; }"
)


class StepCursor(QObject):
    """The main window's training-step cursor: timeline, keys, markers (module docstring).

    Parameters
    ----------
    window : MainWindow
        Provides ``run_model``, ``loss``, ``gradients``, ``act_step`` and
        ``runStateChanged``; the cursor's actions are added to it.
    """

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.model: RunModel = window.run_model
        self.timeline = Timeline(0)
        self.timeline.play.hide()  # training is what plays in the main window
        self.timeline.speed.hide()
        self.slider = self.timeline.slider
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keys stay with the run
        self.slider.setToolTip(
            "Training step shown by the heatmaps, the gradient flow and the frame view: any "
            "frame the run kept (PgUp / PgDown); the far right follows training live (Ctrl+End)"
        )
        self.slider.setMinimumWidth(round(SLIDER_MIN_WIDTH * ui_scale()))
        self.timeline.readout.hide()  # the indicator below says it, on a line of its own
        #: Under the timeline: the step shown; in amber with how to follow live when earlier.
        #: Always there (one line): the heatmaps above do not jump when the cursor moves back.
        self.indicator = QLabel()
        self.indicator.setAlignment(Qt.AlignmentFlag.AlignCenter)
        #: Holds the indicator (wrapped: two lines where the column is too narrow for one)
        #: outside the layouts: its text changes at every update while live, and a label in a
        #: layout asked every layout up to the window's to lay out again each time.
        self.indicator_slot = WrappedSlot(self.indicator)
        self.live_button = QToolButton()
        self.live_button.setText("Live")
        self.live_button.setToolTip("Follow training live (Ctrl+End)")
        self.live_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.live_button.clicked.connect(self.follow_live)
        #: The bar under the heatmaps: the timeline and the Live button; the indicator below.
        self.bar = QWidget()
        column = QVBoxLayout(self.bar)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        row = QHBoxLayout()
        row.setSpacing(2)
        row.addWidget(self.timeline, 1)
        row.addWidget(self.live_button)
        column.addLayout(row)
        column.addWidget(self.indicator_slot)
        self.markers = {
            "loss": _marker(window.loss.plot),
            "norms": _marker(window.gradients.norm_plot),
        }
        self.actions: list[QAction] = []
        slots = {
            "act_earlier": lambda: self.move(-1),
            "act_later": lambda: self.move(+1),
            "act_oldest": self.show_oldest,
            "act_live": self.follow_live,
        }
        for name, text, keys, tip in ACTIONS:
            act = make_action(window, text, slots[name], keys, tip)
            setattr(self, name, act)
            self.actions.append(act)
        self.slider.valueChanged.connect(self._on_slider)
        window.loss.steps_button.toggled.connect(lambda _on: self._place_markers())
        window.runStateChanged.connect(self._on_run_state)
        window.act_step.triggered.connect(self.follow_live)
        listen(self, self.model, self._on_change)
        self._sync()

    # ------------------------------------------------------------------ reading
    @property
    def live(self) -> bool:
        """Whether the views follow the newest frame."""
        return self.model.cursor.step is None

    def shown_step(self) -> int | None:
        """The training step of the frame the views show (None: no frame yet)."""
        frame = self.model.frame
        return None if frame is None else int(frame.step)

    def kept_steps(self) -> list[int]:
        """The training steps of the frames the run model keeps, oldest first."""
        return list(self.model.frames)

    def text(self) -> str:
        """The read-out: the step shown, and how to follow live again when it is not."""
        last = self.model.step
        if self.live:
            return f"live: step {last:,}, the newest frame (PgUp: an earlier one)"
        return f"viewing step {self.shown_step() or 0:,} of {last:,} ({LIVE_HINT})"

    def keys(self) -> list[Any]:
        """The cursor's keys (they act wherever the keyboard is, except in a field)."""
        return [k for act in self.actions for k in act.shortcuts()]

    def add_to(self, menu: QMenu) -> None:
        """Put the cursor's actions in ``menu`` (the Run menu)."""
        for act in self.actions:
            menu.addAction(act)

    # ------------------------------------------------------------------ moving
    def show_step(self, step: int | None) -> None:
        """Show the frame kept at or before training step ``step``; None, or a step at or after
        the newest frame's, follows live."""
        newest = self.model.newest_frame
        if step is None or newest is None or int(step) >= int(newest.step):
            self.model.set_cursor(step=None)
        else:
            self.model.set_cursor(step=max(0, int(step)))

    def move(self, delta: int) -> None:
        """``delta`` kept frames later (positive) or earlier (negative) than the one shown."""
        steps = self.kept_steps()
        shown = self.shown_step()
        if not steps or shown is None:
            return
        k = steps.index(shown) if shown in steps else len(steps) - 1
        self.show_step(steps[max(0, min(k + delta, len(steps) - 1))])

    def show_oldest(self) -> None:
        """The first frame kept."""
        steps = self.kept_steps()
        if steps:
            self.show_step(steps[0])

    def follow_live(self) -> None:
        """Show the newest frame, and each new one as training goes on."""
        self.show_step(None)

    def _on_run_state(self, state: str) -> None:
        if state == "running":
            self.follow_live()

    def _on_slider(self, value: int) -> None:
        self.show_step(None if value >= self.slider.maximum() else value)

    # ------------------------------------------------------------------ showing
    def _on_change(self, parts: frozenset[str]) -> None:
        # the views are drawn by the presenter (it draws the frame parts on a moved step)
        if parts & {"cursor", "frame", "reset", "history", "status"}:
            self._sync()

    def _sync(self) -> None:
        """Slider range and position, read-out, Live button and markers, as the model is."""
        last = self.model.step
        value = last if self.live else int(self.model.cursor.step or 0)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(last, 0))
        self.slider.setValue(min(value, last))
        self.slider.blockSignals(False)
        live = self.live
        style = LIVE_STYLE if live else VIEWING_STYLE
        if self.indicator.styleSheet() != style:  # setting one re-polishes and re-lays it out
            self.indicator.setStyleSheet(style)
        self.indicator_slot.set_text(self.text())  # (after the style: its font sets the height)
        self.live_button.setEnabled(not live)
        self._place_markers()

    def _place_markers(self) -> None:
        step = None if self.live else self.shown_step()
        for name, line in self.markers.items():
            if step is None:
                line.setVisible(False)
                continue
            x = float(step)
            if name == "loss" and self.window.loss.x_axis() == "tokens":
                steps, tokens = self.model.series("tokens")  # (n,) each
                x = float(np.interp(step, steps, tokens)) if len(steps) else 0.0
            line.setValue(x)
            line.setVisible(True)


def _marker(plot: pg.PlotItem) -> pg.InfiniteLine:
    """A dashed vertical line on ``plot`` at the step shown (not part of its ranges)."""
    pen = pg.mkPen(COLOURS["black"], width=line_width(1.5), style=Qt.PenStyle.DashLine)
    line = pg.InfiniteLine(angle=90, movable=False, pen=pen)
    line.setVisible(False)
    line.setZValue(5)
    plot.addItem(line, ignoreBounds=True)
    return line
