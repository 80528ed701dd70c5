"""``rnnviz bench --units`` prints every latency it promises (figures are not checked: they
depend on the machine)."""

from __future__ import annotations

import json

import pytest

from rnnviz.bench import units
from rnnviz.cli import main


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
        assert (cell, "new frame: textbook steps + one step explained") in whats
        assert (cell, "cursor move: step/unit explained (steps kept)") in whats
    assert ("lstm", "intervention: force f") in whats
    assert all(r["ms"] > 0 for r in rows)
    assert all(r["cpu_ms"] >= 0 for r in rows if r["what"].startswith("trace "))
    spectra = [r for r in rows if "rel_err_radius" in r]
    assert len(spectra) == 2 and all(r["rel_err_sigma_max"] < 1e-6 for r in spectra)


def test_bad_cell(capsys) -> None:
    assert main(["bench", "--units", "--cells", "tree"]) == 2
    assert "--cells 'tree': choose from" in capsys.readouterr().err
