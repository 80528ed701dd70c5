"""Text corpora for the character-level task: bundled sources and user files, with validation.

Sources
-------
``"pydoc"``
    The English text of Python's reference documentation (``pydoc_data.topics``), which ships
    with every Python: about 465,000 characters. Topics are joined in sorted key order, one
    newline between them, so the corpus is identical for a given Python version.
``"stdlib"``
    Python source code from the running interpreter's standard library: the public top-level
    modules (``*.py`` not starting with ``_``) in sorted file-name order, skipping files over
    ``STDLIB_MAX_FILE`` bytes and files with non-ASCII characters (keeps the alphabet small),
    until ``STDLIB_MAX_CHARS`` characters are collected.
``"poem"``, ``"tiny"``, ...
    Short texts written for this project, in ``assets/texts/<name>.txt``.
any other string
    A path to a UTF-8 text file.

User files are checked before training and every problem is a :class:`TaskInputError` with a
one-line message naming the file and the fix: missing, not a regular file (a FIFO, a device or a
folder is refused without being read: reading it could block or never end), empty or only
whitespace, larger than ``MAX_FILE_BYTES`` (refused before reading, and never more than that is
read even if the file grows), binary (contains a NUL byte: UTF-16 files land here too), invalid
UTF-8 (with the byte offset), or more than ``MAX_VOCAB`` distinct characters.

A text becomes a :class:`Corpus` of code points in pieces of ``CHUNK_BYTES`` (decoding, newline
normalisation, lower-casing, the alphabet): no step holds the interpreter's lock for long, so the
window stays responsive while a 50 MB corpus loads in the background.
"""

from __future__ import annotations

import codecs
import functools
import importlib.resources
import os
import sysconfig
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.files import RefusedFileError, read_regular

# 50 MB: a character model sees a few million characters per hour on a laptop, so a larger file
# would never be read through; reading it would also take seconds and hundreds of MB of memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
# 256 distinct characters: enough for any alphabetic language with punctuation and accents.
# The embedding and the softmax grow with the vocabulary: beyond this the softmax dominates
# training time and the output heatmap has more rows than a screen has pixels to show them.
MAX_VOCAB = 256
# About 1.5 MB of source code: several epochs fit in a lesson, and loading takes a blink.
STDLIB_MAX_CHARS = 1_500_000
# Skip very large modules so the selection spans many files rather than a few giants.
STDLIB_MAX_FILE = 100_000
# Bytes decoded (and characters encoded) per step when a text is turned into code points: each
# step holds the interpreter's lock for a few milliseconds at most, so a window loading a corpus
# in the background keeps drawing.
CHUNK_BYTES = 1 << 20
# Unicode code points: 0 .. 0x10FFFF.
_CODE_POINTS = 0x110000

BUILTIN = ("pydoc", "stdlib")


def bundled_texts() -> tuple[str, ...]:
    """Names of the project-written texts in ``assets/texts`` (file stems, sorted)."""
    folder = importlib.resources.files("rnnviz.assets") / "texts"
    try:
        names = [p.name for p in folder.iterdir() if p.name.endswith(".txt")]
    except (FileNotFoundError, NotADirectoryError):  # pragma: no cover - broken install
        return ()
    return tuple(sorted(n[: -len(".txt")] for n in names))


def corpus_names() -> tuple[str, ...]:
    """Every corpus name that needs no path: the built-in sources and the bundled texts."""
    return BUILTIN + bundled_texts()


@functools.lru_cache(maxsize=1)
def pydoc_text() -> str:
    """The ``pydoc_data.topics`` corpus (topics in sorted key order, newline-separated)."""
    try:
        from pydoc_data.topics import topics
    except ImportError as exc:  # pragma: no cover - stripped-down Python
        raise TaskInputError(
            "corpus 'pydoc': this Python has no pydoc_data module; choose another corpus or a file"
        ) from exc
    return "\n".join(topics[key] for key in sorted(topics))


