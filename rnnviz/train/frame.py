"""Frame: everything needed to redraw the probe views at one training step.

A Frame is what the heatmaps, the gradient-flow plot, the frame bar and (next) the frame view
and the neuron inspector draw: the probe sequence run through the network as it was at training
step ``step``::

    states[s]   (T, H)  every array the cell declares (h, c, gates, candidates), per StateSpec
    outputs     (T, O)  the output head's values on the probe
    loss_t      (T,)    the loss at each probe step, in nats
    flows[s]    (T,)    ||dL/ds_t|| for every carried state s, in the cell's order
    flow_last   (T,)    the last-step signal ||dL_T/dh_t|| (None without a probe)

with the labels that name its axes (probe inputs, targets, output units) and the per-parameter
gradient norms of the latest training step. Its arrays are read-only copies, never views of the
model's buffers, so a Frame can cross threads, be kept for scrubbing and be saved.

Files. :meth:`Frame.save` (:func:`save_frame`) writes an ``.npz`` (one ``.npy`` member per
array, uncompressed) with a small JSON header as a ``uint8`` member; no pickle anywhere.
:meth:`Frame.load` (:func:`load_frame`) reads it back through the bounded archive reader of
checkpoints (:mod:`rnnviz.train.archive`) and checks the header against a schema
(:mod:`rnnviz.train.schema`) before any array is read, each array against the dtype and shape
the header implies.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from rnnviz.core.types import StateSpec
from rnnviz.tasks.files import RefusedFileError, open_regular
from rnnviz.train.archive import Archive, ArchiveError, ArraySpec
from rnnviz.train.schema import Bool, Int, ListOf, MapOf, Num, Obj, Opt, SchemaError, Str

FORMAT = "rnnviz-frame"
VERSION = 1
HEADER_KEY = "header"
# Bounds a hostile header cannot exceed (a real probe is ~100 steps, a vocabulary ~100 labels).
MAX_STEPS = 1 << 16
MAX_UNITS = 1 << 16
MAX_OUTPUTS = 1 << 20
MAX_ARRAYS = 24
MAX_HEADER_BYTES = 1 << 22
MAX_LABEL = 64
#: The arrays of one frame together, in bytes: a frame is meant to be a few hundred kilobytes.
MAX_FRAME_BYTES = 1 << 28

_NAME = Str(16, min_len=1, pattern="[A-Za-z][A-Za-z0-9_]*", what="a short identifier")
_SPEC = Obj(
    {
        "name": _NAME,
        "label": Str(MAX_LABEL),
        "lo": Opt(Num()),
        "hi": Opt(Num()),
        "meaning": Str(1000),
    }
)
_LABELS = ListOf(Str(MAX_LABEL), MAX_STEPS)
_HEADER = Obj(
    {
        "format": Str(64, choices=(FORMAT,)),
        "version": Int(1, VERSION),
        "run_id": Str(64),
        "step": Int(0, 2**63 - 1),
        "cell": Str(64),
        "dtype": Str(8, choices=("float32", "float64")),
        "T": Int(0, MAX_STEPS),
        "H": Int(0, MAX_UNITS),
        "O": Int(0, MAX_OUTPUTS),
        "specs": ListOf(_SPEC, MAX_ARRAYS),
        "flows": ListOf(_NAME, MAX_ARRAYS, unique=True),
        "flow_last": Bool(),
        "param_norms": MapOf(Num(), 64),
        "labels": _LABELS,
        "targets": _LABELS,
        "text": Str(MAX_STEPS * 4),
        "output_labels": ListOf(Str(MAX_LABEL), MAX_OUTPUTS),
    }
)


class FrameError(ValueError):
    """A frame file that cannot be read or does not hold what its header says (one line)."""


@dataclass(frozen=True, eq=False)
class Frame:
    """The probe views' data at one training step (see the module docstring).

    Attributes
    ----------
    run_id : str
        Which run this frame belongs to (a reset or a new run has a new id).
    step : int
        Training steps done when the frame was taken.
    cell : str
        The cell's registry name.
    specs : tuple[StateSpec, ...]
        The arrays the cell declares, in its order.
    states : Mapping[str, ndarray]
        name -> (T, H) for every spec.
    outputs : ndarray
        (T, O) the head's outputs; its dtype is the engine's.
    loss_t : ndarray
        (T,) per-step probe loss in nats.
    flows : Mapping[str, ndarray]
        carried state -> (T,) ||dL/ds_t||, in the cell's order (empty without a probe).
    flow_last : ndarray or None
        (T,) the last-step signal ||dL_T/dh_t||.
    param_norms : Mapping[str, float]
        Gradient norm per parameter block of the latest training step.
    labels : tuple[str, ...]
        (T,) the probe's input label per step.
    targets : tuple[str, ...]
        (T,) the label of each step's target ("" where not scored), or empty.
    text : str
        The probe as the user would edit it.
    output_labels : tuple[str, ...]
        (O,) a name per output unit (the vocabulary for text), or empty.
    """

    run_id: str
    step: int
    cell: str
    specs: tuple[StateSpec, ...]
    states: Mapping[str, np.ndarray]
    outputs: np.ndarray
    loss_t: np.ndarray
    flows: Mapping[str, np.ndarray]
    flow_last: np.ndarray | None
    param_norms: Mapping[str, float]
    labels: tuple[str, ...]
    targets: tuple[str, ...] = ()
    text: str = ""
    output_labels: tuple[str, ...] = ()

    @property
    def T(self) -> int:
        """Probe length (time steps)."""
        return len(self.labels)

    @property
    def dtype(self) -> np.dtype:
        """The dtype the engine computed in (that of its outputs)."""
        dtype = np.asarray(self.outputs).dtype
        return dtype if dtype.kind == "f" else np.dtype(np.float64)

    @property
    def nbytes(self) -> int:
        """Bytes held by the frame's arrays."""
        arrays = [*self.states.values(), self.outputs, self.loss_t, *self.flows.values()]
        if self.flow_last is not None:
            arrays.append(self.flow_last)
        return int(sum(a.nbytes for a in arrays))

    def save(self, file: str | os.PathLike[str] | BinaryIO) -> None:
        """Write this frame as ``.npz`` arrays plus a JSON header (see :func:`save_frame`)."""
        save_frame(self, file)

    @classmethod
    def load(cls, file: str | os.PathLike[str] | BinaryIO) -> Frame:
        """Read a frame written by :meth:`save` (FrameError, one line, if it cannot be)."""
        return load_frame(file)

    def to_bytes(self) -> bytes:
        """The ``.npz`` bytes :meth:`save` writes."""
        return frame_bytes(self)

    def replace(self, **changes: Any) -> Frame:
        """A copy with ``changes`` (arrays given are frozen copies too)."""
        return dataclasses.replace(self, **changes)

    def __post_init__(self) -> None:
        freeze = object.__setattr__
        freeze(self, "states", {k: frozen(v) for k, v in self.states.items()})
        freeze(self, "flows", {k: frozen(v) for k, v in self.flows.items()})
        freeze(self, "outputs", frozen(self.outputs))
        freeze(self, "loss_t", frozen(self.loss_t))
        if self.flow_last is not None:
            freeze(self, "flow_last", frozen(self.flow_last))
        freeze(self, "param_norms", {k: float(v) for k, v in self.param_norms.items()})
        for name in ("specs", "labels", "targets", "output_labels"):
            freeze(self, name, tuple(getattr(self, name)))


