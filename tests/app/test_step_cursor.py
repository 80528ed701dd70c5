"""The main window's training-step cursor: earlier frames the run kept, in every view, offscreen.

A tiny real run trains in the worker thread until the run model keeps several frames; the
cursor then moves back (keys, slider, the run model's own cursor) and the heatmaps, the
gradient-flow curves, the loss and gradient-norm markers and the read-out must show that
frame's step and arrays; Ctrl+End, Run and Step follow live again.
"""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt
from test_main_window import WAIT_MS, tiny_run

from rnnviz.app.main_window import MainWindow
from rnnviz.app.step_cursor import LIVE_STYLE, VIEWING_STYLE
from rnnviz.train.frame import Frame

FRAMES = 4  # kept frames wanted before the tests move back


@pytest.fixture
def trained(qtbot) -> MainWindow:
    """A window paused after training long enough to keep FRAMES frames or more."""
    w = MainWindow(tiny_run(), confirm=lambda *a: True)
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None and w.heatmaps.complete(), timeout=WAIT_MS)
    w.run()
    qtbot.waitUntil(lambda: len(w.run_model.frames) >= FRAMES, timeout=4 * WAIT_MS)
    w.pause()
    qtbot.waitUntil(
        lambda: (
            w.controller.state == "paused"
            and w.last_status is not None
            and w.last_status.step == w.trainer.step_count
            and w.run_model.newest_frame is not None
            and w.run_model.newest_frame.step == w.trainer.step_count
        ),
        timeout=WAIT_MS,
    )
    return w


def shows(w: MainWindow, frame: Frame) -> bool:
    """Whether the heatmaps on screen and the gradient-flow curves show ``frame``'s arrays."""
    assert w.heatmaps.shown()
    for name in w.heatmaps.shown():
        image = w.heatmaps.panels[name].image.image
        if image is None or not np.array_equal(image, frame.states[name].T):
            return False
    for name, flow in frame.flows.items():
        curve = w.gradients.flow_curve(name)
        if curve is None:
            return False
        y = curve.getOriginalDataset()[1]
        if y is None or not np.allclose(y, flow, equal_nan=True):
            return False
    return True


def test_an_earlier_step_of_the_run_model_is_drawn_by_the_views(qtbot, trained) -> None:
    w = trained
    steps = list(w.run_model.frames)
    old = w.run_model.frames[steps[1]]
    assert not shows(w, old)  # the newest frame is on screen
    w.run_model.set_cursor(step=old.step)
    qtbot.waitUntil(lambda: shows(w, old), timeout=WAIT_MS)
    assert w.step_cursor.shown_step() == old.step
    assert w.step_cursor.markers["loss"].isVisible()
    assert w.step_cursor.markers["loss"].value() == old.step
    assert w.step_cursor.markers["norms"].value() == old.step


def test_page_keys_walk_the_kept_frames_and_ctrl_end_follows_live(qtbot, trained) -> None:
    w = trained
    steps = list(w.run_model.frames)
    newest = w.run_model.newest_frame
    assert newest is not None and w.step_cursor.live
    assert w.step_cursor.indicator.text() == (
        f"live: step {w.run_model.step:,}, the newest frame (PgUp: an earlier one)"
    )
    assert not w.step_cursor.live_button.isEnabled()
    assert not w.step_cursor.markers["loss"].isVisible()
    view = w.centralWidget()
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    before = w.run_model.frames[steps[-2]]
    qtbot.waitUntil(lambda: shows(w, before), timeout=WAIT_MS)
    assert not w.step_cursor.live and w.step_cursor.live_button.isEnabled()
    assert w.step_cursor.indicator.styleSheet() == VIEWING_STYLE
    last = w.run_model.step
    assert w.step_cursor.indicator.text() == (
        f"viewing step {before.step:,} of {last:,} (live: press Ctrl+End to follow)"
    )
    assert w.step_cursor.slider.value() == before.step
    assert w.step_cursor.slider.maximum() == last
    qtbot.keyClick(view, Qt.Key.Key_PageUp)
    qtbot.waitUntil(lambda: w.step_cursor.shown_step() == steps[-3], timeout=WAIT_MS)
    qtbot.keyClick(view, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: shows(w, before), timeout=WAIT_MS)
    qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
    first = w.run_model.frames[steps[0]]
    qtbot.waitUntil(lambda: shows(w, first), timeout=WAIT_MS)
    assert w.frame_bar.frame() == w.frame_bar.slider.value()  # the time step is kept apart
    qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: shows(w, newest), timeout=WAIT_MS)
    assert w.step_cursor.live and w.run_model.cursor.step is None
    assert not w.step_cursor.markers["loss"].isVisible()
    assert w.step_cursor.indicator.styleSheet() == LIVE_STYLE
    assert w.step_cursor.indicator.text().startswith(f"live: step {w.run_model.step:,}")


