"""The garbage collections bench --gui watches: timed, by generation and thread, only while on.

How its report names them: tests/bench/test_gui_bench.py."""

from __future__ import annotations

import gc
import math
import threading

from rnnviz.bench.gc_watch import CollectionWatch


def test_records_collections_with_generation_and_thread_only_while_on() -> None:
    watch = CollectionWatch()
    try:
        gc.collect(0)  # off: not recorded
        assert watch.collections == [] and math.isnan(watch.longest_ms())
        watch.on()
        gc.collect(1)
        worker = threading.Thread(target=lambda: gc.collect(0), name="elsewhere")
        worker.start()
        worker.join()
        watch.off()
        gc.collect(0)
    finally:
        watch.close()
    assert [(c.generation, c.thread) for c in watch.collections] == [
        (1, threading.current_thread().name),
        (0, "elsewhere"),
    ]
    assert watch.longest() in watch.collections
    assert watch._callback not in gc.callbacks  # closed: listens no more
