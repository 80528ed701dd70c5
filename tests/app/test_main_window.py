"""The main window end to end: a tiny real run in the worker thread, offscreen."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt

from rnnviz.app.main_window import MainWindow
from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig

WAIT_MS = 10_000  # generous: the CI machine is shared


def tiny_run(cell: str = "lstm", hidden: int = 8) -> RunConfig:
    """A run that trains in a few milliseconds per step."""
    return RunConfig(
        task=TaskConfig(name="text", options={"corpus": "tiny"}),
        model=ModelConfig(cell=cell, hidden=hidden),
        optim=OptimConfig(lr=0.01),
        train=TrainConfig(seq_len=8, batch=2, sample_every=5, eval_every=10, sample_length=20),
    )


class Confirm:
    """Injected confirmation: records the questions, answers ``answer``."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, title: str, question: str) -> bool:
        self.asked.append(title)
        return self.answer


@pytest.fixture
def confirm() -> Confirm:
    return Confirm()


@pytest.fixture
def window(qtbot, confirm: Confirm) -> MainWindow:
    w = MainWindow(tiny_run(), confirm=confirm)
    qtbot.addWidget(w)
    w.arrange_for(1280, 800)  # a laptop screen: the controls are shown
    w.show()
    # The heatmap panels of a new grid are built over the first few frames.
    qtbot.waitUntil(lambda: w.last_status is not None and w.heatmaps.complete(), timeout=WAIT_MS)
    return w


def step_of(w: MainWindow) -> int:
    status = w.last_status
    return -1 if status is None else status.step


def settled(w: MainWindow) -> bool:
    """Whether the training loop is paused, no step in flight, and the views show its last step."""
    ctl = w.controller
    return ctl.state == "paused" and ctl.idle and step_of(w) == w.trainer.step_count


def wait_paused_and_settled(qtbot, w: MainWindow) -> None:
    """Pause and wait until the views show the trainer's last step."""
    w.pause()
    qtbot.waitUntil(lambda: settled(w), timeout=WAIT_MS)


def test_first_frame_is_drawn_paused_with_every_declared_array(window: MainWindow) -> None:
    status, frame = window.last_status, window.run_model.frame
    assert status is not None and status.step == 0 and status.state == "paused"
    assert frame is not None and frame.step == 0
    assert not window.is_running() and window.status.state_name == "paused"
    T, H = len(frame.labels), window.trainer.run.model.hidden
    assert set(window.heatmaps.panels) == {spec.name for spec in frame.specs}
    assert set(window.heatmaps.panels) == {"h", "c", "i", "f", "o", "g"}
    for panel in window.heatmaps.panels.values():
        assert panel.image.image.shape == (H, T)
    assert window.frame_bar.slider.maximum() == T - 1


def test_the_frame_bar_shows_the_probe_s_last_character_as_the_final_target(
    window: MainWindow,
) -> None:
    text = window.trainer.task.probe().text
    frame = window.run_model.frame
    assert frame is not None and len(frame.labels) == len(text) - 1
    assert frame.targets[-1] == window.trainer.task.vocab.labels(text[-1])[0]
    assert window.frame_bar.strip.final_target() == frame.targets[-1]
    window.frame_bar.set_frame(10**9)  # the last step
    assert window.frame_bar.readout_text().endswith(f"target {frame.targets[-1]}")


def test_training_keeps_every_loss_point_and_fills_each_panel(qtbot, window: MainWindow) -> None:
    window.run()
    assert window.status.state_name == "running"
    qtbot.waitUntil(lambda: step_of(window) >= 12, timeout=WAIT_MS)
    wait_paused_and_settled(qtbot, window)
    n = window.trainer.step_count
    # Redraws are coalesced, but no step's loss or gradient norm may be lost on the way.
    assert window.loss.history_length() == n
    assert window.gradients.history_length() == n
    assert len(window.samples.entries()) >= 1  # sample_every=5
    frame = window.run_model.frame
    assert frame is not None and frame.step == n and "h" in frame.flows
    assert frame.flows["h"].shape == (len(frame.labels),)
    assert f"{n:,}" in window.status.step.text()


def test_pause_then_step_trains_exactly_one_batch(qtbot, window: MainWindow) -> None:
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 3, timeout=WAIT_MS)
    wait_paused_and_settled(qtbot, window)
    before = window.trainer.step_count
    window.act_step.trigger()
    qtbot.waitUntil(lambda: step_of(window) == before + 1, timeout=WAIT_MS)
    assert window.controller.state == "paused"
    assert window.trainer.step_count == before + 1
    assert not window.is_running()


