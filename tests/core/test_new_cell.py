"""Adding a cell is its file and one registry line: a cell written here, registered, works in the
engine, the gradient check, the trainer (frames, checkpoints), the command line and the
benchmark without any other change; and no code outside a cell's file and the registry names a
cell.

The test cell is a residual tanh cell, written as a cell's file would be:

    a_u = x_t W_xu + h_{t-1} W_hu + b_u;   u_t = tanh(a_u)     update
    h_t = h_{t-1} + u_t                                        hidden state (unbounded)

Backward, with dh_t = dL/dh_t: da_u = dh_t * (1 - u_t^2); dh_next = dh_t + da_u W_hu^T.
"""

from __future__ import annotations

import ast
import inspect
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from reference import reference_forward, reference_gradients

from rnnviz.config import (
    ConfigError,
    ModelConfig,
    OptimConfig,
    RunConfig,
    TaskConfig,
    TrainConfig,
)
from rnnviz.core import registry
from rnnviz.core._ops import Workspace
from rnnviz.core.cell import Cell, Diagram, DiagramNode
from rnnviz.core.model import Model
from rnnviz.core.types import StateSpec

ROOT = Path(__file__).resolve().parents[2] / "rnnviz"


class ResidualCell(Cell):
    """h_t = h_{t-1} + tanh(x_t W_xu + h_{t-1} W_hu + b_u)."""

    name = "resid"
    title = "Residual tanh"
    GATES = ("u",)
    STEP_FLOATS = 9
    specs = (
        StateSpec("h", "hidden state h", None, None, "the running sum of updates"),
        StateSpec("u", "update u", -1.0, 1.0, "what this step adds to h"),
    )
    diagram = Diagram(
        nodes=(
            DiagramNode("h_prev", "h_{t−1}", "", "input", (0, 0)),
            DiagramNode("x", "x_t", "", "input", (0, 1)),
            DiagramNode(
                "u", "u_t", "u_t = tanh(x_t·W_xu + h_{t−1}·W_hu + b_u)", "candidate", (1, 1), "a_u"
            ),
            DiagramNode("h", "h_t", "h_t = h_{t−1} + u_t", "output", (2, 0)),
        ),
        edges=(("x", "u"), ("h_prev", "u"), ("h_prev", "h"), ("u", "h")),
    )

    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        H, T, B = ax.shape
        hs = ws.empty((T + 1, H, B), ax.dtype)  # h_0..h_T
        us = ws.empty((T, H, B), ax.dtype)  # u_t
        hs[0] = state0["h"]
        for t in range(T):
            np.matmul(p["W_h"].T, hs[t], out=us[t])
            us[t] += ax[:, t]  # a_u
            np.tanh(us[t], out=us[t])  # u_t = tanh(a_u)
            np.add(hs[t], us[t], out=hs[t + 1])  # h_t = h_{t-1} + u_t
            for _, unit, value in clamps.get(t, ()):
                hs[t + 1][unit] = value
        return {"hs": hs, "us": us}

    def states(self, cache: dict) -> dict[str, np.ndarray]:
        return {
            "h": cache["hs"][1:].transpose(2, 0, 1),
            "u": cache["us"].transpose(2, 0, 1),
        }

    def final(self, cache: dict) -> dict[str, np.ndarray]:
        return {"h": cache["hs"][-1]}

    def backward(self, p, cache, dhy, dfinal, clamps, ws, last_only=False) -> dict:
        us = cache["us"]
        T, H, B = us.shape
        dhs = np.empty((T, H, B), us.dtype)
        das = np.empty((T, H, B), us.dtype)
        dh_next = np.array(dfinal["h"], dtype=us.dtype)  # (H, B)
        for t in range(T - 1, -1, -1):
            dhs[t] = dhy[t] + dh_next if (not last_only or t == T - 1) else dh_next
            for _, unit, _ in clamps.get(t, ()):
                dhs[t][unit] = 0.0
            das[t] = dhs[t] * (1.0 - us[t] * us[t])  # da_u
            dh_next = dhs[t] + p["W_h"] @ das[t]  # dh_t + da_u W_hu^T
        out = {"dstates": {"h": dhs}, "dstate0": {"h": dh_next}}
        if not last_only:
            out["dax"] = out["dah"] = das
        return out

    def step_reference(self, q, x_t, *prev):
        (h_prev,) = prev
        a_u = x_t @ q["W_xu"] + h_prev @ q["W_hu"] + q["b_u"]  # (B, H)
        u_t = np.tanh(a_u)  # (B, H)
        return {"x": x_t, "h_prev": h_prev, "a_u": a_u, "u": u_t, "h": h_prev + u_t}

    def backward_reference(self, q, step, d, weights=True):
        da_u = d["h"] * (1.0 - step["u"] ** 2)  # (B, H)
        grads = {"b_u": da_u.sum(axis=0)}
        if weights:
            grads.update(W_xu=step["x"].T @ da_u, W_hu=step["h_prev"].T @ da_u)
        return grads, {"h": d["h"] + da_u @ q["W_hu"].T}


