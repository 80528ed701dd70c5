"""A run's life on screen: installed, updated, paused at a step, diverged, failed, closed.

The session tells the window when a new run is on screen (:meth:`RunLifecycle._on_installed`),
when an update was taken into the run model (:meth:`RunLifecycle._on_update`: the presenter
draws it on the next frame) and when the training thread failed. The newest state a frame shows
comes back through :meth:`RunLifecycle._handle_state`: a divergence pauses the run and explains
itself once, an error stops it, a message goes to the banner. Closing asks about unsaved training
(:mod:`rnnviz.app.questions`), then stops drawing and joins the training thread.
:class:`RunLifecycle` is a mixin of the main window.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QCloseEvent, QGuiApplication

from rnnviz.app.commands import error_text
from rnnviz.app.metrics import loss_label
from rnnviz.config import RunConfig
from rnnviz.train.update import Status, Update

if TYPE_CHECKING:
    from PyQt6.QtGui import QAction, QIcon

    from rnnviz.app.chrome import MessageBanner, StatusPanel
    from rnnviz.app.controls import ControlPanel
    from rnnviz.app.frame_dock import FrameDock
    from rnnviz.app.presenter import RunPresenter
    from rnnviz.app.recent import RecentFiles
    from rnnviz.app.record_toggle import RecordToggle
    from rnnviz.app.session import RunSession
    from rnnviz.app.settings import Settings
    from rnnviz.app.widgets.loss import LossPanel


class RunLifecycle:
    """The window's side of a run's life (a mixin of MainWindow; see the module docstring)."""

    session: RunSession
    presenter: RunPresenter
    controls: ControlPanel
    banner: MessageBanner
    status: StatusPanel
    loss: LossPanel
    frame_dock: FrameDock
    recorder: RecordToggle
    recent: RecentFiles
    settings: Settings
    act_run: QAction
    _run_icons: dict[bool, QIcon]
    runStateChanged: Any
    _closing: bool
    _remember: bool
    _divergence_shown: bool
    controller: Any
    is_running: Callable[[], bool]
    pause: Callable[[], None]
    statusBar: Callable[[], Any]
    _set_run_checked: Callable[[bool], None]
    _may_close: Callable[[], bool]
    _preset_name: Callable[[], str | None]

    def _new_trainer(self, run: RunConfig) -> Any:
        from rnnviz.train.trainer import Trainer

        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            return Trainer(run.validate())
        finally:
            QGuiApplication.restoreOverrideCursor()

    def _install(self, trainer: Any, preset: str | None = None) -> None:
        """Show ``trainer`` (its thread starts paused)."""
        self.session.install(trainer, preset)

    def _on_installed(self, trainer: Any, preset: str | None) -> None:
        """A new run is on screen: clear the views and show its settings."""
        self._forget_pending()
        self.presenter.probe_text = trainer.task.probe().text  # before the thread owns it
        self.frame_dock.set_trainer(trainer)
        run = run_of(trainer)
        self.recent.note_run(run)
        self.controls.set_config(run, preset)
        self.loss.set_loss_label(*loss_label(run.task.name, trainer.task.head))
        self._set_run_checked(False)
        self._show_run_state("paused")
        self._clear_divergence()

    # ------------------------------------------------------------------ updates
    def _on_update(self, update: Update) -> None:
        """An update the run model took in: the views draw it on the next frame."""
        if self._closing:
            return
        self.recorder.add(update)
        status = update.status
        if status.state == "paused" and self.is_running() and self._reached_pause_step():
            self._set_run_checked(False)
            reason = f"Paused at step {status.step:,}, as asked"
            self._show_run_state("paused", reason)
            self.statusBar().showMessage(reason, 8000)
        self.presenter.take(status, now=not self.session.threaded)  # no thread: show it now

    def present(self, update: Update) -> None:
        """Take ``update`` and draw it now in every view, bypassing the pacing (no worker:
        ``rnnviz screenshot`` steps the trainer itself)."""
        self.session.deliver(update)
        if self.session.threaded:
            self.presenter.draw_now()

    def _reached_pause_step(self) -> bool:
        """Whether the controller has just paused itself at the "pause at" step."""
        ctl = self.controller
        if self.session.pause_at is None or ctl is None or ctl.state != "paused" or ctl.pause_at:
            return False
        self.session.pause_at = None
        self.controls.speed.set_pause_at(None)
        return True

    def _on_reset_done(self, result: Future[None]) -> None:
        if result.exception() is not None:
            self.show_message(error_text(result.exception()))  # type: ignore[arg-type]
            return
        self._forget_pending()
        self._clear_divergence()

    def _forget_pending(self) -> None:
        self.presenter.forget()

    def _last_step(self) -> int:
        s = self.presenter.last_status
        return 0 if s is None else int(s.step)

    # ------------------------------------------------------------------ states and messages
    def show_message(self, text: str, level: str = "error") -> None:
        """Tell the user something in the banner (and briefly in the status bar)."""
        self.banner.show_message(text, level)
        self.statusBar().showMessage(text.splitlines()[0] if text else "", 8000)

    def _on_user_error(self, kind: str, message: str) -> None:
        if kind == "probe":
            self.controls.show_probe_error(message)
        self.show_message(message)

    def _on_failed(self, summary: str, details: str) -> None:
        if details:
            print(details, file=sys.stderr)
        self.pause()
        self._show_run_state("error", summary)
        self.show_message(
            f"Training stopped because of an internal error: {summary}. "
            "Press Run to restart from the current weights, or Reset."
        )

    def _handle_state(self, new: Status) -> None:
        """The newest state a frame showed: a divergence, an error or a message."""
        if new.state == "diverged":
            self._on_diverged(new.message)
        elif new.state == "error":  # the loop caught an exception and ended
            self._on_failed(new.message or "unknown error", "")
        elif new.message and new.state != "stopped":
            self.show_message(new.message, "warning")

    def _on_diverged(self, message: str) -> None:
        """Pause and explain, once per divergence.

        An update may be drawn after the user already acted on the divergence (Run, Step,
        Reset): the controller, not the update, says whether the run is still diverged.
        """
        if self.controller is not None and self.controller.state != "diverged":
            return
        if self.status.state_name == "diverged":
            return  # already shown (e.g. an update after a settings change)
        self.pause()
        self._show_run_state("diverged", message)
        advice = " Then press Run to go on from there."
        self.show_message(message[:1].upper() + message[1:] + advice, "warning")
        self._divergence_shown = True

    def _clear_divergence(self) -> None:
        """Take down the banner, the status message and the red pill of a divergence."""
        if not self._divergence_shown:
            return
        self._divergence_shown = False
        if self.banner.level == "warning":
            self.banner.dismiss()
        self.statusBar().clearMessage()
        if self.status.state_name == "diverged":
            self._show_run_state("running" if self.is_running() else "paused")

    def _show_run_state(self, state: str, reason: str = "") -> None:
        self.status.set_state(state, reason)
        running = state == "running"
        self.act_run.setText("Pause" if running else "Run")
        self.act_run.setIcon(self._run_icons[running])
        self.runStateChanged.emit(state)

    # ------------------------------------------------------------------ closing
    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Offer to save unsaved training, then stop and join the training thread."""
        if not self._closing and not self._may_close():
            if event is not None:
                event.ignore()
            return
        if self._remember and not self._closing:
            self.settings.save_window(self)  # type: ignore[arg-type]
            self.settings.save_run(run_of(self.session.trainer), self._preset_name())
            self.settings.sync()
        self._closing = True
        self.presenter.stop()
        self.hide()  # closed at once to the eye, while the training step in flight ends
        self.session.close()
        self.recorder.stop()
        super().closeEvent(event)  # type: ignore[misc]


def run_of(trainer: Any) -> RunConfig:
    """The configuration ``trainer`` runs."""
    run = trainer.run
    assert isinstance(run, RunConfig)
    return run
