"""GUI tests run offscreen; shared fixtures for the views.

``snapshots.py`` next to this file makes synthetic Snapshots (LSTM, GRU, RNN; any T and H).
Test modules under tests/app can ``from snapshots import SnapshotStream, make_snapshot``
(pytest puts this folder on sys.path because it holds a conftest.py and no __init__.py),
or use the ``snapshot_stream`` fixture.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication
from snapshots import SnapshotStream


@pytest.fixture(autouse=True)
def own_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every test gets an empty settings folder of its own: the user's settings stay untouched.

    rnnviz keeps its settings in INI format (rnnviz.app.settings.store); the folder Qt puts
    that file in is redirected here for this process, and XDG_CONFIG_HOME for child processes.
    """
    from PyQt6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    old = os.environ.get("XDG_CONFIG_HOME")
    os.environ["XDG_CONFIG_HOME"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("XDG_CONFIG_HOME", None)
    else:
        os.environ["XDG_CONFIG_HOME"] = old


@pytest.fixture(autouse=True)
def widgets_live_until_closed(request: pytest.FixtureRequest) -> Iterator[list[object]]:
    """Every widget given to ``qtbot.addWidget`` lives until pytest-qt has closed it.

    pytest-qt keeps only a weak reference, and processes events after the test function
    returns, before it closes the widgets. A shown top-level widget that its test no longer
    references is then garbage: Python owns it, and the cycle collector could delete it (the
    C++ side included) in the middle of painting it, an allocation in a paint handler being
    enough to start a collection — the process died with a segmentation fault
    ("wrapped C/C++ object of type LegibleAxis has been deleted", "Cannot destroy paint device
    that is being painted"). Closed first, a widget is no longer painted when it goes; after
    the test its widgets are deleted and collected at once (``pytest_runtest_protocol`` in
    tests/conftest.py).
    """
    kept: list[object] = []
    if "qtbot" not in request.fixturenames:
        yield kept
        return
    qtbot = request.getfixturevalue("qtbot")
    add = qtbot.addWidget

    def add_and_keep(widget: object, **kwargs: object) -> None:
        kept.append(widget)
        add(widget, **kwargs)

    qtbot.addWidget = add_and_keep
    yield kept  # pytest-qt closes the widgets before fixtures are torn down
    kept.clear()  # deleted and collected after the test: tests/conftest.py


@pytest.fixture
def tiny_window(qtbot):
    """A shown window on a tiny text run whose questions a ``Confirm`` answers (yes)."""
    from test_main_window import WAIT_MS, Confirm, tiny_run

    from rnnviz.app.main_window import MainWindow

    w = MainWindow(tiny_run(), confirm=Confirm())
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.last_status is not None, timeout=WAIT_MS)
    return w


@pytest.fixture
def inspectors(qtbot):
    """Makes inspectors driven by a real trainer through a thread; closes them and collects
    their cycles while Qt is fully alive.

    ``inspectors(trainer)`` -> (a shown 1000×700 Inspector, its RunModel, given the trainer's
    update); ``show=False`` leaves it hidden, as when its dock is closed. An inspector without a
    window has no Qt parent and sits in reference cycles (connected closures): left to the
    collector it may be freed in the middle of a later test's paint.
    """
    from rnnviz.app.inspector import Inspector
    from rnnviz.app.jobs import threaded_call
    from rnnviz.train.runmodel import RunModel

    made = []

    def make(trainer, show: bool = True):
        model = RunModel()
        model.ingest(trainer.update())
        ins = Inspector(model, threaded_call(trainer))
        ins.resize(1000, 700)
        if show:
            ins.show()
        made.append(ins)
        return ins, model

    yield make
    for ins in made:
        ins.close()
    made.clear()
    QApplication.processEvents()
    gc.collect()


@pytest.fixture
def snapshot_stream() -> Callable[..., SnapshotStream]:
    """Factory: ``snapshot_stream("gru", T=20, H=16)`` -> a fresh SnapshotStream."""
    return SnapshotStream


# The offscreen platform warns "This plugin does not support propagateSizeHints()" whenever a
# top-level widget is shown (and "... raise()" when one is raised: a floating dock); it says
# nothing about our code, so GUI tests ignore exactly these.
OFFSCREEN_NOISE = r"This plugin does not support (propagateSizeHints|raise)\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen plugin's size-hint warning in every test under tests/app."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))
