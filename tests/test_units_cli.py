"""``rnnviz units``: the ranking of a saved model's units, as a table or JSON, and one-line
messages for mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rnnviz.cli import main
from rnnviz.tasks.findunits import feature_ranking, pattern_ranking
from rnnviz.train.trainer import Trainer


@pytest.fixture(scope="module")
def adder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The binary-addition preset trained 2,000 steps (solved at 1,750 for seed 0)."""
    path = tmp_path_factory.mktemp("units") / "adder.npz"
    argv = ["train", "--preset", "binary-addition", "--steps", "2000", "--save", str(path)]
    assert main([*argv, "--quiet"]) == 0
    return path


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small LSTM on the bundled poem, a few steps."""
    path = tmp_path_factory.mktemp("units") / "reader.npz"
    argv = ["train", "--task", "text", "--corpus", "poem", "--cell", "lstm", "--hidden", "16"]
    argv += ["--batch", "4", "--seq-len", "16", "--steps", "5", "--save", str(path), "--quiet"]
    assert main(argv) == 0
    return path


def test_feature_table(adder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["units", str(adder), "--feature", "carry", "--top", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("feature carry over 2,048 steps (" + lines[0].split("(")[-1])
    assert lines[1].split() == ["rank", "state", "unit", "correlation"]
    assert len(lines) == 6
    trainer = Trainer.load(adder)
    want = feature_ranking(trainer.model, trainer.task, "carry", np.random.default_rng(0), top=3)
    for line, s in zip(lines[2:5], want.scores, strict=True):
        assert line.split() == [line.split()[0], s.state, str(s.unit), f"{s.correlation:+.3f}"]
    assert abs(want.scores[0].correlation) > 0.95  # the carry unit
    best = want.scores[0]
    assert lines[5] == f"{best.state}[{best.unit}] is the carry unit (r = {best.correlation:+.3f})"


@pytest.fixture(scope="module", params=["lstm", "gru"])
def gated_adder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The binary-addition preset with an LSTM or a GRU cell, 5,000 steps (solved: every sum
    right, also on 12 and 16 bits, for seed 0)."""
    path = tmp_path_factory.mktemp("units") / f"{request.param}.npz"
    argv = ["train", "--preset", "binary-addition", "--cell", request.param, "--steps", "5000"]
    assert main([*argv, "--save", str(path), "--quiet"]) == 0
    return path


