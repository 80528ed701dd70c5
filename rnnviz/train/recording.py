"""Recordings: a run's configuration, every step, its samples and frames, in one growing file.

A :class:`Recorder` takes the :class:`~rnnviz.train.update.Update` objects of a run (the same
ones a window's :class:`~rnnviz.train.runmodel.RunModel` ingests) and appends them to an
append-only chunk file (:mod:`rnnviz.train.chunks`)::

    HEAD   JSON: format, version, the run configuration, run id, frame schedule, rnnviz version
    STEP   the StepRecords since the previous STEP: a packed array of STEP_DTYPE, (n,)
    METR   JSON: [[step, {metric: value}], ...] for the steps that measured metrics
    SMPL   JSON: one Sample (step, text, marks, metrics)
    HIST   a continued run's saved history (npz, no pickle): the steps before the recording
    FRAM   uint64 training step, then the Frame as written by save_frame (npz + JSON header)
    STAT   JSON: the run's state when it changed (running, diverged + why, stopped)

Frames are taken on a schedule (:class:`Schedule`): every ``every_steps`` training steps, and in
the first ``every_steps`` steps also at 1, 2, 5, 10, 20, 50, ... (early training changes fastest),
or every ``every_seconds`` of wall time; the newest frame is always written when the recording
closes. The step records of a stretch are written before the frame that ends it, and at least
every :data:`FLUSH_SECONDS`, so a file cut short anywhere (a crash, ``kill -9``, a full disk)
holds the whole history up to its last complete frame.

A :class:`Recording` reads such a file, also one cut short or damaged at its end: it reads up to
the last complete chunk whose content checks out, and says what it left out. It fills a
RunModel (:meth:`Recording.fill`, through :meth:`RunModel.ingest` like a live run) and gives the
frame at any training step for a scrubber (:meth:`Recording.frame_at`, read from the file when
asked, a few kept).

A recording may come from someone else: the header and every JSON chunk are checked against a
schema before use, frames through :func:`~rnnviz.train.frame.load_frame`'s checks, and the step
records must count up. Nothing is unpickled.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import struct
import time
import zipfile
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from rnnviz.config import ConfigError, RunConfig
from rnnviz.tasks.files import RefusedFileError, open_regular
from rnnviz.train.checkpoint import is_checkpoint_file
from rnnviz.train.chunks import ChunkError, ChunkRef, ChunkWriter, read_chunk, scan
from rnnviz.train.frame import Frame, FrameError, frame_bytes, load_frame
from rnnviz.train.history import History
from rnnviz.train.records import Sample, StepRecord
from rnnviz.train.runmodel import RunModel
from rnnviz.train.schema import AnyOf, Int, ListOf, MapOf, Num, Obj, Opt, SchemaError, Str
from rnnviz.train.update import STATES, Status, Update

FORMAT = "rnnviz-recording"
VERSION = 1
#: Frames every this many training steps by default: a 100,000-step run of the default preset
#: (174 KB frames) is about 75 MB, and 400 frames replay in a minute at 7 frames per second.
DEFAULT_EVERY = 250
#: Step records wait at most this long in memory before they are written.
FLUSH_SECONDS = 2.0
#: ... or this many of them.
FLUSH_RECORDS = 4096
#: One step record on disk (packed, little-endian): 49 bytes.
STEP_DTYPE = np.dtype(
    [
        ("step", "<i8"),
        ("tokens_seen", "<i8"),
        ("loss", "<f8"),
        ("grad_norm", "<f8"),
        ("grad_norm_clipped", "<f8"),
        ("clipped", "u1"),
        ("lr", "<f8"),
    ]
)
_FRAME_STEP = struct.Struct("<Q")
MAX_JSON_BYTES = 1 << 24  # a sample of 100,000 characters is ~0.4 MB
MAX_HISTORY_BYTES = 1 << 24  # a full default History is ~4 MB
FRAME_CACHE = 8  # frames kept in memory by a reader

_METRICS = MapOf(AnyOf((Num(), Opt(Num())), what="a number or null"), 256)
_STEP = Int(0, 2**63 - 1)
_HEAD = Obj(
    {
        "format": Str(64, choices=(FORMAT,)),
        "version": Int(1, VERSION),
        "run_id": Str(64),
        "label": Str(200),
        "every_steps": Opt(Int(1, 2**31)),
        "every_seconds": Opt(Num(1e-3, 1e6)),
        "rnnviz": Str(64),
        "created": Num(0),
    }
)
_SAMPLE = Obj(
    {
        "step": _STEP,
        "text": Str(1 << 20),
        "marks": ListOf(ListOf(Int(0, 1 << 20), 2), 1 << 16),
        "metrics": _METRICS,
    }
)
_EVALS = ListOf(ListOf(AnyOf((_STEP, _METRICS), what="a step or metrics"), 2), 1 << 20)
_HIST = Obj(
    {
        "meta": MapOf(AnyOf((Num(), Opt(Num())), what="a number or null"), 16),
        "columns": ListOf(Str(32, min_len=1), 8, unique=True),
        "tokens_seen": _STEP,
    }
)
_STATUS = Obj(
    {
        "state": Str(16, choices=STATES),
        "message": Str(4000),
        "step": _STEP,
    }
)


class RecordingError(ValueError):
    """A recording that cannot be opened or written (one line)."""


# ---------------------------------------------------------------------------- schedule
@dataclass(frozen=True)
class Schedule:
    """When a frame is due.

    Attributes
    ----------
    every_steps : int or None
        A frame at every multiple of this step, and at 1, 2, 5, 10, 20, 50, ... below it.
    every_seconds : float or None
        A frame when this much wall time passed since the previous one.
    """

    every_steps: int | None = DEFAULT_EVERY
    every_seconds: float | None = None

    def __post_init__(self) -> None:
        if self.every_steps is None and self.every_seconds is None:
            raise RecordingError("a recording needs frames every K steps or every S seconds")
        if self.every_steps is not None and self.every_steps < 1:
            raise RecordingError(f"frames every {self.every_steps} steps: must be at least 1")
        if self.every_seconds is not None and not (
            math.isfinite(self.every_seconds) and self.every_seconds > 0
        ):
            raise RecordingError(f"frames every {self.every_seconds} s: must be positive")

    def due(self, step: int, last_step: int | None, seconds_since: float) -> bool:
        """Whether a frame of ``step`` is due, the previous one being of ``last_step``."""
        if last_step is None:
            return True
        if step == last_step:
            return False
        if self.every_seconds is not None and seconds_since >= self.every_seconds:
            return True
        k = self.every_steps
        if k is None:
            return False
        if step // k > last_step // k:
            return True
        return step < k and _early(last_step, step)


def _early(last: int, step: int) -> bool:
    """Whether a number of the series 1, 2, 5, 10, 20, 50, ... lies in (last, step]."""
    m = 1
    while m <= step:
        for q in (1, 2, 5):
            if last < m * q <= step:
                return True
        m *= 10
    return False


# ---------------------------------------------------------------------------- writing
class Recorder:
    """Appends a run's updates to a recording file (see the module docstring).

    Parameters
    ----------
    path : path-like
        The file to create; an existing file is refused (nothing is overwritten).
    run : RunConfig
        The run's configuration, as the trainer holds it.
    run_id : str
        The run recorded; updates of another run (a reset) end the recording.
    schedule : Schedule
    label : str
        Shown with the replay (e.g. a comparison's run label).

    Raises
    ------
    RecordingError
        ``path`` exists or cannot be created (one line).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        run: RunConfig,
        run_id: str,
        schedule: Schedule | None = None,
        label: str = "",
    ) -> None:
        from rnnviz import __version__

        self.path = Path(path)
        self.schedule = schedule or Schedule()
        self.run_id = run_id
        try:
            self._f = open(self.path, "xb")  # noqa: SIM115 - open until close()
        except FileExistsError:
            raise RecordingError(
                f"{self.path}: exists; choose another name (a recording is never overwritten)"
            ) from None
        except OSError as exc:
            raise RecordingError(f"{self.path}: cannot create it ({exc.strerror or exc})") from None
        self._w = ChunkWriter(self._f)
        self._records: list[StepRecord] = []
        self._last_flush = time.monotonic()
        self._last_frame: Frame | None = None
        self._written_frame: Frame | None = None
        self._frame_time = time.monotonic()
        self._status: tuple[str, str] | None = None
        self._history_written = False
        self.frames_written = 0
        self.closed_because = ""
        head = {
            "format": FORMAT,
            "version": VERSION,
            "run": run.to_dict(),
            "run_id": run_id,
            "label": label,
            "every_steps": self.schedule.every_steps,
            "every_seconds": self.schedule.every_seconds,
            "rnnviz": __version__,
            "created": time.time(),
        }
        self._json("HEAD", head)

    @property
    def closed(self) -> bool:
        return self._f.closed

    @property
    def bytes_written(self) -> int:
        return self._w.bytes_written

    def frame_due(self, step: int) -> bool:
        """Whether the frame of training step ``step`` would be written now."""
        last = None if self._written_frame is None else self._written_frame.step
        return self.schedule.due(step, last, time.monotonic() - self._frame_time)

    def add(self, update: Update) -> None:
        """Append what is new in ``update``: records, samples, the frame when due, the state.

        An update of another run (a reset, another network) closes the recording: it holds
        one run.
        """
        if self.closed:
            return
        if update.run_id != self.run_id:
            self.close("the run was reset or replaced")
            return
        if update.history is not None and not self._history_written:
            self._history(update.history, update.history_tokens)
        self._history_written = True  # only a run's first update may carry one
        self._records.extend(update.records)
        for sample in update.samples:
            self._flush_records()  # the steps before a sample are on file before it
            self._sample(sample)
        if update.frame is not None:
            self._last_frame = update.frame
            if self.frame_due(update.frame.step):
                self._flush_records()
                self._frame(update.frame)
        now = time.monotonic()
        if len(self._records) >= FLUSH_RECORDS or now - self._last_flush >= FLUSH_SECONDS:
            self._flush_records()
        self._state(update.status)

    def close(self, why: str = "") -> None:
        """Write what is pending and the newest frame, and close the file."""
        if self.closed:
            return
        self._flush_records()
        if self._last_frame is not None and self._last_frame is not self._written_frame:
            self._frame(self._last_frame)
        self.closed_because = why
        self._f.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ chunks
    def _json(self, kind: str, value: Any) -> None:
        self._w.append(kind, json.dumps(value, allow_nan=False).encode("utf-8"))

    def _flush_records(self) -> None:
        self._last_flush = time.monotonic()
        if not self._records:
            return
        records, self._records = self._records, []
        rows = np.array(
            [
                (r.step, r.tokens_seen, r.loss, r.grad_norm, r.grad_norm_clipped, r.clipped, r.lr)
                for r in records
            ],
            dtype=STEP_DTYPE,
        )  # (n,)
        self._w.append("STEP", rows.tobytes())
        evals = [[r.step, _finite(r.metrics)] for r in records if r.metrics is not None]
        if evals:
            self._json("METR", evals)

    def _history(self, history: History, tokens_seen: int) -> None:
        meta, arrays = history.state_dict()
        head = {"meta": meta, "columns": list(history.columns), "tokens_seen": int(tokens_seen)}
        blob = np.frombuffer(json.dumps(head, allow_nan=False).encode("utf-8"), np.uint8)
        buf = io.BytesIO()
        np.savez(buf, head=blob, **arrays)
        self._w.append("HIST", buf.getvalue())

    def _sample(self, sample: Sample) -> None:
        self._json(
            "SMPL",
            {
                "step": int(sample.step),
                "text": sample.text,
                "marks": [[int(a), int(b)] for a, b in sample.marks],
                "metrics": _finite(sample.metrics),
            },
        )

    def _frame(self, frame: Frame) -> None:
        self._w.append("FRAM", _FRAME_STEP.pack(int(frame.step)) + frame_bytes(frame))
        self._written_frame = frame
        self._frame_time = time.monotonic()
        self.frames_written += 1

    def _state(self, status: Status) -> None:
        key = (status.state, status.message)
        if key != self._status:
            self._status = key
            self._json(
                "STAT", {"state": status.state, "message": status.message, "step": status.step}
            )


