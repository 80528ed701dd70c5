"""NumberEdit: a value out of range is refused visibly and never changed or sent."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt

from rnnviz.app.fields import NumberEdit, number_text, parse_number
from rnnviz.config import LIMITS, Limit, lr_limit


@pytest.fixture
def lr(qtbot) -> NumberEdit:
    field = NumberEdit(lr_limit("adam"), 0.01)
    qtbot.addWidget(field)
    return field


def _type(qtbot, field: NumberEdit, text: str, enter: bool = True) -> None:
    field.selectAll()
    qtbot.keyClick(field, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field, text)
    if enter:
        qtbot.keyClick(field, Qt.Key.Key_Return)


def test_an_out_of_range_value_is_refused_visibly_and_not_sent(qtbot, lr: NumberEdit) -> None:
    sent: list[object] = []
    lr.committed.connect(sent.append)
    _type(qtbot, lr, "1000")
    assert lr.text() == "1000"  # what was typed stays: never capped to the maximum
    assert sent == [] and lr.value() == 0.01  # and never sent
    assert "between 1e-08 and 1 " in lr.problem() and "Adam" in lr.problem()
    assert lr.error.text() == lr.problem() and not lr.error.isHidden()
    assert lr.toolTip().startswith("Refused: must be between 1e-08 and 1 ")
    assert "border: 2px solid" in lr.styleSheet()  # the red frame
    _type(qtbot, lr, "0.5")
    assert sent == [0.5] and lr.problem() == "" and lr.error.isHidden() and lr.styleSheet() == ""


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "type a number"),
        ("abc", "not a number"),
        ("nan", "not a finite"),
        ("0", "between 1e-08"),
    ],
)
def test_every_kind_of_bad_text_says_why(qtbot, lr: NumberEdit, text: str, reason: str) -> None:
    _type(qtbot, lr, text)
    assert reason in lr.problem() and lr.value() == 0.01


def test_small_rates_and_huge_seeds_are_kept_exactly(qtbot, lr: NumberEdit) -> None:
    _type(qtbot, lr, "1e-7")
    assert lr.value() == 1e-7 and lr.problem() == ""
    lr.setValue(3e-7)
    assert lr.text() == "3e-07"  # a 6-decimal spin box showed 0.000000
    seed = NumberEdit(LIMITS["train.seed"], 5_000_000_000)
    qtbot.addWidget(seed)
    assert seed.text() == "5000000000" and seed.value() == 5_000_000_000
    _type(qtbot, seed, str(2**63))
    assert "between 0 and 9223372036854775807" in seed.problem() and seed.value() == 5_000_000_000
    _type(qtbot, seed, "1.5")
    assert "not a whole number" in seed.problem()


def test_a_new_limit_rechecks_the_text(qtbot) -> None:
    field = NumberEdit(lr_limit("sgd"), 5.0)
    qtbot.addWidget(field)
    assert field.problem() == ""
    field.setLimit(lr_limit("adam"))
    assert "and 1 (Adam" in field.problem() and field.text() == "5"


def test_escape_puts_the_accepted_value_back_and_arrows_stop_at_the_limits(qtbot) -> None:
    hidden = NumberEdit(LIMITS["model.hidden"], 4095)
    qtbot.addWidget(hidden)
    sent: list[object] = []
    hidden.committed.connect(sent.append)
    _type(qtbot, hidden, "99999", enter=False)
    qtbot.keyClick(hidden, Qt.Key.Key_Escape)
    assert hidden.text() == "4095" and hidden.problem() == ""
    qtbot.keyClick(hidden, Qt.Key.Key_Up)
    qtbot.keyClick(hidden, Qt.Key.Key_Up)
    assert hidden.value() == 4096 and sent == [4096]  # the maximum, not beyond
    clip = NumberEdit(LIMITS["optim.clip_norm"], 5.0)
    qtbot.addWidget(clip)
    qtbot.keyClick(clip, Qt.Key.Key_Down)
    assert clip.text() == "4.9"


def test_a_disabled_field_shows_no_refusal(qtbot) -> None:
    momentum = NumberEdit(LIMITS["optim.momentum"], 0.0)
    qtbot.addWidget(momentum)
    _type(qtbot, momentum, "1.5")
    assert "between 0 and 0.999" in momentum.problem()
    momentum.setEnabled(False)
    assert momentum.problem() == "" and momentum.error.isHidden()


def test_an_optional_field_takes_empty_as_none(qtbot) -> None:
    field = NumberEdit(Limit(1, 10, integer=True), None, optional=True, placeholder="off")
    qtbot.addWidget(field)
    assert field.value() is None and field.problem() == ""
    _type(qtbot, field, "0")
    assert "between 1 and 10" in field.problem()


def test_text_round_trips() -> None:
    assert number_text(0.01, False) == "0.01" and number_text(5.0, False) == "5"
    assert parse_number(" 3e-4 ", lr_limit("adam")) == (3e-4, "")
    assert parse_number("12", LIMITS["model.hidden"]) == (12, "")
