"""Checkpoint files: one ``.npz`` holding the arrays and a JSON metadata record.

Layout of a checkpoint (format version 2)::

    rnnviz_meta        uint8 array: UTF-8 JSON {"format": "rnnviz-checkpoint", "version": 2, ...}
    model/<name>       the model's parameters (Model.state_dict())
    optim/<name>       the optimiser's array state (scalars live in the metadata)
    carry/<name>       the carried state (B, H) of a stateful run
    history/<name>     the bounded loss / gradient-norm history

A checkpoint is a :class:`TrainerState` on disk: :func:`save_state` writes one and
:func:`load_state` reads one back; ``Trainer.save`` / ``Trainer.load`` use them.

Writes are atomic: the file is written next to its destination under a temporary name, flushed to
disk, then renamed over the destination, so a crash mid-save leaves the previous checkpoint intact.
A save replaces only an rnnviz checkpoint (or an empty file), keeping its mode, and never a
device, a folder, a text or the corpus being trained on (see :mod:`rnnviz.train.safe_write`).

Reads trust nothing in the file (it may come from a stranger) and cost no more than the arrays
its record implies:

- Only a regular file is opened, and its zip directory is checked before any member is read:
  members other than the record and the arrays rnnviz writes are refused (:mod:`.archive`).
- The record is read first, at most ``MAX_RECORD_BYTES``, and every field is checked for type,
  range and size before use (:mod:`.record`, :mod:`.schema`); the run configuration by
  ``RunConfig.validate``.
- Each array member is then read as a stream against the dtype and shape the record implies:
  its ``.npy`` header first, then exactly the bytes that shape needs (a zip bomb is refused
  after at most one byte more than that). Nothing is ever unpickled.
- The batch stream's position is stored (format 2), so resuming costs the same after a
  billion steps as after one; format-1 files, which stored a count, are resumed by walking the
  text task's passes (at most ``MAX_ADVANCE_PASSES``).

What a checkpoint may make rnnviz read: the corpus of a text task, and only a bundled corpus by
name or a user's regular text file (at most 50 MB) whose text has the SHA-256 and sizes the
record stores; a file with another text is not used. A format-1 record stores no SHA-256, so the
user file it names is not read at all unless the user names it again (``Trainer.load(path,
corpus=...)``, ``rnnviz train --resume CKPT --corpus FILE``). A checkpoint whose corpus is not
used still loads, samples and probes; training and evaluation say why they cannot run.

Any problem becomes a :class:`CheckpointError` whose one-line message names the file and says
what is wrong (with the record field's path, e.g. ``record.run.optim.lr``).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnviz.config import ConfigError
from rnnviz.core.memory import check_memory, estimate_training_memory
from rnnviz.tasks import task_from_meta
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.files import RefusedFileError, open_regular
from rnnviz.train.archive import Archive, ArchiveError, ArraySpec
from rnnviz.train.chunks import starts_as_recording
from rnnviz.train.history import History
from rnnviz.train.record import (
    FORMAT,
    MAX_RECORD_BYTES,
    META_KEY,
    VERSION,
    array_specs,
    check_arrays,
    check_record,
)
from rnnviz.train.safe_write import Target, check_target, write_atomic
from rnnviz.train.schema import SchemaError
from rnnviz.train.state import TrainerState, seed_generators

__all__ = [
    "FORMAT",
    "META_KEY",
    "VERSION",
    "CheckpointData",
    "CheckpointError",
    "check_save_target",
    "is_checkpoint_file",
    "json_safe_state",
    "load_state",
    "read_checkpoint",
    "restore_generator_state",
    "save_state",
    "write_checkpoint",
]
_GROUPS = ("model", "optim", "carry", "history")


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable, foreign, damaged or incompatible (one line)."""


