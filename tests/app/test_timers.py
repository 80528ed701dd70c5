"""Every timer and delayed call has a context object: nothing fires into a deleted window."""

from __future__ import annotations

import ast
from pathlib import Path

from PyQt6.QtCore import QCoreApplication, QEvent, QObject

import rnnviz
from rnnviz.app.main_window import MainWindow
from rnnviz.app.timers import single_shot
from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig

SOURCE = Path(rnnviz.__file__).parent


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)]


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def test_no_timer_in_the_package_lacks_an_owner() -> None:
    """QTimer.singleShot(ms, fn) has no context in PyQt6; QTimer() without a parent is orphaned."""
    offenders = []
    for path in sorted(SOURCE.rglob("*.py")):
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            name = _name(call.func)
            orphan = name == "QTimer" and not call.args and not call.keywords
            if name == "singleShot" or orphan:
                offenders.append(f"{path.relative_to(SOURCE.parent)}:{call.lineno} {name}")
    assert offenders == []


def test_the_source_scan_would_see_an_offender() -> None:
    """The scan above recognises both forms it forbids (so it cannot pass vacuously)."""
    tree = ast.parse("QTimer.singleShot(0, lambda: None)\nt = QTimer()\nu = QTimer(self)\n")
    names = [_name(c.func) for c in _calls(tree)]
    assert names.count("singleShot") == 1
    orphans = [c for c in _calls(tree) if _name(c.func) == "QTimer" and not c.args]
    assert len(orphans) == 1


def test_single_shot_does_not_fire_after_its_owner_is_deleted(qtbot) -> None:
    owner = QObject()
    fired: list[int] = []
    single_shot(owner, 0, lambda: fired.append(1))
    owner.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    QCoreApplication.processEvents()
    QCoreApplication.processEvents()
    assert fired == []

    kept = QObject()
    single_shot(kept, 0, lambda: fired.append(2))
    qtbot.waitUntil(lambda: fired == [2], timeout=5000)


def test_closing_a_window_with_a_frame_half_drawn_raises_nothing(qtbot) -> None:
    run = RunConfig(
        task=TaskConfig(name="text", options={"corpus": "tiny"}),
        model=ModelConfig(cell="lstm", hidden=8),
        optim=OptimConfig(lr=0.01),
        train=TrainConfig(seq_len=8, batch=2),
    )
    w = MainWindow(run, confirm=lambda *_: True, start_worker=False)
    w.show()
    w.frames.mark()
    w.frames._tick()  # a part of a frame drawn: its pacing callback is queued after the paint
    w.close()
    w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    for _ in range(3):  # anything still queued runs now (pytest-qt fails on its exceptions)
        QCoreApplication.processEvents()
