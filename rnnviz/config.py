"""Run configuration as frozen dataclasses.

Every default carries a comment saying why it is the default. A configuration is plain data:
it round-trips through ``to_dict``/``from_dict`` (JSON-safe), which is how checkpoints and presets
store it. ``validate()`` turns absurd values into a :class:`ConfigError` with a one-line message
that names the field and the fix, so the CLI and the GUI can show it instead of a traceback.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

HEADS = ("softmax", "sigmoid", "linear")
INPUT_KINDS = ("tokens", "vectors")
INITS = ("xavier", "uniform", "orthogonal", "random")
OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam")
DTYPES = ("float32", "float64")

# Limits that keep a typo from freezing the machine (a 10^6-unit LSTM would ask for terabytes).
MAX_HIDDEN = 4096
MAX_SEQ_LEN = 10_000
MAX_BATCH = 4096
# The largest learning rate that is not a typo. Adagrad, RMSprop and Adam move every weight by
# about lr on each step (Adagrad's first step is exactly lr·sign(g)), while weights start near
# 1/sqrt(H) ≈ 0.1: above 1 the first step replaces every weight with noise. Plain SGD moves by
# lr·g with the loss summed over the sequence (min-char-rnn's convention), so its rates are
# smaller than a per-token average would need; above 10 nothing in this program learns.
MAX_LR_ADAPTIVE = 1.0
MAX_LR_SGD = 10.0
# Below this a float32 weight no longer changes (lr·g is lost in rounding).
MIN_LR = 1e-8


class ConfigError(ValueError):
    """A user-facing configuration mistake; the message is one line naming the field and the fix."""


def shown(value: object, limit: int = 40) -> str:
    """``repr(value)`` for a message, shortened in the middle beyond ``limit`` characters (a
    5,000-digit number is not echoed in full)."""
    try:
        text = repr(value)
    except RecursionError:
        return f"a deeply nested {type(value).__name__}"
    except ValueError:  # an int beyond Python's 4,300-digit conversion limit
        digits = int(value.bit_length() * math.log10(2)) + 1 if isinstance(value, int) else 0
        return f"a number of about {digits} digits"
    if len(text) <= limit:
        return text
    half = (limit - 5) // 2
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[:half]}...{text[-half:]} ({size} characters)"


@dataclass(frozen=True)
class Limit:
    """The allowed range of one numeric setting: the one place the CLI, the window and
    ``validate()`` take it from.

    Attributes
    ----------
    lo, hi : float
        Smallest and largest allowed value (both allowed).
    integer : bool
        Whole numbers only.
    why : str
        Why the bound exists, shown with a refusal ("" for none).
    """

    lo: float
    hi: float
    integer: bool = False
    why: str = ""

    def problem(self, value: object) -> str:
        """Why ``value`` is refused ("" when it is allowed)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{shown(value)} is not a number"
        if self.integer and not isinstance(value, int):
            return f"{shown(value)} is not a whole number"
        if isinstance(value, float) and not math.isfinite(value):  # an int always is (any size)
            return f"{shown(value)} is not a finite number"
        if self.lo <= value <= self.hi:
            return ""
        why = f" ({self.why})" if self.why else ""
        return f"must be between {self.text(self.lo)} and {self.text(self.hi)}{why}"

    def text(self, value: float) -> str:
        """``value`` as a person reads it: whole numbers exactly, others in at most 6 digits."""
        return str(int(value)) if self.integer else f"{value:g}"


# Every numeric setting the window or the command line can set, by "section.field".
LIMITS: dict[str, Limit] = {
    "model.hidden": Limit(1, MAX_HIDDEN, True, "more would not fit in memory"),
    "model.forget_bias": Limit(-100.0, 100.0),
    "optim.momentum": Limit(0.0, 0.999, why="momentum 1 never forgets a gradient"),
    "optim.clip_value": Limit(1e-6, 1e6),
    "optim.clip_norm": Limit(1e-6, 1e6),
    "train.seq_len": Limit(1, MAX_SEQ_LEN, True),
    "train.batch": Limit(1, MAX_BATCH, True),
    "train.seed": Limit(0, 2**63 - 1, True),
    "train.sample_every": Limit(1, 10**9, True),
    "train.eval_every": Limit(1, 10**9, True),
    "train.sample_length": Limit(1, 100_000, True),
    "train.temperature": Limit(1e-3, 100.0),
}


def lr_limit(optimizer: str) -> Limit:
    """The learning-rate range for ``optimizer`` (see MAX_LR_ADAPTIVE / MAX_LR_SGD)."""
    if optimizer == "sgd":
        return Limit(MIN_LR, MAX_LR_SGD, why="for SGD; a larger step throws the weights away")
    name = {"adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam"}.get(optimizer, optimizer)
    return Limit(MIN_LR, MAX_LR_ADAPTIVE, why=f"{name} moves each weight by about lr per step")


def limit(key: str, optimizer: str = "adam") -> Limit:
    """The Limit of setting ``key`` ("optim.lr" depends on ``optimizer``)."""
    return lr_limit(optimizer) if key == "optim.lr" else LIMITS[key]


T = TypeVar("T")


