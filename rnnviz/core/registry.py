"""The cells the engine knows: the one list of them, one line per cell.

Everything else asks here: the model builds its cell with :func:`make_cell`, the command line
and the window list :func:`cell_names`, the benchmarks and the gradient check iterate
:data:`CELLS`. ``ModelConfig`` (which may not import the engine) checks only the form of a cell's
name; an unknown name or a nonlinearity the cell does not take is refused here, with a
:class:`ConfigError` that lists the choices.
"""

from __future__ import annotations

from rnnviz.config import ConfigError, ModelConfig, shown
from rnnviz.core.cell import Cell
from rnnviz.core.gru import GRUCell
from rnnviz.core.lstm import LSTMCell
from rnnviz.core.rnn import RNNCell

#: name -> cell class, in the order people see them (command-line choices, the window's list).
CELLS: dict[str, type[Cell]] = {
    RNNCell.name: RNNCell,
    LSTMCell.name: LSTMCell,
    GRUCell.name: GRUCell,
}


def cell_names() -> tuple[str, ...]:
    """Every registered cell's name."""
    return tuple(CELLS)


def cell_class(name: object) -> type[Cell]:
    """The class of the cell called ``name``.

    Raises
    ------
    ConfigError
        "model.cell = 'tree': choose one of rnn, lstm, gru".
    """
    cls = CELLS.get(name) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"model.cell = {shown(name)}: choose one of {', '.join(CELLS)}")
    return cls


def nonlinearities() -> tuple[str, ...]:
    """Every nonlinearity some cell takes (command-line choices)."""
    return tuple(dict.fromkeys(nl for cls in CELLS.values() for nl in cls.nonlinearities))


def check_cell(cfg: ModelConfig) -> type[Cell]:
    """``cfg``'s cell class, after checking that the cell exists and takes ``cfg.nonlinearity``.

    Raises
    ------
    ConfigError
        Unknown cell, or a nonlinearity it does not take ("model.nonlinearity = 'sigmoid'
        applies to the rnn cell only").
    """
    cls = cell_class(cfg.cell)
    nl = cfg.nonlinearity
    if nl not in cls.nonlinearities:
        takers = [name for name, c in CELLS.items() if nl in c.nonlinearities]
        if takers:
            raise ConfigError(f"model.nonlinearity = {shown(nl)} applies to {_only(takers)}")
        raise ConfigError(
            f"model.nonlinearity = {shown(nl)}: choose one of {', '.join(cls.nonlinearities)}"
        )
    return cls


def _only(names: list[str] | tuple[str, ...]) -> str:
    """ "the lstm cell only", "the rnn and gru cells only"."""
    return f"the {' and '.join(names)} cell{'s' if len(names) > 1 else ''} only"


def forget_gate_cells() -> tuple[str, ...]:
    """The cells with a forget gate (``Cell.forget_gate``), whose bias ``forget_bias`` sets."""
    return tuple(name for name, cls in CELLS.items() if cls.forget_gate is not None)


def forget_bias_use() -> str:
    """Where a forget-gate bias applies, for help texts: "the lstm cell only"."""
    return _only(forget_gate_cells())


def check_forget_bias(cfg: ModelConfig) -> None:
    """Refuse a forget-gate bias asked for explicitly for a cell that has no forget gate.

    ``ModelConfig.forget_bias`` always has a value (the default, or a preset's for any cell) and a
    cell without a forget gate ignores it; this is for a value the user gave, which would
    otherwise change nothing without a word.

    Raises
    ------
    ConfigError
        "model.forget_bias = 3.0 applies to the lstm cell only (gru has no forget gate)".
    """
    if check_cell(cfg).forget_gate is None:
        raise ConfigError(
            f"model.forget_bias = {shown(cfg.forget_bias)} applies to {forget_bias_use()} "
            f"({cfg.cell} has no forget gate)"
        )


def make_cell(cfg: ModelConfig) -> Cell:
    """The cell a model configuration names, with H = ``cfg.hidden`` (see :func:`check_cell`)."""
    return check_cell(cfg).build(cfg.hidden, cfg.nonlinearity)


def fit_nonlinearity(cell: str, nonlinearity: str) -> str:
    """``nonlinearity`` if ``cell`` takes it, else the cell's default (switching cells keeps a
    valid configuration: a sigmoid RNN switched to another cell becomes tanh)."""
    taken = cell_class(cell).nonlinearities
    return nonlinearity if nonlinearity in taken else taken[0]
