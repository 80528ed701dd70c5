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
one-line message naming the file and the fix: missing, empty, larger than ``MAX_FILE_BYTES``
(refused before reading, so the window never freezes on a huge file), binary (contains a NUL
byte: UTF-16 files land here too), invalid UTF-8 (with the byte offset), or more than
``MAX_VOCAB`` distinct characters.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import sysconfig
from pathlib import Path

from rnnviz.tasks.base import TaskInputError

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
            if path.stat().st_size > STDLIB_MAX_FILE:
                continue
            source = path.read_bytes().decode("utf-8")
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


def read_text_file(path: str | os.PathLike[str], check_chars: bool = True) -> str:
    """Read and validate a user's UTF-8 text file.

    Parameters
    ----------
    path : str or PathLike
        The file.
    check_chars : bool
        Apply the ``MAX_VOCAB`` alphabet limit (the caller may apply it after lower-casing).

    Returns
    -------
    text : str
        The decoded text, Windows line endings turned into ``\\n`` and a leading BOM removed.

    Raises
    ------
    TaskInputError
        Missing, unreadable, empty, too large, binary, invalid UTF-8, or too many distinct
        characters; the one-line message names the file and the fix.
    """
    p = Path(path)
    name = str(p)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        choices = ", ".join(corpus_names())
        raise TaskInputError(
            f"corpus {name}: no such file; give the path of a UTF-8 text file or one of {choices}"
        ) from None
    except OSError as exc:
        raise TaskInputError(
            f"corpus {name}: cannot read it ({exc.strerror}); check the path"
        ) from None
    if p.is_dir():
        raise TaskInputError(f"corpus {name}: is a folder; give the path of a UTF-8 text file")
    if size > MAX_FILE_BYTES:
        raise TaskInputError(
            f"corpus {name}: file is {size / 2**20:.1f} MB, above the "
            f"{MAX_FILE_BYTES // 2**20} MB limit; train on an excerpt (e.g. its first 10 MB)"
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TaskInputError(f"corpus {name}: cannot read it ({exc.strerror}); check it") from None
    if not data.strip():
        raise TaskInputError(f"corpus {name}: file is empty; choose a file that contains text")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise TaskInputError(
            f"corpus {name}: looks like a binary file (NUL byte at byte offset {nul}); "
            "choose a plain text file saved as UTF-8"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TaskInputError(
            f"corpus {name}: invalid UTF-8 at byte offset {exc.start}; "
            "re-save the file as UTF-8 (e.g. iconv -t UTF-8)"
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if check_chars:
        check_alphabet(text, name)
    return text


def check_alphabet(text: str, name: str) -> None:
    """Raise TaskInputError if ``text`` has more than ``MAX_VOCAB`` distinct characters."""
    distinct = len(set(text))
    if distinct > MAX_VOCAB:
        raise TaskInputError(
            f"corpus {name}: {distinct} distinct characters, more than the model's limit of "
            f"{MAX_VOCAB}; use a text with a smaller alphabet or enable lower-casing"
        )


def load_corpus(source: str, lower: bool = False) -> str:
    """The text of a corpus source (see module docstring), optionally lower-cased.

    Parameters
    ----------
    source : str
        ``"pydoc"``, ``"stdlib"``, a bundled text name, or a file path.
    lower : bool
        Lower-case the text (as the classic tutorials do: a smaller alphabet, faster learning).

    Raises
    ------
    TaskInputError
        For any problem with a user file (see :func:`read_text_file`).
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
        # Lower-casing shrinks the alphabet, so the alphabet limit is judged after it.
        text = read_text_file(source, check_chars=False)
        text = text.lower() if lower else text
        check_alphabet(text, source)
        return text
    return text.lower() if lower else text
