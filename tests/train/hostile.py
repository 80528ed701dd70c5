"""Crafting hostile checkpoints: zip archives written byte by byte, zip bombs, raw records.

A zip bomb here is a deflate stream of a few hundred kilobytes that inflates to hundreds of
megabytes of zeros: one megabyte of zeros compressed with a fresh dictionary and a full flush,
repeated (each copy needs nothing before it), then an empty final block.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MB = 1 << 20


@dataclass(frozen=True)
class Member:
    """One zip member as it lies in the file."""

    name: str
    data: bytes  # as stored (deflated for method 8)
    crc: int
    size: int  # uncompressed size the directory declares
    method: int = zipfile.ZIP_STORED


def stored(name: str, payload: bytes) -> Member:
    return Member(name, payload, zlib.crc32(payload), len(payload))


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=True)
    return buf.getvalue()


def npy_header(dtype: str, shape: tuple[int, ...], fortran: bool = False, major: int = 1) -> bytes:
    """The ``.npy`` header numpy would write for such an array (format 1.0 or 2.0)."""
    descr = np.lib.format.dtype_to_descr(np.dtype(dtype))
    text = f"{{'descr': {descr!r}, 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"
    start = 10 if major == 1 else 12
    text += " " * (-(start + len(text) + 1) % 64) + "\n"
    length = struct.pack("<H" if major == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([major, 0]) + length + text.encode("latin1")


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


def zero_bomb(name: str, head: bytes, zeros: int, declared: int | None = None) -> Member:
    """``head`` followed by ``zeros`` zero bytes, deflated in about 1 KiB per MiB.

    ``declared`` is the uncompressed size the directory claims (the true size by default); the
    CRC is that of the first ``declared`` bytes, so a reader that stops there finds it right.
    """
    size = len(head) + zeros if declared is None else declared
    segment = _deflate(bytes(MB))
    parts = [_deflate(head)]
    crc = zlib.crc32(head[:size])
    left = max(0, size - len(head))  # zeros the CRC covers
    for start in range(0, zeros, MB):
        n = min(MB, zeros - start)
        parts.append(segment if n == MB else _deflate(bytes(n)))
        covered = min(n, left)
        if covered:
            crc = zlib.crc32(bytes(covered), crc)
            left -= covered
    parts.append(zlib.compressobj(9, zlib.DEFLATED, -15).flush())  # empty final block
    return Member(name, b"".join(parts), crc, size, zipfile.ZIP_DEFLATED)


def write_zip(path: Path, members: list[Member]) -> None:
    """A plain zip archive of ``members`` (no zip64: every size must stay below 4 GiB)."""
    out = bytearray()
    central = bytearray()
    for m in members:
        name = m.name.encode()
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, m.method, 0, 0x21, m.crc, len(m.data), m.size,
            len(name), 0,
        )  # fmt: skip
        out += name + m.data
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, m.method, 0, 0x21, m.crc, len(m.data),
            m.size, len(name), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        central += name
    eocd = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + eocd))


def members_of(path: Path) -> Iterator[Member]:
    """The members of an existing archive, stored uncompressed."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            yield stored(info.filename, z.read(info))


def record_member(record: object, allow_nan: bool = True) -> Member:
    """The ``rnnviz_meta.npy`` member holding ``record`` as JSON (NaN and Infinity allowed)."""
    blob = record if isinstance(record, bytes) else json.dumps(record, allow_nan=allow_nan).encode()
    return stored("rnnviz_meta.npy", npy_bytes(np.frombuffer(blob, np.uint8)))


def replace_members(path: Path, *new: Member, drop: tuple[str, ...] = ()) -> None:
    """Rewrite ``path`` with ``new`` members replacing (or joining) the old ones."""
    names = {m.name for m in new} | {f"{d}.npy" for d in drop}
    kept = [m for m in members_of(path) if m.name not in names]
    write_zip(path, kept + list(new))


def read_record(path: Path) -> dict:
    with zipfile.ZipFile(path) as z:
        raw = np.load(io.BytesIO(z.read("rnnviz_meta.npy")), allow_pickle=False)
    return json.loads(raw.tobytes())
