"""Weight initialisations.

- "xavier": Glorot & Bengio (2010) normal, std = sqrt(2 / (fan_in + fan_out)), per gate block.
- "uniform": U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch's RNN layers do.
- "orthogonal": recurrent W_h made of orthogonal H x H blocks (Saxe et al. 2014);
  W_x and W_y Xavier.
- "random": U(-1, 1) for every weight, the binary-addition tutorial's start (it often explodes).

Weights are drawn per gate block: ``gates`` is the cell's number of blocks G (``Cell.GATES``),
and "orthogonal" makes each H x H block of W_h orthogonal. Biases start at zero, except the
forget-gate block of a cell that declares one (``Cell.forget_gate``, set by the model to
``ModelConfig.forget_bias``). Weights are drawn in float64 from the caller's Generator in a fixed
order (W_x, W_h, W_y), then cast, so the same seed gives the same starting point in float32 and
float64.
"""

from __future__ import annotations

import numpy as np

from rnnviz.config import INITS, ConfigError


def xavier(
    rng: np.random.Generator, fan_in: int, fan_out: int, shape: tuple[int, ...]
) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape)


def uniform_fan_in(rng: np.random.Generator, fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
    k = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-k, k, size=shape)


def orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random n x n orthogonal matrix (QR of a Gaussian, signs fixed so the draw is uniform)."""
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


def init_weights(
    kind: str, rng: np.random.Generator, n_in: int, hidden: int, gates: int, n_out: int
) -> dict[str, np.ndarray]:
    """Draw W_x (n_in, G*H), W_h (H, G*H), W_y (H, O) in float64."""
    H, G = hidden, gates
    if kind == "xavier":
        W_x = xavier(rng, n_in, H, (n_in, G * H))
        W_h = xavier(rng, H, H, (H, G * H))
        W_y = xavier(rng, H, n_out, (H, n_out))
    elif kind == "uniform":
        W_x = uniform_fan_in(rng, n_in, (n_in, G * H))
        W_h = uniform_fan_in(rng, H, (H, G * H))
        W_y = uniform_fan_in(rng, H, (H, n_out))
    elif kind == "orthogonal":
        W_x = xavier(rng, n_in, H, (n_in, G * H))
        W_h = np.concatenate([orthogonal(rng, H) for _ in range(G)], axis=1)
        W_y = xavier(rng, H, n_out, (H, n_out))
    elif kind == "random":
        W_x = rng.uniform(-1.0, 1.0, size=(n_in, G * H))
        W_h = rng.uniform(-1.0, 1.0, size=(H, G * H))
        W_y = rng.uniform(-1.0, 1.0, size=(H, n_out))
    else:
        raise ConfigError(f"model.init = {kind!r}: choose one of {', '.join(INITS)}")
    return {"W_x": W_x, "W_h": W_h, "W_y": W_y}
