"""Long-range memory tasks: echo a symbol after a delay, and keep a bracket-depth counter.

Echo (task ``"echo"``)
----------------------
At step 0 the network sees one of S symbols (``A``, ``B``, ...). Then come k - 1 distractors
and at step k the recall cue ``?``; the target at the cue is the symbol from step 0. By default
the distractors are random symbols from the same alphabet, so the network must store the first
symbol and then ignore look-alikes, which is what an LSTM's input and forget gates are for. With
``distractors = n > 0`` they are n digits ``0``, ``1``, ... that never need storing instead: an
easier variant that a vanilla RNN trained with Adam solves even at long delays. Only the recall
step is scored (the mask is 1 there and 0 elsewhere): nothing else can be predicted, and scoring
guesses would only add noise.
The gradient of that one loss must travel k steps back to the step that saw the symbol, which
is where a vanilla RNN's gradient vanishes as k grows while an LSTM's cell state carries it.
Metric: ``recall_accuracy`` at the cue (chance is 1/S, reported as ``chance``).

Defaults (assets/presets/echo.json, echo-rnn.json): S = 4 symbols, symbol distractors, delay 50,
32 units, Adam 0.01, batch 32, global-norm clipping 5. Measured (seed 0): at delay 10 both the
LSTM and the vanilla RNN reach 100 % within 50 steps. At delay 50 the LSTM with forget bias 3
reaches 100 % in 250 steps (about a second); the vanilla RNN is at 40-55 % after 3000 steps
(chance 25 %); and an LSTM with the usual forget bias 1 stays at chance for 1500 steps, because
a forget gate near σ(1) ≈ 0.73 shrinks the cell's memory by 0.73^50 ≈ 1e-7 over the delay. A
forget bias near ln(k) keeps the gate open long enough for the gradient to find the symbol.

Brackets (task ``"brackets"``)
------------------------------
The network reads a string of ``(`` and ``)`` and predicts, after every character, the current
nesting depth as a class 0..D (softmax head). Strings are random walks that never close an
unopened bracket and never exceed depth D: to answer, the network must keep a counter.
Metrics: ``depth_accuracy`` over all steps, ``sequence_accuracy`` (every step right), and
``depth_accuracy_long`` on strings four times longer than ``eval_len``: a network that really
counts keeps it up, one that memorised short patterns does not.

Defaults (assets/presets/brackets.json): D = 4, sequences of 32 characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.tasks.base import (
    MAX_EVAL_COUNT,
    Batch,
    Evaluation,
    Probe,
    Task,
    TaskInputError,
    int_option,
)
from rnnviz.tasks.readout import StepPrediction, softmax_steps

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model

SYMBOLS = "ABCDEFGH"
DISTRACTORS = "0123456789"
CUE = "?"
MAX_DELAY = 1000


class EchoTask(Task):
    """Reproduce the symbol seen k steps earlier, across distractors.

    Parameters
    ----------
    delay : int
        k, the number of steps between the symbol and the recall cue.
    symbols : int
        S, how many symbols can be shown (2..8).
    distractors : int
        0: distractors are random symbols; n in 1..10: n distinct digits (easier).
    eval_count : int
        Sequences scored in :meth:`evaluate`.
    probe : str or None
        Probe text: a symbol, distractor digits, and ``?`` (spaces ignored).
    """

    name = "echo"
    title = "Echo after a delay"
    input_kind = "tokens"
    head = "softmax"
    loss_unit = "recall"  # only the last step is scored

    def __init__(
        self,
        delay: int = 10,
        symbols: int = 4,
        distractors: int = 0,
        eval_count: int = 512,
        probe: str | None = None,
    ) -> None:
        self.delay = int_option("delay", delay, 1, MAX_DELAY)
        self.symbols = int_option("symbols", symbols, 2, len(SYMBOLS))
        # 0: distractors are symbols; up to len(DISTRACTORS) digits otherwise
        self.distractors = int_option("distractors", distractors, 0, len(DISTRACTORS))
        self.eval_count = int_option("eval_count", eval_count, 1, MAX_EVAL_COUNT)
        # Token ids: symbols 0..S-1, distractor digits S..S+D-1 (if any), cue S+D.
        self.alphabet = SYMBOLS[:symbols] + DISTRACTORS[:distractors] + CUE
        # The characters that may appear between the symbol and the cue.
        self.fillers = DISTRACTORS[:distractors] if distractors else SYMBOLS[:symbols]
        self._probe_text = ""
        if probe is None:
            n = len(self.fillers)
            middle = "".join(self.fillers[(7 * t + 3 + t // n) % n] for t in range(delay - 1))
            probe = SYMBOLS[1 % symbols] + middle + CUE
        self.set_probe(probe)

    @property
    def input_size(self) -> int:
        return len(self.alphabet)

    @property
    def output_size(self) -> int:
        return self.symbols

    def draw(
        self, count: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``count`` random echo sequences.

        Returns
        -------
        x : ndarray
            (N, k+1) int64 token ids: symbol, k-1 distractors, cue.
        y : ndarray
            (N, k+1) int64 targets: the symbol at the cue step, 0 elsewhere (masked).
        mask : ndarray
            (N, k+1) float32, 1 at the cue step only.
        """
        S, D, k = self.symbols, self.distractors, self.delay
        x = np.empty((count, k + 1), np.int64)  # (N, k+1)
        symbol = rng.integers(0, S, size=count, dtype=np.int64)  # (N,)
        x[:, 0] = symbol
        if D:
            x[:, 1:k] = S + rng.integers(0, D, size=(count, k - 1), dtype=np.int64)  # (N, k-1)
        else:
            x[:, 1:k] = rng.integers(0, S, size=(count, k - 1), dtype=np.int64)  # (N, k-1)
        x[:, k] = len(self.alphabet) - 1  # the cue
        y = np.zeros((count, k + 1), np.int64)  # (N, k+1)
        y[:, k] = symbol
        mask = np.zeros((count, k + 1), np.float32)  # (N, k+1)
        mask[:, k] = 1.0
        return x, y, mask

    def fresh_batch(self, batch: int, seq_len: int, rng: np.random.Generator) -> Batch:
        """Fresh sequences of k + 1 steps (``seq_len`` is unused)."""
        x, y, mask = self.draw(int(batch), rng)
        return Batch(x=x, y=y, mask=mask, reset=True)

    def probe(self) -> Probe:
        text = self._probe_text
        x = np.array([[self.alphabet.index(c) for c in text]], np.int64)  # (1, T)
        y = np.zeros_like(x)  # (1, T)
        y[0, -1] = x[0, 0]
        mask = np.zeros(x.shape, np.float32)  # (1, T)
        mask[0, -1] = 1.0
        targets = ("",) * (len(text) - 1) + (text[0],)  # only the recall at the cue is scored
        return Probe(x=x, y=y, mask=mask, labels=tuple(text), text=text, targets=targets)

    def set_probe(self, text: str) -> None:
        """Parse a probe like ``BADCA?``: a symbol, distractors, then the cue."""
        if not isinstance(text, str):
            raise TaskInputError("probe: give the probe as text")
        t = "".join(text.split()).upper()
        syms, fill = SYMBOLS[: self.symbols], self.fillers
        example = f"{syms[-1]}{fill * 3}"[: max(2, self.delay)] + CUE
        if len(t) < 2 or t[0] not in syms or t[-1] != CUE or any(c not in fill for c in t[1:-1]):
            raise TaskInputError(
                f"probe {text!r}: write a symbol ({syms}), distractors ({fill}) and {CUE}, "
                f"e.g. {example}"
            )
        self._probe_text = t

    def evaluate(
        self, model: Model, rng: np.random.Generator, show: int = 6, **_: Any
    ) -> Evaluation:
        """Recall accuracy at the cue on fresh sequences, and a few of them with the answer."""
        x, y, _mask = self.draw(self.eval_count, rng)
        out = model.forward(x).outputs[:, -1, :]  # (N, S)
        pred = np.argmax(out, axis=1)  # (N,)
        right = pred == y[:, -1]  # (N,)
        lines: list[str] = []
        marks: list[tuple[int, int]] = []
        offset = 0
        for i in range(min(show, x.shape[0])):
            seq = "".join(self.alphabet[j] for j in x[i])
            head = f"{seq} -> "
            line = f"{head}{SYMBOLS[pred[i]]} ({SYMBOLS[y[i, -1]]})"
            if not right[i]:
                marks.append((offset + len(head), offset + len(head) + 1))
            lines.append(line)
            offset += len(line) + 1
        metrics = {"recall_accuracy": float(right.mean()), "chance": 1.0 / self.symbols}
        return Evaluation(metrics=metrics, text="\n".join(lines), marks=tuple(marks))

    def describe(self, outputs: np.ndarray, probe: Probe, k: int = 3) -> tuple[StepPrediction, ...]:
        """The symbol the model would recall at each step and its probability; scored (recalled
        vs true symbol) at the cue only."""
        return softmax_steps(outputs, probe, self.output_labels(), k)

    def output_labels(self) -> tuple[str, ...]:
        """The symbols, in output order."""
        return tuple(SYMBOLS[: self.symbols])

    def feature_names(self) -> tuple[str, ...]:
        return tuple(f"stored-{c}" for c in SYMBOLS[: self.symbols])

    def features(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """``stored-A``, ``stored-B``, ...: 1 at every step of a sequence whose first symbol
        (the one to recall) is A, B, ..., else 0."""
        x = np.asarray(x)  # (N, T)
        return {
            f"stored-{c}": np.repeat((x[:, :1] == i).astype(np.float64), x.shape[1], axis=1)
            for i, c in enumerate(SYMBOLS[: self.symbols])
        }  # (N, T) each

    def feature_inputs(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return self.draw(int(count), rng)[0]  # (N, k+1)

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        return int(batch) * (self.delay + 1), self.eval_count * (self.delay + 1)

    def meta(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": {
                "delay": self.delay,
                "symbols": self.symbols,
                "distractors": self.distractors,
                "eval_count": self.eval_count,
                "probe": self._probe_text,
            },
        }


class BracketsTask(Task):
    """Predict the current nesting depth of a bracket string, after every character.

    Parameters
    ----------
    max_depth : int
        D: deepest nesting generated; the classes are depths 0..D.
    eval_len : int
        Sequence length used in :meth:`evaluate`.
    eval_count : int
        Sequences scored in :meth:`evaluate`.
    probe : str or None
        Probe string of brackets.
    """

    name = "brackets"
    title = "Bracket depth"
    input_kind = "tokens"
    head = "softmax"
    alphabet = "()"

    def __init__(
        self,
        max_depth: int = 4,
        eval_len: int = 32,
        eval_count: int = 256,
        probe: str | None = None,
    ) -> None:
        self.max_depth = int_option("max_depth", max_depth, 1, 20)
        self.eval_len = int_option("eval_len", eval_len, 1, 10_000)
        self.eval_count = int_option("eval_count", eval_count, 1, MAX_EVAL_COUNT)
        self._probe_text = ""
        if probe is None:
            probe = "(()(()))" + "(" * max_depth + ")" * max_depth + "()((())())"
            probe = "".join(_clip_depth(probe, max_depth))
        self.set_probe(probe)

    @property
    def input_size(self) -> int:
        return 2

    @property
    def output_size(self) -> int:
        return self.max_depth + 1

    def draw(
        self, count: int, length: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """``count`` random bracket strings of ``length`` characters.

        Returns
        -------
        x : ndarray
            (N, T) int64: 0 for "(", 1 for ")".
        y : ndarray
            (N, T) int64 depth after each character, 0..D.
        """
        coins = rng.random((count, length))  # (N, T)
        x = np.empty((count, length), np.int64)  # (N, T)
        y = np.empty((count, length), np.int64)  # (N, T)
        depth = np.zeros(count, np.int64)  # (N,)
        for t in range(length):
            close = np.where(
                depth == 0, False, np.where(depth == self.max_depth, True, coins[:, t] < 0.5)
            )  # (N,)
            depth = depth + np.where(close, -1, 1)  # (N,)
            x[:, t] = close
            y[:, t] = depth
        return x, y

    def fresh_batch(self, batch: int, seq_len: int, rng: np.random.Generator) -> Batch:
        """Fresh strings: x, y (B, T) int64, reset every batch."""
        x, y = self.draw(int(batch), int(seq_len), rng)
        return Batch(x=x, y=y, mask=None, reset=True)

    def probe(self) -> Probe:
        text = self._probe_text
        x = np.array([[self.alphabet.index(c) for c in text]], np.int64)  # (1, T)
        y = np.cumsum(np.where(x == 0, 1, -1), axis=1).astype(np.int64)  # (1, T)
        targets = tuple(str(int(d)) for d in y[0])  # the depth after each bracket
        return Probe(x=x, y=y, mask=None, labels=tuple(text), text=text, targets=targets)

    def set_probe(self, text: str) -> None:
        """Use a string of brackets (spaces ignored) that stays within depths 0..D."""
        if not isinstance(text, str):
            raise TaskInputError("probe: give the probe as text")
        t = "".join(text.split())
        if not t or any(c not in self.alphabet for c in t):
            raise TaskInputError(f"probe {text!r}: use only ( and ), e.g. (()(()))")
        depth = 0
        for i, c in enumerate(t):
            depth += 1 if c == "(" else -1
            if depth < 0:
                raise TaskInputError(
                    f"probe: the ) at position {i + 1} closes a bracket that was never opened"
                )
            if depth > self.max_depth:
                raise TaskInputError(
                    f"probe: depth {depth} at position {i + 1} exceeds the task's maximum "
                    f"{self.max_depth}; nest less deeply"
                )
        self._probe_text = t

    def evaluate(
        self, model: Model, rng: np.random.Generator, show: int = 4, **_: Any
    ) -> Evaluation:
        """Depth accuracy per step and per string; shows strings with predicted depths."""
        x, y = self.draw(self.eval_count, self.eval_len, rng)  # (N, T)
        x_long, y_long = self.draw(self.eval_count, 4 * self.eval_len, rng)  # (N, 4T)
        pred_long = np.argmax(model.forward(x_long).outputs, axis=2)  # (N, 4T)
        pred = np.argmax(model.forward(x).outputs, axis=2)  # (N, T)
        right = pred == y  # (N, T)
        lines: list[str] = []
        marks: list[tuple[int, int]] = []
        offset = 0
        for i in range(min(show, x.shape[0])):
            seq = "".join(self.alphabet[j] for j in x[i])
            digits = "".join(_depth_char(d) for d in pred[i])
            line = f"{seq}\n{digits}"
            base = offset + len(seq) + 1
            marks.extend((base + t, base + t + 1) for t in np.flatnonzero(~right[i]))
            lines.append(line)
            offset += len(line) + 1
        metrics = {
            "depth_accuracy": float(right.mean()),
            "sequence_accuracy": float(right.all(axis=1).mean()),
            "depth_accuracy_long": float(np.mean(pred_long == y_long)),
        }
        return Evaluation(metrics=metrics, text="\n".join(lines), marks=tuple(marks))

    def describe(self, outputs: np.ndarray, probe: Probe, k: int = 3) -> tuple[StepPrediction, ...]:
        """The predicted depth after each bracket and its probability, beside the true one,
        and how the true one follows from the brackets read: depth_t = #"(" − #")" in steps
        0..t."""
        steps = softmax_steps(outputs, probe, self.output_labels(), k, quantity="depth")
        opened = np.cumsum([label == "(" for label in probe.labels])  # (T,)
        closed = np.arange(1, len(probe.labels) + 1) - opened  # (T,)
        return tuple(
            replace(
                p,
                detail=f"depth after t = {p.t}: {opened[p.t]} opened − {closed[p.t]} closed "
                f"= {opened[p.t] - closed[p.t]}",
            )
            for p in steps
        )

    def output_labels(self) -> tuple[str, ...]:
        """The depths 0..D, in output order."""
        return tuple(_depth_char(d) for d in range(self.max_depth + 1))

    def feature_names(self) -> tuple[str, ...]:
        return ("depth",)

    def features(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """``depth``: the nesting depth after each bracket (the counter the state must keep)."""
        step = np.where(np.asarray(x) == 0, 1.0, -1.0)  # (N, T) +1 for "(", -1 for ")"
        return {"depth": np.cumsum(step, axis=1)}  # (N, T)

    def feature_inputs(self, count: int, rng: np.random.Generator) -> np.ndarray:
        return self.draw(int(count), self.eval_len, rng)[0]  # (N, T)

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        return int(batch) * int(seq_len), self.eval_count * 5 * self.eval_len  # T and 4T long

    def meta(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": {
                "max_depth": self.max_depth,
                "eval_len": self.eval_len,
                "eval_count": self.eval_count,
                "probe": self._probe_text,
            },
        }


def _depth_char(d: int) -> str:
    return str(d) if d < 10 else chr(ord("a") + d - 10)


def _clip_depth(text: str, max_depth: int) -> Iterator[str]:
    """Drop characters of a bracket string that would leave depths 0..max_depth."""
    depth = 0
    for c in text:
        step = 1 if c == "(" else -1
        if 0 <= depth + step <= max_depth:
            depth += step
            yield c
