"""Bounded archive reading: directory checks before any member is read, arrays read to their size.

Memory is measured with tracemalloc (numpy and zlib allocations are traced): a bomb that would
inflate to 256 MiB must be refused, or read, within a few MiB. No timing is involved.
"""

from __future__ import annotations

import struct
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hostile import (
    MB,
    Member,
    npy_bytes,
    npy_header,
    stored,
    write_zip,
    zero_bomb,
)

from rnnviz.train.archive import MAX_MEMBERS, Archive, ArchiveError, ArraySpec

SPEC = ArraySpec("float32", (3, 4))
GOOD = np.arange(12, dtype=np.float32).reshape(3, 4)
BOMB = 256 * MB


def _peak(fn: Callable[[], object]) -> tuple[int, object]:
    """(peak traced bytes, result or raised exception) of ``fn()``."""
    tracemalloc.start()
    try:
        try:
            result: object = fn()
        except Exception as exc:
            result = exc
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def _read(path: Path, name: str = "w", spec: ArraySpec = SPEC) -> np.ndarray:
    with open(path, "rb") as f, Archive(f) as archive:
        return archive.read_array(name, spec)


def _archive(path: Path, *members: Member) -> Path:
    write_zip(path, list(members))
    return path


def test_a_good_member_reads_back_exactly(tmp_path: Path) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", npy_bytes(GOOD)))
    np.testing.assert_array_equal(_read(p), GOOD)
    ranged = ArraySpec("int64", ((0, 10),))
    p = _archive(tmp_path / "b.npz", stored("w.npy", npy_bytes(np.arange(7))))
    assert _read(p, spec=ranged).tolist() == list(range(7))


def test_numpy_archives_stored_and_deflated_read_back(tmp_path: Path) -> None:
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "n.npz", w=GOOD)
        np.testing.assert_array_equal(_read(tmp_path / "n.npz"), GOOD)


def test_big_endian_arrays_are_converted(tmp_path: Path) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", npy_bytes(GOOD.astype(">f4"))))
    out = _read(p)
    assert out.dtype == np.dtype("float32") and np.array_equal(out, GOOD)


@pytest.mark.parametrize(
    "stored_as",
    [
        np.zeros((3, 4), bool),
        np.zeros((3, 4), np.int32),
        np.zeros((3, 4), np.int64),
        np.zeros((3, 4), np.float16),
        np.zeros((3, 4), np.float64),
        np.zeros((3, 4), np.complex64),
        np.zeros((3, 4), "<U1"),
        np.zeros((3, 4), [("a", "<f4")]),
        np.zeros((3, 4), object),
    ],
    ids=lambda a: str(a.dtype)[:12],
)
def test_other_dtypes_are_refused_before_their_data(tmp_path: Path, stored_as: np.ndarray) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", npy_bytes(stored_as)))
    with pytest.raises(ArchiveError, match=r"^w is stored as .*, expected float32$"):
        _read(p)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4, 1), (12,), (), (3, 5), (0, 4)])
def test_other_shapes_are_refused(tmp_path: Path, shape: tuple[int, ...]) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", npy_bytes(np.zeros(shape, np.float32))))
    with pytest.raises(ArchiveError, match=r"^w has shape .*, expected \(3, 4\)$"):
        _read(p)


def test_fortran_order_trailing_and_missing_bytes(tmp_path: Path) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", npy_bytes(np.asfortranarray(GOOD))))
    with pytest.raises(ArchiveError, match="Fortran order"):
        _read(p)
    p = _archive(tmp_path / "b.npz", stored("w.npy", npy_bytes(GOOD) + b"\0"))
    with pytest.raises(ArchiveError, match="holds more data than its shape"):
        _read(p)
    p = _archive(tmp_path / "c.npz", stored("w.npy", npy_bytes(GOOD)[:-1]))
    with pytest.raises(ArchiveError, match="truncated"):
        _read(p)
    p = _archive(tmp_path / "d.npz", stored("w.npy", b"PK not an array at all"))
    with pytest.raises(ArchiveError, match=r"not a \.npy array"):
        _read(p)
    with pytest.raises(ArchiveError, match="member x is missing"):
        _read(p, "x")


