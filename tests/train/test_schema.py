"""The declarative record validator: exact JSON types, bounds, paths in one-line messages."""

from __future__ import annotations

import math

import pytest

from rnnviz.train.schema import (
    AnyOf,
    Bool,
    Build,
    Int,
    ListOf,
    MapOf,
    Num,
    Obj,
    Opt,
    SchemaError,
    Str,
    Where,
    show,
)

SCHEMA = Obj(
    {
        "step": Int(0, 10),
        "lr": Num(1e-8, 10.0),
        "on": Bool(),
        "name": Str(5, choices=("adam", "sgd")),
        "loss": Opt(Num(0.0)),
        "tags": ListOf(Str(3), 2, unique=True),
        "metrics": MapOf(Num(), 2),
        "odd": Where(Int(1, 99), lambda v: v % 2 == 1, "an odd number below 100"),
        "opt": Obj({"t": Int(0, 5)}, optional=frozenset({"t"})),
    },
    optional=frozenset({"opt"}),
)
GOOD = {
    "step": 3,
    "lr": 0.5,
    "on": True,
    "name": "sgd",
    "loss": None,
    "tags": ["a"],
    "metrics": {"acc": 1},
    "odd": 7,
}


def test_a_fitting_record_comes_back_equal() -> None:
    assert SCHEMA.check(dict(GOOD)) == GOOD
    assert SCHEMA.check({**GOOD, "opt": {}}) == {**GOOD, "opt": {}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("step", 1.0, "record.step must be a whole number from 0 to 10, got 1.0"),
        ("step", True, "record.step must be a whole number from 0 to 10, got true"),
        ("step", 11, "got 11"),
        ("step", 2**80, "got a number of about 25 digits"),
        ("lr", "abc", "record.lr must be a number from 1e-08 to 10, got 'abc'"),
        ("lr", math.nan, "got NaN"),
        ("lr", math.inf, "got Infinity"),
        ("lr", False, "got false"),
        ("on", 1, "record.on must be true or false, got 1"),
        ("name", "rmsprop", "one of 'adam', 'sgd'"),
        ("name", "x" * 10**6, "got 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxx... (1000000 characters)"),
        ("loss", -1.0, "record.loss must be a finite number of at least 0 or null, got -1.0"),
        ("loss", [1.0], "got a list of 1 items"),
        ("tags", ["a", "b", "c"], "a list of at most 2 items"),
        ("tags", ["a", "a"], "record.tags must not repeat an item"),
        ("tags", [["a"]], "record.tags[0] must be a string of 0 to 3 characters"),
        ("metrics", {"acc": "1"}, "record.metrics.acc must be a finite number"),
        ("metrics", {"a b": math.inf}, "record.metrics['a b'] must be a finite number"),
        ("metrics", {"": 1}, "record.metrics has a key that is not"),
        ("metrics", {"a": 1, "b": 2, "c": 3}, "at most 2 entries"),
        ("odd", 8, "record.odd must be an odd number below 100, got 8"),
        ("opt", {"t": -1}, "record.opt.t must be"),
        ("opt", {"x": 1}, "record.opt.x is not a field of record.opt"),
        ("opt", "{}", "record.opt must be an object, got '{}'"),
    ],
)
def test_each_misfit_names_its_field(field: str, value: object, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        SCHEMA.check({**GOOD, field: value})
    text = str(info.value)
    assert message in text and "\n" not in text and len(text) < 200


def test_missing_and_unknown_fields() -> None:
    with pytest.raises(SchemaError, match=r"^record\.step is missing$"):
        SCHEMA.check({k: v for k, v in GOOD.items() if k != "step"})
    with pytest.raises(SchemaError, match=r"^record\.junk is not a field of record$"):
        SCHEMA.check({**GOOD, "junk": 1})


def test_nesting_deeper_than_the_schema_is_a_type_error() -> None:
    deep: object = 1
    for _ in range(500):
        deep = [deep]
    with pytest.raises(SchemaError, match=r"record\.step must be a whole number"):
        SCHEMA.check({**GOOD, "step": deep})


def test_any_of_and_build() -> None:
    spec = AnyOf((Bool(), Int(0, 3)))
    assert spec.check(True) is True and spec.check(2) == 2
    with pytest.raises(SchemaError, match="true or false or a whole number from 0 to 3"):
        spec.check(2.5)

    def positive(x: int) -> int:
        if x <= 0:
            raise ValueError("must be positive")
        return x * 10

    built = Build(Int(-5, 5), positive)
    assert built.check(2, "record.x") == 20
    with pytest.raises(SchemaError, match=r"^record\.x: must be positive$"):
        built.check(-1, "record.x")


def test_show_is_short_and_json_like() -> None:
    assert show(None) == "null" and show(True) == "true" and show(-math.inf) == "-Infinity"
    assert (
        show({"a": 1}) == "an object with 1 keys" and show(2**64) == "a number of about 20 digits"
    )
