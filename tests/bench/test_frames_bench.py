"""``rnnviz bench --frames`` prints a frame's size and save/load times and a record's cost (the
figures are not checked: they depend on the machine)."""

from __future__ import annotations

import json

from rnnviz.cli import main


def test_every_figure_is_printed(capsys) -> None:
    argv = ["bench", "--frames", "--json", "--repeats", "2", "--big-hidden", "16"]
    assert main([*argv, "--big-steps", "20", "--records", "300"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    default, big, records = rows
    assert default["frame"] == "default preset" and default["bytes"] > 0
    assert (big["T"], big["H"], big["cell"]) == (20, 16, "lstm")
    for row in (default, big):
        assert row["save_ms"] > 0 and row["load_ms"] > 0 and row["arrays"] >= 1
    assert records["records"]["steps"] == 300 and records["records"]["ingest_us"] > 0


def test_a_bad_option_is_one_line(capsys) -> None:
    assert main(["bench", "--frames", "--repeats", "0"]) == 2
    err = capsys.readouterr().err
    assert "--repeats" in err and len(err.strip().splitlines()) == 1
