"""Checkpoint files: one ``.npz`` holding the arrays and a JSON metadata record.

Layout of a checkpoint (format version 1)::

    rnnviz_meta        uint8 array: UTF-8 JSON {"format": "rnnviz-checkpoint", "version": 1, ...}
    model/<name>       the model's parameters (Model.state_dict())
    optim/<name>       the optimiser's array state (scalars live in the metadata)
    carry/<name>       the carried state (B, H) of a stateful run
    history/<name>     the bounded loss / gradient-norm history

Writes are atomic: the file is written next to its destination under a temporary name, flushed to
disk, then renamed over the destination, so a crash mid-save leaves the previous checkpoint intact.
A save replaces only an rnnviz checkpoint (or an empty file), keeping its mode, and never a
device, a folder, a text or the corpus being trained on (see :mod:`rnnviz.train.safe_write`).
Reads never unpickle (``allow_pickle=False``) and validate everything; any problem becomes a
:class:`CheckpointError` whose one-line message names the file and says what is wrong.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.tasks.files import open_regular
from rnnviz.train.safe_write import Target, check_target, write_atomic

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.train.trainer import Trainer

FORMAT = "rnnviz-checkpoint"
VERSION = 1
META_KEY = "rnnviz_meta"


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable, foreign or incompatible (one-line message)."""


