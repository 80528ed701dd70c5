"""Output heads: the output layer's nonlinearity and its per-step loss, in nats.

All heads work on rows, N = T*B of them: logits z = h W_y + b_y, shape (N, O).

- softmax + cross-entropy: p = softmax(z); l = -log p[y];                     dl/dz = p - onehot(y)
- sigmoid + binary CE:     p = σ(z);       l = Σ_o -(y log p + (1-y) log(1-p)); dl/dz = p - y
- linear + mean sq. error: p = z;          l = (1/O) Σ_o (z - y)^2;             dl/dz = 2(z - y)/O

``outputs(z)`` turns logits into outputs (in place), ``loss(p, y)`` gives the per-row loss and
``grad(p, y, w)`` returns dL/dz for L = Σ_rows w_row * l_row.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core._ops import sigmoid_


class SoftmaxCE:
    """Softmax over the vocabulary with cross-entropy against an integer target."""

    name = "softmax"
    target_kind = "index"

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """Softmax probabilities in place of z (N, O)."""
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """-log p[y] per row; p (N, O) probabilities, y (N,) int."""
        py = p[np.arange(len(y)), y]  # (N,)
        tiny = np.finfo(p.dtype).tiny
        return -np.log(np.maximum(py, tiny))  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        """dL/dz (N, O) = w * (p - onehot(y))."""
        dz = np.multiply(p, w[:, None], out=out)  # (N, O)
        dz[np.arange(len(y)), y] -= w
        return dz


class SigmoidBCE:
    """Independent sigmoid per output unit with binary cross-entropy (summed over units)."""

    name = "sigmoid"
    target_kind = "vector"

    def outputs(self, z: np.ndarray) -> np.ndarray:
        return sigmoid_(z)  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Σ_o -(y log p + (1-y) log(1-p)) per row, computed from the logit for stability."""
        tiny = np.finfo(p.dtype).tiny
        lp = np.log(np.maximum(p, tiny))  # (N, O)
        l1p = np.log(np.maximum(1.0 - p, tiny))  # (N, O)
        return -(y * lp + (1.0 - y) * l1p).sum(axis=1)  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        dz = np.subtract(p, y, out=out)  # (N, O)
        dz *= w[:, None]
        return dz


class LinearMSE:
    """Identity output with mean squared error over the output units."""

    name = "linear"
    target_kind = "vector"

    def outputs(self, z: np.ndarray) -> np.ndarray:
        return z  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        d = p - y  # (N, O)
        return (d * d).mean(axis=1)  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        dz = np.subtract(p, y, out=out)  # (N, O)
        dz *= (w * (2.0 / p.shape[1]))[:, None]
        return dz


HEADS = {"softmax": SoftmaxCE, "sigmoid": SigmoidBCE, "linear": LinearMSE}


def make_head(name: str) -> SoftmaxCE | SigmoidBCE | LinearMSE:
    return HEADS[name]()