class HeldStep:
    """Holds the trainer's first step after its next update in the training thread, until
    :meth:`release`: the window's run is caught with a step in flight, deterministically."""

    def __init__(self, trainer) -> None:  # type: ignore[no-untyped-def]
        self.armed = False
        self.emitted = False
        self.entered = threading.Event()
        self.released = threading.Event()
        step, update = trainer.step, trainer.update

        def held_update(*args, **kwargs):  # type: ignore[no-untyped-def]
            out = update(*args, **kwargs)
            self.emitted = self.armed
            return out

        def held_step():  # type: ignore[no-untyped-def]
            if self.armed and self.emitted:
                self.armed = False
                self.entered.set()
                self.released.wait(WAIT_MS / 1000)
            return step()

        trainer.update, trainer.step = held_update, held_step

    def arm(self) -> None:
        self.armed = True

    def release(self) -> None:
        self.released.set()


def test_a_pause_during_a_step_settles_after_it_and_step_then_trains_one_batch(
    qtbot, window: MainWindow
) -> None:
    """Under load the Step test failed now and then: paused with a step still in flight, the
    views showed the trainer's step count, so the run looked settled; that step then arrived
    with the Step's own, and the window showed two steps (drawn as one frame)."""
    held = HeldStep(window.trainer)
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 3, timeout=WAIT_MS)
    held.arm()
    qtbot.waitUntil(held.entered.is_set, timeout=WAIT_MS)
    shown = window.trainer.step_count  # the step in flight is not counted yet
    window.pause()
    qtbot.waitUntil(lambda: step_of(window) == shown, timeout=WAIT_MS)
    try:
        assert not settled(window)  # a step is in flight: not settled, whatever the views show
    finally:
        held.release()
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT_MS)
    before = window.trainer.step_count
    assert before == shown + 1 and step_of(window) == before
    window.act_step.trigger()
    qtbot.waitUntil(lambda: step_of(window) == before + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: settled(window), timeout=WAIT_MS)
    assert window.trainer.step_count == before + 1 == step_of(window)


def test_learning_rate_changes_live(qtbot, window: MainWindow) -> None:
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 2, timeout=WAIT_MS)
    field = window.controls.lr.field
    field.selectAll()
    qtbot.keyClicks(field, "0.0025")
    qtbot.keyClick(field, Qt.Key.Key_Return)  # typed and committed: emits optimChanged
    qtbot.waitUntil(lambda: window.trainer.run.optim.lr == pytest.approx(0.0025), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.last_status.lr == pytest.approx(0.0025), timeout=WAIT_MS)
    assert window.is_running()  # live: no restart, the weights are kept
    assert window.controls.pending() is False


def test_reset_asks_then_clears_the_views(qtbot, window: MainWindow, confirm: Confirm) -> None:
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 4, timeout=WAIT_MS)
    wait_paused_and_settled(qtbot, window)
    window.act_reset.trigger()
    qtbot.waitUntil(lambda: step_of(window) == 0, timeout=WAIT_MS)
    assert confirm.asked == ["Reset the weights?"]
    assert window.trainer.step_count == 0
    assert window.loss.history_length() == 0


def test_reset_starts_the_curves_on_fresh_axes(qtbot, window: MainWindow) -> None:
    """After Reset the loss and gradient-norm plots kept the old run's x range."""
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 40, timeout=WAIT_MS)
    wait_paused_and_settled(qtbot, window)
    window.grab()
    plots = (window.loss.plot, window.gradients.norm_plot)
    assert all(plot.viewRange()[0][1] > 30 for plot in plots)
    window.act_reset.trigger()
    qtbot.waitUntil(lambda: step_of(window) == 0, timeout=WAIT_MS)
    window.grab()
    for plot in plots:
        lo, hi = plot.viewRange()[0]
        assert lo >= -1.0 and hi <= 11.0, (lo, hi)


def test_bad_probe_is_explained_and_training_goes_on(qtbot, window: MainWindow) -> None:
    window.run()
    window.set_probe("☃☃☃")
    qtbot.waitUntil(lambda: window.controls.probe_error.isVisibleTo(window), timeout=WAIT_MS)
    assert "vocabulary" in window.controls.probe_error.text()
    assert "vocabulary" in window.banner.text()
    reached = step_of(window)
    qtbot.waitUntil(lambda: step_of(window) > reached + 2, timeout=WAIT_MS)
    assert window.worker is not None and window.worker.is_alive()


