"""Replay: a recording's views as they were at any training step, a timeline, play, export.

The recording is made by the headless recorder from a tiny run; every view of the replay window
is compared with what a live run model held at the same step.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from test_main_window import WAIT_MS, tiny_run
from test_projector import SCREENS, maximised, scale  # noqa: F401 (scale is a fixture)

from rnnviz.app.replay_model import ModelAt, ReplaySource
from rnnviz.app.replay_window import ReplayWindow
from rnnviz.train.recording import Recorder, Recording, Schedule, record_training
from rnnviz.train.trainer import Trainer

STEPS = 30
EVERY = 10


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rec") / "run.rnnrec"
    t = Trainer(tiny_run())
    rec = Recorder(path, t.run, t.run_id, Schedule(EVERY))
    assert record_training(t, rec, STEPS) == "stopped"
    return path


@pytest.fixture
def replay(qtbot, recording: Path) -> ReplayWindow:
    w = ReplayWindow(recording)
    qtbot.addWidget(w)
    w.resize(1024, 700)
    w.show()
    qtbot.waitUntil(lambda: w.source.done, timeout=WAIT_MS)
    return w


def test_model_at_a_step_is_the_run_cut_there(recording: Path) -> None:
    """Loss, norms and frame at step S are those of the whole run up to S, nothing after."""
    source = ReplaySource(Recording(recording))
    source.read_all()
    model = ModelAt(source)
    full_steps, full_loss = source.full.series("loss")  # (N,) each
    assert full_steps[-1] == STEPS
    for s in (0, 1, 7, 15, STEPS):
        model.set_cursor(step=s)
        steps, loss = model.series("loss")
        assert steps.tolist() == full_steps[full_steps <= s].tolist()
        np.testing.assert_array_equal(loss, full_loss[full_steps <= s])
        assert len(model.history.counts()) == len(steps)
        frame_steps = source.frame_steps
        expected = frame_steps[frame_steps <= s][-1] if (frame_steps <= s).any() else frame_steps[0]
        assert model.frame is not None and model.frame.step == expected
        assert all(x.step <= s for x in model.samples)
    source.close()


def test_backwards_is_a_fresh_epoch(recording: Path) -> None:
    source = ReplaySource(Recording(recording))
    source.read_all()
    model = ModelAt(source)
    model.set_cursor(step=20)
    epoch = model.epoch
    model.set_cursor(step=25)
    assert model.epoch == epoch
    model.set_cursor(step=5)
    assert model.epoch == epoch + 1
    source.close()


def test_timeline_scrubs_every_view(replay: ReplayWindow, qtbot) -> None:
    w = replay
    w.timeline.slider.setValue(15)
    assert w.model.step == 15
    assert w.loss.history_length() == 15  # one point per step up to 15
    assert w.model.frame.step == 10
    shown = w.heatmaps.panels["h"].image.image  # (H, T)
    np.testing.assert_array_equal(shown, w.model.frame.states["h"].T)
    assert "step 15 / 30" in w.timeline.readout.text()
    w.timeline.slider.setValue(STEPS)
    assert w.loss.history_length() == STEPS
    assert w.model.frame.step == STEPS
    assert not np.array_equal(w.heatmaps.panels["h"].image.image, shown)
    w.timeline.slider.setValue(3)  # back: the curves shrink again
    assert w.loss.history_length() == 3


def test_time_step_cursor_combines_with_the_timeline(replay: ReplayWindow) -> None:
    w = replay
    w.frame_bar.set_frame(4)
    w.show_step(20)
    assert w.model.cursor.t == 4 and w.model.step == 20
    assert w.heatmaps.frame() == 4


def test_play_walks_the_frames_to_the_end(replay: ReplayWindow, qtbot) -> None:
    w = replay
    w.timeline.speed.setCurrentIndex(w.timeline.speed.count() - 1)  # fastest
    w.show_step(0)
    seen: list[int] = []
    w.timeline.slider.valueChanged.connect(seen.append)
    w.set_playing(True)
    qtbot.waitUntil(lambda: not w.timeline.play.isChecked(), timeout=WAIT_MS)
    assert w.model.step == STEPS
    frames = [int(s) for s in w.frame_steps() if s > 0]
    assert seen == frames


def test_timeline_to_gif(replay: ReplayWindow, qtbot, tmp_path: Path) -> None:
    """One picture of the window per recorded frame, at the window's size."""
    w = replay
    w.show_step(12)
    out = tmp_path / "timeline.gif"
    export = w.export_timeline("gif", str(out))
    with qtbot.waitSignal(export.finished, timeout=60_000):
        pass
    with Image.open(out) as im:
        frames = [f.copy() for f in ImageSequence.Iterator(im)]
    assert len(frames) == len(w.frame_steps())
    assert frames[0].size == (w.width(), w.height())
    assert w.model.step == 12  # back where it was


