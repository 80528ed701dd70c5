"""Python's garbage collections during a measurement: how many, the longest, in which thread.

A full collection holds the GIL while it walks every tracked object, so it stalls the UI thread
whichever thread runs it; ``rnnviz bench --gui`` reports the longest one that began while it
measured training, so a stall can be told apart from a collection (``gc.callbacks``).
"""

from __future__ import annotations

import gc
import math
import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Collection:
    """One collection: its duration (ms), generation, thread and objects collected."""

    ms: float
    generation: int
    thread: str
    collected: int

    def describe(self) -> str:
        """``12.3 ms (generation 2, MainThread, 40 objects freed)``."""
        return (
            f"{self.ms:.1f} ms (generation {self.generation}, {self.thread}, "
            f"{self.collected:,} objects freed)"
        )


class CollectionWatch:
    """Records the collections that start while it is on (:meth:`on` ... :meth:`off`)."""

    def __init__(self) -> None:
        self.collections: list[Collection] = []
        self._recording = False
        self._started: dict[int, float] = {}  # thread id -> perf_counter() at the start
        gc.callbacks.append(self._callback)

    def on(self) -> None:
        """Record the collections that start from now on."""
        self._recording = True

    def off(self) -> None:
        """Record no more collections."""
        self._recording = False

    def close(self) -> None:
        """Stop listening to the collector."""
        self._recording = False
        if self._callback in gc.callbacks:
            gc.callbacks.remove(self._callback)

    def longest(self) -> Collection | None:
        """The longest collection recorded, or None."""
        return max(self.collections, key=lambda c: c.ms, default=None)

    def longest_ms(self) -> float:
        """Its duration in milliseconds (NaN when none was recorded)."""
        c = self.longest()
        return math.nan if c is None else c.ms

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        now = time.perf_counter()
        key = threading.get_ident()
        if phase == "start":
            if self._recording:
                self._started[key] = now
            return
        start = self._started.pop(key, None)
        if start is not None:
            self.collections.append(
                Collection(
                    ms=1000.0 * (now - start),
                    generation=int(info["generation"]),
                    thread=threading.current_thread().name,
                    collected=int(info["collected"]),
                )
            )