def frozen(a: np.ndarray) -> np.ndarray:
    """``a`` itself if it is a read-only array that owns its data, else a read-only copy."""
    if isinstance(a, np.ndarray) and not a.flags.writeable and a.base is None:
        return a
    out = np.array(a, copy=True)
    out.flags.writeable = False
    return out


# ---------------------------------------------------------------------------- files
def _header(frame: Frame) -> dict[str, Any]:
    T = frame.T
    H = next(iter(frame.states.values())).shape[1] if frame.states else 0
    return {
        "format": FORMAT,
        "version": VERSION,
        "run_id": frame.run_id,
        "step": int(frame.step),
        "cell": frame.cell,
        "dtype": frame.dtype.name,
        "T": T,
        "H": int(H),
        "O": int(frame.outputs.shape[1]) if frame.outputs.ndim == 2 else 0,
        "specs": [dataclasses.asdict(s) for s in frame.specs],
        "flows": list(frame.flows),
        "flow_last": frame.flow_last is not None,
        "param_norms": {k: float(v) for k, v in frame.param_norms.items()},
        "labels": list(frame.labels),
        "targets": list(frame.targets),
        "text": frame.text,
        "output_labels": list(frame.output_labels),
    }


def save_frame(frame: Frame, file: str | os.PathLike[str] | BinaryIO) -> None:
    """Write ``frame`` as an ``.npz`` with a JSON header (no pickle).

    Parameters
    ----------
    frame : Frame
    file : path-like or binary file
        A path is created or replaced; a file object is written at its position.
    """
    blob = json.dumps(_header(frame), allow_nan=False).encode("utf-8")
    arrays = {HEADER_KEY: np.frombuffer(blob, dtype=np.uint8)}
    arrays.update({f"state_{k}": v for k, v in frame.states.items()})
    arrays["outputs"] = frame.outputs
    arrays["loss_t"] = frame.loss_t
    arrays.update({f"flow_{k}": v for k, v in frame.flows.items()})
    if frame.flow_last is not None:
        arrays["flow_last"] = frame.flow_last
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as f:
            np.savez(f, **arrays)
    else:
        np.savez(file, **arrays)


