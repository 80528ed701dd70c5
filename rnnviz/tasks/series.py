"""Time series: predict the next value of a noisy sum of sines.

The signal is s_t = Σ_j a_j sin(2π t / P_j + φ_j) with random phases φ_j per sequence, observed
with Gaussian noise: x_t = s_t + ε_t, ε_t ~ N(0, σ²). The network reads x_0..x_{T-1} (one real
number per step, ``input_kind="vectors"``) and predicts x_1..x_T with a linear head and a
squared-error loss. Noise makes σ² the best achievable mean squared error; "repeat the last
value" is the naive baseline.

Defaults (assets/presets/sine.json): periods 25 and 9 steps, amplitudes 1 and 0.5, noise
σ = 0.05, sequences of 50 steps. Metrics: ``mse`` on fresh sequences (reported in the data's
units, mean over steps), ``naive_mse`` of the repeat-last-value baseline, ``noise_floor`` σ², and
``skill`` = 1 - mse / naive_mse (1 is perfect, 0 is no better than the baseline).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np

from rnnviz.tasks.base import (
    MAX_EVAL_COUNT,
    Batch,
    Evaluation,
    Probe,
    Task,
    TaskInputError,
    float_option,
    int_option,
)
from rnnviz.tasks.readout import StepPrediction, value_text

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model

_NUMBER_SPLIT = re.compile(r"[\s,;]+")
MAX_PROBE_VALUES = 400


class SineTask(Task):
    """Next-value prediction on a noisy sum of sines.

    Parameters
    ----------
    periods : list of float
        P_j, the period of each component in time steps.
    amplitudes : list of float
        a_j, one per period.
    noise : float
        σ, standard deviation of the observation noise.
    eval_len, eval_count : int
        Length and number of sequences scored in :meth:`evaluate`.
    probe : str or None
        Probe values separated by commas or spaces; None uses 60 noise-free steps at phase 0.
    """

    name = "sine"
    title = "Noisy sines"
    input_kind = "vectors"
    head = "linear"

    def __init__(
        self,
        periods: list[float] | tuple[float, ...] = (25.0, 9.0),
        amplitudes: list[float] | tuple[float, ...] = (1.0, 0.5),
        noise: float = 0.05,
        eval_len: int = 50,
        eval_count: int = 256,
        probe: str | None = None,
    ) -> None:
        try:
            self.periods = np.array(periods, np.float64).reshape(-1)  # (J,)
            self.amplitudes = np.array(amplitudes, np.float64).reshape(-1)  # (J,)
        except (TypeError, ValueError):
            raise TaskInputError(
                "task options periods/amplitudes: give lists of numbers, e.g. [25, 9]"
            ) from None
        if self.periods.size == 0 or self.periods.shape != self.amplitudes.shape:
            raise TaskInputError(
                "task options periods/amplitudes: give one amplitude per period (at least one)"
            )
        if not np.all(np.isfinite(self.periods)) or np.any(self.periods < 2):
            raise TaskInputError("task option periods: every period must be at least 2 steps")
        if not np.all(np.isfinite(self.amplitudes)):
            raise TaskInputError("task option amplitudes: must be finite numbers")
        self.noise = float_option("noise", noise, 0.0, 10.0)
        self.eval_len = int_option("eval_len", eval_len, 2, 10_000)
        self.eval_count = int_option("eval_count", eval_count, 1, MAX_EVAL_COUNT)
        self._probe_values = np.zeros(0)
        if probe is None:
            t = np.arange(61, dtype=np.float64)  # (61,)
            clean = (self.amplitudes * np.sin(2 * np.pi * t[:, None] / self.periods)).sum(1)
            probe = ", ".join(f"{v:.3f}" for v in clean)
        self.set_probe(probe)

    @property
    def input_size(self) -> int:
        return 1

    @property
    def output_size(self) -> int:
        return 1

    def draw(self, count: int, length: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` noisy series of ``length`` + 1 observations: (N, T+1) float64."""
        phase = rng.uniform(0.0, 2 * np.pi, size=(count, 1, self.periods.size))  # (N, 1, J)
        t = np.arange(length + 1, dtype=np.float64)[None, :, None]  # (1, T+1, 1)
        s = (self.amplitudes * np.sin(2 * np.pi * t / self.periods + phase)).sum(axis=2)  # (N, T+1)
        return s + self.noise * rng.standard_normal(s.shape)  # (N, T+1)

    def fresh_batch(self, batch: int, seq_len: int, rng: np.random.Generator) -> Batch:
        """x (B, T, 1) observations, y (B, T, 1) the next observation."""
        v = self.draw(int(batch), int(seq_len), rng).astype(np.float32)  # (B, T+1)
        return Batch(x=v[:, :-1, None], y=v[:, 1:, None], mask=None, reset=True)

    def probe(self) -> Probe:
        v = self._probe_values.astype(np.float32)  # (T+1,)
        labels = tuple(value_text(u) for u in self._probe_values[:-1])
        targets = tuple(value_text(u) for u in self._probe_values[1:])  # the last is never read
        text = ", ".join(f"{u:g}" for u in self._probe_values)
        return Probe(
            x=v[None, :-1, None],
            y=v[None, 1:, None],
            mask=None,
            labels=labels,
            text=text,
            targets=targets,
        )

    def set_probe(self, text: str) -> None:
        """Parse numbers separated by commas, semicolons or spaces (at least 2)."""
        if not isinstance(text, str):
            raise TaskInputError("probe: give the probe as text")
        parts = [p for p in _NUMBER_SPLIT.split(text.strip()) if p]
        try:
            values = np.array([float(p) for p in parts], np.float64)  # (T+1,)
        except ValueError:
            raise TaskInputError(
                f"probe {text[:40]!r}: write numbers separated by commas, e.g. 0, 0.5, 0.9, 1"
            ) from None
        if values.size < 2:
            raise TaskInputError("probe: give at least 2 numbers (the model predicts each next)")
        if values.size > MAX_PROBE_VALUES:
            raise TaskInputError(f"probe: {values.size} numbers, more than {MAX_PROBE_VALUES}")
        if not np.all(np.isfinite(values)):
            raise TaskInputError("probe: every value must be a finite number")
        self._probe_values = values

    def evaluate(
        self, model: Model, rng: np.random.Generator, show: int = 12, **_: Any
    ) -> Evaluation:
        """Mean squared error on fresh series, against the naive baseline and noise floor."""
        v = self.draw(self.eval_count, self.eval_len, rng)  # (N, T+1)
        x = v[:, :-1, None].astype(model.dtype)  # (N, T, 1)
        pred = model.forward(x).outputs[..., 0].astype(np.float64)  # (N, T)
        target = v[:, 1:]  # (N, T)
        mse = float(np.mean((pred - target) ** 2))
        naive = float(np.mean((v[:, :-1] - target) ** 2))
        rows = ["  t    true    predicted"]
        rows += [
            f"{t:3d} {target[0, t]:7.3f} {pred[0, t]:10.3f}"
            for t in range(min(show, target.shape[1]))
        ]
        metrics = {
            "mse": mse,
            "naive_mse": naive,
            "noise_floor": self.noise**2,
            "skill": 1.0 - mse / naive if naive > 0 else 0.0,
        }
        return Evaluation(metrics=metrics, text="\n".join(rows))

    def describe(self, outputs: np.ndarray, probe: Probe, k: int = 3) -> tuple[StepPrediction, ...]:
        """The predicted next value at each step beside the true one, and the error."""
        pred = np.asarray(outputs, np.float64)[:, 0]  # (T,)
        true = np.asarray(probe.y, np.float64)[0, :, 0]  # (T,)
        return tuple(
            StepPrediction(
                t=t,
                input=probe.labels[t],
                target=probe.targets[t] if t < len(probe.targets) else value_text(true[t]),
                predicted=value_text(pred[t]),
                probability=None,
                correct=None,
                value=float(pred[t]),
                true_value=float(true[t]),
                detail=f"error {value_text(pred[t] - true[t], sign=True)}",
            )
            for t in range(pred.size)
        )

    def time_steps(self, batch: int, seq_len: int) -> tuple[int, int]:
        return int(batch) * int(seq_len), self.eval_count * self.eval_len

    def meta(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "options": {
                "periods": [float(p) for p in self.periods],
                "amplitudes": [float(a) for a in self.amplitudes],
                "noise": self.noise,
                "eval_len": self.eval_len,
                "eval_count": self.eval_count,
                "probe": ", ".join(f"{u:g}" for u in self._probe_values),
            },
        }
