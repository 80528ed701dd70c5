"""RunPresenter: the window's views drawn from its RunModel, a frame in parts.

A :class:`~rnnviz.app.scheduler.FrameScheduler` draws the parts of a frame in turn:

0. the heatmaps and the frame bar: the frame at the cursor (a new grid is built a few panels per
   turn, so no part holds the event loop long);
1. the gradient panel: the frame's flow curves and the history's gradient norms;
2. the loss and samples panels and the status bar; this part ends a frame: it hands the newest
   status not yet handled to the window (diverged, error, a message) and reports the frame drawn.

A part is due only when what it draws changed: the run model says which of its parts an update
changed (:data:`DRAWN_FROM`), so an update that brings only a new status (a command while paused:
a new learning rate, a speed) redraws no plot; part 2 is due on every update, as it ends the frame.

A new run (:meth:`RunPresenter.forget`) blanks each view on its part's next turn, not all at
once: the parts are drawn in separate turns of the event loop, so the new run's first frame is
never one long pass of repaints.

The views keep no history: they render the run model. The presenter keeps only what the status bar
shows of the last frame (its status, the last loss).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject

from rnnviz.app.listen import listen
from rnnviz.app.metrics import headline, held_out_missing, metrics_line
from rnnviz.app.scheduler import FrameScheduler
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Status

#: Heatmap panels built per turn while a new grid is made.
BUILD_PER_TURN = 2
#: The parts of a frame (indices) that draw each part of a run model. The status is drawn by
#: part 2, which is due on every update anyway; the cursor's training step picks the frame.
STATE, GRADIENTS, CURVES = 0, 1, 2
DRAWN_FROM = {
    "reset": (STATE, GRADIENTS, CURVES),
    "frame": (STATE, GRADIENTS),
    "history": (GRADIENTS, CURVES),
    "samples": (CURVES,),
    "status": (CURVES,),
}


class RunPresenter(QObject):
    """Draws ``window``'s views from its run model (see the module docstring).

    Parameters
    ----------
    window : MainWindow
        Owner; its views (heatmaps, gradients, loss, samples, frame_bar, status, controls) and
        ``run_model`` are drawn.
    max_fps, budget : float
        Pacing of the frame scheduler.
    handle : callable
        ``handle(status)`` once per frame for the newest status not yet handled.
    drawn : callable
        ``drawn(status)`` after a frame's last part.
    """

    def __init__(
        self,
        window: Any,
        max_fps: float,
        budget: float,
        handle: Callable[[Status], None],
        drawn: Callable[[Status], None],
    ) -> None:
        super().__init__(window)
        self.w = window
        parts = (self._draw_state, self._draw_gradients, self._draw_curves)
        self.frames = FrameScheduler(self, parts, max_fps, budget)
        self._handle = handle
        self._drawn = drawn
        self._unshown: Status | None = None  # the newest status not handled yet
        self._build_budget: int | None = BUILD_PER_TURN
        #: The probe text shown in the controls (set by the window when it changes).
        self.probe_text = ""
        #: The status of the newest frame drawn (None right after a new run started).
        self.last_status: Status | None = None
        self._last_loss: float | None = None
        self._stale: set[int] = set()  # parts whose views still show the old run
        self._old_epoch: int | None = None  # the run model's epoch when forget() was called
        self._cursor_step = self.model.cursor.step
        listen(self, self.model, self._on_change)

    @property
    def model(self) -> RunModel:
        """The run model drawn."""
        return self.w.run_model

    def take(self, status: Status, now: bool = False) -> None:
        """An update with ``status`` arrived: draw it on the next frame (``now``: at once).

        The parts its changes concern are due already (the run model said what changed as it
        took the update in); the part that ends a frame is due on every update.
        """
        self._unshown = status
        self.frames.mark(CURVES)
        if now:
            self.draw_now()

    def _on_change(self, parts: frozenset[str]) -> None:
        """The run model changed ``parts``: the parts of a frame that draw them are due."""
        due = {k for part in parts for k in DRAWN_FROM.get(part, ())}
        step = self.model.cursor.step
        if "cursor" in parts and step != self._cursor_step:  # another frame: not a mere t
            due |= {STATE, GRADIENTS}
        self._cursor_step = step
        if due:
            self.frames.mark(*sorted(due))

    def draw_now(self) -> None:
        """Draw every due part at once, the whole heatmap grid included."""
        self._build_budget = None
        try:
            self.frames.draw_now()
        finally:
            self._build_budget = BUILD_PER_TURN

    def forget(self) -> None:
        """Draw nothing more of the old run and clear the views (new weights: nothing old may
        show; the run model starts afresh with the new run's first update).

        Each view is blanked on its part's next turn (the first turns after this one), with what
        the new run has sent by then: blanking them all here repainted every plot in one pass of
        the event loop together with the new run's set-up, the longest stall of an Apply.
        """
        self.frames.forget()
        self._unshown = None
        self.last_status = None
        self._last_loss = None
        self._stale = {STATE, GRADIENTS, CURVES}
        self._old_epoch = self.model.epoch
        self.frames.mark()
        w = self.w
        w.status.set_numbers(0, 0, 0.0, None, None)
        w.status.set_metric("")

    def set_time_step(self, t: int | None) -> None:
        """The cursor's time step: in the run model, on the heatmaps and the flow plot."""
        self.model.set_cursor(t=t)
        self.w.heatmaps.set_frame(t)
        self.w.gradients.set_frame(t)

    def stop(self) -> None:
        """Draw nothing more (the window is closing)."""
        self.frames.stop()

    # ------------------------------------------------------------------ the parts
    def _nothing_new(self, part: int, *views: Any) -> bool:
        """True while the run model holds nothing of the new run since :meth:`forget` (the old
        run's data, or nothing); ``views`` are then blanked, once. Views given the new run's
        data start afresh by themselves."""
        stale = part in self._stale
        self._stale.discard(part)
        if self.model.epoch != self._old_epoch:
            return False
        if stale:
            for view in views:
                view.clear()
        return True

    def _draw_state(self) -> bool:
        """Heatmaps and frame bar; True while heatmap panels remain to be built."""
        w = self.w
        stale = STATE in self._stale
        if self._nothing_new(STATE, w.heatmaps):
            return False
        if stale and self.model.frame is None:  # a new run's frame re-assigns the panels
            w.heatmaps.clear()
        complete = w.heatmaps.draw_model(self.model, build_budget=self._build_budget)
        frame = self.model.frame
        if frame is not None and w.frame_bar.set_labels(frame.labels, frame.targets):
            self.set_time_step(w.frame_bar.frame())  # a new probe: put the cursor back
        w.controls.set_probe_text(self.probe_text)
        return not complete

    def _draw_gradients(self) -> bool:
        if not self._nothing_new(GRADIENTS, self.w.gradients):
            self.w.gradients.draw_model(self.model)
        return False

    def _draw_curves(self) -> bool:
        """Loss, samples and status; ends a frame (its report includes the gradient norms,
        drawn here too when part 1 has not had its turn since the update)."""
        w, model = self.w, self.model
        if self._nothing_new(CURVES, w.loss, w.samples):
            return False  # no frame of the new run to end yet
        if GRADIENTS not in self._stale:  # else part 1 starts it afresh on its own turn
            w.gradients.draw_model(model)  # nothing to do when part 1 drew this already
        w.loss.draw_model(model)
        w.samples.draw_model(model)
        s = model.status
        self.last_status = s
        if model.last_loss is not None:
            self._last_loss = model.last_loss
        metrics = model.metrics
        w.status.set_numbers(
            s.step,
            s.tokens_seen,
            s.tokens_per_s,
            self._last_loss,
            model.val_loss,
            val_name="train text" if held_out_missing(metrics) else "val",
        )
        w.status.set_metric(headline(metrics), metrics_line(metrics))
        new, self._unshown = self._unshown, None
        if new is not None:
            self._handle(new)
        self._drawn(s)
        return False