def test_good_probe_redraws_the_heatmaps(qtbot, window: MainWindow) -> None:
    window.controls.probe.setText("the dog sat")
    window.controls.probe_apply.click()
    qtbot.waitUntil(lambda: window.run_model.frame.labels[0] == "t", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: len(window.run_model.frame.labels) == 10, timeout=WAIT_MS)
    panel = window.heatmaps.panels["h"]
    # The views draw a frame in parts: the heatmaps may come a part after the curves.
    qtbot.waitUntil(lambda: panel.image.image.shape == (8, 10), timeout=WAIT_MS)
    assert window.frame_bar.slider.maximum() == 9
    assert not window.controls.probe_error.isVisibleTo(window)


def test_frame_stepping_moves_the_cursor_and_names_the_token(window: MainWindow) -> None:
    window.act_next.trigger()
    window.act_next.trigger()
    assert window.frame_bar.frame() == 2
    assert window.heatmaps.frame() == 2
    token = window.run_model.frame.labels[2]
    assert token.strip() == "" or token in window.frame_bar.readout.text()
    window.act_last.trigger()
    assert window.frame_bar.frame() == window.frame_bar.slider.maximum()
    window.act_first.trigger()
    assert window.heatmaps.frame() == 0


def test_structural_change_asks_before_discarding_weights(
    qtbot, window: MainWindow, confirm: Confirm
) -> None:
    window.act_step.trigger()
    qtbot.waitUntil(lambda: step_of(window) == 1, timeout=WAIT_MS)
    old_trainer, old_worker = window.trainer, window.worker

    window.controls.hidden.selectAll()
    qtbot.keyClicks(window.controls.hidden, "12")
    assert window.controls.pending() and window.controls.apply_button.isEnabled()
    confirm.answer = False
    window.controls.apply_button.click()
    assert window.trainer is old_trainer and old_worker.is_alive()

    confirm.answer = True
    window.controls.cell.setCurrentIndex(window.controls.cell.findData("gru"))
    window.controls.apply_button.click()
    assert len(confirm.asked) == 2
    assert window.trainer is old_trainer  # built in the background: the old run stays on
    qtbot.waitUntil(lambda: window.trainer is not old_trainer, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not old_worker.is_alive(), timeout=WAIT_MS)  # ends on its own
    qtbot.waitUntil(lambda: window.last_status is not None, timeout=WAIT_MS)
    # The panels of a new run are built a few per frame: on a busy machine after the snapshot.
    qtbot.waitUntil(lambda: set(window.heatmaps.panels) == {"h", "r", "z", "n"}, timeout=WAIT_MS)
    h = window.heatmaps.panels["h"]
    qtbot.waitUntil(
        lambda: h.image.image is not None and h.image.image.shape[0] == 12, timeout=WAIT_MS
    )
    assert not window.controls.pending()


def test_unreadable_corpus_is_a_message_and_the_run_survives(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    window.run()
    old = window.trainer
    window.open_corpus(str(tmp_path / "missing.txt"))
    qtbot.waitUntil(lambda: "missing.txt" in window.banner.text(), timeout=WAIT_MS)
    assert window.banner.level == "error" and not window.loading()
    assert window.trainer is old and window.worker.is_alive() and window.is_running()
    reached = step_of(window)
    qtbot.waitUntil(lambda: step_of(window) > reached, timeout=WAIT_MS)


def test_checkpoint_round_trip(qtbot, window: MainWindow, tmp_path: Path) -> None:
    for _ in range(3):
        before = step_of(window)
        window.act_step.trigger()
        qtbot.waitUntil(lambda b=before: step_of(window) == b + 1, timeout=WAIT_MS)
    path = tmp_path / "run.npz"
    window.save_checkpoint(str(path))
    qtbot.waitUntil(path.exists, timeout=WAIT_MS)
    old = window.trainer
    assert window.load_checkpoint(str(path))
    qtbot.waitUntil(lambda: window.trainer is not old, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.last_status is not None, timeout=WAIT_MS)
    assert window.trainer.step_count == 3
    window.load_checkpoint(str(tmp_path / "nothing.npz"))
    qtbot.waitUntil(lambda: "nothing.npz" in window.banner.text(), timeout=WAIT_MS)


def test_a_loaded_checkpoint_shows_its_whole_loss_history(
    qtbot, confirm: Confirm, tmp_path: Path
) -> None:
    from rnnviz.train.trainer import Trainer

    trainer = Trainer(tiny_run())
    for _ in range(40):
        trainer.step()
    path = tmp_path / "forty.npz"
    trainer.save(path)
    w = MainWindow(tiny_run(), confirm=confirm)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    assert w.load_checkpoint(str(path))
    qtbot.waitUntil(lambda: w.loss.history_length() == 40, timeout=WAIT_MS)
    assert w.run_model.history.count == 40 and w.run_model.history.last_step == 40
    x, y = w.loss.raw_curve.getData()
    assert list(x) == list(range(1, 41))  # every saved step, from the first
    assert list(y) == list(trainer.history.recent("loss")[1])
    assert len(w.gradients.norm_curve.getData()[0]) == 40


def test_save_checkpoint_never_replaces_a_file_that_is_not_one(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("a lesson plan")
    window.save_checkpoint(str(notes))
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=WAIT_MS)
    assert f"cannot save checkpoint {notes}: the file exists and is not an rnnviz checkpoint" in (
        window.banner.text()
    )
    assert notes.read_text() == "a lesson plan"
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]  # no temporary file left