def test_a_gated_cell_names_its_carry_unit_or_the_pair_that_holds_it(
    gated_adder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Measured for seed 0: the GRU's n[9] (r = +0.964) is the carry unit; the LSTM's best unit
    h[13] has r = +0.880 only, but with h[10] (r = -0.119, which cancels what else h[13] holds)
    a linear read-out follows the carry with R = 0.930: named as spread over the two."""
    trainer = Trainer.load(gated_adder)
    metrics = trainer.task.evaluate(trainer.model, np.random.default_rng(99)).metrics
    assert metrics["sum_accuracy"] >= 0.99  # solved, as the window judges it
    capsys.readouterr()
    assert main(["units", str(gated_adder), "--feature", "carry", "--top", "3", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    named = record["named"]
    assert named is not None and named["together"] >= 0.9
    # the numbers, computed directly on the same 256 sequences
    task, model = trainer.task, trainer.model
    x = task.feature_inputs(256, np.random.default_rng(0))  # (N, T, 2)
    carry = task.features(x)["carry"].reshape(-1)  # (N*T,)
    states = {k: v.reshape(-1, v.shape[-1]) for k, v in model.forward(x).states.items()}
    units = [states[u["state"]][:, u["unit"]] for u in named["units"]]  # each (N*T,)
    for u, v in zip(named["units"], units, strict=True):
        assert u["correlation"] == pytest.approx(np.corrcoef(v, carry)[0, 1], abs=1e-5)
    X = np.c_[np.stack(units, axis=1), np.ones(carry.size)]  # (N*T, k + 1)
    fit = X @ np.linalg.lstsq(X, carry, rcond=None)[0]  # (N*T,)
    assert named["together"] == pytest.approx(np.corrcoef(fit, carry)[0, 1], abs=1e-5)
    best = record["units"][0]
    if trainer.run.model.cell == "gru":
        assert named["label"] == "carry" and named["units"] == [best]
        assert abs(best["correlation"]) >= 0.9
    else:  # no LSTM unit alone reaches 0.9: the two that hold it together are named
        assert named["label"] == "carry (spread)" and len(named["units"]) == 2
        assert all(abs(u["correlation"]) < 0.9 for u in named["units"])
        assert abs(best["correlation"]) < 0.9
        assert named["units"][0] == best
    capsys.readouterr()
    assert main(["units", str(gated_adder), "--feature", "carry", "--top", "3"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    u = named["units"][0]
    assert f"{u['state']}[{u['unit']}]" in last and f"{u['correlation']:+.3f}" in last
    assert ("spread" in last) == (len(named["units"]) == 2)


def test_no_unit_is_named_in_an_untrained_lstm(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The LSTM after one step: its best unit has r = +0.71 (it sees a_t + b_t, which has r =
    0.73 with the carry), its best pair R = 0.79."""
    path = tmp_path / "early.npz"
    argv = ["train", "--preset", "binary-addition", "--cell", "lstm", "--steps", "1"]
    assert main([*argv, "--save", str(path), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["units", str(path), "--feature", "carry", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["named"] is None
    assert abs(record["units"][0]["correlation"]) < 0.9 and record["best_pair"]["together"] < 0.9


def test_pattern_json(reader: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["units", str(reader), "--pattern", "[aeiou]", "--top", "4", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    trainer = Trainer.load(reader)
    want = pattern_ranking(trainer.model, trainer.task, "[aeiou]", top=4)
    assert record["task"] == "text" and record["source"] == "pattern '[aeiou]'"
    assert record["steps"] == want.steps and record["marked"] == want.marked
    assert [(u["state"], u["unit"]) for u in record["units"]] == [
        (s.state, s.unit) for s in want.scores
    ]
    assert [u["correlation"] for u in record["units"]] == pytest.approx(
        [s.correlation for s in want.scores], abs=1e-6
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--feature", "car"],
            "feature 'car': the binary-addition task has no such feature; choose one of carry",
        ),
        (
            ["--pattern", "x"],
            "a pattern marks characters of a text; the binary-addition task "
            "reads no text (its features: carry)",
        ),
        ([], "units: one of the arguments --feature --pattern is required"),
        (["--feature", "carry", "--top", "0"], "--top"),
        (
            ["--feature", "carry", "--top", "17"],
            "--top 17: the model has 16 units (h: 16 units); give at most 16",
        ),
        (
            ["--feature", "carry", "--count", "99999999999"],
            "--count: '99999999999' must be at most",
        ),
    ],
)
def test_mistakes_on_a_task_without_text(
    adder: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    capsys.readouterr()
    assert main(["units", str(adder), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pattern", "("], "pattern '(' is not a regular expression: missing )"),
        (["--pattern", "a{99999999999}"], "is not a regular expression: the repetition number"),
        (["--pattern", "QQZZQQ"], "marks no character of the held-out text"),
        (["--pattern", ""], "--pattern: give a regular expression that marks some characters"),
        (["--feature", "depth"], "the text task knows no features; mark characters with"),
    ],
)
def test_mistakes_on_text(
    reader: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    capsys.readouterr()
    assert main(["units", str(reader), *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_a_missing_or_foreign_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["units", str(tmp_path / "none.npz"), "--feature", "carry"]) == 2
    assert "none.npz: no such file" in capsys.readouterr().err
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a checkpoint")
    assert main(["units", str(junk), "--feature", "carry"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rnnviz: error: checkpoint") and err.count("\n") == 1
