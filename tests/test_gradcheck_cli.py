"""``rnnviz gradcheck``: the table, the exit status and one-line argument errors."""

from __future__ import annotations

import pytest

from rnnviz.core.gradcheck import TOLERANCE
from rnnviz.gradcheck_cli import cli


def test_cli_prints_table_and_max_error(capsys) -> None:
    code = cli(["--seeds", "1", "--lengths", "1,3"])
    out = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert out[0].split()[:3] == ["cell", "head", "param"]
    assert out[-1].startswith("max relative error: ")
    assert float(out[-1].split(":")[1]) < TOLERANCE
    cells = {line.split()[0] for line in out[1:-1]}
    assert cells == {"rnn-tanh", "rnn-sigmoid", "lstm", "gru"}


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--lengths", "a,b"], "--lengths 'a,b'"),
        (["--seeds", "0"], "at least 1"),
        (["--hidden", "x"], "--hidden"),
        (["--nope"], "unrecognized arguments: --nope"),
    ],
)
def test_cli_argument_errors_are_one_line(capsys, argv: list[str], words: str) -> None:
    assert cli(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("rnnviz: error: gradcheck: ")
    assert words in err and "usage:" not in err
