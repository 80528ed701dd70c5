"""The text task: vocabulary, char-rnn batches, probe, metadata round trip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from rnnviz.config import ConfigError, TaskConfig
from rnnviz.tasks import make_task, task_from_meta
from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.text import TextTask
from rnnviz.tasks.vocab import Vocab, display_char


def _tiny(**options: object) -> TextTask:
    task = make_task(TaskConfig(name="text", options={"corpus": "tiny", **options}))
    assert isinstance(task, TextTask)
    return task


def test_vocab_is_sorted_and_round_trips() -> None:
    v = Vocab.from_text("hello, world\n")
    assert v.chars == tuple(sorted(set("hello, world\n")))
    ids = v.encode("world\n")
    assert ids.dtype == np.int64 and ids.shape == (6,)
    assert v.decode(ids) == "world\n"
    assert Vocab(v.to_string()) == v
    assert v.unknown("hello!") == ["!"]
    with pytest.raises(TaskInputError, match="outside the model's vocabulary"):
        v.encode("hi!")
    with pytest.raises(TaskInputError, match="distinct"):
        Vocab("aa")


def test_vocab_encodes_characters_beyond_its_table() -> None:
    v = Vocab("ab")
    with pytest.raises(TaskInputError):
        v.encode("a\U0001f600")  # code point far above the table
    assert v.encode("ba").tolist() == [1, 0]


def test_display_labels_make_whitespace_visible() -> None:
    assert [display_char(c) for c in "a \n\t"] == ["a", "␣", "⏎", "⇥"]
    assert display_char("\x01") == "\\x01"


def test_default_task_is_pydoc_with_a_held_out_tail() -> None:
    task = make_task(TaskConfig())
    assert isinstance(task, TextTask)
    assert task.corpus == "pydoc"
    assert task.input_size == task.output_size == len(task.vocab)
    n = len(task.train_text) + len(task.val_text)
    assert len(task.val_text) == int(0.05 * n)
    assert (task.input_kind, task.head) == ("tokens", "softmax")


def test_lower_casing_shrinks_the_vocabulary() -> None:
    upper = make_task(TaskConfig(options={"corpus": "pydoc"}))
    lower = make_task(TaskConfig(options={"corpus": "pydoc", "lower": True}))
    assert len(lower.vocab) < len(upper.vocab)
    assert not any(c.isupper() for c in lower.vocab.chars)


def test_batches_are_parallel_streams_that_continue_across_batches() -> None:
    task = _tiny(val_fraction=0.0)
    B, T = 4, 10
    it = task.batches(B, T, np.random.default_rng(1))
    ids = task.vocab.encode(task.train_text)
    L = (ids.size - 1) // B
    first = next(it)
    assert first.reset
    assert first.x.shape == first.y.shape == (B, T)
    assert np.array_equal(first.x[:, 1:], first.y[:, :-1])  # y is x shifted by one
    previous = first
    for _ in range(3):
        batch = next(it)
        assert not batch.reset
        # Each stream picks up exactly where it stopped: state can be carried over.
        assert np.array_equal(batch.x[:, 0], previous.y[:, -1])
        previous = batch
    # Stream b reads its own slice of the text, from b * L on, after one shared random shift.
    shifts = [
        s
        for s in range(T)
        if all(np.array_equal(first.x[b], ids[b * L + s : b * L + s + T]) for b in range(B))
    ]
    assert len(shifts) == 1


def test_a_new_pass_over_the_text_resets_the_state() -> None:
    task = _tiny(val_fraction=0.0)
    it = task.batches(8, 20, np.random.default_rng(0))
    resets = [next(it).reset for _ in range(60)]
    assert resets[0]
    assert 2 <= sum(resets) < 60  # several passes, each starting with a reset


def test_batches_are_reproducible_from_the_seed() -> None:
    task = _tiny()
    a = [next(task.batches(3, 7, np.random.default_rng(5))).x for _ in range(2)]
    assert np.array_equal(a[0], a[1])


def test_probe_defaults_to_prose_from_the_held_out_text() -> None:
    task = make_task(TaskConfig())
    probe = task.probe()
    T = len(probe.text) - 1
    assert probe.x.shape == probe.y.shape == (1, T)
    assert T == 48
    assert probe.text in task.val_text
    assert len(probe.labels) == T
    assert task.vocab.decode(probe.y[0]) == probe.text[1:]
    # each step's target is the next character; the last one is never read, only predicted
    assert probe.targets[:-1] == probe.labels[1:]
    assert probe.targets[-1] == task.vocab.labels(probe.text[-1])[0]


def test_set_probe_validates_characters_and_length() -> None:
    task = _tiny()
    task.set_probe("the cat")
    assert task.probe().labels == ("t", "h", "e", "␣", "c", "a")
    with pytest.raises(TaskInputError, match="not in the corpus vocabulary"):
        task.set_probe("the cat€")
    with pytest.raises(TaskInputError, match="at least 2"):
        task.set_probe("t")
    with pytest.raises(TaskInputError, match="shorten"):
        task.set_probe("the " * 200)
    lower = _tiny(lower=True)
    lower.set_probe("THE CAT")  # lower-cased like the corpus
    assert lower.probe().text == "the cat"


def test_meta_restores_the_identical_vocabulary_and_probe() -> None:
    task = _tiny()
    task.set_probe("the dog saw")
    restored = task_from_meta(task.meta())
    assert isinstance(restored, TextTask)
    assert restored.vocab == task.vocab
    assert restored.probe().text == "the dog saw"
    assert restored.meta() == task.meta()


@pytest.mark.parametrize("changed", ["abcxabcx" * 10, "abcabcabc" * 10 + "cab"])
def test_meta_refuses_a_changed_corpus_but_still_samples(tmp_path: Path, changed: str) -> None:
    path = tmp_path / "a.txt"
    path.write_text("abcabcabc" * 10, encoding="utf-8")
    task = make_task(TaskConfig(name="text", options={"corpus": str(path)}))
    meta = task.meta()
    assert meta["corpus_sha256"] == hashlib.sha256(b"abcabcabc" * 10).hexdigest()
    path.write_text(changed, encoding="utf-8")
    restored = task_from_meta(meta)
    assert isinstance(restored, TextTask)
    assert restored.vocab.chars == ("a", "b", "c") and restored.meta() == meta
    with pytest.raises(TaskInputError, match="differs from the one this run was trained on"):
        next(restored.batches(1, 5, np.random.default_rng(0)))


def test_meta_without_the_corpus_file_still_probes_but_cannot_train(tmp_path: Path) -> None:
    path = tmp_path / "gone.txt"
    path.write_text("hello world, " * 20, encoding="utf-8")
    meta = make_task(TaskConfig(name="text", options={"corpus": str(path)})).meta()
    path.unlink()
    restored = task_from_meta(meta)
    assert isinstance(restored, TextTask)
    assert restored.input_size == len(set("hello world, "))
    assert restored.probe().text == meta["options"]["probe"]
    stream = restored.batches(1, 5, np.random.default_rng(0), {"shift": 1, "window": 2})
    assert stream.position() == {"shift": 1, "window": 2}  # kept for the next save
    with pytest.raises(TaskInputError, match="no such file"):
        next(stream)
    assert restored.meta() == meta


def test_unknown_options_and_tasks_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        make_task(TaskConfig(name="text", options={"corpsu": "pydoc"}))
    with pytest.raises(ConfigError, match="choose one of"):
        make_task(TaskConfig(name="poetry"))
    with pytest.raises(ConfigError, match="choose one of"):
        task_from_meta({"name": "poetry"})
    with pytest.raises(TaskInputError, match="vocabulary"):
        task_from_meta({"name": "text", "options": {"corpus": "tiny"}})
    with pytest.raises(TaskInputError, match="val_fraction"):
        make_task(TaskConfig(name="text", options={"val_fraction": 0.7}))


def test_long_texts_are_encoded_in_chunks_compactly() -> None:
    v = Vocab("ab\n")
    text = "ab\n" * 1_500_000  # 4.5 M characters: more than one chunk
    ids = v.encode(text, np.uint8)
    assert ids.dtype == np.uint8 and ids.size == len(text)
    assert v.decode(ids[-6:]) == "ab\nab\n"
    with pytest.raises(TaskInputError, match="outside"):
        v.encode(text + "c")  # the stranger sits in the last chunk


def test_validation_without_a_held_out_tail_is_flagged() -> None:
    from rnnviz.config import ModelConfig
    from rnnviz.core.model import Model

    with_tail, without = _tiny(), _tiny(val_fraction=0.0)
    rng = np.random.default_rng(0)
    model = Model(without.model_config(ModelConfig(cell="rnn", hidden=4)), rng)
    assert with_tail.evaluate(model, rng, length=5).metrics["held_out"] == 1.0
    ev = without.evaluate(model, rng, length=5)
    assert ev.metrics["held_out"] == 0.0  # the loss below is on training text
    assert ev.metrics["val_loss"] == without.val_loss(model)[0]
