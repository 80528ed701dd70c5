"""The garbage collections bench --gui reports: timed, by generation and thread, only while on."""

from __future__ import annotations

import gc
import math
import threading

from rnnviz.bench.gc_watch import Collection, CollectionWatch
from rnnviz.bench.gui import GuiBench


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


def test_the_report_names_the_longest_collection_and_its_thread() -> None:
    figures = dict(
        first_heatmap_s=1.0,
        frame_median_ms=16.0,
        frame_p95_ms=20.0,
        max_stall_ms=50.0,
        frames_drawn_per_s=5.0,
        gui_tokens_per_s=900.0,
        headless_tokens_per_s=1000.0,
        close_s=0.01,
    )
    longest = Collection(ms=12.5, generation=2, thread="rnnviz-trainer-1", collected=40)
    lines = GuiBench(**figures, collections=7, longest_collection=longest).report().splitlines()
    row = lines[lines.index(next(x for x in lines if "longest stall" in x)) + 1]
    assert row.split()[:4] == ["longest", "collection", "12.5", "ms"]
    assert "generation 2" in row and "rnnviz-trainer-1" in row and "of 7 " in row
    none = GuiBench(**figures).report()
    assert "no garbage collection while measured" in none
