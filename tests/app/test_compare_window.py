"""The compare window: runs of a comparison trained in lockstep and drawn together."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PyQt6.QtCore import QRect
from PyQt6.QtWidgets import QApplication, QWidget
from test_main_window import WAIT_MS, tiny_run
from test_projector import SCREENS, maximised, scale  # noqa: F401 (scale is a fixture)

from rnnviz.app.compare_curves import RUN_COLOURS
from rnnviz.app.compare_window import CompareWindow
from rnnviz.train.compare import RunSpec


def _specs() -> list[RunSpec]:
    base = tiny_run()
    fast = dataclasses.replace(base, optim=dataclasses.replace(base.optim, lr=0.05))
    return [RunSpec("slow", base), RunSpec("fast", fast)]


def _race_specs() -> list[RunSpec]:
    """Four runs named as the race preset's (the longest legend of the presets)."""
    base = tiny_run()
    names = ("sgd", "adagrad", "rmsprop", "adam")
    labels = ("SGD 0.2", "Adagrad 0.1", "RMSprop 0.005", "Adam 0.01")
    return [
        RunSpec(label, dataclasses.replace(base, optim=dataclasses.replace(base.optim, name=n)))
        for n, label in zip(names, labels, strict=True)
    ]


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
    for panel in ("loss", "flow"):  # one entry per run, in run order, in the run's colour
        text = w.curves.legend_text(panel)
        assert 0 < text.index("slow") < text.index("fast")
        assert RUN_COLOURS[0] in text.split("slow")[0] and RUN_COLOURS[1] in text
    for i, model in enumerate(w.models):
        steps, smoothed = model.series("smoothed")
        x, y = w.loss_curves[i].getData()
        np.testing.assert_array_equal(x, steps)
        np.testing.assert_array_equal(y, smoothed)
        flow = next(iter(model.frame.flows.values()))
        drawn = w.flow_curves[i].getData()[1]  # log10 on the log axis
        np.testing.assert_allclose(10.0**drawn, flow, rtol=1e-6)
        T = model.frame.T  # the flow plot spans the probe's steps, not out to a round number
        lo, hi = w.flow_plot.getViewBox().viewRange()[0]
        assert lo <= 0 and T - 1 <= hi <= T - 1 + 0.05 * T, (lo, hi, T)
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


def test_a_redraw_draws_one_part_every_curve_at_once(compare: CompareWindow, qtbot) -> None:
    """After an update of every run, one redraw sets every run's curves (each plot repaints
    once) and no heatmap; each later redraw draws one run's heatmaps, in turn."""
    w = compare
    w.redraw_all()
    drawn: list[str] = []
    for i, view in enumerate(w.heatmaps):
        view.draw_model = lambda model, build_budget=None, i=i, f=view.draw_model: (
            drawn.append(f"heat{i}") or f(model, build_budget)
        )
    for name, curves in (("loss", w.loss_curves), ("flow", w.flow_curves)):
        for i, curve in enumerate(curves):
            curve.sigPlotChanged.connect(lambda _, n=f"{name}{i}": drawn.append(n))
    w.set_running(True)
    qtbot.waitUntil(lambda: all(m.step >= 2 for m in w.models), timeout=WAIT_MS)
    w.set_running(False)
    qtbot.waitUntil(lambda: not w.worker.running, timeout=WAIT_MS)
    w._redraw.stop()
    qtbot.waitUntil(lambda: all(m.step == w.models[0].step for m in w.models), timeout=WAIT_MS)
    w._drawn = [(-1, -1, -1)] * 2  # as after an update of both runs
    w._heat_drawn = [None, None]
    drawn.clear()
    w.redraw()
    assert sorted(drawn) == ["flow0", "flow1", "loss0", "loss1"]
    turns = []
    for _ in range(2):
        drawn.clear()
        w.redraw()
        turns += drawn
        assert len(drawn) == 1 and drawn[0].startswith("heat")
    assert sorted(turns) == ["heat0", "heat1"]
    drawn.clear()
    w.redraw()
    assert drawn == []  # nothing changed: nothing drawn


def test_curve_axes_move_only_at_round_numbers(compare: CompareWindow) -> None:
    """A curve one step longer leaves the loss plot's view (and its axes) as they were."""
    c = compare.curves
    vb = c.loss_plot.getViewBox()
    steps = np.arange(1.0, 41.0)  # (40,)
    loss = np.linspace(4.0, 3.2, 40)  # (40,)
    c.set_loss(0, steps, loss)
    c.anchor()
    vb.updateAutoRange()
    before = vb.viewRange()
    c.set_loss(0, np.append(steps, 41.0), np.append(loss, 3.19))
    c.anchor()
    vb.updateAutoRange()
    assert vb.viewRange() == before
    assert before[0][1] >= 41 and before[1][0] <= 3.19 <= 4.0 <= before[1][1]


def _in_window(w: QWidget, widget: QWidget, rect: QRect) -> QRect:
    return QRect(widget.mapTo(w, rect.topLeft()), rect.size())


