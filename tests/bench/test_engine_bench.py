"""Smoke test of `rnnviz bench`: output format only, tiny sizes, never timing, never torch."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rnnviz.bench import engine
from rnnviz.bench.tutorial import TutorialNet

KEYS = {"cell", "hidden", "batch", "length", "dtype", "impl", "tokens_per_s"}


def test_json_lines(capsys) -> None:
    argv = ["--json", "--no-torch", "--sizes", "4x2x3", "--budget", "0.001", "--rounds", "1"]
    assert engine.cli(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert {(r["cell"], r["dtype"], r["impl"]) for r in rows} == {
        (c, d, i)
        for c in ("rnn", "lstm", "gru")
        for d, i in [("float32", "numpy"), ("float64", "numpy"), ("float64", "tutorial")]
    }
    for r in rows:
        assert set(r) >= KEYS
        assert (r["hidden"], r["batch"], r["length"]) == (4, 2, 3)
        assert r["tokens_per_s"] > 0
        if r["impl"] == "numpy" and r["dtype"] == "float64":
            assert r["vs_tutorial"] > 0


def test_table_output(capsys) -> None:
    argv = ["--quick", "--no-torch", "--sizes", "3x1x2", "--dtypes", "float32", "--budget", "0"]
    assert engine.cli(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("threads:")
    assert lines[1].split()[:6] == ["cell", "hidden", "batch", "length", "dtype", "impl"]
    assert [ln.split()[:6] for ln in lines[2:]] == [["lstm", "3", "1", "2", "float32", "numpy"]]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--sizes", "12x3"], "HIDDENxBATCHxLENGTH"),
        (["--sizes", "0x1x1"], "at least 1"),
        (["--cells", "lstm,tree"], "--cells 'tree'"),
        (["--dtypes", "float16"], "--dtypes 'float16'"),
        (["--threads", "0"], "--threads"),
        (["--budget", "soon"], "--budget"),
        (["--nope"], "unrecognized arguments: --nope"),
    ],
)
def test_argument_errors_are_one_line(capsys, argv: list[str], words: str) -> None:
    assert engine.cli(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("rnnviz: error: bench: ")
    assert words in err and "usage:" not in err


def test_tutorial_baseline_learns() -> None:
    for cell in ("rnn", "lstm", "gru"):
        net = TutorialNet(cell, 4, 8, np.random.default_rng(0))
        x = np.array([[0, 1, 2, 3, 0, 1, 2]])
        y = np.array([[1, 2, 3, 0, 1, 2, 3]])
        first = net.train_step(x, y, lr=0.05)
        for _ in range(60):
            last = net.train_step(x, y, lr=0.05)
        assert last < first / 4
