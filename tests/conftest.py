"""Fixtures shared by tests in every folder."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """At the end of the session, free what the tests left behind while Qt is fully alive.

    Windows closed by the last tests are deleted (their deferred deletions delivered) and the
    reference cycles that hold their Python sides, with pyqtgraph's parentless menus, are
    collected now rather than left to PyQt's clean-up at interpreter exit, where deleting such
    objects segfaulted now and then (see ``rnnviz.app.application.release_windows``). A hook,
    not a session fixture: the last test's arguments are let go only after fixtures end.
    """
    if "rnnviz.app.teardown" in sys.modules:  # threads a closed window did not wait for
        sys.modules["rnnviz.app.teardown"].finish()
    if "PyQt6.QtCore" in sys.modules:
        from PyQt6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()


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
