"""Optimisers on the flat parameter array, and gradient clipping.

With g the gradient, θ the parameters and η = cfg.lr:

- SGD:      v = μ v + g;  θ -= η v                        (μ = cfg.momentum; μ = 0 is plain SGD)
- Adagrad:  G += g²;  θ -= η g / (sqrt(G) + ε)
- RMSprop:  E = ρ E + (1 - ρ) g²;  θ -= η g / (sqrt(E) + ε)
- Adam:     m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;  t += 1
            θ -= η (m / (1 - β1^t)) / (sqrt(v / (1 - β2^t)) + ε)

All updates are in place on the flat arrays. Switching optimiser with ``set_config`` keeps every
moment buffer already collected (Adam's m and v survive a detour through SGD, for instance).
"""

from __future__ import annotations

import math

import numpy as np

from rnnviz.config import OptimConfig
from rnnviz.core._ops import norm as l2_norm

# State buffer names: "v" SGD velocity, "G" Adagrad sum, "E" RMSprop average, "m"/"v2" Adam moments
# (stored divided by 1 - β1 and 1 - β2, see Optimizer.update).
_BUFFERS = {"sgd": ("v",), "adagrad": ("G",), "rmsprop": ("E",), "adam": ("m", "v2")}
BUFFER_NAMES = ("v", "G", "E", "m", "v2")
# Buffers that accumulate squares (never negative).
SQUARE_BUFFERS = ("G", "E", "v2")


class Optimizer:
    """One object for all four rules; ``cfg.name`` picks the rule at each update."""

    def __init__(self, cfg: OptimConfig, n_params: int, dtype: str | np.dtype = "float32") -> None:
        self.cfg = cfg.validate()
        self.n = int(n_params)
        self.dtype = np.dtype(dtype)
        self.buffers: dict[str, np.ndarray] = {}
        self.t = 0  # Adam's step count (bias correction)
        self._tmp = np.empty(self.n, self.dtype)  # (P,)
        self._tmp2 = np.empty(self.n, self.dtype)  # (P,)

    @property
    def lr(self) -> float:
        return self.cfg.lr

    def set_config(self, cfg: OptimConfig) -> None:
        """Change any hyper-parameter, or the rule itself, between steps."""
        # Adam's step count t lives beside its moments m, v2 and only advances on Adam updates.
        cfg = cfg.validate()
        old = self.cfg
        if "m" in self.buffers and cfg.beta1 != old.beta1:  # keep m = (1 - β1) m' unchanged
            self.buffers["m"] *= (1.0 - old.beta1) / (1.0 - cfg.beta1)
        if "v2" in self.buffers and cfg.beta2 != old.beta2:
            self.buffers["v2"] *= (1.0 - old.beta2) / (1.0 - cfg.beta2)
        self.cfg = cfg

    def _buf(self, name: str) -> np.ndarray:
        b = self.buffers.get(name)
        if b is None:
            b = self.buffers[name] = np.zeros(self.n, self.dtype)  # (P,)
        return b

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        """θ <- θ - step(g), in place. params and grads are (P,)."""
        if params.shape != (self.n,) or grads.shape != (self.n,):
            raise ValueError(
                f"optimizer: expected ({self.n},) arrays, got {params.shape}, {grads.shape}"
            )
        c = self.cfg
        lr = c.lr
        tmp, tmp2 = self._tmp, self._tmp2
        if c.name == "sgd":
            if c.momentum > 0:
                v = self._buf("v")
                v *= c.momentum
                v += grads
                np.multiply(v, lr, out=tmp)
            else:
                np.multiply(grads, lr, out=tmp)
            params -= tmp
        elif c.name in ("adagrad", "rmsprop"):
            acc = self._buf("G" if c.name == "adagrad" else "E")
            np.multiply(grads, grads, out=tmp)  # g²
            if c.name == "rmsprop":
                acc *= c.rho
                tmp *= 1.0 - c.rho
            acc += tmp
            np.sqrt(acc, out=tmp)
            tmp += c.eps
            np.divide(grads, tmp, out=tmp)
            tmp *= lr
            params -= tmp
        else:  # adam
            # Stored moments are m' = m / (1 - β1) and v' = v / (1 - β2): they update with one
            # pass fewer each (m' = β1 m' + g), and the constant factors move into scalars:
            # θ -= η (m / bc1) / (sqrt(v / bc2) + ε) = κ m' / (sqrt(v') + ε / γ),
            # with γ = sqrt((1 - β2) / bc2) and κ = η (1 - β1) / (bc1 γ).
            m, v = self._buf("m"), self._buf("v2")
            self.t += 1
            m *= c.beta1
            m += grads
            np.multiply(grads, grads, out=tmp)
            v *= c.beta2
            v += tmp
            bc1 = 1.0 - c.beta1**self.t
            bc2 = 1.0 - c.beta2**self.t
            gamma = math.sqrt((1.0 - c.beta2) / bc2)
            np.sqrt(v, out=tmp2)
            tmp2 += c.eps / gamma
            np.divide(m, tmp2, out=tmp)
            tmp *= lr * (1.0 - c.beta1) / (bc1 * gamma)
            params -= tmp

    def state_dict(self) -> dict[str, np.ndarray | float | int]:
        d: dict[str, np.ndarray | float | int] = {k: v.copy() for k, v in self.buffers.items()}
        d["t"] = int(self.t)
        return d

    def load_state_dict(self, d: dict) -> None:
        bufs = {}
        for k, v in d.items():
            if k == "t":
                continue
            if k not in BUFFER_NAMES:
                raise ValueError(f"optimizer state: unknown buffer {k!r}")
            a = np.asarray(v)
            if a.shape != (self.n,):
                raise ValueError(f"optimizer state: {k} has shape {a.shape}, expected ({self.n},)")
            bufs[k] = np.array(a, dtype=self.dtype)
        self.buffers = bufs
        self.t = int(d.get("t", 0))


def make_optimizer(cfg: OptimConfig, n_params: int, dtype: str | np.dtype = "float32") -> Optimizer:
    """An optimiser for a flat (n_params,) parameter array."""
    return Optimizer(cfg, n_params, dtype)


def clip_gradients(
    grads: np.ndarray, clip_value: float | None, clip_norm: float | None
) -> tuple[float, float, bool]:
    """Clip in place: element-wise to [-clip_value, clip_value], then to global norm ``clip_norm``.

    Returns
    -------
    norm_before, norm_after : float
        Global L2 norm before any clipping, and after.
    fired : bool
        Whether either clipping changed anything.
    """
    flat = grads.reshape(-1)
    norm_before = l2_norm(flat)  # exact even where its square leaves float32's range
    fired = False
    norm = norm_before
    if clip_value is not None and float(np.abs(flat).max(initial=0.0)) > clip_value:
        np.clip(flat, -clip_value, clip_value, out=flat)
        fired = True
        norm = l2_norm(flat)
    if clip_norm is not None and norm > clip_norm:
        flat *= clip_norm / norm
        fired = True
        norm = l2_norm(flat)
    return norm_before, norm, fired
