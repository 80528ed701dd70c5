"""Only regular files are read, never beyond a bound, and nothing blocks on a FIFO or a device."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from rnnviz.tasks.files import RefusedFileError, open_regular, read_regular

# A call that blocks is a failure; this only bounds how long the test waits to see it.
WAIT_S = 60


def _returns(fn: Callable[[], object]) -> BaseException | object:
    """``fn()``'s result or exception; fails the test if it does not return (it blocked)."""
    box: list[object] = []

    def run() -> None:
        try:
            box.append(fn())
        except BaseException as exc:  # handed back to the test
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT_S)
    assert not thread.is_alive(), "the call blocked"
    return box[0]


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.txt"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    result = _returns(lambda: read_regular(fifo, 1000))
    assert isinstance(result, RefusedFileError)
    assert str(result) == "is a FIFO (named pipe), not a regular file"


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_is_refused(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    with pytest.raises(RefusedFileError, match="character device, not a regular file"):
        read_regular(device, 1000)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RefusedFileError, match="is a folder"):
        read_regular(tmp_path, 1000)


def test_a_file_above_the_bound_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(RefusedFileError) as info:
        read_regular(path, 100)
    assert info.value.size == 101
    assert read_regular(path, 101) == b"x" * 101


def test_the_read_is_bounded_even_when_the_size_is_wrong() -> None:
    status = Path("/proc/self/status")
    if not status.exists() or status.stat().st_size != 0:
        pytest.skip("needs a file whose reported size (0) is below its content, as in /proc")
    with pytest.raises(RefusedFileError) as info:
        read_regular(status, 10)  # st_size says 0; the read finds more than 10 bytes
    assert info.value.size is not None and info.value.size > 10


def test_open_regular_checks_the_opened_descriptor(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    with open_regular(path) as (f, st):
        assert f.read() == b"abc" and st.st_size == 3
    assert f.closed


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "nope", 10)
