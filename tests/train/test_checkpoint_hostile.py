"""Hostile checkpoints: every record field and every array mutated, zip bombs, absurd counters.

Whatever a file holds, loading it either gives back a run equal to what the file says, or
raises one CheckpointError line naming the file; never another exception, never a silently
changed value, and never more memory than the arrays the record implies.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import math
import os
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hostile import (
    MB,
    Member,
    members_of,
    npy_bytes,
    npy_header,
    read_record,
    record_member,
    replace_members,
    stored,
    write_zip,
    zero_bomb,
)

from rnnviz.config import RunConfig
from rnnviz.tasks.base import TaskInputError
from rnnviz.train.checkpoint import CheckpointError, read_checkpoint, state_record
from rnnviz.train.trainer import Trainer

BOMB = 256 * MB
DELETE = object()  # a mutation that removes the field


def _losses(t: Trainer, n: int) -> list[float]:
    return [t.step().loss for _ in range(n)]


@pytest.fixture
def small_run(make_run: Callable[..., RunConfig]) -> RunConfig:
    run = make_run(sample_every=10**6, eval_every=10**6)
    return run.replace(model=dataclasses.replace(run.model, hidden=3))


@pytest.fixture
def ckpt(small_run: RunConfig, tmp_path: Path) -> Path:
    """A few kilobytes: a 3-unit LSTM on a 2 KB text file after 3 Adam steps."""
    t = Trainer(small_run)
    _losses(t, 3)
    return t.save(tmp_path / "tiny.npz")


def _load_or_error(path: Path, corpus: str | None = None) -> Trainer | None:
    """The loaded trainer, or None after checking the CheckpointError is one line naming it."""
    try:
        return Trainer.load(path, corpus=corpus)
    except CheckpointError as exc:
        text = str(exc)
        assert "\n" not in text and str(path) in text and len(text) < 400, text
        return None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), but a bool is never a number."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _saved_again(t: Trainer) -> dict[str, Any]:
    meta, _ = state_record(t.state())
    meta.pop("rnnviz_version")
    return meta


# ---------------------------------------------------------------------- the record, field by field

LEAF_MUTATIONS: list[Any] = [
    DELETE, None, True, False, 0, -1, 1, 7, 0.5, -0.0, 2**64, 2**130, 10**400, math.nan,
    math.inf, -math.inf, 1e308, "abc", "", "x" * 20_000, [], {}, [1, 2], {"a": 1},
    json.loads("[" * 60 + "]" * 60),
]  # fmt: skip
CONTAINER_MUTATIONS: list[Any] = [DELETE, None, "abc", 3, [], {}, "extra-key"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], bool]]:
    """Every (path, is_container) in a JSON value, containers before their contents."""
    if isinstance(value, dict):
        if path:
            yield path, True
        for k, v in value.items():
            yield from _paths(v, (*path, k))
    elif isinstance(value, list):
        yield path, True
        for i, v in enumerate(value):
            yield from _paths(v, (*path, i))
    else:
        yield path, False


def _mutated(record: dict, path: tuple[Any, ...], value: Any) -> dict:
    out = copy.deepcopy(record)
    node = out
    for k in path[:-1]:
        node = node[k]
    key = path[-1]
    if value is DELETE:
        del node[key]
    elif value == "extra-key" and isinstance(node[key], dict):
        node[key]["surprise"] = 1
    elif value == "extra-key" and isinstance(node[key], list):
        node[key].append("surprise")
    else:
        node[key] = value
    return out


def test_every_record_field_mutated_loads_equal_or_fails_in_one_line(ckpt: Path) -> None:
    original = read_record(ckpt)
    arrays = [m for m in members_of(ckpt) if m.name != "rnnviz_meta.npy"]
    loaded = refused = 0
    for path, container in _paths(original):
        for value in CONTAINER_MUTATIONS if container else LEAF_MUTATIONS:
            record = _mutated(original, path, value)
            write_zip(ckpt, [*arrays, record_member(record)])
            t = _load_or_error(ckpt)
            if t is None:
                refused += 1
                continue
            loaded += 1
            expected = {k: v for k, v in record.items() if k not in ("format", "version")}
            expected.pop("rnnviz_version", None)
            if path == ("stream",) and value is None:  # unknown: found again from the count
                expected["stream"] = original["stream"]
            again = _saved_again(t)
            assert _same(again, expected), f"{'.'.join(map(str, path))} = {value!r:.60} changed"
    assert refused > 1000 and loaded > 50  # both outcomes happen, so both are checked


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"format": "rnnviz-checkpoint", "version": 2, "step": ' + b"[" * 200_000, "nested"),
        (b'{"format": "rnnviz-checkpoint", "version": 2, "version": 2}', "'version' repeats"),
        (
            b'{"format": "rnnviz-checkpoint", "version": 2, "step": 1' + b"0" * 5000 + b"}",
            "corrupt",
        ),
        (b"\xff\xfe{}", "corrupt metadata"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"format": "rnnviz-checkpoint", "version": 2.0}', "format version"),
        (b'{"format": "rnnviz-checkpoint", "version": true}', "format version"),
        (b'{"format": "rnnviz-checkpoint", "version": 1' + b"0" * 300 + b"}", "version \\?"),
        (b'{"format": "' + b"x" * 100_000 + b'"}', "not an rnnviz checkpoint"),
    ],
)
def test_malformed_records(ckpt: Path, raw: bytes, message: str) -> None:
    replace_members(ckpt, record_member(raw))
    with pytest.raises(CheckpointError, match=message) as info:
        Trainer.load(ckpt)
    assert "\n" not in str(info.value) and len(str(info.value)) < 300


def test_a_record_larger_than_the_bound_is_refused(ckpt: Path) -> None:
    record = read_record(ckpt)
    record["metrics"] = {f"m{i}": 1.0 for i in range(100_000)}  # about 1.4 MB of JSON
    replace_members(ckpt, record_member(record))
    with pytest.raises(CheckpointError, match="rnnviz_meta declares 1,4"):
        Trainer.load(ckpt)


# ---------------------------------------------------------------------- the arrays


def _array_mutations(a: np.ndarray) -> Iterator[tuple[str, bytes | None]]:
    for dtype in (bool, np.int32, np.int64, np.float16, np.float64, np.complex64, "<U1",
                  [("a", "<f4")], object):  # fmt: skip
        yield f"dtype {dtype}", npy_bytes(np.zeros(a.shape, dtype))
    yield "big-endian", npy_bytes(a.astype(a.dtype.newbyteorder()))
    yield "extra axis", npy_bytes(a[..., None])
    yield "one fewer", npy_bytes(a.reshape(-1)[:-1])
    yield "empty", npy_bytes(a[:0])
    if a.ndim == 2:
        yield "transposed", npy_bytes(np.ascontiguousarray(a.T))
        yield "fortran", npy_bytes(np.asfortranarray(a))
    raw = npy_bytes(a)
    yield "trailing byte", raw + b"\0"
    yield "truncated", raw[:-1]
    yield "removed", None


def test_every_array_mutated_in_dtype_and_shape(ckpt: Path) -> None:
    good = {m.name: m for m in members_of(ckpt)}
    reference = Trainer.load(ckpt)
    for name in [n for n in good if n != "rnnviz_meta.npy"]:
        original = np.load(ckpt)[name[: -len(".npy")]]
        for what, payload in _array_mutations(original):
            members = [m for n, m in good.items() if n != name]
            if payload is not None:
                members.append(stored(name, payload))
            write_zip(ckpt, members)
            t = _load_or_error(ckpt)
            if t is not None:  # it loads what the file holds, of the dtype and shape it needs
                key = name[: -len(".npy")]
                stored_array = np.load(ckpt)[key]
                loaded = state_record(t.state())[1][key]
                assert loaded.dtype == original.dtype and loaded.shape == original.shape, what
                assert np.array_equal(loaded, stored_array), what
                assert _saved_again(t) == _saved_again(reference), what


@pytest.mark.parametrize(
    "members",
    [
        lambda good: [*good, stored("model/W_extra.npy", npy_bytes(np.zeros(3, np.float32)))],
        lambda good: [*good, stored("notes.txt", b"hello")],
        lambda good: [*good, stored("junk.npy", npy_bytes(np.zeros(3)))],
        lambda good: [*good, good[0]],
        lambda good: [*good, stored("model/../../etc.npy", npy_bytes(np.zeros(3)))],
    ],
    ids=["extra weight", "not an array", "unknown name", "duplicate", "path-like name"],
)
def test_unexpected_members_are_refused(
    ckpt: Path, members: Callable[[list[Member]], list[Member]]
) -> None:
    write_zip(ckpt, members(list(members_of(ckpt))))
    assert _load_or_error(ckpt) is None


# ---------------------------------------------------------------------- zip bombs


def _peak_load(path: Path) -> tuple[int, BaseException | None]:
    """Peak memory of reading the file (``read_checkpoint``, where the arrays are read), and
    the error ``Trainer.load`` gives (which also builds the task: reading a corpus file sets
    aside its 50 MB bound for a moment, which is not the checkpoint's doing)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(CheckpointError):
            read_checkpoint(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    try:
        Trainer.load(path)
    except CheckpointError as exc:
        return peak, exc
    return peak, None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: zero_bomb("junk.npy", npy_header("uint8", (BOMB,)), BOMB), "unknown member"),
        (
            lambda: zero_bomb("model/W_x2.npy", npy_header("float32", (BOMB // 4,)), BOMB),
            "does not belong",
        ),
        (
            lambda: zero_bomb("model/W_h.npy", npy_header("float32", (BOMB // 4,)), BOMB),
            "W_h declares",
        ),
        (
            lambda: zero_bomb(
                "model/W_h.npy", npy_header("float32", (BOMB // 4,)), BOMB, declared=200
            ),
            "W_h has shape",
        ),
        (
            lambda: zero_bomb("rnnviz_meta.npy", npy_header("uint8", (BOMB,)), BOMB),
            "rnnviz_meta declares",
        ),
        (
            lambda: zero_bomb("rnnviz_meta.npy", npy_header("uint8", (BOMB,)), BOMB, declared=200),
            "rnnviz_meta has shape",
        ),
        (
            lambda: zero_bomb("history/values.npy", npy_header("float64", (BOMB // 16, 2)), BOMB),
            "values declares",
        ),
    ],
    ids=["unknown", "extra", "weights", "weights-lying", "record", "record-lying", "history"],
)
def test_zip_bombs_are_refused_within_a_few_megabytes(
    ckpt: Path, make: Callable[[], Member], message: str
) -> None:
    bomb = make()
    assert len(bomb.data) < 300_000  # a 256 MiB inflation in a few hundred kilobytes
    replace_members(ckpt, bomb)
    peak, error = _peak_load(ckpt)
    assert error is not None and message in str(error) and "\n" not in str(error)
    assert peak < 16 * MB, f"{peak / MB:.0f} MiB"


def test_a_record_claiming_a_huge_model_is_refused_before_its_arrays(ckpt: Path) -> None:
    """Within every limit (a million inputs, 4096 units), W_x alone would be 65 GiB."""
    record = read_record(ckpt)
    model = record["run"]["model"]
    model.update(input_kind="vectors", input_size=1_000_000, hidden=4096, cell="lstm")
    head = npy_header("float32", (1_000_000, 4 * 4096))
    replace_members(ckpt, record_member(record), zero_bomb("model/W_x.npy", head, BOMB))
    peak, error = _peak_load(ckpt)
    assert error is not None and "GiB of memory" in str(error), error
    assert peak < 16 * MB, f"{peak / MB:.0f} MiB"


def test_a_member_inflating_beyond_its_declared_size_is_read_only_that_far(ckpt: Path) -> None:
    """The directory claims the true size of W_h; the deflate stream goes on for 256 MiB."""
    w_h = np.load(ckpt)["model/W_h"]
    head = npy_header("float32", w_h.shape)
    replace_members(ckpt, zero_bomb("model/W_h.npy", head, BOMB, declared=len(head) + w_h.nbytes))
    peak, error = _peak_load(ckpt)
    assert error is None  # the bytes it claims are zeros: valid weights
    assert peak < 16 * MB, f"{peak / MB:.0f} MiB"


# ---------------------------------------------------------------------- absurd counters, old files


def test_a_billion_billion_batches_drawn_resumes_at_once(
    small_run: RunConfig, tmp_path: Path
) -> None:
    """Format 2 stores the stream's position: the count of batches is only a counter."""
    straight = Trainer(small_run)
    expected = _losses(straight, 8)
    t = Trainer(small_run)
    _losses(t, 3)
    path = t.save(tmp_path / "a.npz")
    record = read_record(path)
    record["batches_drawn"] = 10**18
    replace_members(path, record_member(record))
    resumed = Trainer.load(path)
    assert resumed.batches_drawn == 10**18
    assert _losses(resumed, 5) == expected[3:]


def _format_1(path: Path, **changes: Any) -> dict:
    """Rewrite a checkpoint as format 1 wrote it: a count instead of a position, no hash."""
    record = read_record(path)
    record["version"] = 1
    del record["stream"]
    if "corpus_sha256" in record["task"]:
        del record["task"]["corpus_sha256"]
    record.update(changes)
    replace_members(path, record_member(record))
    return record


@pytest.mark.parametrize("steps", [0, 1, 3, 40, 97])
def test_format_1_text_checkpoints_resume_bit_identically(
    small_run: RunConfig, tmp_path: Path, steps: int
) -> None:
    """The text stream's position is found again by walking its passes (8 windows each)."""
    straight = Trainer(small_run)
    expected = _losses(straight, steps + 5)
    t = Trainer(small_run)
    _losses(t, steps)
    path = t.save(tmp_path / "a.npz")
    _format_1(path)
    corpus = small_run.task.options["corpus"]
    resumed = Trainer.load(path, corpus=corpus)  # format 1 stored no hash: the user confirms
    assert _losses(resumed, 5) == expected[steps:]
    again = Trainer.load(resumed.save(tmp_path / "b.npz"))  # format 2 now, with the hash
    assert _losses(again, 3) == _losses(straight, 3)


def test_format_1_with_an_absurd_count_fails_fast_and_stays_interruptible(
    ckpt: Path, small_run: RunConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rnnviz.tasks.text as text

    corpus = small_run.task.options["corpus"]
    _format_1(ckpt, batches_drawn=10**12)
    monkeypatch.setattr(text, "MAX_ADVANCE_PASSES", 1000)
    with pytest.raises(CheckpointError, match=r"record\.batches_drawn: .* more than 1,000 passes"):
        Trainer.load(ckpt, corpus=corpus)
    calls = []

    def interrupted(self: text.TextStream) -> None:
        calls.append(1)
        if len(calls) == 50:
            raise KeyboardInterrupt

    monkeypatch.setattr(text.TextStream, "_new_pass", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Trainer.load(ckpt, corpus=corpus)


@pytest.mark.parametrize("preset_task", ["echo", "binary-addition", "sine", "brackets"])
def test_format_1_checkpoints_of_fresh_draw_tasks_resume_at_once(
    tmp_path: Path, preset_task: str
) -> None:
    """Their batches are drawn afresh each time: the saved generator is the whole position."""
    from rnnviz.presets import load_preset

    run = load_preset(preset_task)
    run = run.replace(
        model=dataclasses.replace(run.model, hidden=4),
        train=dataclasses.replace(run.train, batch=2, sample_every=10**6, eval_every=10**6),
    )
    straight = Trainer(run)
    expected = _losses(straight, 6)
    t = Trainer(run)
    _losses(t, 2)
    path = t.save(tmp_path / "a.npz")
    _format_1(path, batches_drawn=10**15)
    assert _losses(Trainer.load(path), 4) == expected[2:]


# ---------------------------------------------------------------------- what a checkpoint may read


def _pointing_at(path: Path, corpus: str, version: int = 2) -> None:
    """Make the checkpoint at ``path`` name ``corpus`` as its text (a stranger's edit)."""
    record = read_record(path)
    record["task"]["options"]["corpus"] = corpus
    record["run"]["task"]["options"]["corpus"] = corpus
    replace_members(path, record_member(record))
    if version == 1:
        _format_1(path)


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "folder"])
def test_a_record_naming_a_fifo_device_or_folder_never_reads_it(
    ckpt: Path, tmp_path: Path, target: str
) -> None:
    if target == "fifo":
        target = str(tmp_path / "pipe")
        os.mkfifo(target)  # reading it would block until someone writes
    elif target == "folder":
        target = str(tmp_path)
    _pointing_at(ckpt, target)
    t = Trainer.load(ckpt)  # loads (samples, probes) without reading it
    assert t.task.data_error is not None and "not a regular file" in t.task.data_error
    with pytest.raises(TaskInputError, match="not a regular file"):
        t.step()


def test_a_record_naming_another_file_does_not_use_its_text(ckpt: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("a private note that the checkpoint's author wants to learn about\n" * 30)
    _pointing_at(ckpt, str(secret))
    t = Trainer.load(ckpt)
    assert "differs from the one this run was trained on" in (t.task.data_error or "")
    assert "val_loss" not in t.evaluation().metrics  # no figure computed on that text
    with pytest.raises(TaskInputError, match="differs"):
        t.step()


def test_a_format_1_record_never_reads_a_user_file_unless_named_again(
    ckpt: Path, small_run: RunConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    import rnnviz.tasks.corpus as corpus_module

    user_file = small_run.task.options["corpus"]
    _format_1(ckpt)
    opened: list[str] = []
    real = corpus_module.read_regular

    def spy(path: Any, limit: int) -> bytes:
        opened.append(str(path))
        return real(path, limit)

    monkeypatch.setattr(corpus_module, "read_regular", spy)
    t = Trainer.load(ckpt)
    assert opened == [] and "--corpus" in (t.task.data_error or "")
    assert t.evaluation().text  # it still samples
    t = Trainer.load(ckpt, corpus=user_file)
    assert opened == [user_file] and t.task.data_error is None