def test_a_file_that_is_not_a_recording_is_one_line(tmp_path: Path) -> None:
    from rnnviz.app.replay_window import open_replay

    bad = tmp_path / "notes.txt"
    bad.write_text("hello", encoding="utf-8")
    message = open_replay(str(bad))
    assert isinstance(message, str) and "\n" not in message and "notes.txt" in message


def test_a_recording_cut_short_replays_up_to_its_last_frame(
    replay: ReplayWindow, recording: Path, qtbot, tmp_path: Path
) -> None:
    data = recording.read_bytes()
    cut = tmp_path / "cut.rnnrec"
    cut.write_bytes(data[: len(data) * 2 // 3])
    w = ReplayWindow(cut)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.source.done, timeout=WAIT_MS)
    w.show_step(10**6)
    assert 0 < w.model.step <= STEPS
    assert w.model.frame is not None
    assert "cut" in w.statusBar().currentMessage() or w.source.recording.tail


def test_record_toggle_writes_a_recording_that_replays(tiny_window, qtbot, tmp_path: Path) -> None:
    w = tiny_window
    path = tmp_path / "live.rnnrec"
    assert w.recorder.start(str(path))
    assert w.recorder.action.isChecked() and w.recorder.badge.isVisible()
    w.run()
    qtbot.waitUntil(lambda: w.run_model.history.last_step >= 5, timeout=WAIT_MS)
    w.pause()
    qtbot.waitUntil(lambda: not w.is_running(), timeout=WAIT_MS)
    saved = w.recorder.stop()
    assert saved == path and not w.recorder.action.isChecked()
    with Recording(path) as rec:
        assert rec.last_step >= 5 and rec.frames
        assert rec.tail == ""
    replay = w.recorder.open_recording(str(path))
    assert replay is not None
    qtbot.addWidget(replay)
    qtbot.waitUntil(lambda: replay.source.done, timeout=WAIT_MS)
    assert replay.source.last_step >= 5


def test_replay_command_refuses_a_missing_file_in_one_line(qtbot, tmp_path: Path, capsys) -> None:
    from rnnviz.cli import main

    assert main(["replay", str(tmp_path / "none.rnnrec")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("rnnviz: error:") and "\n" not in err and "none.rnnrec" in err


def test_the_replay_window_fits_every_classroom_screen(qtbot, recording: Path, scale) -> None:  # noqa: F811
    """At 1024x768, 1280x720 and 1920x1080 (maximised), normal and --big, the replay window's
    minimum fits the screen, it takes the screen's size, its heatmaps are legible and its
    status bar and timeline lie inside it."""
    from PyQt6.QtCore import QPoint, QRect
    from PyQt6.QtWidgets import QApplication

    from rnnviz.app.widgets.heatmaps import MIN_IMAGE_H, MIN_IMAGE_W

    w = ReplayWindow(recording)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.source.done, timeout=WAIT_MS)
    for screen in SCREENS:
        size = maximised(screen)
        hint = w.minimumSizeHint()
        assert hint.width() <= size[0] and hint.height() <= size[1], (screen, scale, hint)
        w.resize(*size)
        QApplication.processEvents()
        assert (w.width(), w.height()) == size, (screen, scale)
        for part in (w.statusBar(), w.timeline, w.frame_bar, w.heatmaps):
            rect = QRect(part.mapTo(w, QPoint(0, 0)), part.size())
            assert part.isVisible() and w.rect().contains(rect), (screen, scale, part, rect)
        for name in w.heatmaps.shown():
            vb = w.heatmaps.panels[name].plot.getViewBox().geometry()
            assert vb.width() >= MIN_IMAGE_W and vb.height() >= MIN_IMAGE_H, (screen, name, vb)