def frame_bytes(frame: Frame) -> bytes:
    """The ``.npz`` bytes :func:`save_frame` writes."""
    buf = io.BytesIO()
    save_frame(frame, buf)
    return buf.getvalue()


def load_frame(file: str | os.PathLike[str] | BinaryIO) -> Frame:
    """Read a frame written by :func:`save_frame`, checking everything before it is used.

    Raises
    ------
    FrameError
        Not a frame file, a damaged archive, a header that does not fit the schema, or an array
        whose name, dtype or shape is not what the header says (one line).
    """
    if not isinstance(file, (str, os.PathLike)):
        return _load(file, "frame")
    try:
        with open_regular(file) as (f, _):
            return _load(f, f"frame {Path(file)}")
    except FileNotFoundError:
        raise FrameError(f"frame {Path(file)}: no such file") from None
    except RefusedFileError as exc:
        raise FrameError(f"frame {Path(file)}: {exc}") from None
    except OSError as exc:
        raise FrameError(f"frame {Path(file)}: cannot read it ({exc.strerror or exc})") from None


def _load(f: BinaryIO, what: str) -> Frame:
    try:
        with Archive(f) as archive:
            header = _read_header(archive)
            specs = _array_specs(header)
            names = set(archive.names) - {HEADER_KEY}
            if names != set(specs):
                odd = sorted(names ^ set(specs))[0]
                state = "is missing" if odd in specs else "does not belong to this frame"
                raise FrameError(f"member {odd} {state}")
            arrays = {name: archive.read_array(name, spec) for name, spec in specs.items()}
    except (ArchiveError, SchemaError, FrameError) as exc:
        raise FrameError(f"{what}: {exc}") from None
    return Frame(
        run_id=header["run_id"],
        step=header["step"],
        cell=header["cell"],
        specs=tuple(StateSpec(**s) for s in header["specs"]),
        states={s["name"]: arrays[f"state_{s['name']}"] for s in header["specs"]},
        outputs=arrays["outputs"],
        loss_t=arrays["loss_t"],
        flows={k: arrays[f"flow_{k}"] for k in header["flows"]},
        flow_last=arrays.get("flow_last"),
        param_norms=header["param_norms"],
        labels=tuple(header["labels"]),
        targets=tuple(header["targets"]),
        text=header["text"],
        output_labels=tuple(header["output_labels"]),
    )


def _read_header(archive: Archive) -> dict[str, Any]:
    """The header's JSON object, checked against the schema and for consistency."""
    if HEADER_KEY not in archive.names:
        raise FrameError(f"not an rnnviz frame (no {HEADER_KEY!r} member)")
    raw = archive.read_array(HEADER_KEY, ArraySpec("uint8", ((1, MAX_HEADER_BYTES),)))
    try:
        value = json.loads(raw.tobytes().decode("utf-8"), object_pairs_hook=_unique)
    except RecursionError:
        raise FrameError("corrupt header (nested too deeply)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FrameError(f"corrupt header ({str(exc)[:120]})") from None
    header = _HEADER.check(value, "header")
    T, H, O = header["T"], header["H"], header["O"]
    names = [s["name"] for s in header["specs"]]
    if len(set(names)) != len(names):
        raise FrameError("header.specs names an array twice")
    if len(header["labels"]) != T:
        raise FrameError(f"header: {T} probe steps but {len(header['labels'])} labels")
    if len(header["targets"]) not in (0, T):
        raise FrameError(f"header: {T} probe steps but {len(header['targets'])} targets")
    if len(header["output_labels"]) not in (0, O):
        raise FrameError(f"header: {O} outputs but {len(header['output_labels'])} labels")
    itemsize = np.dtype(header["dtype"]).itemsize
    total = T * (H * len(names) + O + 1 + len(header["flows"]) + 1) * itemsize
    if total > MAX_FRAME_BYTES:
        raise FrameError(f"header declares {total:,} bytes of arrays, more than a frame holds")
    return header


def _array_specs(header: dict[str, Any]) -> dict[str, ArraySpec]:
    """The arrays the header implies, with their dtypes and shapes."""
    T, H, O, dtype = header["T"], header["H"], header["O"], header["dtype"]
    specs = {f"state_{s['name']}": ArraySpec(dtype, (T, H)) for s in header["specs"]}
    specs["outputs"] = ArraySpec(dtype, (T, O))
    specs["loss_t"] = ArraySpec(dtype, (T,))
    # flows are float64 whatever the engine's dtype (rescaled norms, see core.model)
    for k in header["flows"]:
        specs[f"flow_{k}"] = ArraySpec("float64", (T,))
    if header["flow_last"]:
        specs["flow_last"] = ArraySpec("float64", (T,))
    return specs


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"key {next(k for k in keys if keys.count(k) > 1)[:40]!r} repeats")
    return dict(pairs)