def _from_dict(cls: type[T], data: dict[str, Any]) -> T:
    if not isinstance(data, dict):
        raise ConfigError(f"{cls.__name__}: expected a JSON object, got {shown(data)}")
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown field(s) {', '.join(unknown)}")
    return cls(**data)


# JSON types each annotation accepts (a bool is not a number here, and a float is not an int).
_TYPES: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "float | None": (int, float, type(None)),
    "bool": (bool,),
    "str": (str,),
}
_TYPE_NAMES = {
    "int": "a whole number",
    "float": "a number",
    "float | None": "a number or null",
    "bool": "true or false",
    "str": "a string",
}


def _check_types(owner: str, obj: object) -> None:
    """Every field holds a value of its annotated type (no silent bool/float/str coercion)."""
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        kinds = _TYPES.get(str(f.type))
        if kinds is None:
            continue
        value = getattr(obj, f.name)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise ConfigError(
                f"{owner}.{f.name} = {shown(value)}: must be {_TYPE_NAMES[str(f.type)]}"
            )


def _check_choice(owner: str, name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{owner}.{name} = {shown(value)}: choose one of {', '.join(choices)}")


# The form of a cell's or a nonlinearity's name. Which names exist is the engine's to say (the cell
# registry, rnnviz.core.registry, which this layer may not import): it refuses the others.
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _check_name(owner: str, name: str, value: str) -> None:
    if not _NAME.fullmatch(value):
        raise ConfigError(
            f"{owner}.{name} = {shown(value)}: expected a name such as 'lstm' (at most 32 "
            "lower-case letters, digits, '-' or '_')"
        )


def _check_range(owner: str, name: str, value: float, lo: float, hi: float) -> None:
    _check_limit(owner, name, value, Limit(lo, hi))


def _check_limit(owner: str, name: str, value: float, lim: Limit | None = None) -> None:
    lim = lim or LIMITS[f"{owner}.{name}"]
    problem = lim.problem(value)
    if problem:
        raise ConfigError(f"{owner}.{name} = {shown(value)}: {problem}")


@dataclass(frozen=True)
class ModelConfig:
    """The network: input layer, recurrent cell, output head."""

    # LSTM by default: it is the cell the classroom demos are about, and it trains on text reliably.
    cell: str = "lstm"
    # tanh is the min-char-rnn cell; "sigmoid" reproduces the binary-addition tutorial's RNN
    # (the cells say which they take).
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
        _check_types(o, self)
        _check_name(o, "cell", self.cell)  # the registry refuses a cell it does not know
        _check_name(o, "nonlinearity", self.nonlinearity)  # and one the cell does not take
        _check_choice(o, "input_kind", self.input_kind, INPUT_KINDS)
        _check_choice(o, "head", self.head, HEADS)
        _check_choice(o, "init", self.init, INITS)
        _check_choice(o, "dtype", self.dtype, DTYPES)
        _check_limit(o, "hidden", self.hidden)
        _check_range(o, "input_size", self.input_size, 1, 1_000_000)
        _check_range(o, "output_size", self.output_size, 1, 1_000_000)
        _check_limit(o, "forget_bias", self.forget_bias)
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
        _check_types(o, self)
        _check_choice(o, "name", self.name, OPTIMIZERS)
        _check_limit(o, "lr", self.lr, lr_limit(self.name))
        _check_limit(o, "momentum", self.momentum)
        _check_range(o, "beta1", self.beta1, 0.0, 0.9999)
        _check_range(o, "beta2", self.beta2, 0.0, 0.99999)
        _check_range(o, "rho", self.rho, 0.0, 0.99999)
        _check_range(o, "eps", self.eps, 1e-12, 1.0)
        if self.clip_value is not None:
            _check_limit(o, "clip_value", self.clip_value)
        if self.clip_norm is not None:
            _check_limit(o, "clip_norm", self.clip_norm)
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
        _check_types(o, self)
        _check_limit(o, "seq_len", self.seq_len)
        _check_limit(o, "batch", self.batch)
        _check_limit(o, "seed", self.seed)
        _check_limit(o, "sample_every", self.sample_every)
        _check_limit(o, "eval_every", self.eval_every)
        _check_limit(o, "sample_length", self.sample_length)
        _check_limit(o, "temperature", self.temperature)
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

    def validate(self) -> TaskConfig:
        if not isinstance(self.name, str):
            raise ConfigError(f"task.name = {shown(self.name)}: must be a string")
        if not isinstance(self.options, dict) or not all(isinstance(k, str) for k in self.options):
            raise ConfigError(f"task.options = {shown(self.options)}: must be a JSON object")
        return self

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
        self.task.validate()
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
        if not isinstance(data, dict):
            raise ConfigError(f"run config: expected a JSON object, got {shown(data)}")
        unknown = sorted(set(data) - {"task", "model", "optim", "train"})
        if unknown:
            raise ConfigError(f"run config: unknown section(s) {', '.join(unknown)}")
        return cls(
            task=TaskConfig.from_dict(data.get("task", {})),
            model=ModelConfig.from_dict(data.get("model", {})),
            optim=OptimConfig.from_dict(data.get("optim", {})),
            train=TrainConfig.from_dict(data.get("train", {})),
        )
