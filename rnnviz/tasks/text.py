"""Character-level language modelling: predict the next character of a text.

Defaults (see also assets/presets/default.json and char-lstm.json)
--------------------------------------------------------------------
- corpus ``"pydoc"``: Python's reference documentation, ~465,000 characters, bundled with Python.
- ``lower = False``: the corpus as written (the classic tutorial presets switch it on).
- ``val_fraction = 0.05``: the last 5 % of the text is held out for the validation loss.
- ``eval_chars = 10000``: the validation loss is computed on at most this many held-out
  characters, so an evaluation takes a fraction of a second.

Batches follow char-rnn: the training text is cut into B equal streams, and batch j holds the
j-th window of T characters of every stream, so the final state of one batch is the right initial
state for the next (``Batch.reset`` is False while a pass over the text continues). Each pass
starts at a random shift in [0, T) drawn from the run's generator, so windows differ by epoch.

The ``default`` preset (what the window opens with) is an LSTM with 128 units on 32 streams of
64 characters, Adam 0.01, element-wise clipping at 5: a batch of 2048 characters costs about
13 ms when the machine is otherwise idle, so the loss falls from 4.6 (uniform over 103
characters) below 2 nats within 300 steps (about 4 seconds) and samples show word shapes; the
``char-lstm`` preset (batch 1) is the faithful tutorial but needs minutes to look like text.

Metrics: ``val_loss`` (nats per character), ``bpc`` (bits per character, val_loss / ln 2),
``perplexity`` (exp(val_loss): the effective number of equally likely next characters).

Evaluation reads on from the state training carries (``state0``): the model is trained as a
continuous reader whose state starts from zeros once per pass over the text, so a state of zeros
is one it has hardly ever seen. A vanilla tanh RNN trained on one stream (``char-rnn``) grows
strong recurrent weights whose dynamics have two mirror-image attractors, h and about -h; training
lives in one of them, and a reading started from zeros falls into the other in about half the
streams, scoring 8-14 nats/char there for as long as it reads. Starting from the training state,
the held-out text and the samples are read the way the training text is (min-char-rnn likewise
samples from its running ``hprev``).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.tasks.base import (
    Batch,
    BatchStream,
    Evaluation,
    Probe,
    Task,
    TaskInputError,
    UnavailableBatches,
    bool_option,
    float_option,
    int_option,
)
from rnnviz.tasks.corpus import codes_to_text, corpus_names, load_corpus_codes
from rnnviz.tasks.readout import StepPrediction, softmax_steps
from rnnviz.tasks.sampling import sample_text
from rnnviz.tasks.vocab import Vocab

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model

# The probe shows this many time steps: enough for a phrase, few enough to read every column.
PROBE_STEPS = 48
# Longest probe a user may type (the heatmaps get one column per character).
MAX_PROBE_CHARS = 400
# Held-out characters a validation may score at most (the option eval_chars): a 50 MB corpus.
MAX_EVAL_CHARS = 50_000_000
# Parallel streams and window length used to compute the validation loss.
_EVAL_STREAMS = 16
_EVAL_WINDOW = 256


# Characters hashed per slice (keeps the encoded copy small and the GIL free most of the time).
_HASH_CHUNK = 1 << 20
# Passes over the text that TextStream.advance walks at most: a few microseconds each, so a
# format-1 checkpoint claiming an absurd count is refused within about a second, while a real
# one (e.g. the default preset's 215 windows a pass: 43 million steps) is still found.
MAX_ADVANCE_PASSES = 200_000


def text_sha256(codes: np.ndarray) -> str:
    """SHA-256 (hex) of the UTF-8 encoding of the text whose (N,) code points are ``codes``.

    Hashed in slices, so no step holds the interpreter's lock for long.
    """
    h = hashlib.sha256()
    for start in range(0, codes.size, _HASH_CHUNK):
        h.update(codes_to_text(codes[start : start + _HASH_CHUNK]).encode("utf-8"))
    return h.hexdigest()


class TextStream(BatchStream):
    """char-rnn batches along B parallel streams of the text (see the module docstring).

    Stream b covers targets ``[b L, (b + 1) L)``. A pass over the text starts at a random shift
    in [0, T) (0 when L < 2 T) and has ``(L - shift) // T`` windows; batch j of a pass holds
    window j of every stream. The position is ``{"shift": shift, "window": windows drawn in
    this pass}``; a new stream stands at the end of an empty pass, so its first batch starts one.

    Parameters
    ----------
    ids : ndarray
        (N,) token ids of the training text.
    B, T : int
        Streams and window length; L = (N - 1) // B must be at least T.
    rng : numpy.random.Generator
        The run's batch generator (draws one shift per pass).
    position : mapping or None
        A saved position, or None for a new stream.
    """

    def __init__(
        self,
        ids: np.ndarray,
        B: int,
        T: int,
        rng: np.random.Generator,
        position: Mapping[str, int] | None = None,
    ) -> None:
        self._ids, self._T, self._rng = ids, T, rng
        self._L = (ids.size - 1) // B  # targets per stream
        self._random_shift = self._L >= 2 * T
        self._starts = np.arange(B, dtype=np.int64) * self._L  # (B,)
        self._window = np.arange(T + 1, dtype=np.int64)  # (T+1,)
        self._shift, self._w = 0, self._L // T
        if position is not None:
            self._shift, self._w = self._check(position)

    def _windows(self, shift: int) -> int:
        return (self._L - shift) // self._T

    def _check(self, position: Mapping[str, int]) -> tuple[int, int]:
        shift, w = position.get("shift"), position.get("window")
        top = self._T - 1 if self._random_shift else 0
        if (
            set(position) == {"shift", "window"}
            and type(shift) is int
            and type(w) is int
            and 0 <= shift <= top
            and 0 <= w <= self._windows(shift)
        ):
            return shift, w
        raise TaskInputError(
            f"stream position {dict(position)!r} does not fit this text: the shift must be "
            f"0..{top} and the window 0..{self._windows(0)} (the corpus may have changed)"
        )

    def _new_pass(self) -> None:
        self._shift = int(self._rng.integers(0, self._T)) if self._random_shift else 0
        self._w = 0

    def __next__(self) -> Batch:
        if self._w >= self._windows(self._shift):
            self._new_pass()
        idx = (self._starts + self._shift + self._w * self._T)[:, None] + self._window  # (B, T+1)
        chunk = self._ids[idx].astype(np.int64)  # (B, T+1)
        batch = Batch(x=chunk[:, :-1], y=chunk[:, 1:], mask=None, reset=self._w == 0)
        self._w += 1
        return batch

    def position(self) -> dict[str, int]:
        return {"shift": self._shift, "window": self._w}

    def advance(self, n: int) -> None:
        """Move past ``n`` batches, drawing only each new pass's shift (O(passes)).

        Raises
        ------
        TaskInputError
            If that takes more than ``MAX_ADVANCE_PASSES`` passes (a few microseconds each).
        """
        passes = 0
        while n > self._windows(self._shift) - self._w:
            n -= self._windows(self._shift) - self._w
            passes += 1
            if passes > MAX_ADVANCE_PASSES:
                raise TaskInputError(
                    f"finding the stream position takes more than {MAX_ADVANCE_PASSES:,} "
                    "passes over the text"
                )
            self._new_pass()
        self._w += n


class TextTask(Task):
    """Next-character prediction on a corpus (bundled name or UTF-8 file path).

    Parameters
    ----------
    corpus : str
        ``"pydoc"``, ``"stdlib"``, a bundled text name (``"poem"``, ``"tiny"``) or a file path.
    lower : bool
        Lower-case the corpus (smaller alphabet, as in the classic tutorials).
    val_fraction : float
        Fraction of the text, taken from its end, held out for validation (0 disables it).
    eval_chars : int
        Held-out characters used for the validation loss at most.
    probe : str or None
        Probe text; None picks the first prose-like line of the held-out text.
    vocab : str or None
        Restore this exact vocabulary (from a checkpoint); the corpus must not contain other
        characters. None builds the vocabulary from the corpus.
    """

    name = "text"
    title = "Character-level text"
    input_kind = "tokens"
    head = "softmax"
    loss_unit = "char"
    loss_note = "bits per character = nats / ln 2."

    def __init__(
        self,
        corpus: str = "pydoc",
        lower: bool = False,
        val_fraction: float = 0.05,
        eval_chars: int = 10000,
        probe: str | None = None,
        vocab: str | None = None,
        _data_error: str | None = None,
        _expect: Mapping[str, Any] | None = None,
    ) -> None:
        self.val_fraction = float_option("val_fraction", val_fraction, 0.0, 0.5, below_hi=True)
        self.eval_chars = int_option("eval_chars", eval_chars, 2, MAX_EVAL_CHARS)
        self.lower = bool_option("lower", lower)
        self.corpus = corpus
        self.data_error = _data_error
        expect = dict(_expect or {})
        text = load_corpus_codes(corpus, lower=self.lower) if _data_error is None else None
        self.corpus_sha256: str | None = expect.get("corpus_sha256")
        if text is not None:
            self.corpus_sha256 = text_sha256(text.codes)
            self._check_fingerprint(expect, {"corpus_sha256": self.corpus_sha256})
        if vocab is not None:
            self.vocab = Vocab(vocab)
        else:
            self.vocab = Vocab.from_codes(np.empty(0, np.uint32) if text is None else text.alphabet)
        # Stored compactly (a 50 MB corpus takes 50 MB); batches are widened to int64 when cut.
        store = np.uint8 if len(self.vocab) <= 256 else np.int32
        ids = np.empty(0, store)  # (N,)
        if text is not None:  # a restored vocabulary must cover the corpus (else: data_error)
            ids = self.vocab.encode_codes(text.codes, store)  # (N,)
            del text
        n_val = int(ids.size * self.val_fraction)
        if n_val < 2:
            n_val = 0
        self._train_ids = ids[: ids.size - n_val]  # (N - N_val,) view
        self._val_ids = ids[ids.size - n_val :]  # (N_val,) view
        self._counts = (int(self._train_ids.size), int(self._val_ids.size))
        if _data_error is None:
            sizes = {"train_chars": self._counts[0], "val_chars": self._counts[1]}
            self._check_fingerprint(expect, sizes)
        else:  # keep the saved sizes for the next save
            self._counts = (expect.get("train_chars") or 0, expect.get("val_chars") or 0)
        self._probe_text = ""
        if probe is not None:
            self.set_probe(probe)
        elif ids.size:
            start = self._val_ids if self._val_ids.size else self._train_ids
            self._probe_text = self._default_probe(self.vocab.decode(start[:50_000]))
        else:
            self._probe_text = self.vocab.to_string()[: PROBE_STEPS + 1]

    @property
    def train_text(self) -> str:
        """The training text (decoded from its ids on each access: meant for small texts)."""
        return self.vocab.decode(self._train_ids)

    @property
    def val_text(self) -> str:
        """The held-out text (decoded from its ids on each access)."""
        return self.vocab.decode(self._val_ids)

    # ------------------------------------------------------------------ sizes and data
    @property
    def input_size(self) -> int:
        return len(self.vocab)

    @property
    def output_size(self) -> int:
        return len(self.vocab)

    @staticmethod
    def _default_probe(text: str) -> str:
        """The first prose-like line of ``text`` (a letter first, mostly letters and spaces)."""
        n = PROBE_STEPS + 1
        for line in text[:50_000].split("\n"):
            words = line.strip()[:n]
            prose = sum(c.isalpha() or c == " " for c in words)
            if len(words) == n and words[0].isalpha() and prose >= 0.9 * n:
                return words
        start = text.find("\n", 0, 2000) + 1  # 0 when there is no newline
        probe = text[start : start + n]
        return probe if len(probe) >= 2 else text[:n]

    def _check_fingerprint(self, expect: Mapping[str, Any], now: Mapping[str, Any]) -> None:
        """The text is the one a checkpoint was trained on: each of its SHA-256 and sizes in
        ``now`` equals the saved one in ``expect`` (where saved)."""
        changed = [k for k, v in expect.items() if k in now and v is not None and v != now[k]]
        if changed:
            raise TaskInputError(
                f"corpus {self.corpus}: the text differs from the one this run was trained on "
                f"({', '.join(changed)} changed); train on that text or start a new run"
            )

    def _need_data(self) -> None:
        if self.data_error is not None:
            raise TaskInputError(self.data_error)

    def batches(
        self,
        batch: int,
        seq_len: int,
        rng: np.random.Generator,
        position: Mapping[str, int] | None = None,
    ) -> BatchStream:
        """Endless stateful batches: x, y (B, T) int64 ids, y shifted by one character.

        Without the text (a checkpoint whose corpus is unavailable) the stream keeps the saved
        position and raises the reason when a batch is drawn.

        Raises
        ------
        TaskInputError
            If the training text is shorter than ``seq_len + 1`` characters, too short for
            ``batch`` parallel streams of that length, or ``position`` does not fit it.
        """
        if self.data_error is not None:  # a checkpoint whose text is unavailable
            return UnavailableBatches(self.data_error, position)
        B, T = int(batch), int(seq_len)
        ids = self._train_ids  # (N,)
        N = ids.size
        if N < T + 1:
            raise TaskInputError(
                f"corpus {self.corpus}: {N} characters for training, fewer than sequence length "
                f"+ 1 = {T + 1}; use a longer text or a shorter sequence length"
            )
        L = (N - 1) // B  # targets per stream
        if L < T:
            raise TaskInputError(
                f"corpus {self.corpus}: {N} characters for training cannot feed {B} parallel "
                f"streams of {T + 1}; use a batch of at most {(N - 1) // T} or a shorter sequence"
            )
        return TextStream(ids, B, T, rng, position)

    # ------------------------------------------------------------------ probe
    def probe(self) -> Probe:
        ids = self.vocab.encode(self._probe_text)  # (T+1,)
        return Probe(
            x=ids[None, :-1],  # (1, T)
            y=ids[None, 1:],  # (1, T)
            mask=None,
            labels=self.vocab.labels(self._probe_text[:-1]),
            text=self._probe_text,
            targets=self.vocab.labels(self._probe_text[1:]),  # the last is never read
        )

    def output_labels(self) -> tuple[str, ...]:
        """The vocabulary's characters, made visible, in output order."""
        return self.vocab.labels(self.vocab.to_string())

    def set_probe(self, text: str) -> None:
        """Use ``text`` as the probe: 2 to MAX_PROBE_CHARS characters of the vocabulary.

        The model reads characters 0..T-1 and is scored on predicting 1..T: the last character
        is only the target of the last step (the views show it as such).
        """
        if not isinstance(text, str):
            raise TaskInputError("probe: give the probe as text")
        if self.lower:
            text = text.lower()
        if len(text) < 2:
            raise TaskInputError("probe: type at least 2 characters (the model predicts each next)")
        if len(text) > MAX_PROBE_CHARS:
            raise TaskInputError(
                f"probe: {len(text)} characters, more than {MAX_PROBE_CHARS}; shorten it"
            )
        unknown = self.vocab.unknown(text)
        if unknown:
            shown = " ".join(repr(c) for c in unknown[:8])
            raise TaskInputError(
                f"probe: characters not in the corpus vocabulary: {shown}; remove or replace them"
            )
        self._probe_text = text

    # ------------------------------------------------------------------ evaluation
    def val_loss(
        self, model: Model, state0: dict[str, np.ndarray] | None = None
    ) -> tuple[float, int]:
        """Mean next-character loss on the held-out tail (training text if there is none).

        The first ``eval_chars`` held-out characters are cut into S parallel streams, read in
        windows of ``_EVAL_WINDOW`` with the state carried between windows:

            val_loss = (1 / (S·Ls)) Σ_s Σ_t l_st      Ls = targets per stream

        Parameters
        ----------
        model : Model
            The model to score.
        state0 : dict of name -> ndarray, optional
            (B, H) state training carries; stream s starts from its row s mod B. None (a fresh
            or stateless run) starts every stream from zeros.

        Returns
        -------
        loss : float
            Nats per character.
        count : int
            Characters scored.
        """
        self._need_data()
        ids = self._val_ids if self._val_ids.size >= 2 else self._train_ids  # (N,)
        ids = ids[: self.eval_chars + 1]
        S, Ls = self._eval_streams()  # streams, targets per stream
        rows = np.arange(S, dtype=np.int64)[:, None] * Ls  # (S, 1)
        state = None
        if state0 is not None:
            pick = np.arange(S) % next(iter(state0.values())).shape[0]  # (S,) carried rows
            state = {k: np.array(v[pick], dtype=model.dtype) for k, v in state0.items()}  # (S, H)
        total = 0.0
        for t0 in range(0, Ls, _EVAL_WINDOW):
            t1 = min(Ls, t0 + _EVAL_WINDOW)
            idx = rows + np.arange(t0, t1 + 1, dtype=np.int64)  # (S, W+1)
            chunk = ids[idx].astype(np.int64)  # (S, W+1)
            trace = model.forward(chunk[:, :-1], chunk[:, 1:], state0=state)
            total += float(np.sum(trace.loss_t, dtype=np.float64))
            state = trace.final
        return total / (S * Ls), S * Ls

    def evaluate(
        self,
        model: Model,
        rng: np.random.Generator,
        length: int = 200,
        temperature: float = 1.0,
        top_k: int | None = None,
        prime: str = "",
        greedy: bool = False,
        state0: dict[str, np.ndarray] | None = None,
        **_: Any,
    ) -> Evaluation:
        """Validation loss, bits per character, perplexity, and a generated sample.

        Both read on from ``state0``, the state training carries (see :meth:`val_loss`; the
        sample starts from its first row); None starts from zeros. Without a corpus (a
        checkpoint whose file is gone) only the sample is produced.

        Metrics: ``val_loss`` (nats/char), ``bpc``, ``perplexity``, ``val_chars`` (characters
        scored, a count) and ``held_out`` (a flag): 1.0 when they were scored on the held-out
        tail, 0.0 when the tail is shorter than 2 characters and :meth:`val_loss` fell back to
        the start of the training text. Views should then say that the "validation" loss is a
        training loss.
        """
        metrics: dict[str, float] = {}
        if self.data_error is None:
            loss, count = self.val_loss(model, state0)
            metrics = {
                "val_loss": loss,
                "bpc": loss / math.log(2.0),
                "perplexity": math.exp(min(loss, 700.0)),
                "val_chars": float(count),
                "held_out": float(self._val_ids.size >= 2),
            }
        if self.lower:
            prime = prime.lower()
        sample = sample_text(
            model, self.vocab, rng, length, temperature, top_k, prime, greedy, state0=state0
        )
        return Evaluation(metrics=metrics, text=prime + sample)

    # ------------------------------------------------------------------ read-out
    def describe(self, outputs: np.ndarray, probe: Probe, k: int = 3) -> tuple[StepPrediction, ...]:
        """The k most likely next characters at each step with their probabilities."""
        return softmax_steps(outputs, probe, self.output_labels(), k)

    def held_out(self) -> tuple[str, np.ndarray]:
        """The first ``eval_chars`` characters of the held-out tail (the start of the training
        text if there is no tail) and their ids: what the validation loss reads."""
        self._need_data()
        ids = self._val_ids if self._val_ids.size >= 2 else self._train_ids  # (N,)
        ids = ids[: self.eval_chars].astype(np.int64)  # (N,)
        return self.vocab.decode(ids), ids

    # ------------------------------------------------------------------ persistence
    def options(self) -> dict[str, Any]:
        """The options that rebuild this task (JSON-safe)."""
        return {
            "corpus": self.corpus,
            "lower": self.lower,
            "val_fraction": self.val_fraction,
            "eval_chars": self.eval_chars,
            "probe": self._probe_text,
        }

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        S, Ls = self._eval_streams()
        return int(batch) * int(seq_len), S * min(_EVAL_WINDOW, Ls)

    def _eval_streams(self) -> tuple[int, int]:
        """Streams S of the validation loss and targets Ls per stream (see :meth:`val_loss`)."""
        n = self._val_ids.size if self._val_ids.size >= 2 else self._train_ids.size
        n = min(n, self.eval_chars + 1)
        S = max(1, min(_EVAL_STREAMS, (n - 1) // 32))  # streams
        return S, max(0, n - 1) // S

    def source_files(self) -> tuple[str, ...]:
        """The corpus file, unless the corpus is a bundled one."""
        return () if self.corpus in corpus_names() else (self.corpus,)

    def meta(self) -> dict[str, Any]:
        """Options, vocabulary and the text's fingerprint: SHA-256 and sizes (see from_meta)."""
        return {
            "name": self.name,
            "options": self.options(),
            "vocab": self.vocab.to_string(),
            "train_chars": self._counts[0],
            "val_chars": self._counts[1],
            "corpus_sha256": self.corpus_sha256,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any], corpus: str | None = None) -> TextTask:
        """Rebuild from :meth:`meta` with the identical vocabulary, on the identical text.

        What a saved run may read: a bundled corpus by name; a user file only if it is a
        readable text file whose text has the saved SHA-256 (and sizes). A meta without a
        SHA-256 (written by rnnviz before it stored one) names no user file that will be read,
        unless the user names it again as ``corpus``. ``corpus`` replaces the saved source
        (a moved file); the fingerprint must still match.

        If the text cannot be used (missing, changed, or not confirmed), the task still samples
        and probes; its batches and validation loss raise the reason.
        """
        options = dict(meta.get("options", {}))
        vocab = meta.get("vocab")
        if not isinstance(vocab, str) or not vocab:
            raise TaskInputError("task meta: the text task needs its vocabulary string")
        expect = {k: meta.get(k) for k in ("corpus_sha256", "train_chars", "val_chars")}
        if corpus is not None:
            options["corpus"] = corpus
        source = options.get("corpus", "pydoc")
        unconfirmed = corpus is None and expect["corpus_sha256"] is None
        if unconfirmed and isinstance(source, str) and source not in corpus_names():
            error = (
                f"corpus {source}: the checkpoint holds no fingerprint of this file (it was "
                "written by an older rnnviz), so it is not read; to train on it, name it "
                f"again: rnnviz train --resume CHECKPOINT --corpus {source}"
            )
        else:
            try:
                return cls(**options, vocab=vocab, _expect=expect)
            except TaskInputError as exc:
                error = str(exc)
        probe = options.pop("probe", None)
        task = cls(**options, vocab=vocab, _data_error=error, _expect=expect)
        if probe is not None:
            # An unusable probe keeps the default; the data error says what went wrong.
            with contextlib.suppress(TaskInputError):
                task.set_probe(probe)
        return task