@functools.lru_cache(maxsize=1)
def stdlib_text() -> str:
    """A deterministic selection of the standard library's source code (see module docstring)."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    try:
        files = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
    except OSError:  # pragma: no cover
        files = []
    parts: list[str] = []
    total = 0
    for path in files:
        try:
            source = read_regular(path, STDLIB_MAX_FILE).decode("utf-8")
        except RefusedFileError:  # too large (or not a file)
            continue
        except (OSError, UnicodeDecodeError):  # pragma: no cover - odd installs
            continue
        if not source.isascii():
            continue
        source = source.replace("\r\n", "\n")
        parts.append(source)
        total += len(source)
        if total >= STDLIB_MAX_CHARS:
            break
    if not parts:  # pragma: no cover - Python without sources (frozen/embedded)
        raise TaskInputError(
            f"corpus 'stdlib': no Python sources found in {folder}; choose corpus 'pydoc' or a file"
        )
    return "\n".join(parts)[:STDLIB_MAX_CHARS]


def _bundled_text(name: str) -> str:
    resource = importlib.resources.files("rnnviz.assets") / "texts" / f"{name}.txt"
    return resource.read_bytes().decode("utf-8").replace("\r\n", "\n")


@dataclass(frozen=True)
class Corpus:
    """A text as code points, ready to be encoded without building a Python string of it.

    Attributes
    ----------
    codes : ndarray
        (N,) uint32 Unicode code points of the text.
    alphabet : ndarray
        (V,) uint32 its distinct code points in ascending order (the vocabulary's order).
    """

    codes: np.ndarray
    alphabet: np.ndarray

    def __len__(self) -> int:
        return int(self.codes.size)

    def text(self, start: int = 0, stop: int | None = None) -> str:
        """Characters ``start:stop`` as a string (meant for excerpts: a probe, a test)."""
        return codes_to_text(self.codes[start:stop])


def codes_to_text(codes: np.ndarray) -> str:
    """The string of (N,) code points."""
    return np.ascontiguousarray(codes, dtype="<u4").tobytes().decode("utf-32-le")


def _utf8_pieces(data: bytes, name: str) -> Iterator[str]:
    """Decode ``data`` as UTF-8 in pieces of about ``CHUNK_BYTES``, newlines normalised.

    Pieces end after a newline where there is one (so a ``\\r\\n`` is never split and lower-casing
    sees whole lines); the BOM is dropped from the first. Raises TaskInputError for a NUL byte or
    invalid UTF-8, with the byte offset.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TaskInputError(
            f"corpus {name}: looks like a binary file (NUL byte at byte offset {nul}); "
            "choose a plain text file saved as UTF-8"
        )
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    start, n, carry = 0, len(data), ""
    while start < n:
        stop = min(n, start + CHUNK_BYTES)
        if stop < n:
            newline = data.rfind(b"\n", start, stop)
            stop = newline + 1 if newline >= 0 else stop
        pending = len(decoder.getstate()[0])  # bytes of a character split at the last cut
        try:
            piece = decoder.decode(data[start:stop], final=stop == n)
        except UnicodeDecodeError as exc:
            raise TaskInputError(
                f"corpus {name}: invalid UTF-8 at byte offset {start - pending + exc.start}; "
                "re-save the file as UTF-8 (e.g. iconv -t UTF-8)"
            ) from None
        if start == 0:
            piece = piece.removeprefix("\ufeff")
        piece = carry + piece
        carry = "\r" if stop < n and piece.endswith("\r") else ""  # its "\n" may come next
        yield piece[: len(piece) - len(carry)].replace("\r\n", "\n")
        start = stop
    if carry:  # pragma: no cover - the last piece never keeps a carry
        yield carry


def _str_pieces(text: str) -> Iterator[str]:
    """``text`` in pieces of ``CHUNK_BYTES`` characters (bundled corpora)."""
    for start in range(0, len(text), CHUNK_BYTES):
        yield text[start : start + CHUNK_BYTES]


def _to_corpus(pieces: Iterable[str], capacity: int, lower: bool) -> tuple[Corpus, bool]:
    """Code points and alphabet of the concatenated ``pieces``, each piece lower-cased if asked.

    Every step works on one piece (about a megabyte) at a time, so no single call holds the
    interpreter's lock for long: a window loading a 50 MB corpus in the background stays
    responsive. Lower-casing a piece equals lower-casing the text because pieces end at newlines
    (a line longer than a piece may differ in a final Greek sigma at the cut).

    Returns
    -------
    corpus : Corpus
    blank : bool
        Whether every character is whitespace (an empty text counts as blank).
    """
    codes = np.empty(capacity, np.uint32)  # (capacity,) grown if lower-casing lengthens the text
    seen = np.zeros(_CODE_POINTS, bool)  # (0x110000,) which code points occur
    size, blank = 0, True
    for piece in pieces:
        if lower:
            piece = piece.lower()
        blank = blank and piece.isspace()  # stops at the first visible character
        part = np.frombuffer(piece.encode("utf-32-le"), "<u4")  # (n,)
        if size + part.size > codes.size:
            codes = np.concatenate([codes[:size], np.empty(size + 2 * part.size, np.uint32)])
        codes[size : size + part.size] = part
        seen[part] = True
        size += part.size
    alphabet = np.flatnonzero(seen).astype(np.uint32)  # (V,) ascending
    return Corpus(codes=codes[:size], alphabet=alphabet), blank


def read_text_codes(path: str | os.PathLike[str], lower: bool = False) -> Corpus:
    """Read and validate a user's UTF-8 text file (without the alphabet limit).

    Parameters
    ----------
    path : str or PathLike
        The file: a regular file of at most ``MAX_FILE_BYTES`` (FIFOs, devices and folders are
        refused without reading them, see :mod:`rnnviz.tasks.files`).
    lower : bool
        Lower-case the text.

    Returns
    -------
    Corpus
        Windows line endings turned into ``\\n`` and a leading BOM removed.

    Raises
    ------
    TaskInputError
        Missing, unreadable, not a regular file, empty or only whitespace, too large, binary or
        invalid UTF-8; the one-line message names the file and the fix.
    """
    name = str(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        choices = ", ".join(corpus_names())
        raise TaskInputError(
            f"corpus {name}: no such file; give the path of a UTF-8 text file or one of {choices}"
        ) from None
    except RefusedFileError as exc:
        if exc.size is not None:
            raise TaskInputError(
                f"corpus {name}: file is {exc.size / 2**20:.1f} MB, above the "
                f"{MAX_FILE_BYTES // 2**20} MB limit; train on an excerpt (e.g. its first 10 MB)"
            ) from None
        raise TaskInputError(f"corpus {name}: {exc}; give the path of a UTF-8 text file") from None
    except OSError as exc:
        raise TaskInputError(
            f"corpus {name}: cannot read it ({exc.strerror or exc}); check the path"
        ) from None
    if not data:
        raise TaskInputError(f"corpus {name}: file is empty; choose a file that contains text")
    corpus, blank = _to_corpus(_utf8_pieces(data, name), len(data), lower)
    if not len(corpus):
        raise TaskInputError(f"corpus {name}: file is empty; choose a file that contains text")
    if blank:
        raise TaskInputError(
            f"corpus {name}: file contains only whitespace; choose a file that contains text"
        )
    return corpus


def read_text_file(path: str | os.PathLike[str], check_chars: bool = True) -> str:
    """The text of a user's UTF-8 file as a string (see :func:`read_text_codes`).

    Parameters
    ----------
    check_chars : bool
        Apply the ``MAX_VOCAB`` alphabet limit.
    """
    corpus = read_text_codes(path)
    if check_chars:
        check_alphabet(corpus, str(path))
    return corpus.text()


def check_alphabet(corpus: Corpus, name: str) -> None:
    """Raise TaskInputError if ``corpus`` has more than ``MAX_VOCAB`` distinct characters."""
    distinct = int(corpus.alphabet.size)
    if distinct > MAX_VOCAB:
        raise TaskInputError(
            f"corpus {name}: {distinct} distinct characters, more than the model's limit of "
            f"{MAX_VOCAB}; use a text with a smaller alphabet or enable lower-casing"
        )


def load_corpus_codes(source: str, lower: bool = False) -> Corpus:
    """The code points of a corpus source (see module docstring), optionally lower-cased.

    Parameters
    ----------
    source : str
        ``"pydoc"``, ``"stdlib"``, a bundled text name, or a file path.
    lower : bool
        Lower-case the text (as the classic tutorials do: a smaller alphabet, faster learning).
        The alphabet limit is judged after lower-casing.

    Raises
    ------
    TaskInputError
        For any problem with a user file (see :func:`read_text_codes`) or its alphabet.
    """
    if not isinstance(source, str) or not source:
        raise TaskInputError(
            f"task option corpus = {source!r}: give a corpus name ({', '.join(corpus_names())}) "
            "or a file path"
        )
    if source == "pydoc":
        text = pydoc_text()
    elif source == "stdlib":
        text = stdlib_text()
    elif source in bundled_texts():
        text = _bundled_text(source)
    else:
        corpus = read_text_codes(source, lower=lower)
        check_alphabet(corpus, source)
        return corpus
    return _to_corpus(_str_pieces(text), len(text), lower)[0]


def load_corpus(source: str, lower: bool = False) -> str:
    """The text of a corpus source as a string (see :func:`load_corpus_codes`)."""
    return load_corpus_codes(source, lower).text()
