"""FrameScheduler: draw the views in parts, paced so drawing takes a bounded share of the time.

The window's views render a :class:`~rnnviz.train.runmodel.RunModel`; what changed since the
last frame is marked per *part* (heatmaps; gradients; loss, samples and status). A single-shot
timer draws one due part per tick, so no event holds the event loop for a whole frame, and the
parts take turns. After a part the next one waits ``cost / budget``, where ``cost`` is the CPU
time the UI thread spent on the part's update and the repaints it queued (measured by a
zero-delay timer that runs once those repaints are done), and at least ``1 / (parts × max_fps)``
seconds: drawing takes at most ``budget`` of the time on a slow machine, and a fast one draws
``max_fps`` frames a second. The first few parts of a run are drawn unpaced (their plots are
laid out once). Waiting for the GIL while the trainer holds it costs the trainer nothing, so it
does not count.

A part is a callable returning True when it still has work left (the heatmaps build a new grid a
few panels per call); it then stays due. A view that draws from something other than the frame
(the frame view, from a closeup arriving from the training thread) adds a part of its own
(:meth:`FrameScheduler.add_part`): it is drawn on a turn of its own, paced like the others,
never in the same pass of the event loop as another part.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from PyQt6.QtCore import QObject, QTimer

#: A part of a frame: draws, returns True when there is more to draw on a later turn.
Part = Callable[[], bool]
#: Longest pause between two parts however slow drawing was (seconds).
MAX_PAUSE_S = 0.4
#: Parts drawn without pacing when a run starts (its first frame lays out every plot).
UNPACED_PARTS = 3


class FrameScheduler(QObject):
    """Draws the due parts of a frame on timer ticks (see the module docstring).

    Parameters
    ----------
    parent : QObject
        Owner: the timers die with it.
    parts : sequence of callables
        The parts of a frame, in turn order.
    max_fps : float
        Frames per second at most.
    budget : float
        Share of the time the UI thread may spend drawing, in (0, 1].
    """

    def __init__(
        self, parent: QObject, parts: Sequence[Part], max_fps: float, budget: float
    ) -> None:
        super().__init__(parent)
        if not parts or max_fps <= 0 or not 0 < budget <= 1:
            raise ValueError("a frame scheduler needs parts, max_fps > 0 and budget in (0, 1]")
        self._parts = tuple(parts)
        self._due = [False] * len(self._parts)
        self.budget = float(budget)
        self._tick_s = 1.0 / (len(self._parts) * max_fps)
        self._turn = 0  # which part the next tick looks at first
        self._next_tick = 0.0  # perf_counter() time before which no part is drawn
        self._unpaced = UNPACED_PARTS
        self._measuring = False  # a part is being painted
        self._part_start = (0.0, 0.0)  # perf_counter() and thread_time() when it began
        self._paused = False
        #: Recent CPU costs of a part (update + paint), seconds; the newest 100.
        self.draw_seconds: list[float] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._after_paint = QTimer(self)
        self._after_paint.setSingleShot(True)
        self._after_paint.setInterval(0)
        self._after_paint.timeout.connect(self._drawn)

    def add_part(self, part: Part) -> int:
        """Add ``part`` after the others (not due yet); returns its index for :meth:`mark`."""
        self._parts = (*self._parts, part)
        self._due.append(False)
        return len(self._parts) - 1

    def mark(self, *parts: int) -> None:
        """Parts ``parts`` (indices; none: all) have something new to draw."""
        for k in parts or range(len(self._parts)):
            self._due[k] = True
        self._schedule()

    def due(self) -> tuple[bool, ...]:
        """Which parts are waiting to be drawn."""
        return tuple(self._due)

    def draw_now(self) -> None:
        """Draw every due part at once, bypassing the pacing (e.g. a frame shown on demand)."""
        self._timer.stop()
        for k, part in enumerate(self._parts):
            if self._due[k]:
                self._due[k] = bool(part())

    def forget(self) -> None:
        """Nothing is due any more; the next run's first parts are drawn unpaced, the first as
        soon as one is marked (not after the pause the old run's last part earned)."""
        self._due = [False] * len(self._parts)
        self._unpaced = UNPACED_PARTS
        self._next_tick = 0.0
        self._timer.stop()

    def stop(self) -> None:
        """Draw nothing more (the owner is closing)."""
        self._paused = True
        self._timer.stop()
        self._after_paint.stop()

    def _schedule(self) -> None:
        if self._paused or self._timer.isActive() or self._measuring or not any(self._due):
            return
        delay = (self._next_tick - time.perf_counter()) * 1000.0
        self._timer.start(max(0, round(delay)))

    def _tick(self) -> None:
        """Draw one due part; the parts take turns so no event blocks the loop long."""
        start = (time.perf_counter(), time.thread_time())
        n = len(self._parts)
        for k in range(n):
            part = (self._turn + k) % n
            if self._due[part]:
                self._due[part] = False
                self._due[part] = bool(self._parts[part]()) or self._due[part]
                self._turn = (part + 1) % n
                break
        # Views repaint in the events that follow; a zero-delay timer runs after them.
        self._measuring = True
        self._part_start = start
        self._after_paint.start()

    def _drawn(self) -> None:
        """Pace the next part so drawing takes at most ``budget`` of the time."""
        self._measuring = False
        start = self._part_start
        cost = time.thread_time() - start[1]
        self.draw_seconds.append(cost)
        del self.draw_seconds[:-100]
        pause = max(self._tick_s, min(cost / self.budget, MAX_PAUSE_S))
        if self._unpaced > 0:  # the first frame of a run lays out every plot: show it at once
            self._unpaced -= 1
            pause = 0.0
        self._next_tick = start[0] + pause
        self._schedule()