CFG = ModelConfig(cell="resid", input_size=5, hidden=4, output_size=5, dtype="float64")


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one line adding a cell: its class in the registry."""
    monkeypatch.setitem(registry.CELLS, ResidualCell.name, ResidualCell)


def test_an_unregistered_cell_is_refused_with_the_choices() -> None:
    CFG.validate()  # config checks only the form of the name
    with pytest.raises(ConfigError, match=r"^model\.cell = 'resid': choose one of rnn, lstm, gru$"):
        Model(CFG, np.random.default_rng(0))
    with pytest.raises(ConfigError, match=r"^model\.cell = 'Tree!': expected a name"):
        ModelConfig(cell="Tree!").validate()


@pytest.mark.parametrize(
    ("cell", "nl", "message"),
    [
        ("lstm", "sigmoid", "model.nonlinearity = 'sigmoid' applies to the rnn cell only"),
        ("rnn", "relu", "model.nonlinearity = 'relu': choose one of tanh, sigmoid"),
        ("gru", "relu", "model.nonlinearity = 'relu': choose one of tanh"),
    ],
)
def test_a_nonlinearity_the_cell_does_not_take_is_refused(cell: str, nl: str, message: str) -> None:
    cfg = ModelConfig(cell=cell, nonlinearity=nl, input_size=3, hidden=2, output_size=3)
    with pytest.raises(ConfigError) as info:
        Model(cfg, np.random.default_rng(0))
    assert str(info.value) == message


def test_a_registered_cell_trains_and_matches_its_textbook_step(registered: None) -> None:
    from rnnviz.core.gradcheck import TOLERANCE, check_configs, check_label, gradcheck_model

    m = Model(CFG, np.random.default_rng(0))
    assert list(m.p) == ["W_x", "W_h", "b", "W_y", "b_y"]
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 5, size=(2, 6)), rng.integers(0, 5, size=(2, 6))
    state0 = {"h": rng.normal(size=(2, 4))}
    tr = m.forward(x, y, state0=state0)
    ref = reference_forward(m, x, state0)
    for name in ("h", "u"):
        want = np.stack([s[name] for s in ref], axis=1)  # (B, T, H)
        np.testing.assert_allclose(tr.states[name], want, rtol=1e-12)
    dfinal = {"h": rng.normal(size=(2, 4))}
    grads, flow = m.backward(tr, last=True, dfinal=dfinal)
    want, _, _ = reference_gradients(m, x, y, np.ones((2, 6)), state0, dfinal)
    for name, g in m.cell.unfuse(m.grad_views(grads)).items():
        np.testing.assert_allclose(g, want[name], rtol=1e-10, atol=1e-12)
    assert list(flow.flows) == ["h"] and flow.last.shape == (6,)
    rows = gradcheck_model(m, np.random.default_rng(2), length=4)
    assert max(r.rel_err for r in rows) < TOLERANCE
    assert {r.param for r in rows} == {"W_x", "W_h", "b", "W_y", "b_y", "h0"}
    assert "resid" in {check_label(c) for c in check_configs()}


def test_a_registered_cell_runs_in_the_trainer_checkpoint_cli_and_bench(
    registered: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from rnnviz.bench import engine
    from rnnviz.cli import build_parser
    from rnnviz.train.trainer import Trainer

    run = RunConfig(
        task=TaskConfig(name="echo", options={}),
        model=ModelConfig(cell="resid", hidden=6),
        optim=OptimConfig(name="adam", lr=0.01),
        train=TrainConfig(seq_len=8, batch=2, sample_every=3, eval_every=3),
    )
    t = Trainer(run)
    for _ in range(4):
        t.step()
    snap = t.frame()
    assert [s.name for s in snap.specs] == ["h", "u"] == list(snap.states)
    assert list(snap.flows) == ["h"] and snap.flow_last is not None
    assert np.isfinite(snap.flows["h"]).all()
    path = t.save(tmp_path / "resid.npz")
    back = Trainer.load(path)
    assert back.run.model.cell == "resid"
    np.testing.assert_array_equal(back.model.params, t.model.params)

    args = build_parser().parse_args(["train", "--cell", "resid"])
    assert args.cell == "resid"
    argv = ["--json", "--no-torch", "--cells", "resid", "--sizes", "3x1x2", "--budget", "0"]
    assert engine.cli([*argv, "--rounds", "1"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {(r["cell"], r["impl"]) for r in rows} == {("resid", "numpy"), ("resid", "tutorial")}


# ---------------------------------------------------------------------- nobody else names a cell
@dataclass(frozen=True)
class CellMarks:
    """What code that names a cell shows: the registered names (any case), the classes, the
    modules, the cell-specific parameter names (extra biases such as the GRU's b_hn)."""

    names: frozenset[str]
    classes: frozenset[str]
    modules: frozenset[str]
    params: frozenset[str]

    @classmethod
    def of(cls, cells: Iterable[type[Cell]]) -> CellMarks:
        cells = list(cells)
        return cls(
            frozenset(c.name.lower() for c in cells),
            frozenset(c.__name__ for c in cells),
            frozenset(c.__module__ for c in cells),
            frozenset(bias for c in cells for bias, _, _ in c.EXTRA_BIASES),
        )

    def text(self, value: str) -> bool:
        """A string that names a cell, its module or one of its own parameters."""
        return value.lower() in self.names or value in self.params or value in self.modules


def _imported(node: ast.ImportFrom, package: str) -> set[str]:
    """The modules and names ``node`` imports, made absolute (``from . import lstm`` in
    rnnviz.core -> rnnviz.core.lstm)."""
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        parts = parts[: len(parts) - node.level + 1]
        base = ".".join([*parts, base] if base else parts)
    return {base, *(f"{base}.{a.name}" for a in node.names)}


def _probes_a_cell(node: ast.Call) -> bool:
    """``hasattr(cell, "x")`` / ``getattr(self.cell, "x", None)``: asking a cell whether it has
    something instead of reading what the protocol declares."""
    func = node.func
    probe = isinstance(func, ast.Name) and func.id in ("hasattr", "getattr")
    if not probe or not node.args:
        return False
    if func.id == "getattr" and len(node.args) < 3:
        return False  # getattr(cell, name) without a default reads a declared attribute
    return "cell" in ast.unparse(node.args[0]).lower()


def cell_mentions(path: Path, marks: CellMarks, package: str = "rnnviz") -> list[str]:
    """Code (not docstrings) in ``path``, a module of ``package``, that names a cell: a string
    equal to a cell's name in any case, its module or a parameter only that cell has; its class;
    an import of its module or class; a probe of a cell with hasattr/getattr."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    found = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if marks.text(node.value) and id(node) not in docs:
                found.append(f"{where} {node.value!r}")
        elif isinstance(node, ast.Name) and node.id in marks.classes:
            found.append(f"{where} {node.id}")
        elif isinstance(node, ast.Attribute) and node.attr in marks.classes:
            found.append(f"{where} {node.attr}")
        elif isinstance(node, ast.ImportFrom):
            names = _imported(node, package) | {a.name for a in node.names}
            found += [f"{where} imports {m}" for m in sorted(names & marks.modules)]
            found += [f"{where} imports {c}" for c in sorted(names & marks.classes)]
        elif isinstance(node, ast.Import):
            found += [f"{where} imports {a.name}" for a in node.names if a.name in marks.modules]
        elif isinstance(node, ast.Call) and _probes_a_cell(node):
            found.append(f"{where} {ast.unparse(node)}")
    return found


def _package(path: Path) -> str:
    """The package a module of rnnviz belongs to ("rnnviz.core" for rnnviz/core/model.py)."""
    return ".".join(path.relative_to(ROOT.parent).parent.parts)


def test_no_code_outside_a_cells_file_and_the_registry_names_a_cell() -> None:
    cells = registry.CELLS.values()
    own = {Path(inspect.getfile(cls)).resolve() for cls in cells}  # a cell names itself
    own.add(Path(registry.__file__).resolve())
    marks = CellMarks.of(cells)
    default = f" {ModelConfig().cell!r}"  # the one cell config names: its default
    scanned, offenders = [], []
    for path in sorted(ROOT.rglob("*.py")):
        if path.resolve() in own:
            continue
        scanned.append(path.relative_to(ROOT).as_posix())
        found = cell_mentions(path, marks, _package(path))
        if path.name == "config.py" and [f for f in found if f.endswith(default)]:
            found.remove(next(f for f in found if f.endswith(default)))
        offenders += [f"{path.relative_to(ROOT)}: {f}" for f in found]
    assert offenders == []
    # the model, the training side, the window and its views are all read
    for module in ("core/model.py", "train/trainer.py", "app/main_window.py", "app/controls.py"):
        assert module in scanned
    assert any(m.startswith("app/widgets/") for m in scanned)
    assert "core/lstm.py" not in scanned


def test_the_scan_finds_a_cell_named_in_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        '"""Docstrings may say gru."""\n'
        "from rnnviz.core.lstm import LSTMCell\n"
        "import rnnviz.core.rnn\n"
        "def f(cell):\n"
        '    """lstm here is prose."""\n'
        '    return cell == "gru"\n',
        encoding="utf-8",
    )
    marks = CellMarks.of(registry.CELLS.values())
    assert cell_mentions(bad, marks) == [
        "bad.py:2 imports rnnviz.core.lstm",
        "bad.py:2 imports LSTMCell",
        "bad.py:3 imports rnnviz.core.rnn",
        "bad.py:6 'gru'",
    ]


def test_the_scan_finds_a_cell_named_in_other_ways(tmp_path: Path) -> None:
    """The forms the issue names (``cfg.cell == "lstm"``, ``"b_hn" in g``, ``hasattr(cell, ...)``)
    and the other ways a module can single a cell out."""
    bad = tmp_path / "model.py"
    bad.write_text(
        "from . import gru\n"
        "from rnnviz.core import lstm\n"
        "from rnnviz.core.registry import GRUCell\n"
        "import importlib\n"
        "def f(cfg, g, cell, registry):\n"
        '    if cfg.cell.upper() == "LSTM":\n'
        "        return 1\n"
        '    if "b_hn" in g:\n'
        "        return 2\n"
        '    if hasattr(cell, "dc_next") or getattr(self_cell(), "forget", None):\n'
        "        return 3\n"
        "    if isinstance(cell, registry.RNNCell):\n"
        "        return 4\n"
        '    return importlib.import_module("rnnviz.core.gru")\n',
        encoding="utf-8",
    )
    marks = CellMarks.of(registry.CELLS.values())
    assert cell_mentions(bad, marks, "rnnviz.core") == [
        "model.py:1 imports rnnviz.core.gru",
        "model.py:2 imports rnnviz.core.lstm",
        "model.py:3 imports GRUCell",
        "model.py:6 'LSTM'",
        "model.py:8 'b_hn'",
        "model.py:10 hasattr(cell, 'dc_next')",
        "model.py:10 getattr(self_cell(), 'forget', None)",
        "model.py:12 RNNCell",
        "model.py:14 'rnnviz.core.gru'",
    ]
    clean = tmp_path / "clean.py"
    clean.write_text(
        "from rnnviz.core.registry import make_cell\n"
        "def f(cfg, cell):\n"
        "    gate = cell.forget_gate\n"
        '    return make_cell(cfg), getattr(cell, "GATES"), gate, "rnnviz"\n',
        encoding="utf-8",
    )
    assert cell_mentions(clean, marks) == []
