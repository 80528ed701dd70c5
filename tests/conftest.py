"""Fixtures shared by tests in every folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in.

    Root ignores permission bits, so as root this is a folder of a pseudo file system that even
    root cannot add files to (/sys); the test is skipped where there is none.
    """
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o555)
        return folder
    folder = Path("/sys")
    probe = folder / "rnnviz-probe.npz"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError:
        return folder
    os.unlink(probe)  # pragma: no cover - a system where root can write there
    pytest.skip("no folder that this process cannot write to")
