"""Replay a recording: scrub a run's training history with every view as it was, no training.

``rnnviz replay RUN_FILE`` (or File → Open recording… in the main window) opens a
:class:`ReplayWindow`: the heatmaps, gradient plots, loss and samples of the recorded run, a
timeline over its training steps and the probe's time-step cursor. Moving the timeline to step
S shows the frame taken at or before S, the loss and gradient norms up to S, the samples made by
S (:mod:`rnnviz.app.replay_model`); the time-step cursor stays where it is, so the two combine
(training step × position in the sequence). **Play** walks the recorded frames at the speed
chosen (frames per second: 400 frames at 8/s is under a minute). The timeline exports to an
animated GIF or MP4 (File → Timeline as GIF/MP4…), and every panel exports as in the main
window.

The recording is read into the views' model a few chunks per turn of the event loop (a long run
never holds the window); the timeline works meanwhile and the curves grow as it is read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSlider,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.chrome import FrameBar
from rnnviz.app.export_menu import ANIMATION, Exporter, ExportSources
from rnnviz.app.layout import AdaptiveColumn
from rnnviz.app.replay_model import ModelAt, ReplaySource
from rnnviz.app.settings import Settings
from rnnviz.app.timers import single_shot
from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.info import InfoButton, attach_view_infos
from rnnviz.app.widgets.loss import LossPanel
from rnnviz.app.widgets.samples import SamplesPanel
from rnnviz.train.recording import Recording, RecordingError

#: Replay speeds offered, in recorded frames per second.
SPEEDS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
DEFAULT_SPEED = 8.0
READ_SLICE = 4  # recording updates ingested per turn of the event loop while reading


class Timeline(QWidget):
    """Play/pause, a slider over training steps, the speed and a read-out of the step shown."""

    def __init__(self, last_step: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pix = QStyle.StandardPixmap
        self.play = QToolButton()
        self.play.setCheckable(True)
        self.play.setIcon(self.style().standardIcon(pix.SP_MediaPlay))
        self.play.setToolTip("Play the recorded frames (Space)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, max(int(last_step), 0))
        self.slider.setToolTip("Training step shown: every view is as it was at this step")
        self.speed = QComboBox()
        for fps in SPEEDS:
            self.speed.addItem(f"{fps:g} frames/s", fps)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed.setToolTip("Replay speed: recorded frames shown per second")
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.addWidget(QLabel("Training step"))
        lay.addWidget(self.play)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.readout)
        lay.addWidget(self.speed)
        lay.addWidget(InfoButton("timeline"))

    @property
    def fps(self) -> float:
        return float(self.speed.currentData())


class ReplayWindow(QMainWindow):
    """A recording, replayed (see the module docstring).

    Parameters
    ----------
    path : path-like
        The recording.
    settings : Settings, optional

    Raises
    ------
    rnnviz.train.recording.RecordingError
        Not a recording that can be opened (one line).
    """

    def __init__(self, path: str | os.PathLike[str], settings: Settings | None = None) -> None:
        super().__init__()
        self.path = Path(path)
        self.settings = settings if settings is not None else Settings()
        self.source = ReplaySource(Recording(self.path))
        self.model = ModelAt(self.source)
        rec = self.source.recording
        self.setWindowTitle(f"rnnviz replay — {self.path.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        self.heatmaps = StateHeatmaps()
        self.gradients = GradientPanel()
        self.loss = LossPanel()
        self.samples = SamplesPanel()
        self.frame_bar = FrameBar()
        self.timeline = Timeline(self.source.last_step)
        self._build_layout()
        attach_view_infos(self)  # the ⓘ of every panel (the timeline has its own)

        self._play = QTimer(self)
        self._play.timeout.connect(self._advance)
        self.timeline.slider.valueChanged.connect(self.show_step)
        self.timeline.play.toggled.connect(self.set_playing)
        self.timeline.speed.currentIndexChanged.connect(self._speed_changed)
        self.frame_bar.frameChanged.connect(self._on_time_step)
        self.heatmaps.frameClicked.connect(self.frame_bar.set_frame)

        self.exporter = Exporter(
            ExportSources(
                self,
                {
                    "heatmaps": ("the state heatmaps", self.heatmaps),
                    "gradients": ("the gradient plots", self.gradients),
                    "loss": ("the loss plot", self.loss),
                    "samples": ("the samples", self.samples),
                },
                self._time_steps,
                self.frame_bar.frame,
                self.frame_bar.set_frame,
                lambda: self.model,  # type: ignore[arg-type,return-value]
                self._tell,
                self.settings,
            )
        )
        self.exporter.install_context_menus()
        self._build_menus()
        label = f" · {rec.label}" if rec.label else ""
        self.statusBar().showMessage(
            f"{self.path.name}{label}: {self.source.last_step:,} steps, "
            f"{len(rec.frames)} frames" + (f" — {rec.tail}" if rec.tail else "")
        )
        self.show_step(0, force=True)
        single_shot(self, 0, self._read_more)

    # ------------------------------------------------------------------ construction
    def _build_layout(self) -> None:
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.heatmaps, 1)
        lay.addWidget(self.frame_bar)
        # Stacked when every view has its legible height, else tabs (a projector, --big).
        right = AdaptiveColumn(
            (self.loss, self.gradients, self.samples),
            (("Loss", (self.loss, self.samples)), ("Gradients", (self.gradients,))),
            stretch=(28, 50, 22),
        )
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([600, 400])
        split.setChildrenCollapsible(False)
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 0)
        lay.addWidget(split, 1)
        lay.addWidget(self.timeline)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        m.addActions(self.exporter.file_actions(self))
        for fmt in ANIMATION:
            act = m.addAction(f"Timeline as {fmt.upper()}…")
            act.setToolTip("One picture of the whole window per recorded frame")
            act.triggered.connect(lambda _=False, f=fmt: self.export_timeline(f))
        m.addSeparator()
        close = m.addAction("&Close")
        close.setShortcut(QKeySequence.StandardKey.Close)
        close.triggered.connect(self.close)
        m = self.menuBar().addMenu("&Replay")
        play = m.addAction("Play / pause")
        play.setShortcut("Space")
        play.triggered.connect(self.timeline.play.toggle)
        for text, keys, fn in (
            ("Previous frame", "PgUp", lambda: self.step_frames(-1)),
            ("Next frame", "PgDown", lambda: self.step_frames(+1)),
            ("Previous time step", "Left", lambda: self.frame_bar.move(-1)),
            ("Next time step", "Right", lambda: self.frame_bar.move(+1)),
        ):
            act = m.addAction(text)
            act.setShortcut(keys)
            act.triggered.connect(fn)

    # ------------------------------------------------------------------ reading
    def _read_more(self) -> None:
        done = self.source.read(READ_SLICE)
        self.show_step(self.model.step, force=True)  # the curves grow as the file is read
        if not done:
            single_shot(self, 0, self._read_more)

    # ------------------------------------------------------------------ showing
    def show_step(self, step: int, force: bool = False) -> None:
        """Show every view as it was at training step ``step``."""
        step = max(0, min(int(step), self.source.last_step))
        if self.timeline.slider.value() != step:
            self.timeline.slider.setValue(step)  # comes back here through valueChanged
            return
        if not self.model.set_cursor(step=step) and not force:
            return
        if force:
            self.model._at(step)  # the source grew: cut it again
        self._render()

    def _render(self) -> None:
        m = self.model
        self.heatmaps.draw_model(m)  # type: ignore[arg-type]
        self.gradients.draw_model(m)  # type: ignore[arg-type]
        self.loss.draw_model(m)  # type: ignore[arg-type]
        self.samples.draw_model(m)  # type: ignore[arg-type]
        frame = m.frame
        if frame is not None and self.frame_bar.set_labels(frame.labels, frame.targets):
            self._on_time_step(self.frame_bar.frame())
        loss = m.series("loss")[1]
        read = "" if self.source.done else " (reading…)"
        shown = f"step {m.step:,} / {self.source.last_step:,}"
        if frame is not None:
            shown += f" · frame of step {frame.step:,}"
        if len(loss):
            shown += f" · loss {loss[-1]:.3f}"
        self.timeline.readout.setText(shown + read)

    def _on_time_step(self, t: int) -> None:
        self.model.set_cursor(t=t)
        self.heatmaps.set_frame(t)
        self.gradients.set_frame(t)

    def _time_steps(self) -> int:
        frame = self.model.frame
        return int(frame.T) if frame is not None else 0

    # ------------------------------------------------------------------ playing
    def frame_steps(self) -> np.ndarray:
        """(F,) the recorded frames' steps."""
        return self.source.frame_steps

    def step_frames(self, delta: int) -> None:
        """Move ``delta`` recorded frames forward (or back)."""
        steps = self.frame_steps()
        if not len(steps):
            return
        k = int(np.searchsorted(steps, self.model.step, side="right")) - 1
        k = max(0, min(k + delta, len(steps) - 1))
        self.show_step(int(steps[k]))

    def set_playing(self, on: bool) -> None:
        """Play the recorded frames from the step shown (from the start when at the end)."""
        if self.timeline.play.isChecked() != on:
            self.timeline.play.setChecked(on)
            return
        pix = QStyle.StandardPixmap.SP_MediaPause if on else QStyle.StandardPixmap.SP_MediaPlay
        self.timeline.play.setIcon(self.style().standardIcon(pix))
        if on:
            if self.model.step >= self.source.last_step:
                self.show_step(0)
            self._play.start(round(1000 / self.timeline.fps))
        else:
            self._play.stop()

    def _speed_changed(self) -> None:
        if self._play.isActive():
            self._play.start(round(1000 / self.timeline.fps))

    def _advance(self) -> None:
        steps = self.frame_steps()
        later = steps[steps > self.model.step]  # (k,)
        if not len(later):
            if self.model.step < self.source.last_step:
                self.show_step(self.source.last_step)
            self.set_playing(False)
            return
        self.show_step(int(later[0]))

    # ------------------------------------------------------------------ exports
    def export_timeline(self, fmt: str, path: str | None = None) -> object:
        """The recorded frames, one picture of the window each, as an animation."""
        steps = [int(s) for s in self.frame_steps()]
        if not steps:
            self._tell("the recording has no frame to animate", "warning")
            return None
        path = path or self.exporter._ask_path(f"Timeline as {fmt.upper()}", fmt, "timeline")
        if not path:
            return None
        self.set_playing(False)
        start = self.model.step
        return self.exporter.run_animation(
            self,
            len(steps),
            lambda k: self.show_step(steps[k]),
            path,
            fmt,
            self.timeline.fps,
            lambda: self.show_step(start),
        )

    def _tell(self, text: str, level: str) -> None:
        self.statusBar().showMessage(text, 0 if level == "error" else 8000)

    def closeEvent(self, event: object) -> None:
        self._play.stop()
        if self.exporter.current is not None and self.exporter.current.running:
            self.exporter.current.cancel()
        self.source.close()
        super().closeEvent(event)  # type: ignore[arg-type]


