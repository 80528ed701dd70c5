"""``rnnviz`` / ``rnnviz gui``: open the main window from the command line.

The window opens on ``--checkpoint`` or ``--preset`` if given, else on the run remembered from
last time, else on the default preset; with the geometry and docks of last time when they still
fit the screen. A command-line mistake is one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from PyQt6.QtCore import Qt

from rnnviz.app.main_window import MainWindow
from rnnviz.app.recent import RecentFiles
from rnnviz.app.settings import Settings
from rnnviz.app.style import BIG_SCALE
from rnnviz.app.worker import user_errors


def first_window(args: argparse.Namespace, settings: Settings) -> MainWindow:
    """The window ``rnnviz gui`` opens: on --checkpoint or --preset if given, else on the run
    remembered from last time, else (none, or it cannot be built any more) the default preset."""
    keep = {"settings": settings, "remember": True}
    if args.checkpoint:
        from rnnviz.train.trainer import Trainer

        trainer = Trainer.load(args.checkpoint)
        RecentFiles(settings).add("checkpoint", args.checkpoint)
        return MainWindow(trainer=trainer, **keep)
    if args.preset:
        from rnnviz.presets import load_preset

        return MainWindow(load_preset(args.preset), preset=args.preset, **keep)
    last = settings.last_run()
    if last is not None:
        try:
            return MainWindow(last.run, preset=last.preset, **keep)
        except (*user_errors(), KeyError, OSError, MemoryError):
            pass  # remembering is a convenience: start on the default instead
    return MainWindow(**keep)


def launch(argv: list[str] | None = None) -> int:
    """Open the window; returns the exit code.

    Parameters
    ----------
    argv : list of str
        Arguments after the program name, as :func:`rnnviz.cliargs.window_parser` reads them.
    """
    args = _arguments(argv)
    if isinstance(args, int):
        return args
    from rnnviz.app.application import make_app, release_windows
    from rnnviz.app.display import display_problem

    problem = display_problem()
    if problem is not None:
        print(f"rnnviz: error: {problem}", file=sys.stderr)
        return 2
    app = make_app(scale=BIG_SCALE if args.big else 1.0, quiet=False)
    settings = Settings()
    try:
        window = first_window(args, settings)
    except (*user_errors(), KeyError, FileNotFoundError) as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
    restored = settings.restore_window(window)  # geometry and docks as last time, if usable
    if not restored and window.start_maximized:  # the window manager fits it on a small screen
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    window.show()
    if args.run:
        window.run()
    code = int(app.exec())
    del window
    release_windows()  # now, not in PyQt's exit clean-up
    return code


def _arguments(argv: list[str] | None) -> argparse.Namespace | int:
    """The window's options, or the exit code when there is nothing to open (--help, a
    mistake: said in one line)."""
    from rnnviz.cliargs import UsageError, window_parser

    try:
        return window_parser().parse_args(argv if argv is not None else [])
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except UsageError as exc:
        print(f"rnnviz: error: {exc}", file=sys.stderr)
        return 2
