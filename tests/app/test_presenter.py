"""The presenter draws what changed: an update that brings only a new status redraws no plot,
and a new run blanks every view even when it sends nothing yet.

Offscreen, no training thread: the window's trainer is stepped here and each update presented
at once, so every draw is synchronous and nothing depends on the machine's speed.
"""

from __future__ import annotations

import dataclasses

import pyqtgraph as pg
import pytest
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.main_window import MainWindow


@pytest.fixture
def window(qtbot) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=lambda *_: True, start_worker=False)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None and w.heatmaps.complete(), timeout=WAIT_MS)
    return w


@pytest.fixture
def plots_drawn(monkeypatch) -> list[str]:
    """Every curve and image given new data from now on, by kind."""
    drawn: list[str] = []
    set_data, set_image = pg.PlotDataItem.setData, pg.ImageItem.setImage

    def data_spy(item, *args, **kwargs):
        drawn.append("curve")
        return set_data(item, *args, **kwargs)

    def image_spy(item, *args, **kwargs):
        drawn.append("image")
        return set_image(item, *args, **kwargs)

    monkeypatch.setattr(pg.PlotDataItem, "setData", data_spy)
    monkeypatch.setattr(pg.ImageItem, "setImage", image_spy)
    return drawn


def train(w: MainWindow, steps: int) -> None:
    for _ in range(steps):
        w.session.call(lambda trainer: trainer.step())
    w.present(w.trainer.update(state="paused"))


def test_a_command_only_update_redraws_no_plot(window: MainWindow, plots_drawn) -> None:
    train(window, 3)
    assert {"curve", "image"} <= set(plots_drawn)  # a step redraws curves and heatmaps
    plots_drawn.clear()
    optim = dataclasses.replace(window.trainer.run.optim, lr=0.005)
    window.set_optim(optim)  # a command while paused: a new status, no new step or frame
    window.present(window.trainer.update(state="paused"))
    assert window.last_status is not None and window.last_status.lr == pytest.approx(0.005)
    assert window.last_status.step == 3
    assert plots_drawn == []  # every plot and heatmap kept as it was
    train(window, 1)
    assert {"curve", "image"} <= set(plots_drawn)  # the next step draws again


def test_a_moved_time_step_redraws_no_heatmap(window: MainWindow, plots_drawn) -> None:
    train(window, 2)
    plots_drawn.clear()
    window.presenter.set_time_step(3)  # the cursor's markers move; the arrays stay
    window.presenter.draw_now()
    assert "image" not in plots_drawn


def test_a_new_run_blanks_every_view_before_it_sends_anything(qtbot, window: MainWindow) -> None:
    train(window, 6)
    assert window.loss.history_length() == 6 and window.heatmaps.panels
    window.run_model.reset("another run")  # as a new run's install does, no update yet
    window.presenter.forget()
    qtbot.waitUntil(
        lambda: (
            window.loss.history_length() == 0
            and window.gradients.history_length() == 0
            and not window.heatmaps.panels
            and window.samples.entries() == []
        ),
        timeout=WAIT_MS,
    )
    assert window.last_status is None


def test_after_a_reset_the_old_run_does_not_come_back(qtbot, window: MainWindow) -> None:
    """Reset forgets the views while the run model still holds the old run (it starts afresh
    with the new run's first update): the views blank and stay blank until that update."""
    train(window, 6)
    window.presenter.forget()
    qtbot.waitUntil(lambda: window.loss.history_length() == 0, timeout=WAIT_MS)
    window.presenter.frames.mark()  # every part takes its turn: none draws the old run again
    window.presenter.draw_now()
    assert window.run_model.history.last_step == 6  # still there, not shown
    assert window.loss.history_length() == 0 and window.gradients.history_length() == 0
    assert not window.heatmaps.panels and window.last_status is None
    window.session.call(lambda trainer: trainer.reset())
    window.present(window.trainer.update(state="paused"))
    assert window.last_status is not None and window.last_status.step == 0
    assert window.heatmaps.complete() and window.heatmaps.panels
