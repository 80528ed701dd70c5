"""Test infrastructure: a widget handed to qtbot is not garbage before pytest-qt closes it."""

from __future__ import annotations

import gc
import weakref

from PyQt6.QtWidgets import QWidget


def test_a_widget_given_to_qtbot_lives_until_it_is_closed(qtbot) -> None:
    """Dropped by its test while shown, it could be collected in the middle of a paint."""
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    ref = weakref.ref(w)
    del w
    gc.collect()
    alive = ref()
    assert alive is not None and alive.isVisible()
