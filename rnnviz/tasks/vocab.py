"""Character vocabulary: a stable mapping between characters and token ids.

The order is the sorted order of code points, so the same text always gives the same ids, and a
checkpoint that stores the characters as one string restores the identical vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import DTypeLike

from rnnviz.tasks.base import TaskInputError

# Characters encoded per slice: temporary arrays stay small and no single step holds the
# interpreter's lock for more than a few milliseconds (a window loads corpora in the background).
_CHUNK = 1 << 20

# How invisible characters are drawn on a heatmap axis or in a probe label.
_DISPLAY = {"\n": "⏎", " ": "␣", "\t": "⇥", "\r": "␍"}


def display_char(ch: str) -> str:
    """A visible one-character label for ``ch`` (newline -> ⏎, space -> ␣, tab -> ⇥)."""
    if ch in _DISPLAY:
        return _DISPLAY[ch]
    if not ch.isprintable():
        return f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}"
    return ch


class Vocab:
    """Characters <-> token ids, in sorted code-point order.

    Parameters
    ----------
    chars : iterable of str
        The distinct characters. Duplicates are an error; the order given is kept, so pass
        ``sorted(set(text))`` (or use :meth:`from_text`) for the stable order.
    """

    def __init__(self, chars: Iterable[str]) -> None:
        self.chars: tuple[str, ...] = tuple(chars)
        if any(len(c) != 1 for c in self.chars):
            raise TaskInputError("vocabulary: every entry must be a single character")
        if len(set(self.chars)) != len(self.chars):
            raise TaskInputError("vocabulary: characters must be distinct")
        self.stoi: dict[str, int] = {c: i for i, c in enumerate(self.chars)}
        self._codes = np.array([ord(c) for c in self.chars], np.uint32)  # (V,) id -> code point
        # Lookup table code point -> id (-1: not in the vocabulary), up to the largest one.
        self._table = np.full(int(self._codes.max(initial=0)) + 1, -1, np.int32)
        self._table[self._codes] = np.arange(len(self.chars), dtype=np.int32)

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        """The vocabulary of ``text``: its distinct characters in code-point order."""
        return cls(sorted(set(text)))

    @classmethod
    def from_codes(cls, alphabet: np.ndarray) -> Vocab:
        """The vocabulary of distinct code points ``alphabet`` ((V,) ints, any order)."""
        return cls(sorted(chr(int(c)) for c in alphabet))

    def __len__(self) -> int:
        return len(self.chars)

    def __contains__(self, ch: object) -> bool:
        return ch in self.stoi

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and other.chars == self.chars

    def __hash__(self) -> int:
        return hash(self.chars)

    def unknown(self, text: str) -> list[str]:
        """Characters of ``text`` that are not in the vocabulary, sorted and distinct."""
        return sorted(set(text) - set(self.stoi))

    def encode(self, text: str, dtype: DTypeLike = np.int64) -> np.ndarray:
        """Token ids of ``text``.

        Parameters
        ----------
        text : str
            Characters of the vocabulary.
        dtype : dtype
            Integer type of the result; a corpus is stored compactly (uint8 for up to 256
            characters) and batches are widened to int64 when they are cut.

        Returns
        -------
        ids : ndarray
            (N,) ``dtype``.

        Raises
        ------
        TaskInputError
            If ``text`` contains characters outside the vocabulary.
        """
        out = np.empty(len(text), dtype)  # (N,)
        for start in range(0, len(text), _CHUNK):  # in chunks: a 50 MB text stays cheap
            codes = np.frombuffer(text[start : start + _CHUNK].encode("utf-32-le"), "<u4")  # (n,)
            out[start : start + codes.size] = self._lookup(codes, strict=True)
        return out

    def encode_codes(self, codes: np.ndarray, dtype: DTypeLike = np.int64) -> np.ndarray:
        """Token ids of code points, in chunks (a corpus never becomes one Python string).

        Parameters
        ----------
        codes : ndarray
            (N,) unsigned Unicode code points.
        dtype : dtype
            Integer type of the result.

        Returns
        -------
        ids : ndarray
            (N,) ``dtype``.

        Raises
        ------
        TaskInputError
            If a code point is outside the vocabulary.
        """
        out = np.empty(codes.size, dtype)  # (N,)
        for start in range(0, codes.size, _CHUNK):
            ids = self._lookup(codes[start : start + _CHUNK], strict=True)  # (n,)
            out[start : start + ids.size] = ids
        return out

    def _lookup(self, codes: np.ndarray, strict: bool) -> np.ndarray:
        """(n,) code points -> (n,) int32 ids, -1 for unknown ones (an error when ``strict``)."""
        last = self._table.size - 1
        ids = self._table[np.minimum(codes, last)]  # (n,) int32
        ids[codes > last] = -1
        if strict and ids.size and ids.min() < 0:
            strangers = np.unique(codes[ids < 0])[:10]  # (<=10,) code points
            missing = "".join(display_char(chr(int(c))) for c in strangers)
            raise TaskInputError(
                f"text contains characters outside the model's vocabulary ({missing}); "
                "use only characters the model was trained on"
            )
        return ids

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text of token ids ``ids`` ((N,) ints)."""
        idx = np.fromiter(ids, np.int64) if not isinstance(ids, np.ndarray) else ids
        return self._codes[idx].astype("<u4").tobytes().decode("utf-32-le")

    def labels(self, text: str) -> tuple[str, ...]:
        """One visible display label per character of ``text``."""
        return tuple(display_char(c) for c in text)

    def to_string(self) -> str:
        """The characters as one string, JSON-safe, for ``meta()``."""
        return "".join(self.chars)
