"""Chunk files: cut short or damaged anywhere, they read up to their last complete chunk."""

from __future__ import annotations

import io

import numpy as np
import pytest

from rnnviz.train.chunks import (
    HEAD_BYTES,
    MAGIC,
    ChunkError,
    ChunkWriter,
    read_chunk,
    scan,
)


def _payloads() -> list[tuple[str, bytes]]:
    rng = np.random.default_rng(0)
    kinds = ["HEAD", "STEP", "FRAM", "SMPL", "STEP", "FRAM", "STAT"]
    return [(k, rng.bytes(int(rng.integers(0, 300)))) for k in kinds]


def _file(payloads: list[tuple[str, bytes]]) -> tuple[bytes, list[int]]:
    """The file's bytes, and the byte offset just past each chunk."""
    buf = io.BytesIO()
    w = ChunkWriter(buf)
    ends = []
    for kind, payload in payloads:
        w.append(kind, payload)
        ends.append(w.bytes_written)
    assert w.bytes_written == len(buf.getvalue())
    return buf.getvalue(), ends


def test_a_complete_file_reads_back_every_chunk() -> None:
    payloads = _payloads()
    data, _ = _file(payloads)
    f = io.BytesIO(data)
    s = scan(f)
    assert s.tail == "" and s.end == len(data)
    assert [(r.kind, read_chunk(f, r)) for r in s.chunks] == payloads


def test_cut_at_every_offset_the_complete_chunks_remain() -> None:
    payloads = _payloads()
    data, ends = _file(payloads)
    for cut in range(len(MAGIC), len(data) + 1):
        f = io.BytesIO(data[:cut])
        s = scan(f)
        complete = sum(end <= cut for end in ends)
        assert len(s.chunks) == complete, cut
        assert [read_chunk(f, r) for r in s.chunks] == [p for _, p in payloads[:complete]]
        assert (s.tail == "") == (cut in ends or cut == len(MAGIC)), cut
        if s.tail:
            assert "cut short" in s.tail


def test_a_damaged_chunk_ends_the_file_before_it() -> None:
    payloads = _payloads()
    data, ends = _file(payloads)
    broken = bytearray(data)
    broken[ends[2] + HEAD_BYTES + 1] ^= 0xFF  # inside the payload of chunk 3
    s = scan(io.BytesIO(bytes(broken)))
    assert len(s.chunks) == 3 and "damaged chunk" in s.tail
    huge = bytearray(data)
    huge[ends[1] + 4 : ends[1] + 12] = (1 << 62).to_bytes(8, "little")  # an absurd length
    s = scan(io.BytesIO(bytes(huge)))
    assert len(s.chunks) == 2 and "damaged chunk" in s.tail


def test_a_file_without_the_signature_is_refused() -> None:
    for data in (b"", b"hello world, not a recording", MAGIC[:-1]):
        with pytest.raises(ChunkError, match="not an rnnviz recording"):
            scan(io.BytesIO(data), "x.rec")


def test_a_writer_appends_to_an_existing_file_and_checks_kinds() -> None:
    buf = io.BytesIO()
    ChunkWriter(buf).append("HEAD", b"1")
    w = ChunkWriter(buf)  # at the end of a file that has its signature already
    w.append("STEP", b"22")
    s = scan(buf)
    assert [r.kind for r in s.chunks] == ["HEAD", "STEP"]
    with pytest.raises(ValueError, match="4 ASCII characters"):
        w.append("FRAME", b"")
