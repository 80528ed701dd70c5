"""Pictures and animations of a recording, drawn offscreen by the window's own views.

``rnnviz export RUN_FILE --format {png,svg,gif,mp4}`` lands here (the CSV formats need no Qt and
stay in :mod:`rnnviz.export_cli`). A :class:`~rnnviz.train.runmodel.RunModel` is filled from the
recording (:meth:`Recording.fill <rnnviz.train.recording.Recording.fill>`, as a replay does) and
one view draws it, offscreen, at a chosen size:

* png / svg: the view at one training step (``--step``; default the last), through
  :func:`rnnviz.app.export_image.save_picture`;
* gif / mp4: the replay timeline, one picture per recorded frame (the view as it was at that
  step: heatmaps, gradient flow, the loss curve up to it, the samples so far), encoded by
  :class:`rnnviz.app.encoders.Encoder` (pillow; imageio-ffmpeg for MP4, with a one-line install
  hint when missing).

The default view is the heatmaps for ``--what frames`` and the loss curves for ``--what
training``. Every picture, PNG and SVG alike, and every animation frame carries a caption line
above the view naming the run and the training step shown (the heatmaps themselves do not say
which step they are from).
Progress is shown on standard error; Ctrl-C cancels and leaves no file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rnnviz.app.application import make_app, release_windows, use_offscreen

#: The views that can be exported, by the name the command line uses.
PANELS = ("heatmaps", "gradients", "loss", "samples")
DEFAULT_SIZE = (960, 540)
EXIT_CANCELLED = 130


class AnimExportError(ValueError):
    """An export that cannot be made (one line)."""


def default_panel(what: str) -> str:
    """The view shown for ``--what frames`` (heatmaps) or ``--what training`` (loss)."""
    return "heatmaps" if what == "frames" else "loss"


def make_panel(name: str) -> Any:
    """A fresh view by name (see :data:`PANELS`)."""
    from rnnviz.app.widgets.gradients import GradientPanel
    from rnnviz.app.widgets.heatmaps import StateHeatmaps
    from rnnviz.app.widgets.loss import LossPanel
    from rnnviz.app.widgets.samples import SamplesPanel

    views = {
        "heatmaps": StateHeatmaps,
        "gradients": GradientPanel,
        "loss": LossPanel,
        "samples": SamplesPanel,
    }
    if name not in views:
        raise AnimExportError(f"view {name!r}: choose one of {', '.join(PANELS)}")
    return views[name]()


class Captioned:
    """A view with a caption line above it, in one offscreen widget of a given size."""

    def __init__(self, panel: Any, size: tuple[int, int]) -> None:
        from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

        self.panel = panel
        self.widget = QWidget()
        layout = QVBoxLayout(self.widget)
        layout.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel(self.widget)
        layout.addWidget(self.caption)
        layout.addWidget(panel, 1)
        fit_x = getattr(panel, "fit_x", None)
        if fit_x is not None:  # plots over training: x ends at the data, not a round number ahead
            fit_x(True)
        self.widget.resize(*size)
        self.widget.show()

    def draw(self, model: Any, app: Any, caption: str) -> None:
        """Render ``model`` completely (the heatmaps build their panels in turns)."""
        self.caption.setText(caption)
        self.widget.setWindowTitle(caption)  # an SVG's <title>
        for _ in range(64):
            done = self.panel.draw_model(model)
            app.processEvents()
            if done is None or done:
                return

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()


def caption(label: str, model: Any) -> str:
    """ "<run>: training step N" (with the loss there, when known)."""
    loss = "" if model.last_loss is None else f", loss {model.last_loss:.4g}"
    return f"{label}: training step {model.step:,}{loss}"


def export(
    run_file: Path,
    fmt: str,
    out: Path,
    what: str = "frames",
    step: int | None = None,
    panel_name: str | None = None,
    size: tuple[int, int] = DEFAULT_SIZE,
    fps: float = 4.0,
    quiet: bool = False,
) -> int:
    """Write the picture or animation (see the module docstring); returns the exit status.

    Raises
    ------
    AnimExportError, RecordingError, EncoderError, SaveError
        One-line reasons (an unreadable recording, MP4 without its encoder, an existing file).
    """
    from rnnviz.app.encoders import Encoder
    from rnnviz.app.export_image import save_picture
    from rnnviz.train.recording import Recording
    from rnnviz.train.runmodel import RunModel

    if out.exists() or out.is_symlink():
        raise AnimExportError(f"{out}: exists; choose another name (nothing is overwritten)")
    use_offscreen()
    app = make_app()
    view = Captioned(make_panel(panel_name or default_panel(what)), size)
    try:
        with Recording(run_file) as rec:
            if not rec.frames:
                raise AnimExportError(f"{run_file}: the recording has no frame")
            label = rec.label or rec.run.model.cell
            if fmt in ("png", "svg"):
                model = RunModel(max_frames=len(rec.frames) + 2)
                rec.fill(model, step)
                view.draw(model, app, caption(label, model))
                save_picture(view.widget, out, fmt, lambda _: False)
                w, h = view.widget.width(), view.widget.height()
                print(f"export: {out} ({w}x{h}, step {model.step})")
                return 0
            encoder = Encoder(out, fmt, fps)
            try:
                written = _animate(rec, view, app, encoder, quiet, label)
            except KeyboardInterrupt:
                encoder.discard()
                print(f"rnnviz: export cancelled; {out} was not written", file=sys.stderr)
                return EXIT_CANCELLED
            h, w = encoder.size or (0, 0)
            print(f"export: {out} ({written} frames, {w}x{h}, {fps:g} per second)")
            return 0
    finally:
        view.close()
        del view
        release_windows()


def _animate(rec: Any, view: Captioned, app: Any, encoder: Any, quiet: bool, label: str) -> int:
    """One picture per recorded frame, the view as it was at that step; returns frames."""
    from tqdm import tqdm

    from rnnviz.app.export_image import grab_rgb
    from rnnviz.train.runmodel import RunModel

    model = RunModel(max_frames=len(rec.frames) + 2)
    with tqdm(total=len(rec.frames), disable=quiet, unit="frame", file=sys.stderr) as bar:
        for update in rec.updates():
            model.ingest(update)
            if update.frame is None:
                continue
            view.draw(model, app, caption(label, model))
            encoder.add(grab_rgb(view.widget))  # (H, W, 3)
            bar.update(1)
    encoder.close()
    return encoder.frames
