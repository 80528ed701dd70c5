"""Command-line parsing shared by every ``rnnviz`` subcommand: mistakes become one line, exit 2.

argparse prints the whole usage block and exits on a bad option; for a user that is noise. Here a
bad command line raises :class:`UsageError`, and :func:`run_command` prints it as
``rnnviz: error: <subcommand>: <message>`` and returns exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

PROG = "rnnviz"


class UsageError(Exception):
    """A bad command line; printed as one line."""


class ArgParser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of printing usage and exiting."""

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
