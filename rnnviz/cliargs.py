"""Command-line parsing shared by every ``rnnviz`` subcommand: mistakes become one line, exit 2.

argparse prints the whole usage block and exits on a bad option; for a user that is noise. Here a
bad command line raises :class:`UsageError`, and :func:`run_command` prints it as
``rnnviz: error: <subcommand>: <message>`` and returns exit status 2.

The window's options (which run it opens, at what size) are defined once, here, without Qt:
:func:`window_parser` parses ``rnnviz`` / ``rnnviz gui``, ``rnnviz screenshot`` takes the same
options through :func:`window_options`, and the top-level help prints :func:`window_usage`.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable

PROG = "rnnviz"


class UsageError(Exception):
    """A bad command line; printed as one line."""


# A value that starts like a negative number: -5, -.5, -5m, -1e3 (argparse itself only accepts
# plain -5 and -5.0 as values and takes anything else after a dash for an option).
_NEGATIVE = re.compile(r"-\.?\d")


class ArgParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing usage and exiting.

    An option that takes a value also takes a negative-looking one (``--time -5m``), so that the
    value's own check can say what is wrong ("must be a positive duration") instead of argparse's
    "expected one argument".
    """

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        if args is not None:
            args = self._attach_negative_values(list(args))
        return super().parse_known_args(args, namespace)

    def _attach_negative_values(self, args: list[str]) -> list[str]:
        """``["--time", "-5m"]`` -> ``["--time=-5m"]`` for options of this parser with one value."""
        out: list[str] = []
        for arg in args:
            action = self._option_string_actions.get(out[-1]) if out else None
            takes_one = action is not None and action.nargs is None and action.option_strings
            if takes_one and out[-1].startswith("--") and _NEGATIVE.match(arg):
                out[-1] = f"{out[-1]}={arg}"
            else:
                out.append(arg)
        return out

    def error(self, message: str) -> None:  # type: ignore[override]
        sub = self.prog.removeprefix(PROG).strip()
        raise UsageError(f"{sub}: {message}" if sub else message)


def run_command(run: Callable[[list[str]], int], argv: list[str]) -> int:
    """``run(argv)``, with a bad command line reported as one line and exit status 2."""
    try:
        return run(argv)
    except UsageError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2


# ---------------------------------------------------------------------- the window's options
WINDOW_PROG = f"{PROG} gui"


def window_options(run: bool = True) -> ArgParser:
    """The window's options, as a parent parser: ``[--preset NAME | --checkpoint PATH] [--run]
    [--big]``.

    Parameters
    ----------
    run : bool
        Include ``--run`` (start training at once); a command that trains by itself leaves it out.
    """
    p = ArgParser(prog=PROG, add_help=False)
    start = p.add_mutually_exclusive_group()
    start.add_argument(
        "--preset", metavar="NAME", help="start on a bundled preset (see `rnnviz presets`)"
    )
    start.add_argument("--checkpoint", metavar="PATH", help="continue a saved run (.npz)")
    if run:
        p.add_argument("--run", action="store_true", help="start training at once")
    p.add_argument(
        "--big", action="store_true", help="presentation size: larger text for a projector"
    )
    return p


def window_parser() -> ArgParser:
    """The parser of ``rnnviz gui`` (and of ``rnnviz`` without a command)."""
    return ArgParser(
        prog=WINDOW_PROG,
        description="Open the rnnviz window (`rnnviz` alone does the same).",
        parents=[window_options()],
    )


def window_usage() -> str:
    """The window's options in one line, as usage shows them: ``[--preset NAME | ...] [--big]``."""
    words = window_options().format_usage().split()  # usage: rnnviz [--preset NAME | ...] ...
    return " ".join(words[2:])