def test_the_slider_shows_the_frame_kept_at_or_before_its_step(qtbot, trained) -> None:
    w = trained
    steps = list(w.run_model.frames)
    between = steps[1] + (steps[2] - steps[1]) // 2  # at or after steps[1], before steps[2]
    w.step_cursor.slider.setValue(between)
    kept = w.run_model.frames[steps[1]]
    qtbot.waitUntil(lambda: shows(w, kept), timeout=WAIT_MS)
    assert w.step_cursor.text().startswith(f"viewing step {kept.step:,} of ")
    w.step_cursor.slider.setValue(w.step_cursor.slider.maximum())  # the far right: live
    qtbot.waitUntil(lambda: w.step_cursor.live, timeout=WAIT_MS)


def test_loss_marker_follows_the_tokens_axis(qtbot, trained) -> None:
    w = trained
    steps = list(w.run_model.frames)
    w.step_cursor.show_step(steps[1])
    w.loss.set_x_axis("tokens")
    s, tokens = w.run_model.series("tokens")
    expected = float(np.interp(steps[1], s, tokens))
    assert expected > 0
    assert w.step_cursor.markers["loss"].value() == pytest.approx(expected)
    assert w.step_cursor.markers["norms"].value() == steps[1]  # the norms stay over steps


@pytest.mark.parametrize("how", ["run", "step"])
def test_running_or_stepping_follows_live_again(qtbot, trained, how: str) -> None:
    w = trained
    steps = list(w.run_model.frames)
    w.step_cursor.show_step(steps[0])
    assert not w.step_cursor.live
    if how == "run":
        w.run()
    else:
        w.act_step.trigger()
    assert w.step_cursor.live
    target = w.trainer.step_count + 1 if how == "step" else steps[-1] + 1
    qtbot.waitUntil(
        lambda: w.run_model.newest_frame is not None and w.run_model.newest_frame.step >= target,
        timeout=WAIT_MS,
    )
    w.pause()
    qtbot.waitUntil(lambda: shows(w, w.run_model.newest_frame), timeout=WAIT_MS)


def test_viewing_an_earlier_step_while_training_holds_it(qtbot, trained) -> None:
    w = trained
    steps = list(w.run_model.frames)
    old = w.run_model.frames[steps[1]]
    w.step_cursor.show_step(old.step)
    w.session.resume()  # training goes on without the Run button (as a lesson could do)
    last = w.run_model.step
    qtbot.waitUntil(lambda: w.run_model.step > last, timeout=WAIT_MS)
    w.session.pause()
    qtbot.waitUntil(lambda: shows(w, old), timeout=WAIT_MS)
    assert not w.step_cursor.live
    assert w.step_cursor.slider.maximum() == w.run_model.step > old.step


def test_a_new_run_is_followed_live(qtbot, trained) -> None:
    w = trained
    w.step_cursor.show_step(next(iter(w.run_model.frames)))
    w.reset()
    qtbot.waitUntil(lambda: w.run_model.step == 0 and w.last_status is not None, timeout=WAIT_MS)
    assert w.step_cursor.live
    assert not w.step_cursor.markers["loss"].isVisible()
    assert w.step_cursor.indicator.text().startswith("live: step 0,")


