"""``rnnviz bench --units`` prints every latency it promises (figures are not checked: they
depend on the machine)."""

from __future__ import annotations

import json

import pytest

from rnnviz.bench import units
from rnnviz.cli import main
from rnnviz.core import _ops


def test_every_row_for_every_cell(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(units, "H_PROBE", 8)
    monkeypatch.setattr(units, "T_PROBE", 6)
    monkeypatch.setattr(units, "TRACE_CHARS", 3000)
    monkeypatch.setattr(units, "H_SPECTRUM", 70)  # above the exact limit: the Krylov estimate
    assert main(["bench", "--units", "--json", "--quick", "--cells", "rnn,lstm"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    whats = {(r["cell"], r["what"]) for r in rows}
    for cell in ("rnn", "lstm"):
        assert (cell, "intervention: clamp h") in whats
        assert (cell, "intervention: edit input") in whats
        assert (cell, "trace 3,000 characters (h kept)") in whats
        assert (cell, "trace 3,000 characters (one unit of h kept: the unit card)") in whats
        assert (cell, "new frame: textbook steps + one step explained") in whats
        assert (cell, "cursor move: step/unit explained (steps kept)") in whats
    assert ("lstm", "intervention: force f") in whats
    assert all(r["ms"] > 0 for r in rows)
    traces = [r for r in rows if r["what"].startswith("trace ")]
    assert len(traces) == 4 and all(r["cpu_ms"] >= 0 for r in traces)
    assert {r["threads"] for r in traces} == {_ops.job_threads()}  # every core, as the window
    spectra = [r for r in rows if "rel_err_radius" in r]
    assert len(spectra) == 2 and all(r["rel_err_sigma_max"] < 1e-6 for r in spectra)
    argv = ["bench", "--units", "--json", "--quick", "--cells", "rnn", "--trace-threads", "1"]
    assert main(argv) == 0
    one = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {r["threads"] for r in one if r["what"].startswith("trace ")} == {1}


def test_bad_cell(capsys) -> None:
    assert main(["bench", "--units", "--cells", "tree"]) == 2
    assert "--cells 'tree': choose from" in capsys.readouterr().err
    assert main(["bench", "--units", "--trace-threads", "0"]) == 2
    assert "--trace-threads 0: give at least 1" in capsys.readouterr().err
