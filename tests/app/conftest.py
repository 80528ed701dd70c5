"""GUI tests run offscreen; shared fixtures for the views.

``snapshots.py`` next to this file makes synthetic Snapshots (LSTM, GRU, RNN; any T and H).
Test modules under tests/app can ``from snapshots import SnapshotStream, make_snapshot``
(pytest puts this folder on sys.path because it holds a conftest.py and no __init__.py),
or use the ``snapshot_stream`` fixture.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable

import pytest
from snapshots import SnapshotStream


@pytest.fixture
def snapshot_stream() -> Callable[..., SnapshotStream]:
    """Factory: ``snapshot_stream("gru", T=20, H=16)`` -> a fresh SnapshotStream."""
    return SnapshotStream


# The offscreen platform warns "This plugin does not support propagateSizeHints()" whenever a
# top-level widget is shown; it says nothing about our code, so GUI tests ignore exactly it.
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Ignore the offscreen plugin's size-hint warning in every test under tests/app."""
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))
