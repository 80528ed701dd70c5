"""Fixtures shared by tests in every folder."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_left_over(rounds: int = 3) -> None:
    """Delete the objects Qt was asked to delete later and collect the cycles left over.

    No event loop runs between tests, so the deletions are delivered here. Deleting a window
    makes PyQt let go of the closures connected to its signals only when the events that
    follow are processed, and only then are the window's cycles garbage: so this goes round
    until a collection finds nothing (a window took two rounds).
    """
    app = None
    if "PyQt6.QtCore" in sys.modules:
        from PyQt6.QtCore import QCoreApplication, QEvent

        app = QCoreApplication.instance()
    for _ in range(rounds):
        if app is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
            QCoreApplication.processEvents()
        if not gc.collect():
            return


#: Whether a GUI test of the current module froze what outlived its collection (below).
_froze_in_module = False


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After each GUI test (one with ``qtbot``), delete its closed widgets and collect at once.

    pytest-qt closes a test's widgets and asks Qt to delete them later, but no event loop runs
    between tests; and pyqtgraph's parentless menus (about 130 a window) sit in reference cycles
    until a collection. Left alive, thousands of widgets piled up over the suite, and every
    later theme change (apply_theme re-polishes every widget there is) and new window took
    longer in proportion. This runs after the whole test protocol, when pytest has let go of
    the test's arguments (a window fixture's value is held until then), so the test's own
    window goes now, not at the next collection.

    What outlives the collection is alive: modules, pytest's collected tests, the module's
    fixtures (some 80,000 objects). They are frozen (``gc.freeze``), so the next test's
    collection walks only what was made since: walking them all took about 0.1 s a test (on a
    loaded machine, 25 of the 89 s that tests/app/widgets took). After a module's last test
    (its fixtures torn down) they are unfrozen and collected, so nothing frozen outlives its
    module: a module-scoped fixture's window is collected then.

    Whatever unfreezes everything within the module (a window's collection policy does as its
    window is hidden) leaves the rest of the module to one collection of everything after each
    GUI test, as before: going round then would walk everything twice, and freezing after one
    round would freeze the window its connections let go of only after it.
    """
    global _froze_in_module
    result = yield
    gui = "qtbot" in item.fixturenames
    if nextitem is None or nextitem.path != item.path:  # the module's fixtures are gone
        if gui or _froze_in_module:
            gc.unfreeze()
            _free_left_over()
        _froze_in_module = False
    elif not gui:
        pass
    elif gc.get_freeze_count() or not _froze_in_module:
        _free_left_over()
        gc.freeze()
        _froze_in_module = True
    else:  # unfrozen since by someone else
        _free_left_over(rounds=1)
    return result


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
    gc.unfreeze()
    _free_left_over()


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
