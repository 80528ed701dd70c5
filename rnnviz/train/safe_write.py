"""Writing a file the user named without ever losing what was there.

Rules (each refusal is a :class:`SaveError` whose one-line message names the user's path):

- The target is a new name in an existing folder we can create files in, or an existing regular
  file that the caller may replace (``replaceable(path)``, e.g. "is an rnnviz checkpoint"; an
  empty file is always replaceable: nothing is lost). A device, FIFO, socket or folder is refused,
  and so is any other existing file (a text, an image, the corpus being trained on: ``protect``).
- A symbolic link is written *through*: the file it points to is replaced and the link stays (the
  rules apply to that file). :attr:`Target.shown` says so ("latest.npz -> runs/3.npz").
- A read-only file (no write permission for its owner, or none for us) is refused, even for root.
- The new file keeps the permission bits (and, where allowed, owner and group) of the file it
  replaces. A new file gets ``0o666`` less the umask, applied by the kernel when the temporary
  file is created: the process-wide umask is never read by changing it (that would race with
  other threads creating files).
- The bytes go to a temporary file ``.NAME.<pid>.<8 hex>.tmp`` next to the target, are flushed and
  synced to disk, then renamed over the target (atomic: a reader sees the old file or the new
  one). Any exception, including KeyboardInterrupt, removes the temporary file. A process killed
  outright cannot clean up, so temporary files of this naming whose process is gone are removed
  by the next check or write of the same target.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from rnnviz.tasks.files import file_kind

# Create flags of the temporary file: a new file, never through a link, not inherited by children.
_CREATE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class SaveError(OSError):
    """A file cannot be saved where the user asked (one-line message naming the path)."""


@dataclass(frozen=True)
class Target:
    """Where a save goes, as checked.

    Attributes
    ----------
    path : Path
        As the user gave it.
    real : Path
        Where the bytes go: ``path``, or the file a symbolic link ``path`` points to.
    mode : int or None
        Permission bits of the existing file (kept), None for a new file.
    owner : tuple[int, int] or None
        (uid, gid) of the existing file (kept where the system allows), None for a new file.
    """

    path: Path
    real: Path
    mode: int | None
    owner: tuple[int, int] | None

    @property
    def shown(self) -> str:
        """The path for messages: "x.npz", or "x.npz -> /real/file.npz" through a link."""
        return str(self.path) if self.real == self.path else f"{self.path} -> {self.real}"


def _temp_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(name)}\.(\d+)\.[0-9a-f]{{8}}\.tmp")


def _temp_name(name: str) -> str:
    return f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours: another thread may be writing it right now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, owned by someone else (or the check is not allowed)
        return False
    return False


def remove_stale_temps(real: Path) -> list[Path]:
    """Remove the temporary files of our naming next to ``real`` whose process is gone.

    Returns
    -------
    list of Path
        What was removed (nothing that a live process may still be writing).
    """
    pattern = _temp_pattern(real.name)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if not match or not _process_gone(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def _same_file(path: str | os.PathLike[str], st: os.stat_result) -> bool:
    try:
        return os.path.samestat(os.stat(path), st)
    except OSError:  # gone: it cannot be the same file
        return False


def check_target(
    path: str | os.PathLike[str],
    replaceable: Callable[[Path], bool],
    protect: Iterable[str | os.PathLike[str]] = (),
    what: str = "file",
    probe: bool = True,
) -> Target:
    """Decide whether ``path`` may be written (see the module rules), without writing it.

    Parameters
    ----------
    path : path-like
        The user's target.
    replaceable : callable
        ``replaceable(real_path)`` for an existing non-empty regular file: whether it is of the
        kind being saved (e.g. an rnnviz checkpoint) and may be replaced.
    protect : iterable of path-like
        Files that must never be replaced (e.g. the corpus being trained on).
    what : str
        Noun for messages ("checkpoint").
    probe : bool
        Also create and remove a temporary file next to the target, so that a folder we cannot
        write to is reported now (before a long run), not when saving.

    Raises
    ------
    SaveError
        One line naming ``path`` and the reason.
    """
    user = Path(path)

    def refuse(reason: str) -> SaveError:
        return SaveError(f"cannot save {what} {user}: {reason}")

    real = Path(os.path.realpath(user)) if user.is_symlink() else user
    shown = "" if real == user else f" (the link points to {real})"
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise refuse(f"{exc.strerror or exc}{shown}") from None
    folder = real.parent
    if st is None:
        if not folder.is_dir():
            raise refuse(f"folder {folder} does not exist{shown}")
        target = Target(path=user, real=real, mode=None, owner=None)
    else:
        if not stat.S_ISREG(st.st_mode):
            kind = file_kind(st.st_mode)
            fix = "a file name such as run.npz" if stat.S_ISDIR(st.st_mode) else "a new file name"
            raise refuse(f"it is {kind}{shown}, not a regular file; give {fix}")
        if any(_same_file(other, st) for other in protect):
            raise refuse(f"it is the corpus being trained on{shown}; choose another name")
        if not (st.st_mode & stat.S_IWUSR) or not os.access(real, os.W_OK):
            raise refuse(
                f"the file is read-only (mode {stat.S_IMODE(st.st_mode):04o}){shown}; make it "
                "writable (chmod u+w) or choose another name"
            )
        if st.st_size > 0 and not replaceable(real):
            raise refuse(
                f"the file exists and is not an rnnviz {what}{shown}; choose another name or "
                "move the file away first"
            )
        target = Target(
            path=user, real=real, mode=stat.S_IMODE(st.st_mode), owner=(st.st_uid, st.st_gid)
        )
    remove_stale_temps(real)
    if probe:
        tmp = folder / _temp_name(real.name)
        try:
            os.close(os.open(tmp, _CREATE, 0o600))
        except OSError as exc:
            raise refuse(
                f"cannot create files in folder {folder} ({exc.strerror or exc}){shown}"
            ) from None
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return target


def write_atomic(
    path: str | os.PathLike[str],
    write: Callable[[BinaryIO], None],
    replaceable: Callable[[Path], bool],
    protect: Iterable[str | os.PathLike[str]] = (),
    what: str = "file",
    exclusive: bool = False,
) -> Target:
    """Write a file atomically under the module's rules.

    Parameters
    ----------
    path : path-like
        The user's target.
    write : callable
        ``write(f)`` writes the content to the binary file ``f``.
    replaceable, protect, what
        As for :func:`check_target` (checked again now: the target may have changed).
    exclusive : bool
        Never replace anything: if ``path`` exists (even if it appeared while writing), raise
        FileExistsError and leave it alone.

    Returns
    -------
    Target
        Where the bytes went.

    Raises
    ------
    SaveError
        Refused, or the write failed (disk full, ...): the message names ``path``; the previous
        file, if any, is untouched and no temporary file is left.
    FileExistsError
        ``exclusive`` and the path exists.
    """
    if exclusive and os.path.lexists(path):
        raise FileExistsError(path)
    target = check_target(path, replaceable, protect, what, probe=False)
    real = target.real
    tmp = real.parent / _temp_name(real.name)
    try:
        try:
            fd = os.open(tmp, _CREATE, 0o666)  # the kernel applies the umask
        except OSError as exc:
            raise SaveError(
                f"cannot save {what} {target.path}: cannot create files in folder "
                f"{real.parent} ({exc.strerror or exc})"
            ) from None
        try:
            with os.fdopen(fd, "wb") as f:
                if target.mode is not None:
                    _keep_mode(f.fileno(), target)
                write(f)
                f.flush()
                os.fsync(f.fileno())
            if exclusive:
                _link_new(tmp, real)
            else:
                os.replace(tmp, real)
        except (SaveError, FileExistsError):
            raise
        except OSError as exc:
            raise SaveError(
                f"cannot save {what} {target.path}: {exc.strerror or exc}; "
                "the previous file (if any) is unchanged"
            ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(real.parent)
    return target


def _keep_mode(fd: int, target: Target) -> None:
    """Give the open temporary file the permission bits (and owner) of the file it replaces."""
    assert target.mode is not None
    os.fchmod(fd, target.mode)
    if target.owner is not None and hasattr(os, "fchown"):
        st = os.fstat(fd)
        if (st.st_uid, st.st_gid) != target.owner:
            with contextlib.suppress(OSError):  # only root may give a file away
                os.fchown(fd, *target.owner)
            os.fchmod(fd, target.mode)  # chown clears set-id bits


def _link_new(tmp: Path, real: Path) -> None:
    """Rename ``tmp`` to ``real`` only if ``real`` does not exist (FileExistsError otherwise)."""
    try:
        os.link(tmp, real)  # fails if real exists: no check-then-rename race
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.lexists(real):
            raise FileExistsError(real) from None
        os.replace(tmp, real)
        return
    os.unlink(tmp)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (best effort: not every system can sync a folder)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