def record_training(
    trainer: Any,
    recorder: Recorder,
    steps: int | None,
    stop: Any = None,
    progress: Any = None,
) -> str:
    """Train ``trainer`` headless for ``steps`` steps (None: until ``stop``), recording.

    Per step only a sample is collected; the trainer's update (its frame costs a forward and
    backward pass over the probe) is built only when a frame is due, and at the end.

    Parameters
    ----------
    trainer : Trainer
    recorder : Recorder
        Recording ``trainer``'s run; closed at the end.
    steps : int or None
    stop : callable, optional
        ``stop()`` true ends the run after the current step.
    progress : callable, optional
        ``progress(step)`` after each step.

    Returns
    -------
    str
        The run's final state: "stopped", or "diverged" (training stops, as ``rnnviz train``
        does; the trainer went back to good weights and says why).
    """
    samples: list[Sample] = []
    state, message = "stopped", ""
    if recorder.frame_due(trainer.step_count):
        recorder.add(trainer.update("running"))  # the frame training starts from
    done = 0
    while (steps is None or done < steps) and not (stop is not None and stop()):
        if trainer.step().diverged:
            state, message = "diverged", trainer.diverged or ""
            break
        done += 1
        sample = trainer.pop_sample()
        if sample is not None:
            samples.append(sample)
        if recorder.frame_due(trainer.step_count):
            update = trainer.update("running")
            recorder.add(replace(update, samples=(*samples, *update.samples)))
            samples = []
        if progress is not None:
            progress(trainer.step_count)
    update = trainer.update(state, message)
    recorder.add(replace(update, samples=(*samples, *update.samples)))
    recorder.close()
    return state


