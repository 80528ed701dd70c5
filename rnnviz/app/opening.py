"""New runs and files in the main window: Apply, presets, corpora, checkpoints, drops, screenshots.

A new run (Apply, a preset, a corpus file, a checkpoint) is built by the session's loader thread:
a large corpus takes a second or two to read, and the window keeps drawing (and the old run keeps
training) until the new one is ready. Each asks first when trained weights would be discarded;
a file that cannot be read, or settings that cannot be built, are explained in the banner and the
run on screen goes on. :class:`RunFiles` is a mixin of the main window.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PyQt6.QtGui import QDragEnterEvent, QDropEvent

from rnnviz.app import files
from rnnviz.app.commands import error_text
from rnnviz.app.worker import user_errors
from rnnviz.config import RunConfig

if TYPE_CHECKING:
    from rnnviz.app.chrome import MessageBanner
    from rnnviz.app.controls import ControlPanel
    from rnnviz.app.recent import RecentFiles
    from rnnviz.app.record_toggle import RecordToggle
    from rnnviz.app.session import RunSession
    from rnnviz.app.settings import Settings


class RunFiles:
    """Open, build, load and save runs and pictures (a mixin of MainWindow)."""

    session: RunSession
    controls: ControlPanel
    banner: MessageBanner
    recent: RecentFiles
    recorder: RecordToggle
    settings: Settings
    confirm: Callable[[str, str], bool]
    show_message: Callable[..., None]
    statusBar: Callable[[], Any]
    grab: Callable[[], Any]
    _last_step: Callable[[], int]

    def apply_config(self, run: RunConfig) -> bool:
        """Rebuild the model from ``run`` after asking; errors leave the current run untouched.

        Returns True when the new run is being built (in the background: the current run stays
        on screen until it is ready, see :meth:`loading`), False when the user declined.
        """
        if self._last_step() > 0 and not self.confirm(
            "Discard the current weights?",
            "These settings need a new network: training restarts from random weights.",
        ):
            return False
        try:
            run = run.validate()
        except user_errors() as exc:
            self.show_message(str(exc))
            return False
        self._build(lambda: make_trainer(run), None, loading_text(run))
        return True

    def loading(self) -> bool:
        """Whether a new run is being built in the background."""
        return self.session.loading()

    def _build(
        self,
        factory: Callable[[], Any],
        preset: str | None,
        message: str,
        checkpoint: str | None = None,
    ) -> None:
        """Build a trainer with ``factory`` off the UI thread; install it when it is ready."""
        self.session.build(factory, preset, checkpoint)
        self.show_message(message, "info")

    def _on_loaded(self, trainer: Any, checkpoint: str | None) -> None:
        if checkpoint is not None:
            self.recent.add("checkpoint", checkpoint)
        self.banner.dismiss()
        self.statusBar().showMessage("New run ready", 3000)

    def _on_load_failed(self, message: str) -> None:
        self.show_message(message)

    def load_preset(self, name: str) -> bool:
        """Switch to preset ``name`` after asking."""
        from rnnviz.presets import load_preset

        try:
            run = load_preset(name)
        except (*user_errors(), KeyError, FileNotFoundError) as exc:
            self.show_message(str(exc))
            return False
        if self._last_step() > 0 and not self.confirm(
            f"Load preset “{name}”?",
            "The preset builds a new network: the current weights are discarded.",
        ):
            # the box shows the declined preset: back to the run's own
            self.controls.set_config(self.controls.applied(), self.controls.applied_preset or None)
            return False
        self._build(lambda: make_trainer(run), name, loading_text(run))
        return True

    def _preset_name(self) -> str | None:
        return self.controls.preset.currentData() or None  # "": not a preset

    def open_corpus(self, path: str | None = None) -> bool:
        """Train on a text file (asks for it when ``path`` is None)."""
        if not path:
            path = files.ask_open_path(
                self, "Open a text file to train on", "corpus", self.settings
            )
            if not path:
                return False
        run = self.controls.config()
        options = dict(run.task.options) if run.task.name == "text" else {}
        options["corpus"] = str(path)
        run = run.replace(task=run.task.__class__(name="text", options=options))
        return self.apply_config(run)

    def save_checkpoint(self, path: str | None = None) -> None:
        """Save weights, optimiser state and configuration (asks for a file when None)."""
        if not path:
            path = self._ask_checkpoint_path()
            if not path:
                return
        target = str(path)
        self.session.call(lambda t: str(t.save(target)), self._saved)

    def _saved(self, result: Future[str]) -> None:
        """The save command's result: the checkpoint written, or why it was not."""
        exc = result.exception()
        if exc is not None:
            self.show_message(error_text(exc))
            return
        path = result.result()
        self.recent.add("checkpoint", path)
        self.statusBar().showMessage(f"Saved checkpoint {path}", 5000)

    def _ask_checkpoint_path(self) -> str | None:
        name = "rnnviz-checkpoint.npz"
        return files.ask_save_path(self, "Save checkpoint", "checkpoint", name, self.settings)

    def load_checkpoint(self, path: str | None = None) -> bool:
        """Continue a saved run (asks before discarding the current weights).

        The checkpoint (and the corpus it names) is read in the background; True means
        loading started, and errors arrive in the banner.
        """
        from rnnviz.train.trainer import Trainer

        if not path:
            path = files.ask_open_path(self, "Load checkpoint", "checkpoint", self.settings)
            if not path:
                return False
        if self._last_step() > 0 and not self.confirm(
            "Load this checkpoint?", "The current weights are discarded."
        ):
            return False
        target = str(path)
        self._build(lambda: Trainer.load(target), None, f"Loading checkpoint {target}…", target)
        return True

    def open_file(self, path: str) -> bool:
        """Open a text file to train on, a checkpoint or a recording, as Open… / Load
        checkpoint… / Open recording… would."""
        kind = files.kind_of(path)
        if kind == "checkpoint":
            return self.load_checkpoint(path)
        if kind == "recording":
            return self.recorder.open_recording(path) is not None
        return self.open_corpus(path)

    def open_recent(self, kind: str, path: str) -> bool:
        """Open a file chosen in File > Open Recent."""
        return self.load_checkpoint(path) if kind == "checkpoint" else self.open_corpus(path)

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        """Accept one local file (a folder or several files are refused on the drop)."""
        if event is not None and event.mimeData() is not None and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:
        """Open the dropped file like Open… or Load checkpoint… (same questions, same checks)."""
        if event is None:
            return
        path, problem = files.dropped_file(event.mimeData())
        if path is None:
            if problem:
                self.show_message(problem)
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_file(path)

    def save_screenshot(self, path: str) -> bool:
        """Save the whole window as a PNG; returns whether it worked."""
        ok = self.grab().save(str(path), "PNG")
        if ok:
            self.statusBar().showMessage(f"Saved screenshot {path}", 5000)
        else:
            self.show_message(f"could not write {path}: choose a writable .png file")
        return ok

    def save_screenshot_dialog(self) -> None:
        """Ask for a file and save a screenshot."""
        path = files.ask_save_path(self, "Save screenshot", "png", "rnnviz.png", self.settings)
        if path:
            self.save_screenshot(path)


def make_trainer(run: RunConfig) -> Any:
    """A Trainer for ``run`` (any thread: touches no widget)."""
    from rnnviz.train.trainer import Trainer

    return Trainer(run)


def loading_text(run: RunConfig) -> str:
    """What the banner says while a run is built."""
    if run.task.name == "text":
        return "Loading corpus… (the current run stays on screen until the new one is ready)"
    return "Building the new network…"
