"""Run configuration as frozen dataclasses.

Every default carries a comment saying why it is the default. A configuration is plain data:
it round-trips through ``to_dict``/``from_dict`` (JSON-safe), which is how checkpoints and presets
store it. ``validate()`` turns absurd values into a :class:`ConfigError` with a one-line message
that names the field and the fix, so the CLI and the GUI can show it instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, TypeVar

CELLS = ("rnn", "lstm", "gru")
NONLINEARITIES = ("tanh", "sigmoid")
HEADS = ("softmax", "sigmoid", "linear")
INPUT_KINDS = ("tokens", "vectors")
INITS = ("xavier", "uniform", "orthogonal", "random")
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam")
DTYPES = ("float32", "float64")

# Limits that keep a typo from freezing the machine (a 10^6-unit LSTM would ask for terabytes).
MAX_HIDDEN = 4096
MAX_SEQ_LEN = 10_000
MAX_BATCH = 4096


class ConfigError(ValueError):
    """A user-facing configuration mistake; the message is one line naming the field and the fix."""


T = TypeVar("T")


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
    return cls(**data)


def _check_choice(owner: str, name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{owner}.{name} = {value!r}: choose one of {', '.join(choices)}")


def _check_range(owner: str, name: str, value: float, lo: float, hi: float) -> None:
    if not isinstance(value, (int, float)) or not math.isfinite(value) or not lo <= value <= hi:
        raise ConfigError(f"{owner}.{name} = {value!r}: must be between {lo:g} and {hi:g}")


@dataclass(frozen=True)
class ModelConfig:
    """The network: input layer, recurrent cell, output head."""

    # LSTM by default: it is the cell the classroom demos are about, and it trains on text reliably.
    cell: str = "lstm"
    # tanh is the min-char-rnn cell; "sigmoid" reproduces the binary-addition tutorial's RNN.
    nonlinearity: str = "tanh"
    # Characters enter as token ids (row gather); bits and series enter as real vectors.
    input_kind: str = "tokens"
    # Vocabulary size for tokens, vector width for vectors; the task fills this in.
    input_size: int = 65
    # 100 units: the classic character-level tutorials' size, small enough to watch every unit.
    hidden: int = 100
    # Output units (vocabulary size, bits, or series dimension); the task fills this in.
    output_size: int = 65
    # The head matches the task: softmax for characters, sigmoid for bits, linear for real values.
    head: str = "softmax"
    # Xavier/Glorot normal keeps activations in tanh's linear range at the start of training.
    init: str = "xavier"
    # A forget-gate bias of 1 lets the LSTM remember by default (Gers et al.); 0 disables it.
    forget_bias: float = 1.0
    # float32 trains twice as fast as float64 and is accurate enough; gradient checks use float64.
    dtype: str = "float32"

    def validate(self) -> ModelConfig:
        o = "model"
        _check_choice(o, "cell", self.cell, CELLS)
        _check_choice(o, "nonlinearity", self.nonlinearity, NONLINEARITIES)
        _check_choice(o, "input_kind", self.input_kind, INPUT_KINDS)
        _check_choice(o, "head", self.head, HEADS)
        _check_choice(o, "init", self.init, INITS)
        _check_choice(o, "dtype", self.dtype, DTYPES)
        _check_range(o, "hidden", self.hidden, 1, MAX_HIDDEN)
        _check_range(o, "input_size", self.input_size, 1, 1_000_000)
        _check_range(o, "output_size", self.output_size, 1, 1_000_000)
        _check_range(o, "forget_bias", self.forget_bias, -100.0, 100.0)
        if self.nonlinearity != "tanh" and self.cell != "rnn":
            raise ConfigError(
                f"model.nonlinearity = {self.nonlinearity!r} applies to the rnn cell only"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class OptimConfig:
    """The optimiser and gradient clipping; every field may change between training steps."""

    # Adam is the most forgiving optimiser for a first run; Adagrad/RMSprop/SGD are one click away.
    name: str = "adam"
    # 0.01 is the character-LSTM tutorial's Adam rate; presets override it per optimiser.
    lr: float = 0.01
    # SGD momentum; 0 is plain SGD as in the binary-addition tutorial.
    momentum: float = 0.0
    # Adam's moment decays and epsilon as in Kingma & Ba (2015).
    beta1: float = 0.9
    beta2: float = 0.999
    # RMSprop's squared-gradient decay (Hinton's lecture 6e value).
    rho: float = 0.9
    # Guards the square root in Adagrad/RMSprop/Adam (min-char-rnn uses 1e-8).
    eps: float = 1e-8
    # Element-wise clipping to [-5, 5], as min-char-rnn does; None disables it.
    clip_value: float | None = 5.0
    # Global-norm clipping (Pascanu et al. 2013); None disables it.
    clip_norm: float | None = None

    def validate(self) -> OptimConfig:
        o = "optim"
        _check_choice(o, "name", self.name, OPTIMIZERS)
        _check_range(o, "lr", self.lr, 1e-8, 10.0)
        _check_range(o, "momentum", self.momentum, 0.0, 0.999)
        _check_range(o, "beta1", self.beta1, 0.0, 0.9999)
        _check_range(o, "beta2", self.beta2, 0.0, 0.99999)
        _check_range(o, "rho", self.rho, 0.0, 0.99999)
        _check_range(o, "eps", self.eps, 1e-12, 1.0)
        if self.clip_value is not None:
            _check_range(o, "clip_value", self.clip_value, 1e-6, 1e6)
        if self.clip_norm is not None:
            _check_range(o, "clip_norm", self.clip_norm, 1e-6, 1e6)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OptimConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class TrainConfig:
    """How batches are drawn and how often the run reports."""

    # Sequence length 25: min-char-rnn's BPTT window, long enough to see gradients fade.
    seq_len: int = 25
    # Batch 1 reproduces the tutorials; larger batches are faster per token (see `rnnviz bench`).
    batch: int = 1
    # One seed fixes initial weights, batch order and samples: same seed, same numbers.
    seed: int = 0
    # Stateful: the last state of one batch seeds the next, as char-rnn does along a text stream.
    stateful: bool = True
    # A sample or task evaluation every 500 steps keeps the demo lively without slowing training.
    sample_every: int = 500
    # Validation loss every 1000 steps: cheap, and frequent enough to draw a curve.
    eval_every: int = 1000
    # Characters per generated sample.
    sample_length: int = 200
    # Sampling temperature: 1.0 samples the model's own distribution.
    temperature: float = 1.0

    def validate(self) -> TrainConfig:
        o = "train"
        _check_range(o, "seq_len", self.seq_len, 1, MAX_SEQ_LEN)
        _check_range(o, "batch", self.batch, 1, MAX_BATCH)
        _check_range(o, "seed", self.seed, 0, 2**63 - 1)
        _check_range(o, "sample_every", self.sample_every, 1, 10**9)
        _check_range(o, "eval_every", self.eval_every, 1, 10**9)
        _check_range(o, "sample_length", self.sample_length, 1, 100_000)
        _check_range(o, "temperature", self.temperature, 1e-3, 100.0)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class TaskConfig:
    """Which task, and its options (corpus name or path, number of bits, delay, ...)."""

    # Character-level text on the bundled Python documentation: needs no download.
    name: str = "text"
    # Task-specific options, JSON-safe (e.g. {"corpus": "pydoc", "lower": True}).
    options: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskConfig:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run: task, model, optimiser, training schedule."""

    task: TaskConfig = field(default_factory=TaskConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> RunConfig:
        self.model.validate()
        self.optim.validate()
        self.train.validate()
        return self

    def replace(self, **parts: Any) -> RunConfig:
        return dataclasses.replace(self, **parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task.to_dict(),
            "model": self.model.to_dict(),
            "optim": self.optim.to_dict(),
            "train": self.train.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        unknown = sorted(set(data) - {"task", "model", "optim", "train"})
        if unknown:
            raise ConfigError(f"run config: unknown section(s) {', '.join(unknown)}")
        return cls(
            task=TaskConfig.from_dict(data.get("task", {})),
            model=ModelConfig.from_dict(data.get("model", {})),
            optim=OptimConfig.from_dict(data.get("optim", {})),
            train=TrainConfig.from_dict(data.get("train", {})),
        )
