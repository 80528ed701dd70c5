"""``rnnviz export``: a recording's (or a checkpoint's) numbers and pictures to files.

    rnnviz export run.rnnrec --format csv --what training --out steps.csv
    rnnviz export run.rnnrec --format csv --what frames --step 5000 --out frame.csv
    rnnviz export run.rnnrec --format csv --what frames --step all --out frames.csv

    rnnviz export run.rnnrec --format gif --what frames --out replay.gif   # heatmaps over training
    rnnviz export run.rnnrec --format png --what training --step 5000 --out loss.png

CSV is written here (:mod:`rnnviz.train.export_csv`; the numbers are the recorded ones, exactly).
Pictures (png, svg: one view at one step) and animations (gif, mp4: one picture per recorded
frame, the replay's timeline) are drawn offscreen by the window's own views
(:mod:`rnnviz.app.export_anim`); ``--panel`` picks the view (heatmaps for frames, the loss curves
for training by default), ``--size`` its size, ``--fps`` the animation's rate.

A checkpoint works too: ``--what training`` gives its bounded loss history, ``--what frames``
the frame of its weights. The output is written atomically and never replaces an existing file;
a long export shows its progress, and Ctrl-C cancels it without leaving a partial file.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from rnnviz.cliargs import ArgParser, UsageError, run_command

FORMATS = ("csv", "png", "svg", "gif", "mp4")
WHAT = ("frames", "training")
EXIT_CANCELLED = 130


def cli(argv: list[str]) -> int:
    """``rnnviz export``; 0 when written, 2 for a mistake, 130 when cancelled."""
    return run_command(_run, argv)


def _step(text: str) -> int | str:
    if text == "all":
        return text
    from rnnviz.cli import _nonneg_int

    return _nonneg_int(text)


def _size(text: str) -> tuple[int, int]:
    import argparse

    w, sep, h = text.lower().partition("x")
    if not (sep and w.isdigit() and h.isdigit() and 64 <= int(w) <= 8192 and 64 <= int(h) <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT with sides of 64 to 8192")
    return int(w), int(h)


def _fps(text: str) -> float:
    import argparse

    from rnnviz.cli import _positive_float

    value = _positive_float(text)
    if value > 60:
        raise argparse.ArgumentTypeError(f"{text!r} must be at most 60")
    return value


def _parser() -> ArgParser:
    ap = ArgParser(prog="rnnviz export", description=__doc__.splitlines()[0])
    ap.add_argument("run_file", type=Path, help="a recording (rnnviz record) or a checkpoint")
    ap.add_argument("--format", choices=FORMATS, default="csv")
    ap.add_argument("--what", choices=WHAT, default="training")
    ap.add_argument(
        "--step",
        type=_step,
        default=None,
        help="frames: the training step (the frame at or before it), or 'all'; default: the last",
    )
    ap.add_argument("--out", type=Path, required=True, help="the file to create")
    ap.add_argument(
        "--panel",
        choices=("heatmaps", "gradients", "loss", "samples"),
        help="png/svg/gif/mp4: the view drawn (default: heatmaps for frames, loss for training)",
    )
    ap.add_argument("--size", type=_size, default=(960, 540), help="png/gif/mp4: WIDTHxHEIGHT")
    ap.add_argument("--fps", type=_fps, default=4.0, help="gif/mp4: frames per second (<= 60)")
    ap.add_argument("--quiet", action="store_true", help="no progress bar")
    return ap


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.format != "csv":
        return _pictures(args)
    from rnnviz.train.safe_write import SaveError, write_atomic

    source = _open(args.run_file)
    try:
        _check(args, source)
    except UsageError:
        if hasattr(source, "close"):
            source.close()
        raise
    rows = []

    def write(f: BinaryIO) -> None:
        text = io.TextIOWrapper(f, encoding="utf-8", newline="")
        rows.append(_csv(source, args, text))
        text.flush()
        text.detach()  # the caller closes f

    try:
        write_atomic(args.out, write, lambda _: False, what="CSV file")
    except KeyboardInterrupt:
        print(f"rnnviz: export cancelled; {args.out} was not written", file=sys.stderr)
        return EXIT_CANCELLED
    except SaveError as exc:
        raise UsageError(str(exc)) from None
    finally:
        if hasattr(source, "close"):
            source.close()
    print(f"export: {args.out} ({rows[0]:,} rows)")
    return 0


def _check(args: Any, source: Any) -> None:
    """Refuse, before any work, what cannot be written: a name that does not end in the format's
    extension, a missing folder, a step after the recording's end, a recording damaged before
    its first step; note where a recording cut short ends (on standard error).
    """
    out = Path(args.out)
    if out.suffix.lower() != f".{args.format}":
        raise UsageError(f"--out {out}: a {args.format} file; give a name ending in .{args.format}")
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: folder {out.parent} does not exist")
    if isinstance(source, _Checkpoint):
        return
    if not len(source.records["step"]):
        damage = f" ({source.tail})" if source.tail else ""
        raise UsageError(f"{source.path}: the recording holds no training step{damage}")
    step = args.step if args.what == "frames" or args.format != "csv" else None
    if isinstance(step, int) and step > source.last_step:
        raise UsageError(f"--step {step}: the recording's steps go from 0 to {source.last_step:,}")
    if source.tail:
        print(
            f"rnnviz: note: {source.path}: {source.tail}: exported up to step {source.last_step}",
            file=sys.stderr,
        )


def _open(path: Path) -> Any:
    """A Recording, or for a checkpoint a RunModel-backed stand-in (see :class:`_Checkpoint`)."""
    from rnnviz.train.checkpoint import is_checkpoint_file
    from rnnviz.train.chunks import is_recording_file
    from rnnviz.train.recording import Recording, RecordingError

    if is_checkpoint_file(path):
        return _Checkpoint(path)
    try:
        return Recording(path)
    except RecordingError as exc:
        if path.is_file() and not is_recording_file(path):
            raise UsageError(f"{path}: neither an rnnviz recording nor a checkpoint") from None
        raise UsageError(str(exc)) from None


class _Checkpoint:
    """A checkpoint seen as a source of a history and one frame."""

    def __init__(self, path: Path) -> None:
        from rnnviz.train.runmodel import RunModel
        from rnnviz.train.trainer import Trainer

        self.trainer = Trainer.load(path)
        self.model = RunModel()
        self.model.ingest(self.trainer.update("stopped"))


def _csv(source: Any, args: Any, out: TextIO) -> int:
    """Write the CSV that ``args`` asks for to ``out``; returns its rows."""
    from tqdm import tqdm

    from rnnviz.train import export_csv

    if args.what == "training":
        if isinstance(source, _Checkpoint):
            return export_csv.write_history(source.model, out)
        return export_csv.write_training(source.records, source.evaluations, out)
    frames = _frames(source, args.step)
    with tqdm(
        total=len(frames), disable=args.quiet or len(frames) < 2, unit="frame", file=sys.stderr
    ) as bar:
        return export_csv.write_frames((get() for get in frames), out, lambda _: bar.update(1))


def _frames(source: Any, step: int | str | None) -> list[Any]:
    """Callables giving the frames asked for, in order (read one at a time)."""
    if isinstance(source, _Checkpoint):
        frame = source.model.newest_frame
        return [lambda: frame]
    if not source.frames:
        raise UsageError(f"{source.path}: the recording has no frame")
    if step == "all":
        return [lambda k=k: source.frame(k) for k in range(len(source.frames))]
    at = source.last_step if step is None else int(step)
    return [lambda: source.frame_at(at)]


def _pictures(args: Any) -> int:
    try:
        from rnnviz.app import export_anim
        from rnnviz.app.encoders import EncoderError
    except ImportError as exc:
        raise UsageError(
            f"--format {args.format} draws the window's views, which cannot start here ({exc})"
        ) from None
    from rnnviz.train.checkpoint import is_checkpoint_file
    from rnnviz.train.recording import Recording, RecordingError
    from rnnviz.train.safe_write import SaveError

    if args.step == "all":
        raise UsageError("--step all applies to csv; an animation shows every frame")
    if is_checkpoint_file(args.run_file):
        raise UsageError(
            f"{args.run_file} is a checkpoint: pictures and animations are drawn from a "
            "recording (rnnviz record); a checkpoint exports --format csv"
        )
    try:
        source = Recording(args.run_file)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
    with source:
        _check(args, source)
    try:
        return export_anim.export(
            args.run_file,
            args.format,
            args.out,
            args.what,
            args.step,
            args.panel,
            args.size,
            args.fps,
            args.quiet,
        )
    except (export_anim.AnimExportError, RecordingError, EncoderError, SaveError) as exc:
        raise UsageError(str(exc)) from None
