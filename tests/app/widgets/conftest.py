"""Fixtures of the view tests: inspectors driven by a real trainer through a thread."""

from __future__ import annotations

import gc

import pytest
from PyQt6.QtWidgets import QApplication

from rnnviz.app.inspector import Inspector
from rnnviz.app.jobs import threaded_call
from rnnviz.train.runmodel import RunModel
from rnnviz.train.trainer import Trainer


@pytest.fixture
def inspectors(qtbot):
    """Makes inspectors; closes them and collects their cycles while Qt is fully alive.

    An inspector without a window has no Qt parent and sits in reference cycles (connected
    closures): left to the collector it may be freed in the middle of a later test's paint.
    """
    made: list[Inspector] = []

    def make(trainer: Trainer) -> tuple[Inspector, RunModel]:
        model = RunModel()
        model.ingest(trainer.update())
        ins = Inspector(model, threaded_call(trainer))
        ins.resize(1000, 700)
        ins.show()
        made.append(ins)
        return ins, model

    yield make
    for ins in made:
        ins.close()
    made.clear()
    QApplication.processEvents()
    gc.collect()
