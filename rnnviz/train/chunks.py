"""An append-only file of checked chunks: what survives a crash stays readable.

Layout::

    MAGIC                                   12 bytes, once
    chunk*                                  each: kind (4 ASCII bytes), length (uint64 LE),
                                            CRC-32 of the payload (uint32 LE), payload

A writer only ever appends whole chunks and hands each to the operating system at once
(``flush``), so a process killed at any moment (``kill -9``, a crash) leaves a file whose chunks
are complete up to the last one, which may be cut short. A reader walks the chunks from the
start and stops at the first one that is incomplete (its length runs past the end of the file)
or damaged (its CRC does not match): everything before it is intact and is what the file holds.
Nothing is ever rewritten in place.

A chunk's length is bounded (:data:`MAX_CHUNK`), so a damaged or hostile length field cannot make
a reader allocate more than that.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAGIC = b"\x89RNNVIZ\r\n\x1a\n\x00"  # a binary signature a text tool will not mistake for text
_HEAD = struct.Struct("<4sQI")  # kind, payload length, CRC-32
HEAD_BYTES = _HEAD.size
MAX_CHUNK = 1 << 30
_BLOCK = 1 << 20  # bytes read at a time when checking a long payload


class ChunkError(ValueError):
    """A file that is not a chunk file at all (one line); a damaged tail is not an error."""


@dataclass(frozen=True)
class ChunkRef:
    """Where one complete, checked chunk lies in its file.

    Attributes
    ----------
    kind : str
        Four ASCII characters naming what the payload holds.
    offset : int
        Byte offset of the payload.
    length : int
        Payload bytes.
    """

    kind: str
    offset: int
    length: int


@dataclass(frozen=True)
class Scan:
    """The complete chunks of a file, in order, and why the walk stopped.

    Attributes
    ----------
    chunks : tuple[ChunkRef, ...]
    end : int
        Byte offset just past the last complete chunk.
    tail : str
        "" if the file ends exactly after a complete chunk; otherwise what follows it ("a chunk
        cut short", "a damaged chunk", ...), with its offset.
    """

    chunks: tuple[ChunkRef, ...]
    end: int
    tail: str


class ChunkWriter:
    """Appends chunks to a binary file, each handed to the operating system when written.

    Parameters
    ----------
    f : binary file
        Opened for writing at its end (a new file gets the signature first).
    """

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        if f.tell() == 0:
            f.write(MAGIC)
            f.flush()
        self.bytes_written = f.tell()

    def append(self, kind: str, payload: bytes | bytearray | memoryview) -> int:
        """Append one chunk; returns the payload's offset.

        Raises
        ------
        ValueError
            ``kind`` is not 4 ASCII characters, or the payload exceeds :data:`MAX_CHUNK`.
        """
        tag = kind.encode("ascii")
        if len(tag) != 4:
            raise ValueError(f"chunk kind {kind!r}: must be 4 ASCII characters")
        n = len(payload)
        if n > MAX_CHUNK:
            raise ValueError(f"chunk {kind}: {n:,} bytes, more than a chunk holds")
        # header and payload in one write: a kill between two writes cannot split them differently
        self._f.write(_HEAD.pack(tag, n, zlib.crc32(payload)) + bytes(payload))
        self._f.flush()
        offset = self.bytes_written + HEAD_BYTES
        self.bytes_written += HEAD_BYTES + n
        return offset


def starts_as_recording(f: BinaryIO) -> bool:
    """Whether ``f`` (at its start) begins with a recording's signature; leaves ``f`` at 0."""
    f.seek(0)
    head = f.read(len(MAGIC))
    f.seek(0)
    return head == MAGIC


def is_recording_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a regular file that begins with a recording's signature."""
    if not os.path.isfile(path):  # a FIFO or a device is never opened (reading could block)
        return False
    try:
        with open(path, "rb") as f:
            return starts_as_recording(f)
    except OSError:
        return False


def scan(f: BinaryIO, what: str = "file") -> Scan:
    """Walk the chunks of ``f`` from the start (see the module docstring).

    Raises
    ------
    ChunkError
        ``f`` does not start with the signature (``what`` names it in the message).
    """
    f.seek(0, os.SEEK_END)
    size = f.tell()
    f.seek(0)
    if f.read(len(MAGIC)) != MAGIC:
        raise ChunkError(f"{what}: not an rnnviz recording (its first bytes are not a recording's)")
    pos, chunks = len(MAGIC), []
    while True:
        if pos == size:
            return Scan(tuple(chunks), pos, "")
        head = f.read(HEAD_BYTES)
        if len(head) < HEAD_BYTES:
            return Scan(tuple(chunks), pos, f"a chunk cut short at byte {pos:,}")
        tag, n, crc = _HEAD.unpack(head)
        if n > MAX_CHUNK or not tag.isascii() or not tag.isalpha():
            return Scan(tuple(chunks), pos, f"a damaged chunk at byte {pos:,}")
        if pos + HEAD_BYTES + n > size:
            return Scan(tuple(chunks), pos, f"a chunk cut short at byte {pos:,}")
        if _crc(f, n) != crc:
            return Scan(tuple(chunks), pos, f"a damaged chunk at byte {pos:,}")
        chunks.append(ChunkRef(tag.decode("ascii"), pos + HEAD_BYTES, n))
        pos += HEAD_BYTES + n


def _crc(f: BinaryIO, n: int) -> int:
    crc = 0
    while n > 0:
        block = f.read(min(n, _BLOCK))
        if not block:
            return -1
        crc = zlib.crc32(block, crc)
        n -= len(block)
    return crc


def read_chunk(f: BinaryIO, ref: ChunkRef) -> bytes:
    """The payload of a chunk found by :func:`scan` (checked again: the file may have changed).

    Raises
    ------
    ChunkError
        The payload is no longer there or no longer matches its CRC.
    """
    f.seek(ref.offset - HEAD_BYTES)
    head = f.read(HEAD_BYTES)
    payload = f.read(ref.length)
    if len(head) < HEAD_BYTES or len(payload) != ref.length:
        raise ChunkError(f"the chunk at byte {ref.offset - HEAD_BYTES:,} is gone")
    if _HEAD.unpack(head)[2] != zlib.crc32(payload):
        raise ChunkError(f"the chunk at byte {ref.offset - HEAD_BYTES:,} changed")
    return payload


def iter_payloads(f: BinaryIO, refs: tuple[ChunkRef, ...]) -> Iterator[tuple[str, bytes]]:
    """(kind, payload) of each chunk of ``refs``, in order."""
    for ref in refs:
        yield ref.kind, read_chunk(f, ref)
