"""A checkpoint's JSON record: what each field may hold, and the arrays it implies.

The record is checked against a declarative schema (:mod:`rnnviz.train.schema`) before anything
in it is used: exact JSON types, ranges, string and container sizes, no unknown fields, no
nesting beyond the schema. The run configuration is checked by ``RunConfig.validate`` itself.
From the checked record follow the arrays the file must hold, each with its dtype and shape
(:func:`array_specs`), so every array is checked before its bytes are read, and then the
arrays' values (:func:`check_arrays`: finite weights, non-negative squared-gradient sums, ...).

Format 2 adds ``stream`` (the batch stream's position) and the text task's ``corpus_sha256``;
format 1 files lack both, and their ``optim_buffers``, ``val_loss`` and ``metrics`` are optional.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from rnnviz.config import ConfigError, ModelConfig, OptimConfig, RunConfig, TrainConfig
from rnnviz.core.model import carried_states, param_shapes
from rnnviz.core.optim import BUFFER_NAMES, SQUARE_BUFFERS
from rnnviz.core.registry import make_cell
from rnnviz.tasks import TASKS
from rnnviz.tasks.corpus import MAX_VOCAB
from rnnviz.train.archive import ArraySpec
from rnnviz.train.history import MAX_BUCKETS, MAX_WINDOW
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
    child,
)

FORMAT = "rnnviz-checkpoint"
VERSION = 2
META_KEY = "rnnviz_meta"
# The record of a real run is a few kilobytes; this bounds what a hostile file can make us parse.
MAX_RECORD_BYTES = 1 << 20
# Longest option string (a probe, a corpus path) and longest option list (sine periods).
MAX_OPTION_CHARS = 10_000
MAX_OPTION_ITEMS = 256

_COUNT = Int(0, 2**63 - 1)
_SCALAR = AnyOf(
    (Opt(Bool()), Int(-(2**63), 2**63 - 1), Num(), Str(MAX_OPTION_CHARS)),
    f"true, false, null, a number or a string of at most {MAX_OPTION_CHARS} characters",
)
_OPTION = AnyOf(
    (_SCALAR, ListOf(_SCALAR, MAX_OPTION_ITEMS)),
    f"a JSON scalar or a list of at most {MAX_OPTION_ITEMS} of them",
)
_OPTIONS = MapOf(_OPTION, 32)


def _run(complete: bool) -> Build:
    """The run section: each config section holds exactly its dataclass's fields (all of them
    in format 2); ``RunConfig.validate`` then checks every value's type and range."""

    def section(cls: type) -> Obj:
        names = [f.name for f in dataclasses.fields(cls)]
        return Obj({n: _SCALAR for n in names}, frozenset() if complete else frozenset(names))

    sections = {"model": section(ModelConfig), "optim": section(OptimConfig)}
    sections["train"] = section(TrainConfig)
    task = Obj({"name": Str(64), "options": _OPTIONS})
    return Build(
        Obj({"task": task, **sections}),
        lambda d: RunConfig.from_dict(d).validate(),
        (ConfigError,),
        join=".",  # ConfigError names the field: "optim.lr = 'abc': must be a number"
    )


_TASK = Obj(
    {
        "name": Str(64, choices=tuple(TASKS)),
        "options": _OPTIONS,
        "vocab": Str(MAX_VOCAB, min_len=1),
        "train_chars": _COUNT,
        "val_chars": _COUNT,
        "corpus_sha256": Opt(Str(64, pattern="[0-9a-f]{64}", what="64 hexadecimal digits")),
    },
    optional=frozenset({"vocab", "train_chars", "val_chars", "corpus_sha256"}),
)
_PCG64 = Obj(
    {
        "bit_generator": Str(16, choices=("PCG64",)),
        "state": Obj(
            {
                "state": Int(0, 2**128 - 1),
                "inc": Where(Int(1, 2**128 - 1), lambda v: v % 2 == 1, "an odd number below 2^128"),
            }
        ),
        "has_uint32": Int(0, 1),
        "uinteger": Int(0, 2**32 - 1),
    }
)
_HISTORY_FIELDS = {
    "window": Int(1, MAX_WINDOW),
    "max_buckets": Where(
        Int(2, MAX_BUCKETS), lambda v: v % 2 == 0, f"an even number from 2 to {MAX_BUCKETS}"
    ),
    "width": Where(Int(1, 2**62), lambda v: v & (v - 1) == 0, "a power of two up to 2^62"),
    "count": _COUNT,
    "smoothed": Opt(Num(0.0)),
    "ema": Num(0.0),
    "ema_n": _COUNT,
    "long_ema": Num(0.0),
    "long_ema_n": _COUNT,
}
# The long average's state came later: a file may carry only its value ("smoothed").
_LONG = frozenset({"long_ema", "long_ema_n"})
_FIELDS = {
    "format": Str(64, choices=(FORMAT,)),
    "version": Int(1, VERSION),
    "rnnviz_version": Str(64),
    "run": _run(complete=True),
    "task": _TASK,
    "step": _COUNT,
    "tokens_seen": _COUNT,
    "batches_drawn": _COUNT,
    "carry": Bool(),
    "rng": Obj({"init": _PCG64, "sample": _PCG64, "batch": _PCG64}),
    "optim_state": Obj({"t": _COUNT}),
    "optim_buffers": ListOf(Str(8, choices=BUFFER_NAMES), len(BUFFER_NAMES), unique=True),
    "history": Obj(_HISTORY_FIELDS, optional=_LONG),
    "val_loss": Opt(Num(0.0)),
    "metrics": MapOf(Num(), 64),
    "stream": Opt(MapOf(_COUNT, 8)),
}
# Format 1 grew fields over time: a file may lack the later ones.
_FORMAT_1 = {k: v for k, v in _FIELDS.items() if k != "stream"}
_FORMAT_1["history"] = Obj(_HISTORY_FIELDS, optional=frozenset({"ema", "ema_n"}) | _LONG)
_FORMAT_1["run"] = _run(complete=False)
RECORDS = {
    1: Obj(
        _FORMAT_1, optional=frozenset({"rnnviz_version", "optim_buffers", "val_loss", "metrics"})
    ),
    2: Obj(_FIELDS),
}
# Buffers each rule must have once it has made an update (Adam's step count t says it has).
_ADAM_BUFFERS = ("m", "v2")


