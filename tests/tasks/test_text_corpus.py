"""Corpus loading and every bad-input case: each is a TaskInputError naming the file and the fix."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import TaskConfig
from rnnviz.tasks import make_task
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.corpus import (
    MAX_FILE_BYTES,
    MAX_VOCAB,
    STDLIB_MAX_CHARS,
    bundled_texts,
    corpus_names,
    load_corpus,
    read_text_file,
)


def _write(tmp_path: Path, data: bytes, name: str = "corpus.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _error(path: Path, **options: object) -> str:
    """The one-line message, with the path (which may contain any word) replaced by <path>."""
    with pytest.raises(TaskInputError) as info:
        make_task(TaskConfig(name="text", options={"corpus": str(path), **options}))
    message = str(info.value)
    assert "\n" not in message
    assert str(path) in message
    return message.replace(str(path), "<path>")


def test_pydoc_corpus_is_the_documentation_in_sorted_topic_order() -> None:
    from pydoc_data.topics import topics

    text = load_corpus("pydoc")
    assert 400_000 < len(text) < 600_000
    first = sorted(topics)[0]
    assert text.startswith(topics[first])
    assert load_corpus("pydoc") == text  # identical on every call


def test_stdlib_corpus_is_python_source_capped_in_size() -> None:
    text = load_corpus("stdlib")
    assert 500_000 < len(text) <= STDLIB_MAX_CHARS
    assert "def " in text and "import " in text
    assert text.isascii()


def test_bundled_texts_are_listed_and_load() -> None:
    names = bundled_texts()
    assert {"poem", "tiny"} <= set(names)
    assert set(names) <= set(corpus_names())
    for name in names:
        text = load_corpus(name)
        assert len(text) > 1000
        assert load_corpus(name, lower=True) == text.lower()


def test_user_file_is_read_with_crlf_and_bom_normalised(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeffHello\r\nWorld\r\n".encode())
    assert read_text_file(path) == "Hello\nWorld\n"


def test_missing_file(tmp_path: Path) -> None:
    message = _error(tmp_path / "nope.txt")
    assert "no such file" in message
    assert "pydoc" in message  # the fix lists the bundled corpora


def test_folder_instead_of_file(tmp_path: Path) -> None:
    folder = tmp_path / "texts"
    folder.mkdir()
    assert "folder" in _error(folder)


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf"], ids=["zero-bytes", "only-a-bom"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    assert "file is empty" in _error(_write(tmp_path, data))


@pytest.mark.parametrize("data", [b"  \n\n\t ", b"\r\n" * 3, "\u3000\u00a0".encode()])
def test_whitespace_only_file_is_not_called_empty(tmp_path: Path, data: bytes) -> None:
    message = _error(_write(tmp_path, data))
    assert "only whitespace" in message and "empty" not in message


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(_error(fifo)), daemon=True)
    thread.start()
    thread.join(60)  # a blocked open would never return
    assert not thread.is_alive() and result
    assert "is a FIFO (named pipe), not a regular file" in result[0]


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused_without_reading_it(device: str) -> None:
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    assert "is a character device, not a regular file" in _error(Path(device))


def test_a_long_text_is_read_in_pieces_like_in_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces end at newlines; a CRLF, a multi-byte character or a BOM at a cut stays intact."""
    from rnnviz.tasks import corpus as corpus_module

    line = "Ünïcode \U0001f600 line\r\n"
    data = ("\ufeff" + line * 40).encode() + "ÄÖÜ no newline at the end".encode()
    expected = data.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    path = _write(tmp_path, data)
    bad = _write(tmp_path, data[:200] + b"\xff" + data[200:], "bad.txt")
    for chunk in (7, 8, 13, 64, 1 << 20):  # cuts inside characters, CRLFs and lines
        monkeypatch.setattr(corpus_module, "CHUNK_BYTES", chunk)
        assert read_text_file(path) == expected
        assert load_corpus(str(path), lower=True) == expected.lower()
        assert "invalid UTF-8 at byte offset 200;" in _error(bad)


