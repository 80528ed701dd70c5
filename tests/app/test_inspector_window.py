"""The inspector in the window: a heatmap row opens its unit, a clamp turns the heatmaps into the
difference view the textbook step gives, Restore goes back; every view has its ⓘ; notes show."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtWidgets import QApplication
from test_main_window import WAIT_MS, Confirm, tiny_run

from rnnviz.app.inspector import open_inspector
from rnnviz.app.layout import minimum
from rnnviz.app.main_window import MainWindow
from rnnviz.app.style import BIG_SCALE, apply_theme
from rnnviz.app.widgets._common import legible_height
from rnnviz.app.widgets.info import InfoButton
from rnnviz.app.widgets.notes_bar import run_notes
from rnnviz.core.explain import one_hot_inputs
from rnnviz.core.intervene import Clamp
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer
from rnnviz.train.update import Status, Update


def open_window(qtbot, wait_ms: int = WAIT_MS) -> MainWindow:
    """A shown 1280×720 window on a tiny 8-unit LSTM run, once its first frame has come."""
    w = MainWindow(tiny_run("lstm", hidden=8), confirm=Confirm())
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    qtbot.waitUntil(lambda: w.run_model.frame is not None, timeout=wait_ms)
    return w


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    qtbot.waitUntil(lambda: "h" in w.heatmaps.shown(), timeout=WAIT_MS)
    return w


class _Click:
    def __init__(self, pos) -> None:
        self._pos = pos

    def button(self):
        from PyQt6.QtCore import Qt

        return Qt.MouseButton.LeftButton

    def scenePos(self):
        return self._pos


def test_clicking_a_heatmap_row_inspects_that_unit(window, qtbot) -> None:
    from PyQt6.QtCore import QPointF

    panel = window.heatmaps.panels["h"]
    pos = panel.plot.getViewBox().mapViewToScene(QPointF(2, 5))
    window.heatmaps._on_mouse_clicked(_Click(pos))
    assert window.inspector_dock.isVisible()
    assert window.inspector.currentWidget() is window.inspector.unit
    assert (window.inspector.unit.state, window.inspector.unit.unit) == ("h", 5)
    assert window.heatmaps.frame() == 2


def _textbook_diff(model, probe, change: Clamp) -> dict[str, np.ndarray]:
    """Changed minus original states, from the cell's textbook step (float64)."""
    cell = model.cell
    q = cell.unfuse({k: v.astype(np.float64) for k, v in model.p.items()})
    xs = one_hot_inputs(model, probe.x)  # (1, T, V)
    runs = []
    for clamp in (False, True):
        prev = [np.zeros((1, model.cfg.hidden)) for _ in cell.carried]
        steps = []
        for t in range(xs.shape[1]):
            step = cell.step_reference(q, xs[:, t], *prev)
            if clamp and t >= change.start:
                step[change.state][0, change.unit] = change.value
            prev = [step[k] for k in cell.carried]
            steps.append(step)
        runs.append({s.name: np.stack([st[s.name][0] for st in steps]) for s in model.specs})
    return {k: runs[1][k] - runs[0][k] for k in runs[0]}


def test_a_clamp_switches_the_heatmaps_to_the_textbook_difference(window, qtbot) -> None:
    window.pause()
    ins = window.inspector
    window.inspector_dock.show()
    ins.setCurrentWidget(ins.intervene)
    qtbot.waitUntil(lambda: ins.intervene.kind.count() > 0, timeout=WAIT_MS)
    panel = ins.intervene
    panel.kind.setCurrentIndex(panel.kind.findData("clamp:h"))
    panel.unit.setValue(4)
    panel.start.setValue(3)
    panel.value.setText("-0.6")
    assert panel.apply()
    qtbot.waitUntil(lambda: window.heatmaps.difference() is not None, timeout=WAIT_MS)
    res = panel.result.result
    assert res.change == Clamp("h", 4, -0.6, 3)
    trainer = window.trainer
    want = _textbook_diff(trainer.model, trainer.task.probe(), res.change)
    shown = window.heatmaps.difference()
    for k, v in want.items():
        np.testing.assert_allclose(shown[k], v, atol=2e-5)
    h = window.heatmaps.panels["h"]
    np.testing.assert_array_equal(h.image.image, np.ascontiguousarray(shown["h"].T))
    lo, hi = h.bar.levels()
    assert lo == -hi and hi >= np.abs(shown["h"]).max()
    assert h.bar.colormap() == "CET-D1"
    panel.restore()
    assert window.heatmaps.difference() is None
    frame = window.run_model.frame
    np.testing.assert_array_equal(h.image.image, np.ascontiguousarray(frame.states["h"].T))
    assert h.bar.levels() == (-1.0, 1.0)


def test_every_panel_of_the_window_has_an_explanation(window) -> None:
    keys = {b.key for b in window.findChildren(InfoButton)}
    assert {"heatmaps", "gradients", "grad_norm", "loss", "samples"} <= keys
    assert {"unit", "find", "saturation", "intervene", "verify", "spectral"} <= keys


