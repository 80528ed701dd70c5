"""Comparison presets and ``rnnviz compare`` / ``rnnviz bench --compare``."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest

import rnnviz.presets as presets
from rnnviz.cli import main
from rnnviz.config import ConfigError
from rnnviz.presets import compare_names, list_compares, load_compare, load_preset, merged
from rnnviz.train.compare import Comparison


def test_race_cells_and_clipping_exist_with_one_line_descriptions() -> None:
    listed = dict(list_compares())
    assert {"race", "cells", "clipping", "learning-rates"} <= set(listed)
    assert list(listed) == compare_names()
    for name, description in listed.items():
        assert 20 < len(description) < 200 and "\n" not in description, name
    assert "race" not in presets.preset_names()  # not a single-run preset


@pytest.mark.parametrize("name", ["race", "cells", "clipping", "learning-rates"])
def test_every_comparison_preset_is_a_valid_comparison(name: str) -> None:
    specs = load_compare(name)
    assert 2 <= len(specs) <= 4
    raw = json.loads((files("rnnviz.assets") / "presets" / "compare" / f"{name}.json").read_text())
    base = load_preset(raw["base"])
    for spec in specs:  # only what the preset changes differs from its base
        assert spec.run.task == base.task
        assert spec.run.train.seed == base.train.seed
    runs = [s.run for s in specs]
    assert all(a != b for i, a in enumerate(runs) for b in runs[i + 1 :])  # no two runs alike


def test_the_presets_compare_what_their_names_say() -> None:
    race = load_compare("race")
    assert [s.run.optim.name for s in race] == ["sgd", "adagrad", "rmsprop", "adam"]
    assert len({s.run.model for s in race}) == 1  # one model: the weights can be shared
    cells = load_compare("cells")
    assert [s.run.model.cell for s in cells] == ["rnn", "lstm", "gru"]
    clipping = load_compare("clipping")
    assert [s.run.optim.clip_norm for s in clipping] == [1.0, None]
    assert len({s.run.optim.lr for s in clipping}) == 1
    rates = load_compare("learning-rates")
    assert [s.run.optim.lr for s in rates] == [0.01, 0.001]


def test_merge_replaces_values_and_merges_objects() -> None:
    base = {"task": {"name": "text", "options": {"corpus": "pydoc", "lower": False}}, "x": 1}
    out = merged(base, {"task": {"options": {"lower": True}}, "x": 2}, "changes")
    assert out == {"task": {"name": "text", "options": {"corpus": "pydoc", "lower": True}}, "x": 2}
    assert base["task"]["options"]["lower"] is False  # the base is not changed
    with pytest.raises(ConfigError, match=r"changes = \[1\]: expected an object"):
        merged(base, [1], "changes")  # type: ignore[arg-type]


def _folder_with(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object) -> None:
    (tmp_path / "bad.json").write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(presets, "_compare_folder", lambda: tmp_path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([1, 2], "expected a JSON object"),
        ({"base": "default"}, "expected an object with 'description', 'base' and 'runs'"),
        ({"base": "nope", "runs": []}, "preset 'nope' does not exist"),
        ({"base": "echo", "runs": [{"label": "a"}]}, "2 to 4 runs, not 1"),
        (
            {"base": "echo", "runs": [{"label": "a"}, {"label": "b", "changes": {"model": 3}}]},
            r"runs\[1\] \(b\): ModelConfig: expected a JSON object, got 3",
        ),
        (
            {
                "base": "echo",
                "runs": [{"label": "a"}, {"label": "b", "changes": {"train": {"batch": 4}}}],
            },
            "run 'b' has train.batch = 4",
        ),
        (
            {
                "base": "echo",
                "runs": [{"label": "a"}, {"label": "b", "changes": {"optim": {"x": 1}}}],
            },
            r"runs\[1\] \(b\): OptimConfig: unknown field\(s\) x",
        ),
        (
            {"base": "echo", "runs": [{"label": "a"}, {"changes": {}}]},
            r"runs\[1\]: expected an object with 'label'",
        ),
    ],
)
def test_a_bad_comparison_preset_gets_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: object, message: str
) -> None:
    _folder_with(tmp_path, monkeypatch, data)
    with pytest.raises(ConfigError, match=message) as info:
        load_compare("bad")
    assert "\n" not in str(info.value)


def test_unknown_comparison_preset_lists_the_others() -> None:
    with pytest.raises(ConfigError, match="'nope' does not exist; choose one of cells, clipping"):
        load_compare("nope")


def test_the_race_preset_trains_from_one_set_of_weights() -> None:
    c = Comparison(load_compare("race"))
    assert c.weights_from == (0, 0, 0, 0)
    losses = [r.loss for r in c.step()]
    assert losses == [losses[0]] * 4


def test_compare_command_prints_a_row_per_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "--preset", "cells", "--steps", "3", "--quiet", "--seed", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["run", "set-up", "steps", "loss"]
    assert "recall_accuracy" in out[0] and "chance" not in out[0]
    rows = [line.split() for line in out[1:]]
    assert [r[0] for r in rows] == ["RNN", "LSTM", "GRU"]
    assert all("3" in r for r in rows)  # steps done


def test_compare_command_lists_presets_and_refuses_bad_input(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["compare", "--list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == compare_names()
    assert main(["compare", "--preset", "nope"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "comparison preset 'nope' does not exist" in err[0]
    assert main(["compare", "--steps", "0"]) == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_compare_gui_opens_the_compare_window(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rnnviz compare --preset NAME --gui [--big]`` opens the compare window on the preset;
    options of the headless table are refused with --gui in one line."""
    import rnnviz.app.compare_window as compare_window

    opened: list[tuple[str, bool]] = []
    monkeypatch.setattr(compare_window, "launch", lambda p, big=False: opened.append((p, big)))
    assert main(["compare", "--preset", "cells", "--gui"]) == 0
    assert main(["compare", "--gui", "--big"]) == 0
    assert opened == [("cells", False), ("race", True)]
    for argv in (["--gui", "--steps", "5"], ["--gui", "--time", "1m"], ["--big"]):
        assert main(["compare", *argv]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("rnnviz: error: compare:"), err
    assert main(["compare", "--preset", "nope", "--gui"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert opened == [("cells", False), ("race", True)]


def test_bench_compare_prints_both_throughputs_and_their_ratio(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["bench", "--compare", "cells", "--steps", "2", "--repeats", "2", "--json"]
    assert main(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["pair"] for r in lines[:2]] == [1, 2]
    for r in lines[:2]:
        assert r["alone_tok_s"] > 0 and r["lockstep_tok_s"] > 0
        assert r["ratio"] == pytest.approx(r["lockstep_tok_s"] / r["alone_tok_s"])
    assert lines[2]["target"] == 0.8 and lines[2]["median"]["ratio"] > 0