@pytest.mark.parametrize(
    "header",
    [
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 60) + b"{'descr': '<f4', 'shape': (3, 4)}",
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 40) + b"(" * 40,
        b"\x93NUMPY\x01\x00" + struct.pack("<H", 20) + b"__import__('os')\n  ",
        b"\x93NUMPY\x09\x00" + struct.pack("<H", 10) + b"{}" + b" " * 8,
    ],
)
def test_unreadable_headers_are_one_line_errors(tmp_path: Path, header: bytes) -> None:
    p = _archive(tmp_path / "a.npz", stored("w.npy", header + bytes(48)))
    with pytest.raises(ArchiveError, match=r"array header|not a \.npy array") as info:
        _read(p)
    assert "\n" not in str(info.value)


def test_a_huge_header_length_is_refused_before_reading_it(tmp_path: Path) -> None:
    head = b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0)
    p = _archive(tmp_path / "a.npz", zero_bomb("w.npy", head, BOMB, declared=len(head) + 48))
    peak, result = _peak(lambda: _read(p))
    assert isinstance(result, ArchiveError) and "array header" in str(result)
    assert peak < 4 * MB


def test_a_member_declaring_more_than_its_array_needs_is_refused_unread(tmp_path: Path) -> None:
    bomb = zero_bomb("w.npy", npy_header("float32", (BOMB // 4,)), BOMB)
    p = _archive(tmp_path / "a.npz", bomb)
    peak, result = _peak(lambda: _read(p))
    assert isinstance(result, ArchiveError) and "declares 268,435,584 bytes" in str(result)
    assert peak < 4 * MB


def test_a_member_inflating_beyond_its_declared_size_stops_at_the_bound(tmp_path: Path) -> None:
    """The directory claims the right size, the stream inflates to 256 MiB: read 48 bytes."""
    head = npy_header("float32", (3, 4))
    p = _archive(tmp_path / "a.npz", zero_bomb("w.npy", head, BOMB, declared=len(head) + 48))
    peak, result = _peak(lambda: _read(p))
    assert isinstance(result, np.ndarray) and np.array_equal(result, np.zeros((3, 4)))
    assert peak < 4 * MB


def test_a_header_claiming_a_huge_shape_is_refused_by_the_spec(tmp_path: Path) -> None:
    head = npy_header("float32", (BOMB // 4,))
    p = _archive(tmp_path / "a.npz", zero_bomb("w.npy", head, BOMB, declared=len(head) + 48))
    peak, result = _peak(lambda: _read(p))
    assert isinstance(result, ArchiveError) and "has shape (67108864,)" in str(result)
    assert peak < 4 * MB


def test_directory_checks_come_before_any_member(tmp_path: Path) -> None:
    good = stored("w.npy", npy_bytes(GOOD))
    cases = {
        "appears twice": [good, good],
        "not a .npy array": [stored("w.txt", b"hello")],
        "compression method 12": [Member("w.npy", b"xx", 0, 2, zipfile.ZIP_BZIP2)],
    }
    for message, members in cases.items():
        p = _archive(tmp_path / "a.npz", *members)
        with pytest.raises(ArchiveError, match=message), open(p, "rb") as f:
            Archive(f)


def test_an_end_record_declaring_too_many_members_is_refused_before_parsing(
    tmp_path: Path,
) -> None:
    p = tmp_path / "a.npz"
    many = MAX_MEMBERS + 1
    p.write_bytes(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, many, many, 46 * many, 0, 0))
    with pytest.raises(ArchiveError, match=f"declares {many} members"), open(p, "rb") as f:
        Archive(f)
    members = [stored(f"w{i}.npy", npy_bytes(GOOD)) for i in range(many)]
    write_zip(p, members)
    with pytest.raises(ArchiveError, match=f"declares {many} members"), open(p, "rb") as f:
        Archive(f)


@pytest.mark.parametrize("data", [b"", b"hello", b"PK\x05\x06" + bytes(10)])
def test_not_a_zip(tmp_path: Path, data: bytes) -> None:
    p = tmp_path / "a.npz"
    p.write_bytes(data)
    with pytest.raises(ArchiveError, match=r"not an \.npz/zip file|damaged"), open(p, "rb") as f:
        Archive(f)
