"""What the user asks of the run on screen: run, pause, step, reset, optimiser, speed, probe.

Every command goes through the window's :class:`~rnnviz.app.session.RunSession` (the one route
to the trainer) and acts between two training steps; a value the user typed that is out of
range is refused where it was typed (the field or the banner), and the run goes on unchanged.
:class:`RunCommands` is a mixin of the main window: the methods are the window's public API
(tests and the command line drive the window through them).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from rnnviz.app.speed import SPEEDS, nearest_position, speed_text
from rnnviz.app.worker import user_errors

if TYPE_CHECKING:
    from PyQt6.QtGui import QAction, QActionGroup

    from rnnviz.app.chrome import MessageBanner, StatusPanel
    from rnnviz.app.controls import ControlPanel
    from rnnviz.app.presenter import RunPresenter
    from rnnviz.app.session import RunSession
    from rnnviz.app.widgets.gradients import GradientPanel


class RunCommands:
    """Run, pause, step, reset and the settings that apply live (a mixin of MainWindow)."""

    session: RunSession
    presenter: RunPresenter
    controls: ControlPanel
    banner: MessageBanner
    status: StatusPanel
    gradients: GradientPanel
    act_run: QAction
    speed_actions: QActionGroup
    confirm: Callable[[str, str], bool]
    show_message: Callable[..., None]
    present: Callable[[Any], None]
    statusBar: Callable[[], Any]
    _show_run_state: Callable[..., None]
    _clear_divergence: Callable[[], None]
    _on_reset_done: Callable[[Future[None]], None]
    _on_user_error: Callable[[str, str], None]
    _last_step: Callable[[], int]

    def _on_run_toggled(self, running: bool) -> None:
        if running:
            restarted = not self.session.alive()
            if not self.session.resume():
                self._set_run_checked(False)  # screenshot mode: nothing to run
                return
            if restarted:  # after a crash: a fresh thread, and the button shows it running
                self._set_run_checked(True)
            if self.banner.level == "warning":  # e.g. the divergence note: acted upon
                self.banner.dismiss()
            self._show_run_state("running")
            self._clear_divergence()
        else:
            self.session.pause()  # the loop then reports every step trained so far
            self._show_run_state("paused")

    def _set_run_checked(self, checked: bool) -> None:
        self.act_run.blockSignals(True)
        self.act_run.setChecked(checked)
        self.act_run.blockSignals(False)

    def run(self) -> None:
        """Start (or continue) training."""
        self.act_run.setChecked(True)

    def pause(self) -> None:
        """Pause training after the current step."""
        self.act_run.setChecked(False)

    def is_running(self) -> bool:
        """Whether the window shows a running run."""
        return self.act_run.isChecked()

    def step_once(self) -> None:
        """Pause, then train exactly one batch."""
        self.pause()
        if self.session.step_once():
            self._clear_divergence()

    def reset(self) -> None:
        """New random weights (same seed and settings), after asking."""
        if self._last_step() > 0 and not self.confirm(
            "Reset the weights?",
            "Start again from fresh random weights? The current ones are lost.",
        ):
            return
        self.session.reset(done=self._on_reset_done)

    def set_optim(self, optim: Any) -> None:
        """Apply an OptimConfig (optimiser, learning rate, clipping) between two steps."""
        try:
            optim.validate()
        except user_errors() as exc:
            self.show_message(str(exc))
            return
        self.session.set_optim(optim)
        self.gradients.set_clipping(optim.clip_value, optim.clip_norm)

    def set_lr(self, lr: float) -> None:
        """Change the learning rate live (as if typed in the controls)."""
        self.controls.lr.setValue(lr)
        self.set_optim(self.controls.optim())

    def set_speed(self, steps_per_s: float | None) -> None:
        """Train at most ``steps_per_s`` steps per second (None: as fast as it goes)."""
        from rnnviz.train.pacing import check_speed

        try:
            rate = check_speed(steps_per_s)
        except ValueError as exc:
            self.show_message(str(exc))
            self._show_speed()
            return
        self.session.set_speed(rate)
        self._show_speed()
        self.statusBar().showMessage(f"Speed: {speed_text(rate)}", 3000)

    def speed(self) -> float | None:
        """The speed limit in force (steps per second; None: unlimited)."""
        return self.session.speed

    def _nudge_speed(self, direction: int) -> None:
        k = nearest_position(self.session.speed) + direction
        self.set_speed(SPEEDS[max(0, min(k, len(SPEEDS) - 1))])

    def _show_speed(self) -> None:
        """The speed in the controls, the Run menu and the status bar."""
        rate = self.session.speed
        self.controls.speed.set_speed(rate)
        for act in self.speed_actions.actions():
            act.setChecked(act.data() == rate)
        self.status.set_speed_limit(None if rate is None else speed_text(rate))

    def set_pause_at(self, step: int | None) -> bool:
        """Pause when training reaches ``step`` (None: do not); a step already past is refused."""
        now = self._trainer_step()
        if step is not None and step <= now:
            self.controls.speed.show_pause_error(
                f"Step {step:,} is already done (the run is at step {now:,}): choose a later step."
            )
            self.controls.speed.set_pause_at(self.session.pause_at)  # what is in force
            return False
        self.controls.speed.show_pause_error("")
        self.session.set_pause_at(step)
        self.controls.speed.set_pause_at(step)
        return True

    def pause_at(self) -> int | None:
        """The step the run will pause at, or None."""
        return self.session.pause_at

    def _trainer_step(self) -> int:
        """The newest step known on this thread (the trainer's own while nothing trains)."""
        if not self.session.alive() or not self.is_running():
            trainer = self.session.trainer
            return int(trainer.step_count) if trainer is not None else 0
        return self._last_step()

    def set_probe(self, text: str) -> None:
        """Replace the probe sequence; a bad one is explained under the field."""
        self.controls.show_probe_error("")

        def set_probe(trainer: Any) -> str:
            trainer.set_probe(text)
            return trainer.task.probe().text

        self.session.call(set_probe, self._probe_set)
        if not self.session.alive():  # no thread sends the new frame: show it now
            self.present(self.session.trainer.update(state="paused"))

    def _probe_set(self, result: Future[str]) -> None:
        """The probe command's result: the probe now in use, or why the text was refused."""
        exc = result.exception()
        if exc is not None:
            self._on_user_error("probe", error_text(exc))
            return
        self.presenter.probe_text = result.result()
        self.controls.set_probe_text(self.presenter.probe_text)
        self.controls.show_probe_error("")


def error_text(exc: BaseException) -> str:
    """A command's error as the user reads it: a user mistake's own words, else its type too."""
    return str(exc) if isinstance(exc, user_errors()) else f"{type(exc).__name__}: {exc}"