def test_legends_never_cover_the_curves(qtbot, scale) -> None:  # noqa: F811
    """At every screen size, normal and --big, no legend lies over a plot's data area: each
    plot's legend stands on its right, whole; and the window fits the screen."""
    import pyqtgraph as pg

    w = CompareWindow(specs=_race_specs())
    qtbot.addWidget(w)
    w.show()
    for screen in SCREENS:
        size = maximised(screen)
        assert w.minimumSizeHint().height() <= size[1], (screen, scale, w.minimumSizeHint())
        w.resize(*size)
        QApplication.processEvents()
        tabs = w.area.tabs
        if w.area.mode == "tabs":  # the curves are the second tab: look at them there
            tabs.setCurrentIndex(1)
            QApplication.processEvents()
        for panel in (w.curves.loss_panel, w.curves.flow_panel):
            plot = panel.plot_widget.getPlotItem()
            vb = plot.getViewBox()
            data = vb.mapRectToScene(vb.boundingRect())
            for item in plot.scene().items():
                if isinstance(item, pg.LegendItem) and item.isVisible():
                    legend = item.mapRectToScene(item.boundingRect())
                    assert not legend.intersects(data), (size, scale, legend, data)
            area = panel.plot_widget.mapFromScene(data).boundingRect()
            area = _in_window(w, panel.plot_widget, area).adjusted(1, 1, -1, -1)  # rounding
            legend = panel.legend
            assert legend.isVisible() and "Adam&nbsp;0.01" in legend.text()
            assert not _in_window(w, legend, legend.rect()).intersects(area), (size, scale)
            hint = legend.sizeHint()
            assert legend.width() >= hint.width() and legend.height() >= hint.height(), (
                size,
                scale,
                legend.size(),
                hint,
            )


def test_export_pictures_and_each_runs_history(compare: CompareWindow, qtbot, tmp_path) -> None:
    """File → Export… in the compare window: each panel and the window as PNG (a curve panel
    as SVG too), the time steps as a GIF, and each run's step history as CSV with the run
    model's numbers."""
    import csv
    import xml.etree.ElementTree as ET

    from PIL import Image, ImageSequence

    from rnnviz.app.export_menu import ExportDialog

    w = compare
    w.set_running(True)
    qtbot.waitUntil(lambda: all(m.step >= 3 for m in w.models), timeout=WAIT_MS)
    w.set_running(False)
    qtbot.waitUntil(lambda: not w.worker.running, timeout=WAIT_MS)
    w.redraw_all()
    file_menu = w.menuBar().actions()[0].menu()
    assert "&Export…" in [a.text() for a in file_menu.actions()]
    for name in ("window", "heatmaps", "loss", "gradients"):
        png = w.exporter.picture(name, "png", str(tmp_path / f"{name}.png"))
        widget = w.exporter.widget(name)
        with Image.open(png) as im:
            assert im.size == (widget.width(), widget.height())
    svg = w.exporter.picture("loss", "svg", str(tmp_path / "loss.svg"))
    assert ET.parse(svg).getroot().tag.endswith("svg")
    dialog = ExportDialog(w.exporter, None, w)
    items = [dialog.what.itemText(i) for i in range(dialog.what.count())]
    assert "Step history of slow (CSV)" in items and "Step history of fast (CSV)" in items
    dialog.deleteLater()
    menu = w.exporter.panel_menu("loss")
    texts = [a.text() for a in menu.actions()]
    assert "Step history of slow as CSV…" in texts and "Step history of fast as CSV…" in texts
    for i, model in enumerate(w.models):
        path = w.exporter.csv(f"history:{i}", str(tmp_path / f"history{i}.csv"))
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        steps, loss = model.series("loss")  # (n,) each
        assert [float(r["step"]) for r in rows] == steps.tolist()
        assert [float(r["loss"]) for r in rows] == loss.tolist()
    export = w.exporter.animate("heatmaps", "gif", str(tmp_path / "steps.gif"), fps=10)
    with qtbot.waitSignal(export.finished, timeout=60_000):
        pass
    with Image.open(tmp_path / "steps.gif") as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == w.models[0].frame.T


def test_compare_screenshot_writes_the_window_after_n_rounds(qapp, tmp_path, capsys) -> None:
    """``rnnviz compare --gui --screenshot OUT.png --size WxH --steps N``: a PNG of the window at
    that size after at least N lockstep rounds; a wrong name or --size alone is refused."""
    from PyQt6.QtGui import QImage

    from rnnviz.cli import main

    out = tmp_path / "cells.png"
    argv = ["compare", "--preset", "cells", "--gui", "--screenshot", str(out)]
    assert main([*argv, "--size", "1024x704", "--steps", "2"]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 704)
    step = int(capsys.readouterr().out.split("step ")[-1].rstrip(")\n"))
    assert step >= 2
    for bad in (
        ["compare", "--gui", "--screenshot", str(tmp_path / "x.jpg")],
        ["compare", "--gui", "--size", "800x600"],
        ["compare", "--screenshot", str(out)],
    ):
        assert main(bad) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("rnnviz: error: compare:"), err


def test_train_rounds_starts_training_though_the_first_update_came_before(qtbot) -> None:
    """``--screenshot`` trains its rounds even when the worker's first, paused update was
    delivered before it listened (a race under load: it then waited for an update forever).
    A watchdog ends the wait with ``failed`` so that, without the fix, the test fails instead
    of hanging."""
    from PyQt6.QtCore import QTimer

    from rnnviz.app.compare_window import _train_rounds

    w = CompareWindow(specs=_specs())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS)
    assert not w.worker.running and w.worker.rounds == 0  # the paused update is taken in
    watchdog = QTimer(w)  # the window is its context: it dies with it
    watchdog.setSingleShot(True)
    watchdog.timeout.connect(lambda: w.worker.failed.emit("watchdog"))
    watchdog.start(WAIT_MS)
    _train_rounds(w, 2)
    assert w.worker.rounds >= 2
    w.set_running(False)