def test_notes_say_when_the_last_step_signal_vanishes(window, qtbot) -> None:
    window.pause()
    frame = window.run_model.frame
    T = frame.T
    model = RunModel()
    fading = frame.replace(step=frame.step + 1, flow_last=np.logspace(-12, 0, T))
    model.ingest(Update(run_id=frame.run_id, status=Status(), frame=fading))
    notes = run_notes(model)
    assert any("falls below 1e-06" in n for n in notes)
    flat = frame.replace(step=frame.step + 2, flow_last=np.ones(T))
    model.ingest(Update(run_id=frame.run_id, status=Status(), frame=flat))
    assert not any("last-step signal" in n for n in run_notes(model))
    # in the window, under the gradient-flow plot
    window.run_model.ingest(
        Update(run_id=frame.run_id, status=Status(), frame=fading.replace(step=10**6))
    )
    assert any("falls below" in n for n in window.notes.notes)
    assert window.notes.isVisibleTo(window.gradients)


def test_spectra_are_read_out_beside_the_last_step_signal(window, qtbot) -> None:
    qtbot.waitUntil(lambda: window.notes.spectra != "", timeout=WAIT_MS)
    assert window.notes.isVisibleTo(window.gradients)
    trainer = window.trainer
    window.pause()
    point = window.inspector.gradients.series.points[-1]
    q = trainer.model.cell.unfuse(dict(trainer.model.p))
    assert {s.gate for s in point.spectra} == set(trainer.model.cell.GATES)
    for s in point.spectra:
        assert f"ρ(W_h{s.gate}) {s.radius:.2f}, σ_max {s.sigma_max:.2f}" in window.notes.spectra
        assert np.isfinite(np.asarray(q[f"W_h{s.gate}"])).all()
    assert "mean forget gate" in window.notes.spectra


def test_a_hidden_inspector_draws_nothing_and_traces_no_text(qtbot, monkeypatch) -> None:
    """Closed (as at launch), the inspector neither draws a frame nor sends the worker the
    held-out-text trace of its unit tab (up to 100,000 characters on the training thread, for
    every new run); opened, it draws the frame at the cursor and asks for the unit's contexts."""
    from rnnviz.app.jobs import WorkerJobs

    asked: list[str] = []
    submit = WorkerJobs.submit

    def spy(self, key, fn, done, failed=None):  # type: ignore[no-untyped-def]
        asked.append(key)
        return submit(self, key, fn, done, failed)

    monkeypatch.setattr(WorkerJobs, "submit", spy)
    w = open_window(qtbot)
    qtbot.waitUntil(lambda: "h" in w.heatmaps.shown(), timeout=WAIT_MS)
    w.pause()
    qtbot.waitUntil(lambda: w.controller.state == "paused", timeout=WAIT_MS)
    ins = w.inspector
    assert not w.inspector_dock.isVisible()
    assert ins.unit._frame is None
    assert "ctx" not in asked
    w.inspector_dock.show()
    assert ins.unit._frame is w.run_model.frame
    assert "ctx" in asked


SCREENS = ((1024, 768), (1280, 720), (1920, 1080))


@pytest.fixture(params=[1.0, BIG_SCALE], ids=["normal", "big"])
def scale(request, qapp):
    apply_theme(qapp, request.param)
    yield request.param
    apply_theme(qapp, 1.0)


@pytest.mark.parametrize("screen", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_inspector_opens_usable_at_every_screen_size(qtbot, scale, screen) -> None:
    """Opened on a small screen (1280x720, or 1024x768 with --big fonts), the docked inspector
    was a strip a fifth of the window high below the views at their minimum: a row of controls
    and the top of a plot. It now gets at least its usable height, docked when the window has
    the room beside the views' minimum, else floating over the window."""
    w = MainWindow(trainer=Trainer(tiny_run("lstm", hidden=8)), start_worker=False)
    qtbot.addWidget(w)
    w.arrange_for(*screen)
    w.show()
    qtbot.waitUntil(lambda: w.run_model.frame is not None, timeout=WAIT_MS)
    how = open_inspector(w)
    QApplication.processEvents()
    ins, dock = w.inspector, w.inspector_dock
    assert dock.isVisible() and w.inspector_action.isChecked()
    assert ins.height() >= ins.usable_height()
    for panel in (ins.unit, ins.find, ins.saturation, ins.intervene, ins.gradients):
        ins.setCurrentWidget(panel)
        QApplication.processEvents()
        assert ins.currentWidget() is panel
        assert ins.page(panel).viewport().height() >= legible_height()
    if how == "docked":
        assert not dock.isFloating()
        assert w.centralWidget().height() >= minimum(w.centralWidget()).height()
    else:
        assert dock.isFloating()
        inside = w.geometry()
        assert inside.contains(dock.geometry().topLeft()) and dock.width() <= w.width()
        assert dock.geometry().bottom() <= inside.bottom()
    # closed with its own shortcut's action, it is out of sight and unchecked
    w.inspector_action.trigger()
    assert not dock.isVisible() and not w.inspector_action.isChecked()
    w.close()


def test_the_unit_cards_trace_may_use_every_core_while_training_waits(window) -> None:
    # Training keeps one core for the window (BLAS_THREADS); a trace (the unit card's held-out
    # text) is a job the worker runs while training waits, and the window lets it read its
    # groups of streams on every core (JOB_THREADS): on one, the LSTM misses its 200 ms.
    import os

    from rnnviz.core import _ops

    cores = os.cpu_count() or 1
    assert max(1, cores - 1) == window.BLAS_THREADS
    assert cores == window.JOB_THREADS
    seen = window.session.call(lambda t: (_ops.thread_budget(), _ops.job_threads()))
    assert seen.result(timeout=10) == (window.BLAS_THREADS, cores)
