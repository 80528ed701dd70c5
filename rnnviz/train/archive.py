"""Bounded reading of a checkpoint's archive: a zip file of ``.npy`` arrays (an ``.npz``).

A hostile archive must not cost more than the arrays it is expected to hold, so nothing is
trusted before it is checked and no member is decompressed further than its array needs:

1. The end-of-central-directory record is read first (a few bytes at the end of the file): an
   archive with more than ``MAX_MEMBERS`` entries or a larger directory is refused before the
   directory is parsed.
2. The directory (names, declared sizes, compression methods) is checked without reading any
   member: every name must be one the caller allows, none repeated, the compression stored or
   deflated, nothing encrypted.
3. A member is read as a stream, against an :class:`ArraySpec` the caller derives from what it
   already knows: its declared size must not exceed what the spec can need; the ``.npy`` header
   (at most ``MAX_HEADER`` bytes) is read and its dtype and shape checked; then exactly the
   bytes that shape needs are read, and one more read must find the member's end (which also
   checks its CRC). A member that claims more, or decompresses to more, is refused after at
   most one extra byte.

Every problem is an :class:`ArchiveError` whose one-line message names the member.
"""

from __future__ import annotations

import io
import math
import os
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

# rnnviz writes about 25 members (record, weights, optimiser buffers, carried state, history).
MAX_MEMBERS = 64
# A directory entry is 46 bytes plus its name and extra fields (a few dozen bytes here).
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 512
# numpy writes headers of 128 bytes for arrays like ours; a longer one is not ours.
MAX_HEADER = 4096
# Bytes read per call while filling an array (bounds the decompressor's output per step).
CHUNK = 1 << 20

_EOCD = struct.Struct("<4s4H2LH")  # end of central directory
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
# What zipfile and zlib raise for damaged bytes (a CRC mismatch, a bad local header, a broken
# deflate stream, a truncated file, a name that does not decode, ...).
_DAMAGED = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    struct.error,
    NotImplementedError,
    RuntimeError,
)


class ArchiveError(ValueError):
    """The archive or one of its members is not what was expected (one line)."""


@dataclass(frozen=True)
class ArraySpec:
    """The dtype and shape an array member must have.

    Attributes
    ----------
    dtype : str
        A plain numeric dtype name, e.g. "float32" (either byte order is accepted).
    shape : tuple
        One entry per axis: an exact length, or an inclusive range ``(lo, hi)``.
    """

    dtype: str
    shape: tuple[int | tuple[int, int], ...]

    def max_bytes(self) -> int:
        """Bytes of the largest array that fits."""
        dims = [d if isinstance(d, int) else d[1] for d in self.shape]
        return math.prod(dims) * np.dtype(self.dtype).itemsize

    def fits(self, shape: tuple[int, ...]) -> bool:
        if len(shape) != len(self.shape):
            return False
        return all(
            n == d if isinstance(d, int) else d[0] <= n <= d[1]
            for n, d in zip(shape, self.shape, strict=True)
        )

    def describe(self) -> str:
        dims = [str(d) if isinstance(d, int) else f"{d[0]}..{d[1]}" for d in self.shape]
        return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def _member_stem(name: str) -> str | None:
    return name[: -len(".npy")] if name.endswith(".npy") else None


class Archive:
    """An ``.npz`` archive opened for bounded reading.

    Parameters
    ----------
    f : binary file
        Open for reading, seekable; the caller keeps ownership.

    Raises
    ------
    ArchiveError
        Not a zip archive, too many members, a member that is not a ``.npy`` array, repeated,
        encrypted or compressed other than stored or deflated. The caller checks the names
        (:attr:`names`) before reading any member.
    """

    def __init__(self, f: BinaryIO) -> None:
        _check_end_record(f)
        try:
            self._zip = zipfile.ZipFile(f)
            infos = self._zip.infolist()
        except _DAMAGED as exc:
            raise ArchiveError(f"damaged zip directory ({_short(exc)})") from None
        if len(infos) > MAX_MEMBERS:
            raise ArchiveError(f"{len(infos)} members, more than a checkpoint has")
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            stem = _member_stem(info.filename)
            if stem is None:
                raise ArchiveError(f"unknown member {info.filename[:80]!r} (not a .npy array)")
            if stem in self._infos:
                raise ArchiveError(f"member {stem} appears twice")
            if info.compress_type not in _METHODS:
                raise ArchiveError(
                    f"member {stem} uses compression method {info.compress_type}; "
                    "only stored or deflated members are read"
                )
            if info.flag_bits & 0x1:
                raise ArchiveError(f"member {stem} is encrypted")
            self._infos[stem] = info

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    @property
    def names(self) -> tuple[str, ...]:
        """Member names without ``.npy``, in archive order."""
        return tuple(self._infos)

    def read_array(self, name: str, spec: ArraySpec) -> np.ndarray:
        """Read member ``name`` as an array fitting ``spec``, decompressing no more than it needs.

        Raises
        ------
        ArchiveError
            Missing member, wrong dtype or shape, declared or actual size beyond the array's,
            truncated or corrupt data.
        """
        info = self._infos.get(name)
        if info is None:
            raise ArchiveError(f"member {name} is missing")
        limit = MAX_HEADER + spec.max_bytes()
        if info.file_size > limit:
            raise ArchiveError(
                f"member {name} declares {info.file_size:,} bytes, more than its array can need "
                f"({limit:,})"
            )
        try:
            with self._zip.open(info) as f:
                return _read_npy(f, name, spec)
        except ArchiveError:
            raise
        except MemoryError:
            raise ArchiveError(
                f"member {name}: not enough memory for {spec.max_bytes():,} bytes"
            ) from None
        except _DAMAGED as exc:
            raise ArchiveError(f"member {name} is corrupt ({_short(exc)})") from None