def test_binary_file(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.png"))
    assert "binary" in message
    assert "byte offset 8" in message
    assert "UTF-8" in message


def test_utf16_file_is_reported_as_binary_with_the_utf8_fix(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "hello world".encode("utf-16")))
    assert "binary" in message and "UTF-8" in message


def test_invalid_utf8_names_the_byte_offset(tmp_path: Path) -> None:
    data = "naïve café ".encode() + b"caf\xe9 latin-1" + b" more text" * 10
    message = _error(_write(tmp_path, data))
    offset = len("naïve café ".encode()) + 3
    assert "invalid UTF-8" in message
    assert f"byte offset {offset}" in message
    assert "re-save" in message


def test_file_above_the_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk space used, never read
    message = _error(path)
    assert "50 MB limit" in message
    assert "excerpt" in message


def test_too_many_distinct_characters(tmp_path: Path) -> None:
    chars = "".join(chr(0x4E00 + i) for i in range(MAX_VOCAB + 10))  # CJK ideographs
    message = _error(_write(tmp_path, (chars * 3).encode()))
    assert f"{MAX_VOCAB + 10} distinct characters" in message
    assert str(MAX_VOCAB) in message


def test_lower_casing_is_applied_before_the_alphabet_limit(tmp_path: Path) -> None:
    pairs = [
        chr(c)
        for c in range(0x100, 0x800)
        if chr(c).isupper() and len(chr(c).lower()) == 1 and chr(c).lower().upper() == chr(c)
    ][: MAX_VOCAB // 2 + 20]
    text = "".join(pairs) + "".join(pairs).lower()
    assert len(set(text)) > MAX_VOCAB
    path = _write(tmp_path, (text * 2).encode())
    _error(path)
    task = make_task(TaskConfig(name="text", options={"corpus": str(path), "lower": True}))
    assert len(task.vocab) <= MAX_VOCAB


def test_file_shorter_than_seq_len_plus_one(tmp_path: Path) -> None:
    path = _write(tmp_path, b"hello there")
    task = make_task(TaskConfig(name="text", options={"corpus": str(path), "val_fraction": 0.0}))
    with pytest.raises(TaskInputError) as info:
        task.batches(1, 25, np.random.default_rng(0))
    message = str(info.value)
    assert path.name in message
    assert "fewer than sequence length + 1 = 26" in message
    assert "shorter sequence" in message
    # A sequence that fits works.
    batch = next(task.batches(1, 10, np.random.default_rng(0)))
    assert batch.x.shape == (1, 10)


def test_text_too_short_for_the_batch_suggests_a_smaller_batch(tmp_path: Path) -> None:
    path = _write(tmp_path, b"abcdefghij" * 10)  # 100 characters
    task = make_task(TaskConfig(name="text", options={"corpus": str(path), "val_fraction": 0.0}))
    with pytest.raises(TaskInputError) as info:
        task.batches(16, 25, np.random.default_rng(0))
    assert "batch of at most 3" in str(info.value)


@pytest.mark.parametrize("corpus", ["", 42])
def test_corpus_option_must_be_a_name_or_path(corpus: object) -> None:
    with pytest.raises(TaskInputError, match="corpus"):
        make_task(TaskConfig(name="text", options={"corpus": corpus}))


def test_a_text_is_decoded_in_bounded_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """No piece exceeds CHUNK_BYTES characters: no step of a background load is long."""
    from rnnviz.tasks import corpus as corpus_module

    monkeypatch.setattr(corpus_module, "CHUNK_BYTES", 100)
    data = ("a line of text\n" * 50 + "x" * 450).encode()
    pieces = list(corpus_module._utf8_pieces(data, "t"))
    assert "".join(pieces) == data.decode()
    assert len(pieces) > 5 and max(len(p) for p in pieces) <= 100