def _finite(metrics: Any) -> dict[str, float | None]:
    """Metrics for JSON: non-finite values as null."""
    return {str(k): (float(v) if math.isfinite(v) else None) for k, v in dict(metrics).items()}


# ---------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class FrameRef:
    """Where the frame of one training step lies in a recording."""

    step: int
    chunk: ChunkRef


class Recording:
    """A recording opened for replay (see the module docstring).

    Parameters
    ----------
    path : path-like

    Attributes
    ----------
    run : RunConfig
        The recorded run's configuration.
    run_id, label : str
    schedule : Schedule
    records : ndarray
        (n,) of :data:`STEP_DTYPE`: every recorded step, in order.
    evaluations : dict[int, dict[str, float]]
        step -> metrics measured at that step.
    samples : list[Sample]
    statuses : list[Status]
        Every change of the run's state (running, diverged and why, stopped), in order.
    frames : list[FrameRef]
        Every frame on file, by increasing step.
    tail : str
        "" for a complete file; otherwise what was left out at its end and why.

    Raises
    ------
    RecordingError
        Not a readable recording at all (missing, not a recording, cut before its header).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._stack = contextlib.ExitStack()
        what = f"recording {self.path}"
        try:
            self._f: BinaryIO = self._stack.enter_context(open_regular(self.path))[0]
            found = scan(self._f, what)
        except FileNotFoundError:
            raise RecordingError(f"{what}: no such file") from None
        except RefusedFileError as exc:
            raise RecordingError(f"{what}: {exc}") from None
        except ChunkError as exc:
            self._stack.close()
            if is_checkpoint_file(self.path):
                raise RecordingError(
                    f"{what}: a checkpoint, not a recording: "
                    f"open it with `rnnviz gui --checkpoint {self.path}`"
                ) from None
            raise RecordingError(str(exc)) from None
        except OSError as exc:
            self._stack.close()
            raise RecordingError(f"{what}: cannot read it ({exc.strerror or exc})") from None
        self.tail = found.tail
        self._cache: OrderedDict[int, Frame] = OrderedDict()
        try:
            self._read(found.chunks, what)
        except RecordingError:
            self._stack.close()
            raise

    def _read(self, chunks: tuple[ChunkRef, ...], what: str) -> None:
        if not chunks or chunks[0].kind != "HEAD":
            raise RecordingError(f"{what}: cut short before its header was complete")
        try:
            head = self._load_json(chunks[0])
            run = head.pop("run", None) if isinstance(head, dict) else None
            head = _HEAD.check(head, "header")
            self.run = RunConfig.from_dict(run).validate()
        except (SchemaError, ConfigError, ValueError) as exc:
            raise RecordingError(f"{what}: {exc}") from None
        self.run_id, self.label = head["run_id"], head["label"]
        self.schedule = Schedule(head["every_steps"], head["every_seconds"])
        self._blocks: list[np.ndarray] = []  # (m,) STEP_DTYPE per STEP chunk
        rows = self._blocks
        self.evaluations: dict[int, dict[str, float]] = {}
        self.samples: list[Sample] = []
        self.statuses: list[Status] = []
        self.frames: list[FrameRef] = []
        self._order: list[tuple[str, int]] = []  # (kind, index) in file order
        self.history: History | None = None  # a continued run's steps before the recording
        self.history_tokens = 0
        last = -1
        n = 0
        for ref in chunks[1:]:
            try:
                last, n = self._chunk(ref, rows, last, n)
            except (SchemaError, ValueError, ChunkError) as exc:
                self.tail = f"a chunk at byte {ref.offset:,} that does not check out ({exc})"
                break
        self.records = np.concatenate(rows) if rows else np.zeros(0, STEP_DTYPE)  # (n,)

    def _chunk(self, ref: ChunkRef, rows: list[np.ndarray], last: int, n: int) -> tuple[int, int]:
        """Index one chunk; returns the last step and record count so far."""
        if ref.kind == "STEP":
            if ref.length % STEP_DTYPE.itemsize:
                raise ValueError("step records of a partial size")
            block = np.frombuffer(read_chunk(self._f, ref), dtype=STEP_DTYPE)  # (m,)
            steps = block["step"]
            if len(block) and (steps[0] <= last or np.any(np.diff(steps) <= 0)):
                raise ValueError("step records that do not count up")
            rows.append(block)
            self._order.append(("STEP", len(rows) - 1))
            return (int(steps[-1]) if len(block) else last), n + len(block)
        if ref.kind == "METR":
            for step, metrics in _EVALS.check(self._load_json(ref), "metrics"):
                self.evaluations[int(step)] = _metrics(metrics)
        elif ref.kind == "SMPL":
            s = _SAMPLE.check(self._load_json(ref), "sample")
            marks = tuple((a, b) for a, b in s["marks"])
            self.samples.append(Sample(s["step"], s["text"], marks, _metrics(s["metrics"])))
            self._order.append(("SMPL", len(self.samples) - 1))
        elif ref.kind == "STAT":
            s = _STATUS.check(self._load_json(ref), "state")
            self.statuses.append(Status(state=s["state"], message=s["message"], step=s["step"]))
        elif ref.kind == "HIST":
            if self._order or self.history is not None:
                raise ValueError("a saved history after the recording began")
            self.history, self.history_tokens = self._load_history(ref)
            return self.history.last_step, n
        elif ref.kind == "FRAM":
            if ref.length < _FRAME_STEP.size:
                raise ValueError("a frame without its step")
            self._f.seek(ref.offset)
            (step,) = _FRAME_STEP.unpack(self._f.read(_FRAME_STEP.size))
            if self.frames and step <= self.frames[-1].step:
                raise ValueError("frames that do not count up")
            self.frames.append(FrameRef(int(step), ref))
            self._order.append(("FRAM", len(self.frames) - 1))
        # other kinds: written by a newer rnnviz; skipped
        return last, n

    def _load_history(self, ref: ChunkRef) -> tuple[History, int]:
        if ref.length > MAX_HISTORY_BYTES:
            raise ValueError(f"a saved history of {ref.length:,} bytes")
        try:
            with np.load(io.BytesIO(read_chunk(self._f, ref)), allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
        except (OSError, EOFError, zipfile.BadZipFile) as exc:
            raise ValueError(f"a saved history that is not an archive ({exc})") from None
        try:
            head = json.loads(arrays.pop("head").tobytes().decode("utf-8"))
        except (KeyError, UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(f"a saved history without its header ({exc})") from None
        head = _HIST.check(head, "history")
        history = History.from_state_dict(head["meta"], arrays, tuple(head["columns"]))
        return history, head["tokens_seen"]

    def _load_json(self, ref: ChunkRef) -> Any:
        if ref.length > MAX_JSON_BYTES:
            raise ValueError(f"{ref.kind} chunk of {ref.length:,} bytes")
        try:
            return json.loads(read_chunk(self._f, ref).decode("utf-8"))
        except (UnicodeDecodeError, RecursionError) as exc:
            raise ValueError(f"not JSON ({type(exc).__name__})") from None

    # ------------------------------------------------------------------ reading
    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def last_step(self) -> int:
        """The last training step on file (0 for none)."""
        return int(self.records["step"][-1]) if len(self.records) else 0

    @property
    def frame_steps(self) -> np.ndarray:
        """(F,) the training steps that have a frame, increasing."""
        return np.array([f.step for f in self.frames], dtype=np.int64)

    def frame_at(self, step: int) -> Frame | None:
        """The frame of the newest step at most ``step`` (the first frame below it); None if
        the recording has no frame.

        Raises
        ------
        RecordingError
            The frame's bytes no longer check out (the file changed since it was opened).
        """
        if not self.frames:
            return None
        k = max(int(np.searchsorted(self.frame_steps, step, side="right")) - 1, 0)
        return self.frame(k)

    def frame(self, k: int) -> Frame:
        """The ``k``-th frame on file (see :meth:`frame_at` for the errors)."""
        if k in self._cache:
            self._cache.move_to_end(k)
            return self._cache[k]
        ref = self.frames[k]
        try:
            data = read_chunk(self._f, ref.chunk)
            frame = load_frame(io.BytesIO(data[_FRAME_STEP.size :]))
        except (ChunkError, FrameError) as exc:
            where = f"recording {self.path}: frame of step {ref.step}"
            raise RecordingError(f"{where}: {exc}") from None
        self._cache[k] = frame
        if len(self._cache) > FRAME_CACHE:
            self._cache.popitem(last=False)
        return frame

    def step_records(self, upto: int | None = None) -> list[StepRecord]:
        """The recorded steps (up to step ``upto``) as StepRecords, with their metrics."""
        rows = self.records if upto is None else self.records[self.records["step"] <= upto]
        return [self._record(r) for r in rows]

    def _record(self, r: np.void) -> StepRecord:
        step = int(r["step"])
        return StepRecord(
            step,
            int(r["tokens_seen"]),
            float(r["loss"]),
            float(r["grad_norm"]),
            float(r["grad_norm_clipped"]),
            bool(r["clipped"]),
            float(r["lr"]),
            self.evaluations.get(step),
        )

    def updates(self, upto: int | None = None) -> Iterator[Update]:
        """The recording as the updates a live run would have sent, up to step ``upto``.

        One update per frame (the steps and samples since the previous one, then the frame),
        and one for what follows the last frame.
        """
        limit = math.inf if upto is None else upto
        records: list[StepRecord] = []
        samples: list[Sample] = []
        first = True
        last: StepRecord | None = None
        for kind, i in self._order:
            if kind == "STEP":
                block = self._blocks[i]  # (m,) STEP_DTYPE
                records.extend(self._record(r) for r in block if r["step"] <= limit)
            elif kind == "SMPL" and self.samples[i].step <= limit:
                samples.append(self.samples[i])
            elif kind == "FRAM" and self.frames[i].step <= limit:
                last = records[-1] if records else last
                yield self._update(records, self.frame(i), samples, last, first)
                records, samples, first = [], [], False
        if records or samples or first:
            last = records[-1] if records else last
            yield self._update(records, None, samples, last, first)

    def _update(
        self,
        records: list[StepRecord],
        frame: Frame | None,
        samples: list[Sample],
        last: StepRecord | None,
        first: bool,
    ) -> Update:
        """One update; ``last`` is the newest record so far, ``first`` whether it is the first."""
        step = max(last.step if last else 0, frame.step if frame else 0)
        state = [s for s in self.statuses if s.step <= step]
        status = state[-1] if state else Status(state="stopped", step=step)
        o = self.run.optim
        status = replace(
            status,
            step=step,
            tokens_seen=last.tokens_seen if last else self.history_tokens,
            lr=last.lr if last else o.lr,
            clip_norm=o.clip_norm,
            clip_value=o.clip_value,
        )
        history = self.history if first else None
        tokens = self.history_tokens if history is not None else 0
        return Update(self.run_id, status, tuple(records), frame, tuple(samples), history, tokens)

    def fill(self, model: RunModel, upto: int | None = None) -> None:
        """Fill ``model`` with the recording up to step ``upto`` (all of it if None), through
        :meth:`RunModel.ingest` as a live run would."""
        for update in self.updates(upto):
            model.ingest(update)


def _metrics(raw: dict[str, float | None]) -> dict[str, float]:
    return {k: (math.nan if v is None else float(v)) for k, v in raw.items()}
