"""Output heads: the output layer's nonlinearity and its per-step loss, in nats.

All heads work on rows, N = T*B of them: logits z = h W_y + b_y, shape (N, O).

- softmax + cross-entropy: p = softmax(z); l = logsumexp(z) - z[y];    dl/dz = p - onehot(y)
- sigmoid + binary CE:     p = σ(z);       l = Σ_o softplus(z) - y z;  dl/dz = p - y
- linear + mean sq. error: p = z;          l = (1/O) Σ_o (z - y)^2;    dl/dz = 2(z - y)/O

Both cross-entropies are computed from the logits, never from log p: in float32 a confidently
wrong prediction has p[y] = 0 (softmax, beyond ~87 nats) or 1 - p = 0 (sigmoid, beyond a logit of
~17), and the loss read off p would be capped or wrong.

``outputs(z)`` turns logits into outputs (in place) and keeps what the loss needs from z (the
shifted softmax logits, or a copy of the sigmoid logits) in a buffer owned by the head;
``loss(p, y)`` gives the per-row loss for the p that the last ``outputs`` call returned, and
``grad(p, y, w)`` returns dL/dz for L = Σ_rows w_row * l_row. Like the Model that owns it, a head
is not thread-safe.
"""

from __future__ import annotations

import weakref

import numpy as np

from rnnviz.core._ops import sigmoid_


class _LogitMemory:
    """A reusable (N, O) buffer holding logit information for the p that ``outputs`` returned."""

    def __init__(self) -> None:
        self._buf: np.ndarray | None = None
        self._owner: weakref.ref | None = None  # the p array the buffer belongs to
        self.extra: np.ndarray | None = None

    def buffer(self, like: np.ndarray) -> np.ndarray:
        if self._buf is None or self._buf.shape != like.shape or self._buf.dtype != like.dtype:
            self._buf = np.empty_like(like)
        return self._buf

    def remember(self, p: np.ndarray, extra: np.ndarray | None = None) -> None:
        self._owner = weakref.ref(p)
        self.extra = extra

    def logits_for(self, p: np.ndarray) -> np.ndarray | None:
        """The buffer if it was filled by the ``outputs`` call that returned ``p``, else None."""
        if self._owner is not None and self._owner() is p:
            return self._buf
        return None


class SoftmaxCE:
    """Softmax over the vocabulary with cross-entropy against an integer target.

    Per row: zs = z - max(z); s = Σ_o exp(zs); p = exp(zs) / s;
    l = log(s) - zs[y] (= logsumexp(z) - z[y]); dl/dz = p - onehot(y).
    """

    name = "softmax"
    target_kind = "index"

    def __init__(self) -> None:
        self._mem = _LogitMemory()

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """Softmax probabilities in place of z (N, O); keeps zs and s for ``loss``."""
        zs = np.subtract(z, z.max(axis=1, keepdims=True), out=self._mem.buffer(z))  # (N, O)
        p = np.exp(zs, out=z)  # (N, O) unnormalised
        s = p.sum(axis=1, keepdims=True)  # (N, 1)
        p /= s  # (N, O)
        self._mem.remember(p, s)
        return p  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """l = log(s) - zs[y] per row; p (N, O) from ``outputs``, y (N,) int.

        For a p that did not come from this head's last ``outputs`` call the loss is -log p[y],
        exact unless p[y] underflowed.
        """
        rows = np.arange(len(y))  # (N,)
        zs = self._mem.logits_for(p)
        if zs is None:
            tiny = np.finfo(p.dtype).tiny
            return -np.log(np.maximum(p[rows, y], tiny))  # (N,)
        s = self._mem.extra  # (N, 1)
        return np.log(s[:, 0]) - zs[rows, y]  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        """dL/dz (N, O) = w * (p - onehot(y))."""
        dz = np.multiply(p, w[:, None], out=out)  # (N, O)
        dz[np.arange(len(y)), y] -= w
        return dz


class SigmoidBCE:
    """Independent sigmoid per output unit with binary cross-entropy (summed over units).

    Per row: p = σ(z); l = Σ_o softplus(z) - y z, which equals Σ_o -(y log p + (1-y) log(1-p))
    but stays exact when p rounds to 0 or 1; softplus(z) = log(1 + exp(z)) is evaluated as
    max(z, 0) + log1p(exp(-|z|)), so that for y = 1 and a large z the small loss
    log1p(exp(-z)) does not cancel away. dl/dz = p - y.
    """

    name = "sigmoid"
    target_kind = "vector"

    def __init__(self) -> None:
        self._mem = _LogitMemory()

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """σ(z) in place of z (N, O); keeps a copy of z for ``loss``."""
        np.copyto(self._mem.buffer(z), z)  # (N, O)
        p = sigmoid_(z)  # (N, O)
        self._mem.remember(p)
        return p  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """l = Σ_o softplus(z) - y z per row; p (N, O) from ``outputs``, y (N, O).

        For a p that did not come from this head's last ``outputs`` call the loss is
        Σ_o -(y log p + (1-y) log(1-p)), exact unless p rounded to 0 or 1.
        """
        z = self._mem.logits_for(p)
        if z is None:
            tiny = np.finfo(p.dtype).tiny
            lp = np.log(np.maximum(p, tiny))  # (N, O)
            l1p = np.log(np.maximum(1.0 - p, tiny))  # (N, O)
            return -(y * lp + (1.0 - y) * l1p).sum(axis=1)  # (N,)
        l = np.maximum(z, 0.0)  # (N, O)
        l -= y * z  # (N, O) max(z, 0) - y z, exact before the small term is added
        e = np.abs(z)  # (N, O)
        np.negative(e, out=e)
        np.exp(e, out=e)
        l += np.log1p(e, out=e)  # (N, O) + log1p(exp(-|z|)): softplus(z) - y z
        return l.sum(axis=1)  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        """dL/dz (N, O) = w * (p - y)."""
        dz = np.subtract(p, y, out=out)  # (N, O)
        dz *= w[:, None]
        return dz


class LinearMSE:
    """Identity output with mean squared error over the output units.

    Per row: p = z; l = (1/O) Σ_o (z - y)^2; dl/dz = 2(z - y)/O.
    """

    name = "linear"
    target_kind = "vector"

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """The logits themselves, z (N, O)."""
        return z  # (N, O)

    def loss(self, p: np.ndarray, y: np.ndarray) -> np.ndarray:
        """l = (1/O) Σ_o (z - y)^2 per row; p = z (N, O), y (N, O)."""
        d = p - y  # (N, O)
        return (d * d).mean(axis=1)  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        """dL/dz (N, O) = w * 2(z - y)/O."""
        dz = np.subtract(p, y, out=out)  # (N, O)
        dz *= (w * (2.0 / p.shape[1]))[:, None]
        return dz


HEADS = {"softmax": SoftmaxCE, "sigmoid": SigmoidBCE, "linear": LinearMSE}


def make_head(name: str) -> SoftmaxCE | SigmoidBCE | LinearMSE:
    """A fresh head of the given kind ("softmax", "sigmoid" or "linear")."""
    return HEADS[name]()
