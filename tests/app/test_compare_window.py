"""The compare window: runs of a comparison trained in lockstep and drawn together."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.compare_window import CompareWindow
from rnnviz.train.compare import RunSpec


def _specs() -> list[RunSpec]:
    base = tiny_run()
    fast = dataclasses.replace(base, optim=dataclasses.replace(base.optim, lr=0.05))
    return [RunSpec("slow", base), RunSpec("fast", fast)]


@pytest.fixture
def compare(qtbot) -> CompareWindow:
    w = CompareWindow(specs=_specs())
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    qtbot.waitUntil(lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS)
    return w


def test_runs_start_from_the_same_weights_side_by_side(compare: CompareWindow, qtbot) -> None:
    """Before any step both runs have the same weights and probe: their heatmaps are equal."""
    w = compare
    qtbot.waitUntil(lambda: all(m.version["frame"] for m in w.models), timeout=WAIT_MS)
    w.redraw_all()
    a, b = (view.panels["h"].image.image for view in w.heatmaps)  # (H, T) each
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, w.models[0].frame.states["h"].T)


def test_lockstep_curves_legend_and_status(compare: CompareWindow, qtbot) -> None:
    w = compare
    w.set_running(True)
    qtbot.waitUntil(lambda: all(m.step >= 4 for m in w.models), timeout=WAIT_MS)
    w.set_running(False)
    qtbot.waitUntil(lambda: not w.worker.running, timeout=WAIT_MS)
    w.redraw_all()
    legend = [item[1].text for item in w.loss_plot.legend.items]
    assert legend == ["slow", "fast"]
    assert [item[1].text for item in w.flow_plot.legend.items] == ["slow", "fast"]
    for i, model in enumerate(w.models):
        steps, smoothed = model.series("smoothed")
        x, y = w.loss_curves[i].getData()
        np.testing.assert_array_equal(x, steps)
        np.testing.assert_array_equal(y, smoothed)
        flow = next(iter(model.frame.flows.values()))
        drawn = w.flow_curves[i].getData()[1]  # log10 on the log axis
        np.testing.assert_allclose(10.0**drawn, flow, rtol=1e-6)
        assert f"step {model.step:,}" in w.run_texts[i]
        assert w.run_texts[i] in w.run_status.text()
    # lockstep: both trained on the same batches, with other learning rates: other losses
    assert w.models[0].step == w.models[1].step or abs(w.models[0].step - w.models[1].step) <= 1
    assert not np.array_equal(w.models[0].series("loss")[1][:4], w.models[1].series("loss")[1][:4])


def test_one_time_step_cursor_for_every_run(compare: CompareWindow) -> None:
    w = compare
    w.redraw_all()
    w.frame_bar.set_frame(3)
    assert [view.frame() for view in w.heatmaps] == [3, 3]
    assert [m.cursor.t for m in w.models] == [3, 3]
    assert w.flow_cursor.value() == 3
    w.heatmaps[1].frameClicked.emit(5)  # a click in any heatmap moves them all
    assert [view.frame() for view in w.heatmaps] == [5, 5]


def test_closing_while_training_stops_the_thread(qtbot) -> None:
    from PyQt6 import sip

    w = CompareWindow(specs=_specs())  # not the fixture's: the window deletes itself on close
    w.show()
    qtbot.waitUntil(lambda: w.ready, timeout=WAIT_MS)
    worker = w.worker
    w.set_running(True)
    qtbot.waitUntil(lambda: worker.rounds >= 2, timeout=WAIT_MS)
    w.close()
    assert not worker._thread.is_alive()
    qtbot.waitUntil(lambda: sip.isdeleted(w), timeout=WAIT_MS)


def test_runs_that_cannot_be_compared_are_refused(qtbot) -> None:
    from rnnviz.config import ConfigError

    with pytest.raises(ConfigError):
        CompareWindow(specs=_specs()[:1])
