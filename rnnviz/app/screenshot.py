"""``rnnviz screenshot``: the main window after N training steps, as a PNG, without a display.

It opens on what the window would (the window's own options: ``--preset NAME`` or ``--checkpoint
PATH``, ``--big``; the default preset when neither is given). The steps run synchronously in
this thread (no worker), then the window is built around the trained model, shown on the
offscreen platform, given the run's snapshot and grabbed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rnnviz.app.panels import PANELS, Shot
from rnnviz.app.worker import user_errors
from rnnviz.cliargs import PROG, ArgParser, UsageError, run_command, window_options
from rnnviz.config import RunConfig
from rnnviz.core.registry import cell_names, fit_nonlinearity

if TYPE_CHECKING:  # pragma: no cover
    from PyQt6.QtGui import QPixmap
    from PyQt6.QtWidgets import QApplication

    from rnnviz.train.inspection import SpectralPoint
    from rnnviz.train.trainer import Trainer

DEFAULT_PRESET = "default"
STEPS_FROM_PRESET = 300  # enough for the default preset's samples to look like words
#: Points of the spectra plot (``--panel spectra``), taken while the run trains.
SPECTRA_POINTS = 24


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        msg = f"--size {text!r}: write WIDTHxHEIGHT, e.g. 1400x900"
        raise argparse.ArgumentTypeError(msg) from None
    if not (320 <= w <= 8000 and 240 <= h <= 8000):
        raise argparse.ArgumentTypeError(f"--size {text!r}: between 320x240 and 8000x8000")
    return w, h


def load_run(preset: str) -> RunConfig:
    """The RunConfig of ``preset`` (KeyError/ConfigError when there is none by that name)."""
    from rnnviz.presets import load_preset

    return load_preset(preset)


def _parser() -> ArgParser:
    p = ArgParser(
        prog=f"{PROG} screenshot",
        description="Train N steps, then save a PNG of the main window (no display needed). "
        f"It opens on the {DEFAULT_PRESET} preset unless --preset or --checkpoint says otherwise.",
        parents=[window_options(run=False)],
    )
    p.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"training steps first (default {STEPS_FROM_PRESET} on a preset, 0 on a checkpoint)",
    )
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--size", type=_size, default=(1400, 900), help="window size (1400x900)")
    p.add_argument(
        "--t",
        "--frame",
        dest="frame",
        metavar="T",
        type=int,
        default=None,
        help="probe step to select, from 0 (default: the middle one)",
    )
    p.add_argument(
        "--panel",
        default="window",
        choices=tuple(PANELS),
        help="what to render: " + "; ".join(f"{p.name}: {p.help}" for p in PANELS.values()),
    )
    p.add_argument(
        "--unit",
        type=int,
        default=None,
        metavar="U",
        help="the unit the frame view and the inspector's panels show (default 0)",
    )
    p.add_argument(
        "--reveal",
        action="store_true",
        help="predict-then-reveal on (P): the answer and the target at --t hidden, as a class "
        "sees them before R",
    )
    p.add_argument("--cell", choices=cell_names(), help="the preset with another cell")
    p.add_argument(
        "--controls",
        choices=("auto", "show", "hide"),
        default="auto",
        help="the controls panel: as the window starts at this size (auto), or shown / hidden",
    )
    p.add_argument(
        "--tab",
        type=int,
        default=0,
        help="when the views on the right are tabs (little room): which one, 1 or 2 (default 1)",
    )
    return p


def _trainer(args: argparse.Namespace) -> Trainer:
    """The run the picture shows: the checkpoint, or the preset (with ``--cell``'s cell)."""
    from rnnviz.train.trainer import Trainer

    if args.checkpoint:
        return Trainer.load(args.checkpoint)
    run = load_run(args.preset or DEFAULT_PRESET)
    if args.cell:
        nonlinearity = fit_nonlinearity(args.cell, run.model.nonlinearity)
        model = dataclasses.replace(run.model, cell=args.cell, nonlinearity=nonlinearity)
        run = run.replace(model=model)
    return Trainer(run)


def _out_of_range(args: argparse.Namespace, T: int, H: int) -> str:
    """What is wrong with ``--t`` or ``--unit`` for a probe of T steps and H units ("" if fine)."""
    if args.frame is not None and not 0 <= args.frame < T:
        return f"--t {args.frame}: the probe has steps 0 to {T - 1}"
    if args.unit is not None and not 0 <= args.unit < H:
        return f"--unit {args.unit}: the layer has units 0 to {H - 1}"
    return ""


def cli(argv: list[str]) -> int:
    """Run ``rnnviz screenshot``; returns the exit code (2 for user errors)."""
    return run_command(_run, argv)


def _checked_out(args: argparse.Namespace) -> Path:
    """The PNG path, after the checks argparse cannot make (:class:`UsageError` otherwise)."""
    out = Path(args.out)
    if args.steps < 0:
        raise UsageError("--steps must be 0 or more")
    if args.cell and args.checkpoint:
        raise UsageError("--cell applies to a preset, not to a checkpoint")
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out {out}: the file name must end in .png")
    if not out.parent.exists():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    return out


def _run(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if args.steps is None:
        args.steps = 0 if args.checkpoint else STEPS_FROM_PRESET
    out = _checked_out(args)

    from rnnviz.app.application import use_offscreen

    use_offscreen()
    try:
        trainer = _trainer(args)
    except (*user_errors(), KeyError, FileNotFoundError) as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    spectra = _train(trainer, args.steps, spectra=args.panel == "spectra")
    trainer.evaluate()  # a fresh sample and validation loss for the picture
    return _picture(trainer, args, out, spectra)


def _train(trainer: Trainer, steps: int, spectra: bool) -> tuple[SpectralPoint, ...]:
    """Train ``steps`` steps (until a divergence); with ``spectra``, the recurrent spectra at
    :data:`SPECTRA_POINTS` steps evenly apart, the first and the last included."""
    from rnnviz.train.inspection import SpectralProbe

    probe = SpectralProbe()
    every = max(1, steps // SPECTRA_POINTS)
    points = [probe(trainer)] if spectra else []
    for k in range(1, steps + 1):
        if trainer.step().diverged:
            break
        if spectra and (k % every == 0 or k == steps):
            points.append(probe(trainer))
    if spectra and points[-1].step != trainer.step_count:
        points.append(probe(trainer))  # the step the picture shows
    return tuple(points)


#: Rounds of event processing before the grab (see :func:`_settle`).
SETTLE_ROUNDS = 4


def _settle(app: QApplication) -> None:
    """Let the layouts catch up before the grab. A text that grows (the frame view's top-k table,
    set as its dock opens) asks for a new layout with an event posted while events are being
    processed, which one ``processEvents`` leaves for the next round: grabbed then, the text
    overlapped the unit row below it."""
    for _ in range(SETTLE_ROUNDS):
        app.processEvents()


def _picture(
    trainer: Trainer, args: argparse.Namespace, out: Path, spectra: tuple[SpectralPoint, ...]
) -> int:
    """Build the window around ``trainer`` at ``args.size``, grab it and write ``out``."""
    from rnnviz.app.application import make_app, release_windows
    from rnnviz.app.style import BIG_SCALE

    app = make_app(scale=BIG_SCALE if args.big else 1.0)
    picture = _grab(app, trainer, args, spectra)
    # Every name for the window or one of its widgets ended with _grab's frame, so all of it
    # goes now rather than in PyQt's exit clean-up (a name for the right column's tabs still
    # held here kept the whole window alive once the inspector had opened).
    release_windows()
    if isinstance(picture, str):
        print(f"rnnviz: error: {picture}", file=sys.stderr)
        return 2
    if not picture.save(str(out), "PNG"):
        print(f"rnnviz: error: could not write {out}", file=sys.stderr)
        return 2
    size = f"{picture.width()}x{picture.height()}"
    if args.panel != "window":
        size += f", the {args.panel} panel of a {args.size[0]}x{args.size[1]} window"
    elif (picture.width(), picture.height()) != tuple(args.size):
        size += f", the smallest the window allows for {args.size[0]}x{args.size[1]}"
    print(f"wrote {out} ({size}, step {trainer.step_count})")
    return 0


def _grab(
    app: QApplication,
    trainer: Trainer,
    args: argparse.Namespace,
    spectra: tuple[SpectralPoint, ...],
) -> QPixmap | str:
    """The panel ``args`` ask for, grabbed from a window built, shown and closed in here (or
    what is wrong with ``--t`` or ``--unit``). No name for the window or its widgets outlives
    this call: the caller frees the window once it has returned."""
    from rnnviz.app.main_window import MainWindow

    preset = None if args.checkpoint else args.preset or DEFAULT_PRESET
    window = MainWindow(trainer=trainer, preset=preset, start_worker=False)
    window.arrange_for(*args.size)  # the controls start hidden if the views need the room
    if args.controls != "auto":
        window.controls_dock.setVisible(args.controls == "show")
    window.show()
    app.processEvents()
    T = window.frame_bar.slider.maximum() + 1
    problem = _out_of_range(args, T, trainer.run.model.hidden)
    if problem:
        window.close()
        return problem
    shot = Shot(T // 2 if args.frame is None else args.frame, args.unit or 0, spectra)
    window.frame_bar.set_frame(shot.t)
    if args.unit is not None:
        window.frame_dock.view.unit.setValue(args.unit)
    tabs = window.right_column.tabs
    tabs.setCurrentIndex(max(0, min(args.tab - 1, tabs.count() - 1)))
    panel = PANELS[args.panel]
    if args.reveal:  # first: what a panel puts on itself must see what is hidden
        window.frame_dock.act_reveal_mode.setChecked(True)
    if panel.show is not None:
        panel.show(window, shot)
    _settle(app)
    pixmap = panel.widget(window).grab()
    window.close()
    return pixmap