def open_replay(path: str, parent: QWidget | None = None) -> ReplayWindow | str:
    """A shown replay window of ``path``, or the one-line reason it cannot be opened."""
    try:
        window = ReplayWindow(path)
    except RecordingError as exc:
        return str(exc)
    if parent is not None:
        window.resize(parent.size())
    window.show()
    return window


def cli(argv: Sequence[str]) -> int:
    """``rnnviz replay RUN_FILE [--big]``: the replay window."""
    from rnnviz.app import application
    from rnnviz.cliargs import ArgParser, run_command

    def run(args_in: list[str]) -> int:
        ap = ArgParser(prog="rnnviz replay", description="Replay a recording with a timeline.")
        ap.add_argument("run_file", help="a recording written by rnnviz record or Record")
        ap.add_argument("--big", action="store_true", help="presentation size (1.6x)")
        args = ap.parse_args(args_in)
        from rnnviz.app.display import display_problem
        from rnnviz.app.style import BIG_SCALE

        try:  # the file first: its mistakes are said with or without a display
            Recording(args.run_file).close()
        except RecordingError as exc:
            print(f"rnnviz: error: {exc}", file=sys.stderr)
            return 2
        problem = display_problem()  # before Qt, which aborts the process without a display
        if problem is not None:
            print(f"rnnviz: error: {problem}", file=sys.stderr)
            return 2
        app = application.make_app(scale=BIG_SCALE if args.big else 1.0)
        opened = open_replay(args.run_file)
        if isinstance(opened, str):
            print(f"rnnviz: error: {opened}", file=sys.stderr)
            return 2
        code = int(app.exec())
        del opened  # the window closed, freed now rather than in PyQt's exit clean-up
        application.release_windows()
        return code

    return run_command(run, list(argv))