def _check_end_record(f: BinaryIO) -> None:
    """Refuse an archive whose end record declares too many entries or too large a directory."""
    size = f.seek(0, os.SEEK_END)
    tail_len = min(size, _EOCD.size + 0xFFFF)
    f.seek(size - tail_len)
    tail = f.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < _EOCD.size:
        raise ArchiveError("not an .npz/zip file (no zip end record)")
    _, _, _, _, entries, cd_size, cd_offset, _ = _EOCD.unpack_from(tail, pos)
    if entries == 0xFFFF or 0xFFFFFFFF in (cd_size, cd_offset):
        entries, cd_size = _zip64_end_record(f, size - tail_len + pos)
    if entries > MAX_MEMBERS or cd_size > MAX_DIRECTORY_BYTES:
        raise ArchiveError(
            f"zip directory declares {entries:,} members in {cd_size:,} bytes, more than a "
            "checkpoint has"
        )
    f.seek(0)


def _zip64_end_record(f: BinaryIO, eocd_at: int) -> tuple[int, int]:
    """(entries, directory size) from the zip64 end record that the locator before ``eocd_at``
    points to."""
    if eocd_at < _ZIP64_LOCATOR.size:
        raise ArchiveError("damaged zip directory (no zip64 locator)")
    f.seek(eocd_at - _ZIP64_LOCATOR.size)
    sig, _, offset, _ = _ZIP64_LOCATOR.unpack(f.read(_ZIP64_LOCATOR.size))
    if sig != b"PK\x06\x07":
        raise ArchiveError("damaged zip directory (no zip64 locator)")
    f.seek(offset)
    raw = f.read(_ZIP64_EOCD.size)
    if len(raw) != _ZIP64_EOCD.size or raw[:4] != b"PK\x06\x06":
        raise ArchiveError("damaged zip directory (no zip64 end record)")
    fields = _ZIP64_EOCD.unpack(raw)
    return fields[7], fields[8]


def _read(f: BinaryIO, n: int, name: str, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ArchiveError(f"member {name} is truncated ({what})")
    return data


def _read_npy(f: BinaryIO, name: str, spec: ArraySpec) -> np.ndarray:
    """Header, checks, then exactly the array's bytes from the stream ``f``."""
    magic = _read(f, 8, name, "no .npy header")
    if magic[:6] != b"\x93NUMPY" or magic[6] not in (1, 2, 3):
        raise ArchiveError(f"member {name} is not a .npy array")
    length_format = "<H" if magic[6] == 1 else "<I"
    (length,) = struct.unpack(
        length_format, _read(f, struct.calcsize(length_format), name, "header length")
    )
    if length > MAX_HEADER:
        raise ArchiveError(f"member {name} has a {length:,}-byte array header; refused")
    header = _read(f, length, name, "array header")
    try:  # numpy's own parser, on a header already bounded to MAX_HEADER bytes
        wrapped = io.BytesIO(struct.pack("<H", length) + header)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. "required additional header parsing"
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(wrapped)
    except Exception as exc:  # hostile text: SyntaxError, ValueError, RecursionError, ...
        raise ArchiveError(
            f"member {name} has an unreadable array header ({_short(exc)})"
        ) from None
    want = np.dtype(spec.dtype)
    if dtype not in (want, want.newbyteorder()) or dtype.fields is not None:
        raise ArchiveError(f"{name} is stored as {_dtype_name(dtype)}, expected {want}")
    if not spec.fits(shape):
        raise ArchiveError(f"{name} has shape {shape}, expected {spec.describe()}")
    if fortran and len(shape) > 1:
        raise ArchiveError(f"{name} is stored in Fortran order; rnnviz writes C order")
    out = np.empty(shape, dtype)
    buf = memoryview(out.reshape(-1).view(np.uint8))  # (nbytes,)
    pos = 0
    while pos < out.nbytes:
        chunk = f.read(min(CHUNK, out.nbytes - pos))
        if not chunk:
            raise ArchiveError(f"member {name} is truncated ({pos:,} of {out.nbytes:,} bytes)")
        buf[pos : pos + len(chunk)] = chunk
        pos += len(chunk)
    if f.read(1):
        raise ArchiveError(f"member {name} holds more data than its shape {shape}")
    return out if dtype == want else out.astype(want)


def _dtype_name(dtype: np.dtype) -> str:
    text = str(dtype)
    return text if len(text) <= 40 else text[:37] + "..."


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
