"""Character vocabulary: a stable mapping between characters and token ids.

The order is the sorted order of code points, so the same text always gives the same ids, and a
checkpoint that stores the characters as one string restores the identical vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import DTypeLike

from rnnviz.tasks.base import TaskInputError

# Characters encoded per slice (keeps temporary arrays to a few tens of MB).
_CHUNK = 1 << 22

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
        # Lookup table for fast encoding of ordinary (code point < 2^16) text.
        self._table = np.full(max((ord(c) for c in self.chars), default=0) + 1, -1, np.int32)
        for i, c in enumerate(self.chars):
            self._table[ord(c)] = i

    @classmethod
    def from_text(cls, text: str) -> Vocab:
        """The vocabulary of ``text``: its distinct characters in code-point order."""
        return cls(sorted(set(text)))

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
        last = len(self._table) - 1
        for start in range(0, len(text), _CHUNK):  # in chunks: a 50 MB text stays cheap
            piece = text[start : start + _CHUNK]
            codes = np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)  # (n,)
            ids = self._table[np.minimum(codes, last)]  # (n,) int32, -1 where unknown
            ids[codes > last] = -1
            if ids.min() < 0:
                missing = "".join(display_char(c) for c in self.unknown(text)[:10])
                raise TaskInputError(
                    f"text contains characters outside the model's vocabulary ({missing}); "
                    "use only characters the model was trained on"
                )
            out[start : start + ids.size] = ids
        return out

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """The text of token ids ``ids`` ((N,) ints)."""
        return "".join(self.chars[int(i)] for i in ids)

    def labels(self, text: str) -> tuple[str, ...]:
        """One visible display label per character of ``text``."""
        return tuple(display_char(c) for c in text)

    def to_string(self) -> str:
        """The characters as one string, JSON-safe, for ``meta()``."""
        return "".join(self.chars)
