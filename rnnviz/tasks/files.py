"""Reading files a user (or a checkpoint) names: regular files only, never more than a bound.

A path can name things that are not files of bytes: a FIFO (opening or reading it blocks until
some other process writes), a device (``/dev/zero`` never ends, a tape rewinds when closed), a
directory or a socket. Their ``st_size`` says nothing about what a read returns, and a regular
file may grow after it was measured. So :func:`open_regular`

1. refuses a path whose ``stat`` is not a regular file, before opening it (opening a device can
   have effects of its own),
2. opens it with ``O_NONBLOCK`` (a FIFO swapped in meanwhile cannot block the open),
3. checks the *opened* descriptor with ``fstat`` (what is read is what was checked),

and :func:`read_regular` reads at most ``limit`` bytes, plus one to notice a file that is larger
than it claimed. Every refusal is a :class:`RefusedFileError` whose message completes the sentence
"<path> ..." (e.g. "is a FIFO (named pipe), not a regular file"); callers add the path and the fix.

This is the one place that decides what may be read; the corpus reader and the checkpoint reader
both use it.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import BinaryIO

# Open flags: never block on a FIFO, never become the controlling terminal, never leak to children.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISREG, "a regular file"),
)


class RefusedFileError(ValueError):
    """A path that is not a regular file, or a file larger than the caller's bound.

    The message completes "<path> ..."; ``size`` is the file's size in bytes when it was refused
    for being too large (None otherwise).
    """

    def __init__(self, reason: str, size: int | None = None) -> None:
        super().__init__(reason)
        self.size = size


def file_kind(mode: int) -> str:
    """What an ``st_mode`` describes, for messages: "a folder", "a FIFO (named pipe)", ..."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _refuse_unless_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise RefusedFileError(f"is {file_kind(st.st_mode)}, not a regular file")


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[tuple[BinaryIO, os.stat_result]]:
    """Open a regular file for reading, without ever blocking on a FIFO or opening a device.

    Parameters
    ----------
    path : path-like

    Yields
    ------
    file : binary file object
        Open for reading (closed when the block ends).
    st : os.stat_result
        ``fstat`` of the opened descriptor.

    Raises
    ------
    RefusedFileError
        The path is a folder, FIFO, device, socket or anything but a regular file.
    OSError
        The path is missing or cannot be opened (FileNotFoundError, PermissionError, ...).
    """
    _refuse_unless_regular(os.stat(path))
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        _refuse_unless_regular(st)  # swapped for something else since the stat above
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        yield f, st


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes.

    The size is checked before reading (a huge file costs nothing) and again by the read itself,
    which asks for ``limit + 1`` bytes: a file that grew, or whose size was reported wrongly, is
    refused all the same, and memory never exceeds the bound.

    Raises
    ------
    RefusedFileError
        Not a regular file, or larger than ``limit`` (``size`` says how large, as far as known).
    OSError
        Missing or unreadable.
    """
    with open_regular(path) as (f, st):
        if st.st_size > limit:
            raise RefusedFileError(f"is larger than {limit} bytes", size=st.st_size)
        data = f.read(limit + 1)
    if len(data) > limit:
        raise RefusedFileError(f"is larger than {limit} bytes", size=max(len(data), st.st_size))
    return data
