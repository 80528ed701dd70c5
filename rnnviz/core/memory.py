"""How much memory training a configuration needs, estimated before anything is allocated.

Each limit (hidden size, batch, sequence length) can be within range while their product is not:
``--hidden 4096 --batch 4096 --seq-len 100`` asks for a 25 GiB array in the first forward pass.
The estimate, in bytes of the model's float type (e = 4 or 8)::

    weights   = (4 + k + n (1 + k)) · P · e  P parameters, gradients, two optimiser scratch arrays,
                                              k optimiser buffers (Adam 2; RMSprop, Adagrad and
                                              SGD with momentum 1), and the n good states kept to
                                              go back to after a divergence (parameters and
                                              buffers each; n from :func:`good_states_held`);
                                              plus the per-pass copies of W_x and W_h:
                                              G·H·(I + H) · e
    per step  = c·H + input + 3·O + 8         floats kept per time step and sequence: the cell's
                                              forward cache and backward buffers (c = the cell's
                                              STEP_FLOATS, e.g. 20 for the LSTM), the input rows
                                              (tokens: the one-hot block V + 1 beside h; vectors:
                                              D), the head's logits, outputs and their gradient,
                                              and a few per-step scalars (targets, mask, loss)
    activations = (N_train + N_eval / 2) · per step · e

with N_train the time steps of one training batch (B·T) and N_eval those of the passes of one
evaluation (the engine's workspace keeps every shape's arrays; an evaluation runs forward only,
which keeps about half as much per step). Tests compare it with what tracemalloc sees for
small configurations.

The limit is a fraction (``MEMORY_FRACTION``) of the memory available now (``MemAvailable`` of
/proc/meminfo, or a cgroup's remaining allowance if smaller; os.sysconf's free pages elsewhere),
or ``FALLBACK_BYTES`` where the system says nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rnnviz.config import ConfigError, ModelConfig, OptimConfig
from rnnviz.core.model import ONEHOT_MAX_VOCAB
from rnnviz.core.registry import make_cell

# Share of the available memory one run may plan to use: the window keeps the old run until the
# new one is ready, and the rest of the machine needs some too.
MEMORY_FRACTION = 0.75
# Assumed available memory where the system does not say (a small laptop's worth).
FALLBACK_BYTES = 4 * 2**30
GIB = 2**30
# The ring of good states (rnnviz.train.goodstates): this many at most, together at most this
# many bytes, but two at least whatever their size (one trusted, one being checked).
GOOD_STATES = 4
GOOD_STATES_BYTES = 256 * 2**20


def good_states_held(state_bytes: int) -> int:
    """How many good states of ``state_bytes`` bytes each the ring holds (2 to GOOD_STATES)."""
    return max(2, min(GOOD_STATES, GOOD_STATES_BYTES // max(int(state_bytes), 1)))


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a training configuration needs (see the module docstring).

    Attributes
    ----------
    weights : int
        Parameters, gradients, optimiser state and scratch, backups.
    activations : int
        Forward caches and backward buffers of a training step and of an evaluation pass.
    """

    weights: int
    activations: int

    @property
    def total(self) -> int:
        """Everything, in bytes."""
        return self.weights + self.activations


def _optimizer_buffers(optim: OptimConfig) -> int:
    if optim.name == "adam":
        return 2
    if optim.name == "sgd":
        return 1 if optim.momentum > 0 else 0
    return 1  # adagrad, rmsprop


def estimate_training_memory(
    model: ModelConfig, optim: OptimConfig, train_steps: int, eval_steps: int = 0
) -> MemoryEstimate:
    """The memory training ``model`` with ``optim`` needs.

    Parameters
    ----------
    model : ModelConfig
        With the task's input and output sizes filled in.
    optim : OptimConfig
    train_steps : int
        Time steps of one training batch (batch × sequence length).
    eval_steps : int
        Time steps of the passes of one evaluation together (0 if none).
    """
    e = 8 if model.dtype == "float64" else 4
    cell = make_cell(model)  # ConfigError for a cell the engine does not know
    H, I, O, G = model.hidden, model.input_size, model.output_size, cell.G
    P = sum(blk.size for blk in cell.param_blocks(I)) + H * O + O  # parameters
    k = _optimizer_buffers(optim)
    n = good_states_held((1 + k) * P * e)
    weights = ((4 + k + n * (1 + k)) * P + G * H * (I + H)) * e
    tokens = model.input_kind == "tokens" and I <= ONEHOT_MAX_VOCAB
    per_step = cell.STEP_FLOATS * H + (I + 1 if tokens else I) + 3 * O + 8
    activations = (int(train_steps) + int(eval_steps) // 2) * per_step * e
    return MemoryEstimate(weights=int(weights), activations=int(activations))


def _meminfo_available() -> int | None:
    try:
        text = Path("/proc/meminfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024  # kB
    return None


def _cgroup_remaining() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
    except OSError:
        return None
    if not limit.isdigit() or not used.isdigit():
        return None  # "max": no limit
    return max(0, int(limit) - int(used))


def _sysconf_available() -> int | None:
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def available_memory() -> int | None:
    """Bytes of memory available to this process now, or None if the system does not say."""
    found = [m for m in (_meminfo_available(), _cgroup_remaining()) if m is not None]
    if not found:
        sysconf = _sysconf_available()
        found = [sysconf] if sysconf else []
    return min(found) if found else None


def memory_limit(available: int | None = None) -> tuple[int, str]:
    """The bytes one run may plan to use, and how that was decided (for messages).

    Parameters
    ----------
    available : int, optional
        Available memory in bytes; read from the system when None.
    """
    if available is None:
        available = available_memory()
    share = f"{MEMORY_FRACTION:.0%}"
    if available is None:
        limit = int(FALLBACK_BYTES * MEMORY_FRACTION)
        return limit, f"{share} of an assumed {FALLBACK_BYTES / GIB:.0f} GiB"
    return int(available * MEMORY_FRACTION), f"{share} of the {available / GIB:.1f} GiB available"


def check_memory(estimate: MemoryEstimate, what: str, available: int | None = None) -> None:
    """Refuse a configuration whose estimate is above :func:`memory_limit`.

    Parameters
    ----------
    estimate : MemoryEstimate
    what : str
        The configuration in words, for the message (e.g. "lstm 4096 units, batch 4096 x 100").
    available : int, optional
        Available bytes (read from the system when None).

    Raises
    ------
    ConfigError
        One line with the estimate, the limit and the fix.
    """
    limit, how = memory_limit(available)
    if estimate.total <= limit:
        return
    raise ConfigError(
        f"{what} needs about {estimate.total / GIB:.1f} GiB of memory to train "
        f"({estimate.activations / GIB:.1f} GiB for the steps of a batch, "
        f"{estimate.weights / GIB:.1f} GiB for the weights and optimiser), more than the "
        f"{limit / GIB:.1f} GiB it may use here ({how}); use a smaller batch, sequence length "
        "or hidden size"
    )
