"""A small declarative validator for JSON records, such as a checkpoint's metadata.

A schema mirrors the record it describes, field by field::

    RECORD = Obj({"step": Int(0, 2**63 - 1), "val_loss": Opt(Num(0.0)), "rng": Obj({...})})
    checked = RECORD.check(json.loads(text), "record")

``check`` returns the value (converted where a spec says so, e.g. :class:`Build`) or raises
:class:`SchemaError` with one line that names the field's path, says what it must be and shows what
it is: ``record.step must be a whole number from 0 to 2^63 - 1, got 1.5``. Every spec bounds what
it accepts (numbers by range and finiteness, strings and containers by length), objects refuse
unknown keys, and nothing nests deeper than its schema, so a checked record is small and exact.
JSON's own types are meant: a bool is not a number and a float is not a whole number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SchemaError(ValueError):
    """A value does not fit its schema (one line naming the field's path)."""


def show(value: object) -> str:
    """A short, one-line description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value.bit_length() <= 64:
            return str(value)
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1} digits"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return repr(value) if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        text = repr(value)
        return text if len(text) <= 40 else f"{text[:30]}... ({len(value)} characters)"
    if isinstance(value, list):
        return f"a list of {len(value)} items"
    if isinstance(value, dict):
        return f"an object with {len(value)} keys"
    return type(value).__name__


def _bound(x: float) -> str:
    """Readable range bounds: powers of two minus one as ``2^k - 1``."""
    if isinstance(x, int) and x > 10**6 and (x + 1) & x == 0:
        return f"2^{x.bit_length()} - 1"
    if isinstance(x, int) and x < -(10**6) and -x & (-x - 1) == 0:
        return f"-2^{(-x).bit_length() - 1}"
    return f"{x:g}" if isinstance(x, float) else str(x)


def child(path: str, key: object) -> str:
    """The path of ``key`` inside the object or list at ``path``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    return (
        f"{path}.{text}" if _IDENTIFIER.match(text) and len(text) <= 40 else f"{path}[{show(text)}]"
    )


class Spec:
    """Base of all specs: ``check(value, path)`` returns the value or raises SchemaError."""

    def check(self, value: Any, path: str = "record") -> Any:
        if not self.fits(value):
            raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")
        return value

    def fits(self, value: Any) -> bool:  # pragma: no cover - every spec overrides it or check
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        raise NotImplementedError


@dataclass(frozen=True)
class Int(Spec):
    """A JSON integer (not a bool, not a float) in ``lo..hi``."""

    lo: int
    hi: int

    def fits(self, value: Any) -> bool:
        return type(value) is int and self.lo <= value <= self.hi

    def describe(self) -> str:
        return f"a whole number from {_bound(self.lo)} to {_bound(self.hi)}"


@dataclass(frozen=True)
class Num(Spec):
    """A finite JSON number in ``lo..hi``: a float, or an int of at most 2^53 (not a bool)."""

    lo: float = -math.inf
    hi: float = math.inf

    def fits(self, value: Any) -> bool:
        if type(value) is int:  # only ints that a float holds exactly (as JSON readers do)
            return abs(value) <= 2**53 and self.lo <= value <= self.hi
        return type(value) is float and math.isfinite(value) and self.lo <= value <= self.hi

    def describe(self) -> str:
        if self.lo == -math.inf and self.hi == math.inf:
            return "a finite number"
        if self.hi == math.inf:
            return f"a finite number of at least {_bound(self.lo)}"
        return f"a number from {_bound(self.lo)} to {_bound(self.hi)}"


@dataclass(frozen=True)
class Bool(Spec):
    """JSON true or false."""

    def fits(self, value: Any) -> bool:
        return type(value) is bool

    def describe(self) -> str:
        return "true or false"


@dataclass(frozen=True)
class Str(Spec):
    """A string of ``min_len..max_len`` characters, optionally one of ``choices`` or a pattern."""

    max_len: int
    min_len: int = 0
    choices: tuple[str, ...] | None = None
    pattern: str | None = None
    what: str = ""

    def fits(self, value: Any) -> bool:
        if type(value) is not str or not self.min_len <= len(value) <= self.max_len:
            return False
        if self.choices is not None and value not in self.choices:
            return False
        return self.pattern is None or re.fullmatch(self.pattern, value) is not None

    def describe(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.what:
            return self.what
        return f"a string of {self.min_len} to {self.max_len} characters"


@dataclass(frozen=True)
class Opt(Spec):
    """``inner`` or null."""

    inner: Spec

    def check(self, value: Any, path: str = "record") -> Any:
        if value is None:
            return None
        if not isinstance(value, (dict, list)) and not self.inner.fits(value):
            raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")
        return self.inner.check(value, path)  # containers name the field inside that is wrong

    def fits(self, value: Any) -> bool:
        return value is None or self.inner.fits(value)

    def describe(self) -> str:
        return f"{self.inner.describe()} or null"


@dataclass(frozen=True)
class AnyOf(Spec):
    """The first of ``options`` that accepts the value."""

    options: tuple[Spec, ...]
    what: str = ""

    def check(self, value: Any, path: str = "record") -> Any:
        for spec in self.options:
            if spec.fits(value):
                return spec.check(value, path)
        raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")

    def fits(self, value: Any) -> bool:
        return any(spec.fits(value) for spec in self.options)

    def describe(self) -> str:
        return self.what or " or ".join(spec.describe() for spec in self.options)


@dataclass(frozen=True)
class Where(Spec):
    """``inner``, and ``test(value)`` holds; ``what`` describes both."""

    inner: Spec
    test: Callable[[Any], bool]
    what: str

    def fits(self, value: Any) -> bool:
        return self.inner.fits(value) and bool(self.test(value))

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class ListOf(Spec):
    """A list of at most ``max_items`` items, each fitting ``item``."""

    item: Spec
    max_items: int
    unique: bool = False

    def check(self, value: Any, path: str = "record") -> Any:
        if type(value) is not list or len(value) > self.max_items:
            raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")
        out = [self.item.check(v, child(path, i)) for i, v in enumerate(value)]
        if self.unique and len(set(map(repr, out))) != len(out):
            raise SchemaError(f"{path} must not repeat an item")
        return out

    def fits(self, value: Any) -> bool:
        if type(value) is not list or len(value) > self.max_items:
            return False
        return all(self.item.fits(v) for v in value)

    def describe(self) -> str:
        return f"a list of at most {self.max_items} items ({self.item.describe()})"


@dataclass(frozen=True)
class MapOf(Spec):
    """An object of at most ``max_items`` entries, keys fitting ``key`` and values ``value``."""

    value: Spec
    max_items: int
    key: Str = Str(64, min_len=1)

    def check(self, value: Any, path: str = "record") -> Any:
        if type(value) is not dict or len(value) > self.max_items:
            raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")
        for k in value:
            if not self.key.fits(k):
                raise SchemaError(f"{path} has a key that is not {self.key.describe()}: {show(k)}")
        return {k: self.value.check(v, child(path, k)) for k, v in value.items()}

    def fits(self, value: Any) -> bool:
        if type(value) is not dict or len(value) > self.max_items:
            return False
        return all(self.key.fits(k) and self.value.fits(v) for k, v in value.items())

    def describe(self) -> str:
        return f"an object of at most {self.max_items} entries"


@dataclass(frozen=True)
class Obj(Spec):
    """An object with exactly these fields (those in ``optional`` may be missing)."""

    fields: Mapping[str, Spec]
    optional: frozenset[str] = field(default_factory=frozenset)

    def check(self, value: Any, path: str = "record") -> Any:
        if type(value) is not dict:
            raise SchemaError(f"{path} must be {self.describe()}, got {show(value)}")
        unknown = [k for k in value if k not in self.fields]
        if unknown:
            raise SchemaError(f"{child(path, unknown[0])} is not a field of {path}")
        missing = [k for k in self.fields if k not in value and k not in self.optional]
        if missing:
            raise SchemaError(f"{child(path, missing[0])} is missing")
        return {
            k: spec.check(value[k], child(path, k)) for k, spec in self.fields.items() if k in value
        }

    def fits(self, value: Any) -> bool:
        if type(value) is not dict or any(k not in self.fields for k in value):
            return False
        if any(k not in value and k not in self.optional for k in self.fields):
            return False
        return all(spec.fits(value[k]) for k, spec in self.fields.items() if k in value)

    def describe(self) -> str:
        return "an object"


@dataclass(frozen=True)
class Build(Spec):
    """``inner``, then ``make(value)``, whose result is returned; its ``errors`` are reported.

    The error's own message follows the path and ``join``: with ``join="."`` a message that
    names a field inside the value reads ``record.run.model.hidden = 0: ...``.
    """

    inner: Spec
    make: Callable[[Any], Any]
    errors: tuple[type[Exception], ...] = (ValueError,)
    join: str = ": "

    def check(self, value: Any, path: str = "record") -> Any:
        checked = self.inner.check(value, path)
        try:
            return self.make(checked)
        except self.errors as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SchemaError(f"{path}{self.join}{text}") from None

    def fits(self, value: Any) -> bool:
        try:
            self.check(value)
        except SchemaError:
            return False
        return True

    def describe(self) -> str:
        return self.inner.describe()
