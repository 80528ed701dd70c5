"""Pacing: at most a given number of training steps per second, so a class can watch it learn.

Binary addition learns to carry within a second of pressing Run at full speed. A :class:`Pacer`
spaces the *starts* of successive steps at least ``1 / steps_per_s`` seconds apart:

    start_k >= start_{k-1} + 1 / rate

so the run goes at ``min(rate, 1 / step_time)`` steps per second (a step slower than the period
starts the next one at once; no debt is carried over to catch up later). The controller waits
for the remaining time on its condition variable, so a command, a pause, a stop or a new speed
wakes it at once: pacing never busy-waits and never delays the user.

A :class:`Clock` gives the time and does the waiting; tests use a fake one whose time advances
only by the waits, so they count steps per second exactly, independent of machine load.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Protocol

#: Slowest and fastest finite speeds a user may ask for (steps per second).
MIN_STEPS_PER_S = 0.1
MAX_STEPS_PER_S = 1000.0


class Clock(Protocol):
    """Time source and waiting, injectable for tests."""

    def now(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        """Wait on ``cond`` (held by the caller) for at most ``timeout`` seconds."""
        ...


class SystemClock:
    """The real clock: ``time.perf_counter`` and ``Condition.wait``."""

    def now(self) -> float:
        """Seconds on the performance counter."""
        return time.perf_counter()

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        """Sleep on ``cond`` until notified or ``timeout`` seconds passed."""
        cond.wait(timeout)


def check_speed(steps_per_s: float | None) -> float | None:
    """``steps_per_s`` as a float (None: unlimited); ValueError outside the allowed range."""
    if steps_per_s is None:
        return None
    rate = float(steps_per_s)
    if not (math.isfinite(rate) and MIN_STEPS_PER_S <= rate <= MAX_STEPS_PER_S):
        raise ValueError(
            f"speed {steps_per_s!r} steps/s: choose between {MIN_STEPS_PER_S:g} and "
            f"{MAX_STEPS_PER_S:g} steps per second, or unlimited"
        )
    return rate


class Pacer:
    """Spaces step starts ``1 / steps_per_s`` apart (no spacing when unlimited).

    Parameters
    ----------
    steps_per_s : float or None
        Highest step rate; None for as fast as the machine goes.
    """

    def __init__(self, steps_per_s: float | None = None) -> None:
        self._rate = check_speed(steps_per_s)
        self._last_start: float | None = None

    @property
    def steps_per_s(self) -> float | None:
        """The speed limit in force (None: unlimited)."""
        return self._rate

    def set_speed(self, steps_per_s: float | None) -> None:
        """Change the limit; it applies to the next step (ValueError when out of range)."""
        self._rate = check_speed(steps_per_s)

    def delay(self, now: float) -> float:
        """Seconds to wait at time ``now`` before the next step may start (0: start now)."""
        if self._rate is None or self._last_start is None:
            return 0.0
        return max(0.0, self._last_start + 1.0 / self._rate - now)

    def started(self, now: float) -> None:
        """Record that a step started at time ``now``."""
        self._last_start = now