def test_frame_view_explains_every_kept_step_at_its_own_weights(qtbot, trained) -> None:
    """A step explained while it was the newest is shown again; a step never explained (trained
    with the frame view hidden) is explained at the weights the run model kept for it: the
    reference step's numbers at those weights, not the newest weights'."""
    from rnnviz.app.widgets.frame_view import equation_html
    from rnnviz.core.explain import explain_step

    w = trained
    fetcher, view = w.frame_dock.fetcher, w.frame_dock.view
    w.frame_dock.set_shown(True)
    qtbot.waitUntil(
        lambda: fetcher.closeup is not None and fetcher.closeup.matches(w.run_model.frame),
        timeout=WAIT_MS,
    )
    explained = w.run_model.frame.step
    w.step_once()  # a newer frame, explained in turn
    qtbot.waitUntil(
        lambda: (
            w.run_model.frame.step > explained
            and fetcher.closeup is not None
            and fetcher.closeup.matches(w.run_model.frame)
        ),
        timeout=WAIT_MS,
    )
    newest = w.run_model.frame.step
    w.step_cursor.show_step(explained)  # back to a step explained while it was the newest
    qtbot.waitUntil(
        lambda: view.closeup is not None and view.closeup.step == explained, timeout=WAIT_MS
    )
    assert view.closeup.matches(w.run_model.frame)
    assert f"weights of training step {explained:,}" in view.title.text()
    first = next(iter(w.run_model.frames))  # trained with the dock hidden: never explained
    assert first < explained
    w.step_cursor.show_step(first)
    frame = w.run_model.frame
    qtbot.waitUntil(
        lambda: view.closeup is not None and view.closeup.matches(frame), timeout=WAIT_MS
    )
    assert view.closeup.has_weights and f"weights of training step {first:,}" in view.title.text()
    assert "not" not in view.title.text() and "updating" not in view.title.text()
    model = w.trainer.model.astype("float64")
    model.params[...] = w.run_model.weights_of(frame)  # the weights kept with the frame
    x = np.asarray(w.trainer.task.probe().x)[:1]
    t = frame.T - 2
    w.run_model.set_cursor(t=t)
    view.unit.setValue(3)
    for line in explain_step(model, x, t, 3).live.values():
        assert equation_html(line) in view.equations.text()
    w.step_cursor.follow_live()
    qtbot.waitUntil(
        lambda: view.closeup is not None and view.closeup.step == newest, timeout=WAIT_MS
    )
    assert "not" not in view.title.text() and "updating" not in view.title.text()


def test_the_indicator_is_restyled_only_when_live_changes(qtbot, trained) -> None:
    """Every update of the run model re-reads the indicator; its style sheet (a re-polish and a
    new layout of the window each time it is set) changes only between live and earlier."""
    w = trained
    cursor = w.step_cursor
    styled: list[str] = []
    set_style = cursor.indicator.setStyleSheet
    cursor.indicator.setStyleSheet = lambda s: (styled.append(s), set_style(s))[1]
    synced = []
    sync = cursor._sync
    cursor._sync = lambda: (synced.append(1), sync())[1]
    before = w.last_status.step
    for _ in range(3):
        w.step_once()
        qtbot.waitUntil(lambda b=before: w.last_status.step > b, timeout=WAIT_MS)
        before = w.last_status.step
    assert len(synced) >= 3  # the indicator was re-read on each update ...
    assert cursor.live and styled == []  # ... and not restyled (it was, every time)
    earlier = next(iter(w.run_model.frames))
    cursor.show_step(earlier)
    w.step_cursor._sync()
    assert styled == [VIEWING_STYLE] and cursor.indicator.styleSheet() == VIEWING_STYLE
    cursor.follow_live()
    assert styled == [VIEWING_STYLE, LIVE_STYLE]


def test_a_live_update_asks_the_bar_for_no_layout(qtbot, trained) -> None:
    """While live, every update writes the step into the indicator: a label in the bar's layout
    asked it, and every layout up to the window's, to lay out again each time. The indicator's
    slot takes new texts without asking, while they take as many lines."""
    from events import Events
    from PyQt6.QtCore import QEvent

    w = trained
    cursor = w.step_cursor
    spy = Events(QEvent.Type.LayoutRequest, parent=w)
    asked = spy.seen
    cursor.bar.installEventFilter(spy)
    texts = []
    before = w.last_status.step
    for _ in range(3):
        w.step_once()
        qtbot.waitUntil(lambda b=before: w.last_status.step > b, timeout=WAIT_MS)
        before = w.last_status.step
        qtbot.waitUntil(lambda b=before: f"step {b:,}" in cursor.indicator.text(), timeout=WAIT_MS)
        texts.append(cursor.indicator.text())
    assert len(set(texts)) == 3 and cursor.live  # a new text each time ...
    assert asked == []  # ... and no layout asked of the bar
    slot = cursor.indicator_slot
    assert cursor.indicator.parent() is slot and slot.parent() is cursor.bar
    assert cursor.indicator.height() >= cursor.indicator.heightForWidth(slot.width())  # whole