def check_record(record: Any) -> dict[str, Any]:
    """The record, checked field by field and for consistency; "run" becomes a RunConfig.

    Raises
    ------
    SchemaError
        One line naming the first field that is wrong.
    """
    version = record.get("version") if isinstance(record, dict) else None
    rec = RECORDS[version if version in RECORDS else VERSION].check(record, "record")
    run: RunConfig = rec["run"]
    if rec["batches_drawn"] < rec["step"]:
        raise SchemaError(
            f"record.batches_drawn ({rec['batches_drawn']}) is below record.step ({rec['step']})"
        )
    if rec["optim_state"]["t"] > rec["step"]:
        raise SchemaError("record.optim_state.t counts more optimiser updates than record.step")
    if rec["carry"] and not run.train.stateful:
        raise SchemaError("record.carry is true but the run is not stateful")
    task = rec["task"]
    if run.task.name != task["name"]:
        raise SchemaError(
            f"record.run.task.name {run.task.name!r} differs from record.task.name {task['name']!r}"
        )
    for k, v in run.task.options.items():
        if k != "probe" and k in task["options"] and task["options"][k] != v:
            a, b = child("record.run.task.options", k), child("record.task.options", k)
            raise SchemaError(f"{a} differs from {b}")
    return rec


def optim_buffers(rec: dict[str, Any], present: set[str]) -> list[str]:
    """The optimiser buffers the file must hold: as listed, or as present in a format-1 file
    without the list. Adam's moments must be there once its step count is positive.

    Raises
    ------
    SchemaError
        The list lacks Adam's moments although Adam has made updates.
    """
    listed = rec.get("optim_buffers")
    adam = set(_ADAM_BUFFERS) if rec["optim_state"]["t"] > 0 else set()
    if listed is None:
        return sorted((present & set(BUFFER_NAMES)) | adam)
    if not adam <= set(listed):
        raise SchemaError(
            "record.optim_buffers must list 'm' and 'v2': record.optim_state.t says Adam "
            "has made updates"
        )
    return sorted(listed)


def array_specs(rec: dict[str, Any], present: set[str]) -> dict[str, ArraySpec]:
    """Every array the checked record implies ("group/name" -> dtype and shape).

    ``present`` holds the names of the optimiser buffers in the file (for format 1 files).
    """
    run: RunConfig = rec["run"]
    m, dt = run.model, run.model.dtype
    shapes = param_shapes(m)
    specs = {f"model/{k}": ArraySpec(dt, shape) for k, shape in shapes.items()}
    P = sum(math.prod(s) for s in shapes.values())
    for k in optim_buffers(rec, present):
        specs[f"optim/{k}"] = ArraySpec(dt, (P,))
    if rec["carry"]:
        for k in carried_states(m):
            specs[f"carry/{k}"] = ArraySpec(dt, (run.train.batch, m.hidden))
    h = rec["history"]
    n, nb = (0, 2 * h["window"]), (0, h["max_buckets"])
    specs["history/steps"] = ArraySpec("int64", (n,))
    specs["history/values"] = ArraySpec("float64", (n, 2))
    specs["history/b_start"] = ArraySpec("int64", (nb,))
    specs["history/b_count"] = ArraySpec("int64", (nb,))
    for k in ("b_min", "b_sum", "b_max"):
        specs[f"history/{k}"] = ArraySpec("float64", (nb, 2))
    return specs


def check_arrays(arrays: dict[str, np.ndarray], model: ModelConfig) -> None:
    """Values that no run can produce: non-finite weights, buffers or carried state, negative
    sums of squares, a carried state outside the range its cell declares (a tanh h outside
    [-1, 1]).

    Raises
    ------
    SchemaError
        Naming the arrays.
    """
    specs = {s.name: s for s in make_cell(model).specs}
    bad = [k for k, v in arrays.items() if k.startswith("model/") and not np.isfinite(v).all()]
    if bad:
        names = ", ".join(k[len("model/") :] for k in bad)
        raise SchemaError(f"weights contain NaN/Inf ({names}); use an earlier checkpoint")
    for k, v in arrays.items():
        group, _, name = k.partition("/")
        if group == "optim" and not np.isfinite(v).all():
            raise SchemaError(f"optimiser buffer {name!r} contains NaN/Inf")
        if group == "optim" and name in SQUARE_BUFFERS and (v < 0).any():
            raise SchemaError(f"optimiser buffer {name!r} has negative entries (it sums squares)")
        if group == "carry" and not np.isfinite(v).all():
            raise SchemaError("the carried state contains NaN/Inf")
        spec = specs.get(name) if group == "carry" else None
        lo, hi = (spec.lo, spec.hi) if spec is not None else (None, None)
        if lo is not None and hi is not None and ((v < lo) | (v > hi)).any():
            raise SchemaError(f"the carried {spec.label} lies outside [{lo:g}, {hi:g}]")
