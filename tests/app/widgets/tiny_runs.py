"""Small trainers on the tiny corpus for the view tests, the closeup of one of them, and a cell
diagram laid out on a closeup.

Test modules in this folder ``from tiny_runs import tiny_trainer, tiny_closeup, diagram``
(pytest puts the folder of a test module on sys.path: there is no __init__.py).
"""

from __future__ import annotations

from functools import cache

from rnnviz.app.widgets.cell_diagram import CellDiagram
from rnnviz.config import ModelConfig, OptimConfig, RunConfig, TaskConfig, TrainConfig
from rnnviz.train.closeup import Closeup, closeup_of
from rnnviz.train.trainer import Trainer


def tiny_trainer(
    cell: str = "lstm", hidden: int = 8, steps: int = 30, seed: int = 0, lr: float = 0.01
) -> Trainer:
    """A ``cell`` of ``hidden`` units on the tiny corpus (8 steps × 2 streams), ``steps`` taken."""
    run = RunConfig(
        task=TaskConfig(name="text", options={"corpus": "tiny"}),
        model=ModelConfig(cell=cell, hidden=hidden),
        optim=OptimConfig(lr=lr),
        train=TrainConfig(seq_len=8, batch=2, seed=seed),
    )
    tr = Trainer(run.validate())
    for _ in range(steps):
        tr.step()
    return tr


@cache
def tiny_closeup(cell: str) -> Closeup:
    """The closeup after one step of a 6-unit ``cell`` (the same each call: read it, never
    change it)."""
    return closeup_of(tiny_trainer(cell, hidden=6, steps=1, lr=0.05))


def diagram(
    qtbot, c: Closeup | None, w: int, h: int, backward: bool = False, step: int = 3
) -> CellDiagram:
    """A ``w``×``h`` cell diagram (not shown) of closeup ``c`` at probe step ``step``."""
    d = CellDiagram()
    qtbot.addWidget(d)
    d.resize(w, h)
    d.set_closeup(c)
    d.set_backward(backward)
    d.set_step(step)
    return d