@dataclass(frozen=True)
class CheckpointData:
    """The checked contents of a checkpoint file.

    Attributes
    ----------
    path : Path
        Where it was read from.
    meta : dict
        The JSON record as stored (format, version, run config, task meta, counters, ...).
    record : dict
        The same record after checking, with "run" as a RunConfig.
    arrays : dict[str, ndarray]
        Every array except the record, keyed "group/name", each of the dtype and shape the
        record implies.
    """

    path: Path
    meta: dict[str, Any]
    record: dict[str, Any]
    arrays: dict[str, np.ndarray]

    def group(self, prefix: str) -> dict[str, np.ndarray]:
        """Arrays under ``prefix/``, keyed by the rest of their name."""
        p = prefix.rstrip("/") + "/"
        return {k[len(p) :]: v for k, v in self.arrays.items() if k.startswith(p)}

    def error(self, what: str) -> CheckpointError:
        """A CheckpointError about this file."""
        return _error(self.path, what)


def _error(path: Path, what: str) -> CheckpointError:
    return CheckpointError(f"checkpoint {path}: {what}")


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
    """Read and check a checkpoint: its container, its record and every array.

    Raises
    ------
    CheckpointError
        The file is missing, not a regular file, not a zip/npz file, truncated or corrupt, has
        no rnnviz record, was written in another format version, or holds anything that does
        not fit the record (see the module docstring).
    """
    p = Path(path)
    try:
        with open_regular(p) as (f, _):
            if starts_as_recording(f):
                raise _error(
                    p, f"a recording, not a checkpoint: replay it with `rnnviz replay {p}`"
                )
            with Archive(f) as archive:
                return _read(p, archive)
    except (ArchiveError, SchemaError) as exc:
        raise _error(p, str(exc)) from None
    except FileNotFoundError:
        raise _error(p, "no such file") from None
    except RefusedFileError as exc:
        raise _error(p, f"{exc}; give the path of a checkpoint (.npz) file") from None
    except OSError as exc:
        raise _error(p, f"cannot read it ({exc.strerror or exc})") from None


def _allowed(name: str) -> bool:
    group, _, rest = name.partition("/")
    return group in _GROUPS and 0 < len(rest) <= 32 and rest.replace("_", "").isalnum()


def _read(p: Path, archive: Archive) -> CheckpointData:
    names = set(archive.names)
    if META_KEY not in names:
        raise _error(p, f"not an rnnviz checkpoint (no {META_KEY!r} record)")
    unknown = sorted(n for n in names - {META_KEY} if not _allowed(n))
    if unknown:
        raise _error(p, f"unknown member {unknown[0][:80]!r} (not written by rnnviz)")
    raw = archive.read_array(META_KEY, ArraySpec("uint8", ((1, MAX_RECORD_BYTES),)))
    meta = _parse_record(p, raw.tobytes())
    rec = check_record(meta)
    run = rec["run"]
    try:  # the weights alone must fit before any array is read (the Trainer checks the rest)
        weights = estimate_training_memory(run.model, run.optim, train_steps=0)
        check_memory(weights, f"the saved {run.model.cell} with {run.model.hidden} units")
    except ConfigError as exc:
        raise _error(p, str(exc)) from None
    optim_present = {n[len("optim/") :] for n in names if n.startswith("optim/")}
    specs = array_specs(rec, optim_present)
    missing = sorted(set(specs) - names)
    if missing:
        name = missing[0]
        if name.startswith("optim/"):
            raise _error(
                p,
                f"optimiser buffer {name[len('optim/') :]!r} is missing; the file is damaged "
                "(resume from another checkpoint or start a new run)",
            )
        raise _error(p, f"member {name} is missing")
    extra = sorted(names - set(specs) - {META_KEY})
    if extra:
        raise _error(p, f"member {extra[0]} does not belong to this run")
    arrays = {name: archive.read_array(name, spec) for name, spec in specs.items()}
    check_arrays(arrays, run.model)
    return CheckpointData(path=p, meta=meta, record=rec, arrays=arrays)