def test_a_crash_in_the_worker_reaches_the_user(qtbot, window: MainWindow) -> None:
    def broken_step() -> None:
        raise RuntimeError("simulated engine failure")

    window.trainer.step = broken_step  # the loop is paused: nothing else touches it now
    window.run()
    qtbot.waitUntil(lambda: window.status.state_name == "error", timeout=WAIT_MS)
    assert "simulated engine failure" in window.banner.text()
    assert not window.is_running()


def test_closing_while_running_joins_the_worker_within_a_second(qtbot, window: MainWindow) -> None:
    window.run()
    qtbot.waitUntil(lambda: step_of(window) >= 3, timeout=WAIT_MS)
    worker = window.worker
    assert worker is not None and worker.is_alive()
    t0 = time.perf_counter()
    window.close()
    assert time.perf_counter() - t0 < 1.0
    assert not worker.is_alive()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--preset", "no-such-preset"], "no-such-preset"),
        (["--checkpoint", "/no/such/run.npz"], "run.npz"),
    ],
)
def test_launch_reports_user_errors_without_a_window(
    qtbot, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from rnnviz.app.launcher import launch

    assert launch(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnviz: error:") and message in err


def test_divergence_pauses_and_explains(qtbot, confirm: Confirm) -> None:
    run = RunConfig(  # a linear head with a huge SGD step blows up within ~10 steps
        task=TaskConfig(name="sine"),
        model=ModelConfig(cell="rnn", hidden=8),
        optim=OptimConfig(name="sgd", lr=10.0, clip_value=None, clip_norm=None),
        train=TrainConfig(seq_len=8, batch=2),
    )
    w = MainWindow(run, confirm=confirm)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    w.run()
    qtbot.waitUntil(lambda: w.status.state_name == "diverged", timeout=WAIT_MS)
    assert not w.is_running() and w.controller.state == "diverged"
    assert "diverged" in w.banner.text().lower() and "learning rate" in w.banner.text()
    assert "diverged" in w.status.state.toolTip()


def test_run_after_a_crash_starts_a_fresh_thread(qtbot, window: MainWindow) -> None:
    trainer = window.trainer
    real_step = trainer.step
    calls = {"n": 0}

    def flaky_step() -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("one-off failure")
        return real_step()

    trainer.step = flaky_step
    window.run()
    qtbot.waitUntil(lambda: window.status.state_name == "error", timeout=WAIT_MS)
    window.run()
    assert window.is_running() and window.worker.is_alive()
    qtbot.waitUntil(lambda: step_of(window) >= 2, timeout=WAIT_MS)
    assert window.status.state_name == "running"


def test_a_big_corpus_loads_while_the_window_keeps_working(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trainer is built off the UI thread: the event loop keeps running, the old run stays.

    Deterministic whatever the machine's load: the corpus reader waits (in the loader thread)
    until the UI thread has handled an event posted after loading began. A window that loaded
    on its UI thread would never handle it, and the reader would report that it was not let go.
    """
    import threading

    import numpy as np
    from PyQt6.QtCore import QTimer

    import rnnviz.tasks.text as text_module

    words = np.array(["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"])
    rng = np.random.default_rng(0)
    path = tmp_path / "big.txt"
    path.write_text(" ".join(rng.choice(words, size=1_200_000).tolist()), encoding="utf-8")
    assert path.stat().st_size > 4_000_000
    gate = threading.Event()
    waited: list[tuple[bool, bool]] = []  # (let go by the UI thread, read off the UI thread)
    real = text_module.load_corpus_codes

    def gated(source: str, lower: bool = False):
        waited.append((gate.wait(60), threading.current_thread() is not threading.main_thread()))
        return real(source, lower)

    monkeypatch.setattr(text_module, "load_corpus_codes", gated)
    old = window.trainer
    ticks: list[bool] = []  # UI-thread events handled while the old run was on screen
    assert window.open_corpus(str(path))
    assert window.trainer is old and window.loading()
    assert "Loading corpus" in window.banner.text()
    timer = QTimer(window)  # an event posted now, handled by the UI thread's event loop
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: (ticks.append(window.trainer is old), gate.set()))
    timer.start(0)
    qtbot.waitUntil(lambda: window.trainer is not old, timeout=60_000)
    assert waited == [(True, True)]  # the UI thread ran while the loader was reading
    assert ticks == [True]
    assert window.banner.text() == "" and not window.loading()
    assert window.controls.applied().task.options["corpus"] == str(path)
    qtbot.waitUntil(lambda: window.last_status is not None, timeout=WAIT_MS)


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_corpus_is_refused_not_loaded_forever(
    qtbot, window: MainWindow, tmp_path: Path, kind: str
) -> None:
    import os

    if kind == "fifo":
        path = tmp_path / "pipe.txt"
        os.mkfifo(path)
        what = "FIFO (named pipe)"
    else:
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero here")
        what = "character device"
    old = window.trainer
    assert window.open_corpus(str(path))
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=30_000)
    assert f"is a {what}, not a regular file" in window.banner.text()
    assert window.trainer is old and not window.loading()


def test_apply_refuses_a_run_too_big_for_memory_and_keeps_the_current_one(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnnviz.core import memory

    monkeypatch.setattr(memory, "available_memory", lambda: 16 * 2**30)
    run = window.controls.applied()
    huge = run.replace(
        model=ModelConfig(cell="lstm", hidden=4096),
        train=TrainConfig(seq_len=100, batch=4096),
    )
    old = window.trainer
    assert window.apply_config(huge)
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=WAIT_MS)
    assert "GiB of memory to train" in window.banner.text()
    assert window.trainer is old and window.worker.is_alive() and not window.loading()


def test_a_bad_task_option_is_reported_not_coerced(qtbot, window: MainWindow) -> None:
    run = window.controls.applied()
    bad = run.replace(task=TaskConfig(name="text", options={"corpus": "tiny", "lower": "no"}))
    old = window.trainer
    assert window.apply_config(bad)
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=WAIT_MS)
    assert "task option lower = 'no': give true or false" in window.banner.text()
    assert window.trainer is old


def test_a_bad_setting_is_reported_by_the_loader(qtbot, window: MainWindow) -> None:
    run = window.controls.applied()
    bad = run.replace(task=TaskConfig(name="text", options={"corpus": "no-such-corpus"}))
    old = window.trainer
    assert window.apply_config(bad)
    qtbot.waitUntil(lambda: window.banner.level == "error", timeout=WAIT_MS)
    assert "no-such-corpus" in window.banner.text()
    assert window.trainer is old and window.worker.is_alive()


def test_loss_axis_and_metrics_follow_the_task(qtbot, confirm: Confirm) -> None:
    run = RunConfig(
        task=TaskConfig(name="binary-addition"),
        model=ModelConfig(cell="rnn", hidden=8),
        optim=OptimConfig(lr=0.05),
        train=TrainConfig(seq_len=8, batch=2, sample_every=2, eval_every=2),
    )
    w = MainWindow(run, confirm=confirm)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    assert w.loss.loss_label() == "loss (BCE nats/bit)"
    assert "value clipping" in w.gradients.legend_text() or w.gradients.clip_rule() != "value"
    w.run()
    qtbot.waitUntil(lambda: "sum accuracy" in w.status.metric.text(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "sum accuracy" in w.samples.plain_text(), timeout=WAIT_MS)
    header = w.samples.plain_text().splitlines()[0]
    assert header.startswith("── step ") and "%" in header and "bit" in header


def test_run_action_shows_pause_while_running(qtbot) -> None:
    """The run button reads Run/Pause with a standard media icon (no font-dependent glyph)."""
    from rnnviz.app.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.act_run.text() == "Run"
    assert not window.act_run.icon().isNull()
    window._show_run_state("running")
    assert window.act_run.text() == "Pause"
    assert window.act_run.icon().cacheKey() == window._run_icons[True].cacheKey()
    window._show_run_state("paused")
    assert window.act_run.text() == "Run"