@dataclass(frozen=True)
class CheckpointData:
    """The validated contents of a checkpoint file.

    Attributes
    ----------
    path : Path
        Where it was read from.
    meta : dict
        The JSON metadata (format, version, run config, task meta, counters, RNG states, ...).
    arrays : dict[str, ndarray]
        Every array except the metadata record, keyed "group/name".
    """

    path: Path
    meta: dict[str, Any]
    arrays: dict[str, np.ndarray]

    def group(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays under ``prefix/``, keyed by the rest of their name."""
        p = prefix.rstrip("/") + "/"
        return {k[len(p) :]: v for k, v in self.arrays.items() if k.startswith(p)}

    def require(self, key: str, kind: type | tuple[type, ...]) -> Any:
        """A metadata field of the given type, or a CheckpointError naming it."""
        if key not in self.meta:
            raise CheckpointError(f"{self.path}: metadata field {key!r} is missing")
        value = self.meta[key]
        if not isinstance(value, kind) or (isinstance(value, bool) and bool not in _kinds(kind)):
            raise CheckpointError(f"{self.path}: metadata field {key!r} has the wrong type")
        return value

    def error(self, what: str) -> CheckpointError:
        """A CheckpointError about this file."""
        return CheckpointError(f"{self.path}: {what}")


def _kinds(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def write_checkpoint(
    path: str | os.PathLike[str],
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    protect: Iterable[str | os.PathLike[str]] = (),
    exclusive: bool = False,
) -> Path:
    """Write ``arrays`` and ``meta`` to ``path`` atomically, never over anything but a checkpoint.

    Parameters
    ----------
    path : path-like
        Destination; its folder must exist. The name is used as given (no ".npz" added). It may
        be new, an rnnviz checkpoint (replaced, its mode kept) or an empty file; a symbolic link
        is written through. Anything else is refused (see :mod:`rnnviz.train.safe_write`).
    meta : dict
        JSON-safe metadata; "format" and "version" are added.
    arrays : dict[str, ndarray]
        Arrays to store, keyed "group/name" (numeric or bool dtypes only).
    protect : iterable of path-like
        Files never to replace (the corpus being trained on).
    exclusive : bool
        Refuse (FileExistsError) if ``path`` exists.

    Returns
    -------
    Path
        The destination path as given.

    Raises
    ------
    SaveError
        Refused or failed; one line naming ``path``. The previous file is untouched.
    """
    if META_KEY in arrays:
        raise ValueError(f"array name {META_KEY!r} is reserved")
    for name, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise ValueError(f"array {name!r}: dtype {a.dtype} cannot be stored without pickle")
    record = {"format": FORMAT, "version": VERSION, **meta}
    blob = json.dumps(record, allow_nan=False, sort_keys=True).encode("utf-8")
    payload = {META_KEY: np.frombuffer(blob, dtype=np.uint8), **arrays}
    write_atomic(
        path,
        lambda f: np.savez(f, **payload),
        is_checkpoint_file,
        protect,
        what="checkpoint",
        exclusive=exclusive,
    )
    return Path(path)


def check_save_target(
    path: str | os.PathLike[str], protect: Iterable[str | os.PathLike[str]] = ()
) -> Target:
    """Whether a checkpoint may be saved at ``path`` (the rules of :func:`write_checkpoint`).

    Also creates and removes a temporary file beside it, so that a folder that cannot be written
    is reported before a run starts rather than after it. Raises SaveError naming ``path``.
    """
    return check_target(path, is_checkpoint_file, protect, what="checkpoint", probe=True)


def is_checkpoint_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a regular file with an rnnviz metadata record (reads the zip index)."""
    try:
        with open_regular(path) as (f, _), zipfile.ZipFile(f) as z:
            return f"{META_KEY}.npy" in z.namelist()
    except Exception:  # not a zip, damaged, unreadable: not a checkpoint we may replace
        return False


def read_checkpoint(path: str | os.PathLike[str]) -> CheckpointData:
    """Read and check the container of a checkpoint (not yet its meaning).

    Raises
    ------
    CheckpointError
        The file is missing, not a zip/npz file, truncated or corrupt, has no rnnviz metadata,
        or was written in another format version.
    """
    p = Path(path)
    if not p.exists():
        raise CheckpointError(f"{p}: no such checkpoint file")
    if not p.is_file():
        raise CheckpointError(f"{p}: not a file")
    if not zipfile.is_zipfile(p):
        raise CheckpointError(f"{p}: not an rnnviz checkpoint (not an .npz/zip file)")
    arrays: dict[str, np.ndarray] = {}
    try:
        with open(p, "rb") as f, np.load(f, allow_pickle=False) as npz:
            for key in npz.files:
                arrays[key] = npz[key]
    except Exception as exc:  # zipfile/numpy raise many types for damaged bytes
        # e.g. BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError (a flipped
        # compression method), MemoryError (a flipped array shape): all mean a damaged file.
        raise CheckpointError(f"{p}: truncated or corrupt checkpoint ({_short(exc)})") from None
    if META_KEY not in arrays:
        raise CheckpointError(f"{p}: not an rnnviz checkpoint (no {META_KEY!r} record)")
    raw = arrays.pop(META_KEY)
    try:
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ValueError("metadata record is not a byte array")
        meta = json.loads(raw.tobytes().decode("utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("metadata is not a JSON object")
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{p}: corrupt metadata ({_short(exc)})") from None
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{p}: not an rnnviz checkpoint (format {meta.get('format')!r})")
    version = meta.get("version")
    if version != VERSION:
        newer = isinstance(version, int) and version > VERSION
        hint = "upgrade rnnviz to read it" if newer else "it cannot be read by this rnnviz"
        raise CheckpointError(
            f"{p}: checkpoint format version {version!r}, this rnnviz reads version "
            f"{VERSION}; {hint}"
        )
    return CheckpointData(path=p, meta=meta, arrays=arrays)


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


def json_safe_state(state: dict[str, Any]) -> dict[str, Any]:
    """A ``bit_generator.state`` dict made JSON-safe (nested dicts of ints and strings)."""
    out: dict[str, Any] = {}
    for k, v in state.items():
        if isinstance(v, dict):
            out[k] = json_safe_state(v)
        elif isinstance(v, np.ndarray):
            out[k] = {"__array__": v.tolist(), "dtype": str(v.dtype)}
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def restore_generator_state(state: dict[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`json_safe_state`."""
    out: dict[str, Any] = {}
    for k, v in state.items():
        if isinstance(v, dict) and "__array__" in v:
            out[k] = np.asarray(v["__array__"], dtype=v["dtype"])
        elif isinstance(v, dict):
            out[k] = restore_generator_state(v)
        else:
            out[k] = v
    return out


# ---------------------------------------------------------------------- trainer state


def _finite_or_none(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else float(x)


def save_trainer(trainer: Trainer, path: str | os.PathLike[str], exclusive: bool = False) -> Path:
    """Save everything that continues ``trainer`` bit-identically to ``path`` (atomic).

    Parameters
    ----------
    trainer : Trainer
    path : path-like
        Destination file (conventionally ``*.npz``); see :func:`write_checkpoint` for what it
        may replace (never the corpus the trainer reads).
    exclusive : bool
        Refuse (FileExistsError) if ``path`` exists.
    """
    t = trainer
    arrays: dict[str, np.ndarray] = {}
    for k, v in t.model.state_dict().items():
        arrays[f"model/{k}"] = np.asarray(v)
    optim_scalars: dict[str, Any] = {}
    for k, v in t.optimizer.state_dict().items():
        if isinstance(v, np.ndarray):
            arrays[f"optim/{k}"] = v
        elif isinstance(v, (bool, int, float, str, np.integer, np.floating)) or v is None:
            optim_scalars[k] = v.item() if isinstance(v, (np.integer, np.floating)) else v
        else:
            raise TypeError(f"optimiser state {k!r} of type {type(v).__name__} is not storable")
    if t.carry is not None:
        for k, v in t.carry.items():
            arrays[f"carry/{k}"] = v
    hist_meta, hist_arrays = t.history.state_dict()
    for k, v in hist_arrays.items():
        arrays[f"history/{k}"] = v
    import rnnviz

    meta = {
        "rnnviz_version": rnnviz.__version__,
        "run": t.run.to_dict(),
        "task": t.task.meta(),
        "step": t.step_count,
        "tokens_seen": t.tokens_seen,
        "batches_drawn": t.batches_drawn,
        "carry": t.carry is not None,
        "rng": {
            "init": json_safe_state(t.rng_init.bit_generator.state),
            "sample": json_safe_state(t.rng_sample.bit_generator.state),
            "batch": json_safe_state(
                t._replay_state if t._replay_state is not None else t.rng_batch.bit_generator.state
            ),
        },
        "optim_state": optim_scalars,
        "optim_buffers": sorted(k[len("optim/") :] for k in arrays if k.startswith("optim/")),
        "history": hist_meta,
        "val_loss": _finite_or_none(t.val_loss),
        "metrics": {k: v for k, v in t.metrics.items() if np.isfinite(v)},
    }
    return write_checkpoint(path, meta, arrays, t.task.source_files(), exclusive)


def load_trainer(path: str | os.PathLike[str]) -> Trainer:
    """Rebuild a :class:`Trainer` from a checkpoint written by :func:`save_trainer`.

    The batch stream is replayed lazily (on the first step) up to the saved position, and the
    generator state it reaches is compared with the saved one.

    Raises
    ------
    CheckpointError
        Missing, corrupt, foreign, wrong-version or incompatible file (one line).
    """
    from rnnviz.config import ConfigError, RunConfig
    from rnnviz.tasks import task_from_meta
    from rnnviz.tasks.base import TaskInputError
    from rnnviz.train.history import History
    from rnnviz.train.trainer import Trainer

    data = read_checkpoint(path)
    try:
        run = RunConfig.from_dict(data.require("run", dict)).validate()
    except (ConfigError, TypeError) as exc:
        raise data.error(f"invalid run configuration ({exc})") from None
    try:
        task = task_from_meta(data.require("task", dict))
    except CheckpointError:
        raise
    except (TaskInputError, ConfigError, KeyError, TypeError, ValueError) as exc:
        raise data.error(f"cannot rebuild the task ({exc})") from None
    try:
        t = Trainer(run, task)
    except (ConfigError, TaskInputError) as exc:
        raise data.error(f"incompatible run ({exc})") from None
    if t.run.model != run.model:
        raise data.error(
            "the model's sizes do not match the saved task "
            f"(input {run.model.input_size} vs {t.run.model.input_size}, "
            f"output {run.model.output_size} vs {t.run.model.output_size})"
        )
    weights = data.group("model")
    try:
        t.model.load_state_dict(weights)
    except (ValueError, KeyError, TypeError) as exc:
        raise data.error(f"model weights do not fit the saved configuration ({exc})") from None
    if not np.isfinite(t.model.params).all():
        bad = ", ".join(k for k, v in weights.items() if not np.isfinite(v).all())
        raise data.error(f"weights contain NaN/Inf ({bad}); use an earlier checkpoint")
    opt_state: dict[str, Any] = dict(data.require("optim_state", dict))
    buffers = data.group("optim")
    _check_optim_buffers(data, opt_state, buffers)
    opt_state.update(buffers)
    try:
        t.optimizer.load_state_dict(opt_state)
    except (ValueError, KeyError, TypeError) as exc:
        raise data.error(f"optimiser state does not fit ({exc})") from None
    rng = data.require("rng", dict)
    try:
        t.rng_init.bit_generator.state = restore_generator_state(rng["init"])
        t.rng_sample.bit_generator.state = restore_generator_state(rng["sample"])
        batch_state = restore_generator_state(rng["batch"])
    except (KeyError, TypeError, ValueError) as exc:
        raise data.error(f"invalid random generator state ({_short(exc)})") from None
    B, H = run.train.batch, run.model.hidden
    carry = data.group("carry")
    if data.require("carry", bool):
        names = set(t.model.carried)
        if set(carry) != names or any(v.shape != (B, H) for v in carry.values()):
            raise data.error(f"carried state must be {sorted(names)} arrays of shape ({B}, {H})")
        if not all(np.isfinite(v).all() for v in carry.values()):
            raise data.error("the carried state contains NaN/Inf")
        t.carry = {k: carry[k].astype(t.model.dtype, copy=True) for k in t.model.carried}
    try:
        t.history = History.from_state_dict(data.require("history", dict), data.group("history"))
    except ValueError as exc:
        raise data.error(str(exc)) from None
    step = data.require("step", int)
    tokens = data.require("tokens_seen", int)
    drawn = data.require("batches_drawn", int)
    if min(step, tokens, drawn) < 0 or drawn < step:
        raise data.error("inconsistent step counters")
    t.step_count, t.tokens_seen = step, tokens
    t._resume_stream(drawn, batch_state)
    val = data.meta.get("val_loss")
    t.val_loss = float(val) if isinstance(val, (int, float)) else None
    metrics = data.meta.get("metrics", {})
    if isinstance(metrics, dict):
        t.metrics = {k: float(v) for k, v in metrics.items() if isinstance(v, (int, float))}
    return t


# Buffers each rule must have once it has made an update (Adam's step count t says it has).
_ADAM_BUFFERS = ("m", "v2")


def _check_optim_buffers(
    data: CheckpointData, scalars: dict[str, Any], buffers: dict[str, np.ndarray]
) -> None:
    """The optimiser's saved buffers are all there and finite (a missing one is an error).

    Buffers appear lazily, so which ones exist depends on the run's history: the file lists them
    in "optim_buffers" (older files do not, and then only Adam's are implied by its step count).
    """
    listed = data.meta.get("optim_buffers")
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(k, str) for k in listed):
            raise data.error("metadata field 'optim_buffers' has the wrong type")
        expected = set(listed)
    else:
        expected = set()
    t = scalars.get("t", 0)
    if isinstance(t, int) and not isinstance(t, bool) and t > 0:
        expected |= set(_ADAM_BUFFERS)
    missing = sorted(expected - set(buffers))
    if missing:
        raise data.error(
            f"optimiser buffer {', '.join(repr(k) for k in missing)} is missing; "
            "the file is damaged (resume from another checkpoint or start a new run)"
        )
    for k, v in buffers.items():
        if v.dtype.kind != "f" or not np.isfinite(v).all():
            raise data.error(f"optimiser buffer {k!r} contains NaN/Inf or is not a float array")