def _parse_record(p: Path, blob: bytes) -> dict[str, Any]:
    """The JSON object of the record: UTF-8, no duplicate keys, format and version checked."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ValueError(f"key {next(k for k in keys if keys.count(k) > 1)[:40]!r} repeats")
        return dict(pairs)

    try:
        meta = json.loads(blob.decode("utf-8"), object_pairs_hook=unique)
    except RecursionError:
        raise _error(p, "corrupt metadata (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise _error(p, f"corrupt metadata ({_short(exc)})") from None
    if not isinstance(meta, dict):
        raise _error(p, "corrupt metadata (not a JSON object)")
    if meta.get("format") != FORMAT:
        shown = meta.get("format")
        shown = shown[:40] if isinstance(shown, str) else type(shown).__name__
        raise _error(p, f"not an rnnviz checkpoint (format {shown!r})")
    version = meta.get("version")
    if type(version) is not int or not 1 <= version <= VERSION:
        newer = type(version) is int and version > VERSION
        hint = "upgrade rnnviz to read it" if newer else "it cannot be read by this rnnviz"
        shown = version if type(version) is int and abs(version) < 10**6 else "?"
        raise _error(
            p, f"checkpoint format version {shown}, this rnnviz reads 1 to {VERSION}; {hint}"
        )
    return meta


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


def state_record(state: TrainerState) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The record (without "format" and "version") and the arrays that store ``state``."""
    import rnnviz

    arrays: dict[str, np.ndarray] = {}
    for k, v in state.params.items():
        arrays[f"model/{k}"] = np.asarray(v)
    optim_scalars: dict[str, Any] = {}
    for k, v in state.optimizer.items():
        if isinstance(v, np.ndarray):
            arrays[f"optim/{k}"] = v
        elif isinstance(v, (bool, int, float, str, np.integer, np.floating)) or v is None:
            optim_scalars[k] = v.item() if isinstance(v, (np.integer, np.floating)) else v
        else:
            raise TypeError(f"optimiser state {k!r} of type {type(v).__name__} is not storable")
    for k, v in (state.carry or {}).items():
        arrays[f"carry/{k}"] = v
    hist_meta, hist_arrays = state.history.state_dict()
    for k, v in hist_arrays.items():
        arrays[f"history/{k}"] = v
    meta = {
        "rnnviz_version": rnnviz.__version__,
        "run": state.run.to_dict(),
        "task": state.task.meta(),
        "step": state.step,
        "tokens_seen": state.tokens_seen,
        "batches_drawn": state.batches_drawn,
        "carry": state.carry is not None,
        "rng": {k: json_safe_state(v) for k, v in state.rng.items()},
        "stream": state.stream,
        "optim_state": optim_scalars,
        "optim_buffers": sorted(k[len("optim/") :] for k in arrays if k.startswith("optim/")),
        "history": hist_meta,
        "val_loss": _finite_or_none(state.val_loss),
        "metrics": {k: v for k, v in state.metrics.items() if np.isfinite(v)},
    }
    return meta, arrays


def save_state(state: TrainerState, path: str | os.PathLike[str], exclusive: bool = False) -> Path:
    """Write everything that continues the run of ``state`` bit-identically to ``path`` (atomic).

    Parameters
    ----------
    state : TrainerState
    path : path-like
        Destination file (conventionally ``*.npz``); see :func:`write_checkpoint` for what it
        may replace (never the corpus the run reads).
    exclusive : bool
        Refuse (FileExistsError) if ``path`` exists.
    """
    meta, arrays = state_record(state)
    return write_checkpoint(path, meta, arrays, state.task.source_files(), exclusive)


