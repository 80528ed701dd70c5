"""Export from the window: File → Export… and a context menu on every panel.

What can be exported, and how:

* a panel (heatmaps, gradients, loss, samples) or the whole window as a picture (PNG; SVG for a
  panel) — :mod:`rnnviz.app.export_image`;
* the time steps of the frame on screen, stepped one by one, as an animated GIF or an MP4 of a
  panel or the whole window — :mod:`rnnviz.app.animation` (progress, Cancel, the window stays
  responsive);
* the step history, or the arrays of the frame on screen, as CSV — the Qt-free writers of
  :mod:`rnnviz.train.export_csv` (every number exactly as held).

:class:`Exporter` needs only what it reads: the panels by name, the time-step cursor (how many
steps, which one, move it) and the run model; the window passes them in, so replay and compare
views reuse it with their own panels and cursors.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PyQt6.QtCore import QObject, QPointF, Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QMainWindow,
    QMenu,
    QProgressDialog,
    QWidget,
)

from rnnviz.app import files
from rnnviz.app.animation import AnimationExport
from rnnviz.app.encoders import DEFAULT_FPS, MP4_HINT, EncoderError, mp4_available
from rnnviz.app.export_image import save_picture
from rnnviz.app.settings import Settings
from rnnviz.train import export_csv
from rnnviz.train.runmodel import RunModel
from rnnviz.train.safe_write import SaveError, write_atomic

WINDOW = "window"
#: What each export choice writes: (label, formats).
PICTURE = ("png", "svg")
ANIMATION = ("gif", "mp4")
#: CSV exports (what -> label): the step history, the arrays of the frame on screen.
CSV_CHOICES = {"history": "Step history (CSV)", "frame": "Arrays of the frame shown (CSV)"}
#: The data behind a panel, offered in its context menu.
PANEL_DATA = {"heatmaps": "frame", "gradients": "frame", "loss": "history"}


@dataclass
class ExportSources:
    """What an :class:`Exporter` reads from its window.

    Attributes
    ----------
    window : QWidget
        The whole window (a picture of it; the parent of dialogs).
    panels : Mapping[str, tuple[str, QWidget]]
        name -> (label shown in menus, widget).
    steps : callable
        ``steps()`` -> the number of time steps of the frame on screen (0: none yet).
    step : callable
        ``step()`` -> the time step selected now.
    set_step : callable
        ``set_step(t)`` moves every view's time-step cursor to ``t``.
    model : callable
        ``model()`` -> the RunModel shown.
    tell : callable
        ``tell(text, level)`` shows a one-line message ("info", "warning" or "error").
    settings : Settings
        Where file dialogs start (the folder used last).
    runs : callable, optional
        ``runs()`` -> (label, RunModel) of every run shown, when a window shows several (the
        compare window): the CSV exports are then offered per run, and ``model`` is not read.
    reveal : callable, optional
        ``reveal(widget)`` brings a panel on screen before it is drawn into a file (the
        compare window's tab that holds it): a panel on a hidden tab is not laid out.
    """

    window: QWidget
    panels: Mapping[str, tuple[str, QWidget]]
    steps: Callable[[], int]
    step: Callable[[], int]
    set_step: Callable[[int], None]
    model: Callable[[], RunModel]
    tell: Callable[[str, str], None]
    settings: Settings
    runs: Callable[[], Sequence[tuple[str, RunModel]]] | None = None
    reveal: Callable[[QWidget], None] | None = None


class Exporter(QObject):
    """The window's exports (see the module docstring).

    Parameters
    ----------
    sources : ExportSources
    ask_path : callable, optional
        ``ask_path(title, fmt, suggested_name)`` -> a path or None; a file dialog by default
        (tests answer it).
    """

    def __init__(
        self,
        sources: ExportSources,
        ask_path: Callable[[str, str, str], str | None] | None = None,
    ) -> None:
        super().__init__(sources.window)
        self.sources = sources
        self._ask_path = ask_path or self._dialog_path
        self.current: AnimationExport | None = None
        self._progress: QProgressDialog | None = None
        self.fps = DEFAULT_FPS

    # ------------------------------------------------------------------ targets
    def widget(self, name: str) -> QWidget:
        """The window or a panel by name (a panel brought on screen: see ExportSources)."""
        if name == WINDOW:
            return self.sources.window
        panel = self.sources.panels[name][1]
        if self.sources.reveal is not None:
            self.sources.reveal(panel)
        return panel

    def label(self, name: str) -> str:
        return "the whole window" if name == WINDOW else self.sources.panels[name][0]

    # ------------------------------------------------------------------ pictures
    def picture(self, name: str, fmt: str, path: str | None = None) -> Path | None:
        """Save the window or panel ``name`` as ``fmt`` ("png"/"svg"); None if not written."""
        path = path or self._ask_path(f"Save {self.label(name)} as {fmt.upper()}", fmt, name)
        if not path:
            return None
        try:
            done = save_picture(self.widget(name), path, fmt)
        except (ValueError, SaveError) as exc:
            self.sources.tell(str(exc), "error")
            return None
        self.sources.tell(f"Saved {self.label(name)} to {done}", "info")
        return done

    # ------------------------------------------------------------------ animations
    def animate(
        self, name: str, fmt: str, path: str | None = None, fps: float | None = None
    ) -> AnimationExport | None:
        """Step through the time steps of the frame on screen into a GIF/MP4 of ``name``.

        Returns the running export (None when refused or not asked): progress shows in a
        dialog with Cancel, and the cursor goes back where it was when it ends.
        """
        if self.current is not None and self.current.running:
            self.sources.tell("an export is running; wait for it or cancel it first", "warning")
            return None
        if fmt == "mp4" and not mp4_available():
            self.sources.tell(MP4_HINT, "error")
            return None
        count = self.sources.steps()
        if count < 1:
            self.sources.tell("nothing to animate yet: no frame is shown", "warning")
            return None
        path = path or self._ask_path(f"Animate {self.label(name)} as {fmt.upper()}", fmt, name)
        if not path:
            return None
        start = self.sources.step()
        back = lambda: self.sources.set_step(start)  # noqa: E731
        return self.run_animation(
            self.widget(name), count, self.sources.set_step, path, fmt, fps, back
        )

    def run_animation(
        self,
        target: QWidget,
        count: int,
        show: Callable[[int], None],
        path: str | os.PathLike[str],
        fmt: str,
        fps: float | None = None,
        restore: Callable[[], None] | None = None,
    ) -> AnimationExport | None:
        """Start an :class:`AnimationExport` with a progress dialog (also for replay timelines)."""
        try:
            export = AnimationExport(
                target, count, show, path, fmt, fps or self.fps, restore, parent=self
            )
        except EncoderError as exc:
            self.sources.tell(str(exc), "error")
            return None
        dialog = QProgressDialog(
            f"Writing {Path(path).name}…", "Cancel", 0, count, self.sources.window
        )
        dialog.setWindowTitle("Export")
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(export.cancel)
        export.progress.connect(dialog.setValue)
        export.finished.connect(self._on_finished)
        export.failed.connect(self._on_failed)
        export.cancelled.connect(self._on_cancelled)
        self.current, self._progress = export, dialog
        export.start()
        return export

    def _close_progress(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress.deleteLater()
            self._progress = None

    def _on_finished(self, path: str) -> None:
        self._close_progress()
        frames = self.current.encoder.frames if self.current else 0
        self.sources.tell(f"Saved {path} ({frames} frames)", "info")

    def _on_failed(self, message: str) -> None:
        self._close_progress()
        self.sources.tell(f"export failed: {message}", "error")

    def _on_cancelled(self) -> None:
        self._close_progress()
        self.sources.tell("Export cancelled; no file was written", "info")

    # ------------------------------------------------------------------ CSV
    def csv_choices(self) -> dict[str, str]:
        """The CSV exports offered: key -> label.

        One window, one run: ``"history"`` and ``"frame"`` (:data:`CSV_CHOICES`). Several runs:
        ``"history:i"`` and ``"frame:i"`` for run ``i``, labelled with the run's name.
        """
        if self.sources.runs is None:
            return dict(CSV_CHOICES)
        labels = [label for label, _ in self.sources.runs()]
        return {
            f"{what}:{i}": f"{text.removesuffix(' (CSV)')} of {label} (CSV)"
            for what, text in CSV_CHOICES.items()
            for i, label in enumerate(labels)
        }

    def csv(self, what: str, path: str | None = None) -> Path | None:
        """Write the step history (``what="history"``) or the frame shown (``"frame"``); with
        several runs, ``"history:i"`` / ``"frame:i"`` for run ``i`` (:meth:`csv_choices`)."""
        kind, _, index = what.partition(":")
        if index:
            label, model = self.sources.runs()[int(index)]  # type: ignore[misc]
            name = f"{kind}-{_slug(label)}"
        else:
            model, name = self.sources.model(), kind
        if kind == "frame" and model.frame is None:
            self.sources.tell("no frame to export yet", "warning")
            return None
        path = path or self._ask_path(self.csv_choices()[what], "csv", name)
        if not path:
            return None
        text = io.StringIO(newline="")
        if kind == "history":
            rows = export_csv.write_history(model, text)
        else:
            rows = export_csv.write_frames([model.frame], text)
        data = text.getvalue().encode("utf-8")
        try:
            write_atomic(path, lambda f: f.write(data), lambda _: True, what="CSV file")
        except SaveError as exc:
            self.sources.tell(str(exc), "error")
            return None
        self.sources.tell(f"Saved {path} ({rows:,} rows)", "info")
        return Path(path)

    # ------------------------------------------------------------------ menus
    def panel_menu(self, name: str, parent: QWidget | None = None) -> QMenu:
        """The export actions of one panel (its context menu, or a submenu of one)."""
        menu = QMenu(f"Export {self.label(name)}", parent)
        for fmt in PICTURE:
            act = menu.addAction(f"Save as {fmt.upper()}…")
            act.triggered.connect(lambda _=False, f=fmt: self.picture(name, f))
        menu.addSeparator()
        for fmt in ANIMATION:
            act = menu.addAction(f"Time steps as {fmt.upper()}…")
            act.setToolTip("Step the cursor through the probe, one picture per time step")
            act.triggered.connect(lambda _=False, f=fmt: self.animate(name, f))
        data = PANEL_DATA.get(name)
        if data is not None:
            menu.addSeparator()
            for key, label in self.csv_choices().items():
                if key.partition(":")[0] == data:
                    act = menu.addAction(f"{label.replace(' (CSV)', '')} as CSV…")
                    act.triggered.connect(lambda _=False, k=key: self.csv(k))
        menu.addSeparator()
        menu.addAction("Export…").triggered.connect(lambda: self.dialog(name))
        return menu

    def install_context_menus(self) -> None:
        """A right click on any panel offers its exports.

        In a plot with pyqtgraph's own menu (zoom, axes) the export actions are added to that
        menu (they replace pyqtgraph's "Export...", whose SVG writer fails on Qt 6); where
        pyqtgraph shows no menu (the heatmaps), a right click opens the export menu alone.
        """
        for name, (_, panel) in self.sources.panels.items():
            menu = self.panel_menu(name, panel)
            for view in panel.findChildren(pg.GraphicsView):
                scene = view.scene()
                scene.contextMenu = [menu.menuAction()]
                scene.sigMouseClicked.connect(
                    lambda ev, s=scene, m=menu: self._right_click(ev, s, m)
                )

    @staticmethod
    def _right_click(ev: object, scene: pg.GraphicsScene, menu: QMenu) -> None:
        if ev.button() != Qt.MouseButton.RightButton:  # type: ignore[attr-defined]
            return
        pos: QPointF = ev.scenePos()  # type: ignore[attr-defined]
        for item in scene.items(pos):
            while item is not None:
                if isinstance(item, pg.ViewBox) and item.menuEnabled():
                    return  # pyqtgraph's menu shows, with the export actions in it
                item = item.parentItem()
        menu.popup(ev.screenPos().toPoint())  # type: ignore[attr-defined]

    def file_actions(self, parent: QObject) -> list[QAction]:
        """File-menu actions: Export… (the dialog)."""
        act = QAction("&Export…", parent)
        act.setShortcut("Ctrl+E")
        act.setToolTip("Save a panel or the window as a picture or animation, or data as CSV")
        act.triggered.connect(lambda: self.dialog())
        return [act]

    # ------------------------------------------------------------------ dialog
    def dialog(self, name: str | None = None) -> None:
        """File → Export…: choose what and how, then where."""
        dialog = ExportDialog(self, name, self.sources.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.run_choice(*dialog.choice())

    def run_choice(self, what: str, fmt: str, fps: float) -> object:
        """Carry out one choice of the dialog."""
        if fmt == "csv":
            return self.csv(what)
        if fmt in ANIMATION:
            return self.animate(what, fmt, fps=fps)
        return self.picture(what, fmt)

    def _dialog_path(self, title: str, fmt: str, name: str) -> str | None:
        window = self.sources.window
        return files.ask_save_path(
            window, title, fmt, f"rnnviz-{name}.{fmt}", self.sources.settings
        )


class ExportDialog(QDialog):
    """What to export (a panel, the window, data) and in which format."""

    def __init__(self, exporter: Exporter, name: str | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.exporter = exporter
        self.what = QComboBox()
        self.what.addItem("The whole window", WINDOW)
        for key, (label, _) in exporter.sources.panels.items():
            self.what.addItem(label[:1].upper() + label[1:], key)
        self.csv_keys = exporter.csv_choices()
        for key, label in self.csv_keys.items():
            self.what.addItem(label, key)
        if name is not None:
            self.what.setCurrentIndex(max(self.what.findData(name), 0))
        self.format = QComboBox()
        self.fps = QDoubleSpinBox()
        self.fps.setRange(0.5, 60.0)
        self.fps.setValue(exporter.fps)
        self.fps.setSuffix(" frames/s")
        self.fps.setToolTip("Speed of an animation: time steps shown per second")
        form = QFormLayout(self)
        form.addRow("Export", self.what)
        form.addRow("As", self.format)
        form.addRow("Speed", self.fps)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.what.currentIndexChanged.connect(self._formats)
        self.format.currentIndexChanged.connect(self._speed)
        self._formats()

    def _formats(self) -> None:
        what = self.what.currentData()
        self.format.clear()
        if what in self.csv_keys:
            self.format.addItem("CSV table", "csv")
        else:
            self.format.addItem("PNG picture", "png")
            if what != WINDOW:
                self.format.addItem("SVG drawing", "svg")
            self.format.addItem("Animated GIF of the time steps", "gif")
            mp4 = "MP4 video of the time steps"
            self.format.addItem(mp4 if mp4_available() else f"{mp4} (needs imageio-ffmpeg)", "mp4")
        self._speed()

    def _speed(self) -> None:
        self.fps.setEnabled(self.format.currentData() in ANIMATION)

    def choice(self) -> tuple[str, str, float]:
        """(what, format, frames per second)."""
        self.exporter.fps = float(self.fps.value())
        return str(self.what.currentData()), str(self.format.currentData()), self.fps.value()


def window_exporter(window: QMainWindow) -> Exporter:
    """The exports of the main window: its four panels, its frame bar and its run model.

    Reads ``window.heatmaps``, ``gradients``, ``loss``, ``samples``, ``frame_bar``,
    ``run_model``, ``settings`` and ``show_message``; installs the panels' context menus.
    """
    w: Any = window

    def steps() -> int:
        frame = w.run_model.frame
        return int(frame.T) if frame is not None else 0

    panels = {
        "heatmaps": ("the state heatmaps", w.heatmaps),
        "gradients": ("the gradient plots", w.gradients),
        "loss": ("the loss plot", w.loss),
        "samples": ("the samples", w.samples),
    }
    sources = ExportSources(
        window,
        panels,
        steps,
        w.frame_bar.frame,
        w.frame_bar.set_frame,
        lambda: w.run_model,
        window_tell(window),
        w.settings,
    )
    exporter = Exporter(sources)
    exporter.install_context_menus()
    return exporter


def _slug(label: str) -> str:
    """``label`` as a file-name part: "Adam 0.01" -> "adam-0.01"."""
    return re.sub(r"[^a-z0-9.]+", "-", label.lower()).strip("-.") or "run"


def window_tell(window: QMainWindow) -> Callable[[str, str], None]:
    """One-line messages of the main window: news in its status bar, problems in its banner
    (``window.show_message``)."""

    def tell(text: str, level: str) -> None:
        if level == "info":
            window.statusBar().showMessage(text, 8000)
        else:
            window.show_message(text, level)  # type: ignore[attr-defined]

    return tell