def load_state(path: str | os.PathLike[str], corpus: str | None = None) -> TrainerState:
    """Read a checkpoint written by :func:`save_state` back into a TrainerState.

    Parameters
    ----------
    path : path-like
        The checkpoint.
    corpus : str or None
        The text task's corpus, named anew by the user: a moved file (its text must still have
        the saved SHA-256), or the file a format-1 checkpoint names (which is otherwise not
        read). None uses the record's.

    Raises
    ------
    CheckpointError
        Missing, corrupt, foreign, hostile, wrong-version or incompatible file (one line).
    """
    data = read_checkpoint(path)
    rec, meta = data.record, data.meta
    run = rec["run"]
    task_meta = meta["task"]
    try:
        task = task_from_meta(task_meta, corpus)
    except (TaskInputError, ConfigError, TypeError, ValueError) as exc:
        raise data.error(f"record.task: cannot rebuild the task ({_short(exc)})") from None
    _check_task_round_trip(data, task.meta(), task_meta, corpus)
    if corpus is not None and "corpus" in run.task.options:
        run = run.replace(
            task=type(run.task)(run.task.name, {**run.task.options, "corpus": corpus})
        )
    expected = task.model_config(run.model)
    if expected != run.model:
        raise data.error(
            "the model's sizes do not match the saved task "
            f"(input {run.model.input_size} vs {expected.input_size}, "
            f"output {run.model.output_size} vs {expected.output_size})"
        )
    rng = {k: restore_generator_state(v) for k, v in rec["rng"].items()}
    stream = _stream_position(data, task, rng["batch"])
    try:
        history = History.from_state_dict(meta["history"], data.group("history"))
    except ValueError as exc:
        raise data.error(str(exc)) from None
    if history.count > rec["step"]:
        raise data.error("record.history.count is larger than record.step")
    optimizer: dict[str, Any] = {**data.group("optim"), "t": rec["optim_state"]["t"]}
    return TrainerState(
        run=run,
        task=task,
        params=data.group("model"),
        optimizer=optimizer,
        carry=data.group("carry") if rec["carry"] else None,
        history=history,
        step=rec["step"],
        tokens_seen=rec["tokens_seen"],
        batches_drawn=rec["batches_drawn"],
        rng=rng,
        stream=stream,
        val_loss=rec.get("val_loss"),
        metrics=dict(rec.get("metrics", {})),
    )


def _check_task_round_trip(
    data: CheckpointData, rebuilt: dict[str, Any], saved: dict[str, Any], corpus: str | None
) -> None:
    """Every value the record gives the task is what the rebuilt task reads back (no coercion).

    A format-2 record gives every value; format 1 may lack some (the task's defaults fill in).
    """
    options = dict(saved.get("options", {}))
    if corpus is not None:
        options["corpus"] = corpus
    if data.record["version"] >= 2:
        missing = sorted(set(rebuilt) - set(saved)) or sorted(
            set(rebuilt["options"]) - set(options)
        )
        if missing:
            raise data.error(f"record.task is missing {missing[0]!r}")
    for k, v in {**saved, "options": options}.items():
        if k == "options":
            for name, value in v.items():
                back = rebuilt["options"].get(name)
                if back != value or type(back) is not type(value):
                    raise data.error(
                        f"record.task.options.{name} = {_shown(value)} is read as {_shown(back)}"
                    )
        elif rebuilt.get(k) != v:
            raise data.error(f"record.task.{k} = {_shown(v)} is read as {_shown(rebuilt.get(k))}")


def _shown(value: object) -> str:
    from rnnviz.train.schema import show

    return show(value)


def _stream_position(
    data: CheckpointData, task: Any, batch_state: dict[str, Any]
) -> dict[str, int] | None:
    """The batch stream's position, checked against the task's data.

    Format 2 stores it. A format-1 file stored only the number of batches drawn: a stream with
    a position of its own (the text task's) is walked there from the seed's generator, which
    must then reach the saved generator state.
    """
    rec = data.record
    run = rec["run"]
    B, T = run.train.batch, run.train.seq_len
    rng = np.random.Generator(np.random.PCG64())
    rng.bit_generator.state = batch_state
    saved = rec.get("stream")  # None: a format-1 file, or one saved again without its text
    try:
        stream = task.batches(B, T, rng, saved)
    except TaskInputError as exc:
        raise data.error(f"record.stream: {_short(exc)}") from None
    position = stream.position()
    if saved is not None or not position:
        return position
    fresh = seed_generators(run.train.seed)[1]
    walked = task.batches(B, T, fresh)
    try:
        walked.advance(rec["batches_drawn"])
    except TaskInputError as exc:
        raise data.error(f"record.batches_drawn: {_short(exc)}") from None
    if fresh.bit_generator.state != batch_state:
        raise data.error(
            "the resumed batch stream differs from the saved one (the task's data or code "
            "changed since the checkpoint); start a new run"
        )
    return walked.position()
