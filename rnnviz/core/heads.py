"""Output heads: the output layer's nonlinearity and its per-step loss, in nats.

All heads work on rows, N = T*B of them: logits z = h W_y + b_y, shape (N, O).

- softmax + cross-entropy: p = softmax(z); l = logsumexp(z) - z[y];    dl/dz = p - onehot(y)
- sigmoid + binary CE:     p = σ(z);       l = Σ_o softplus(z) - y z;  dl/dz = p - y
- linear + mean sq. error: p = z;          l = (1/O) Σ_o (z - y)^2;    dl/dz = 2(z - y)/O

Both cross-entropies are computed from the logits, never from log p: in float32 a confidently
wrong prediction has p[y] = 0 (softmax, beyond ~87 nats) or 1 - p = 0 (sigmoid, beyond a logit of
~17), and the loss read off p would be capped or wrong.

``forward(z, y)`` turns logits into outputs (in place of z) and, when targets are given, returns
the per-row loss computed from the logits alongside; ``grad(p, y, w)`` returns dL/dz for
L = Σ_rows w_row * l_row. Heads keep no state between calls.
"""

from __future__ import annotations

import math

import numpy as np

from rnnviz.core._ops import sigmoid_


class SoftmaxCE:
    """Softmax over the vocabulary with cross-entropy against an integer target.

    Per row, for any shift m: zs = z - m; s = Σ_o exp(zs); p = exp(zs) / s;
    l = log(s) - zs[y] (= logsumexp(z) - z[y]); dl/dz = p - onehot(y).

    The shift m is the largest logit of the whole batch (one fast reduction) rather than that of
    each row (a slow reduction per row). Both are exact while no row lies far below the batch's
    maximum; if one does (its s < exp(-SHIFT_SPAN), e.g. while training diverges), the rows are
    shifted by their own maxima instead.
    """

    name = "softmax"
    target_kind = "index"
    SHIFT_SPAN = 20.0

    def forward(self, z: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """p = softmax(z) in place of z (N, O), and l = log(s) - zs[y] (N,) if y (N,) is given."""
        N, O = z.shape
        rows = None if y is None else np.arange(N)
        if N:
            zs = np.subtract(z, z.max())  # (N, O) shifted by the batch maximum; z kept
            zs_y = None if y is None else zs[rows, y]  # (N,) read before exp overwrites
            e = np.exp(zs, out=zs)  # (N, O) unnormalised
            s = np.matmul(e, np.ones(O, z.dtype))  # (N,) row sums
            if s.min() > math.exp(-self.SHIFT_SPAN):  # False for NaN too
                p = np.multiply(e, (1.0 / s)[:, None], out=z)  # (N, O)
                return p, None if zs_y is None else np.log(s) - zs_y
        zs = np.subtract(z, z.max(axis=1, keepdims=True), out=z)  # (N, O) per-row shift
        zs_y = None if y is None else zs[rows, y]  # (N,) read before exp overwrites
        p = np.exp(zs, out=z)  # (N, O) unnormalised
        s = p.sum(axis=1, keepdims=True)  # (N, 1)
        p /= s  # (N, O)
        if zs_y is None:
            return p, None
        l = np.log(s[:, 0]) - zs_y  # (N,)
        return p, l

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

    def forward(self, z: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """p = σ(z) in place of z (N, O); l = Σ_o softplus(z) - y z (N,) if y (N, O) is given."""
        l = None
        if y is not None:
            lz = np.maximum(z, 0.0)  # (N, O)
            lz -= y * z  # (N, O) max(z, 0) - y z, exact before the small term is added
            e = np.abs(z)  # (N, O)
            np.negative(e, out=e)
            np.exp(e, out=e)
            lz += np.log1p(e, out=e)  # (N, O) + log1p(exp(-|z|)): softplus(z) - y z
            l = lz.sum(axis=1)  # (N,)
        p = sigmoid_(z)  # (N, O)
        return p, l

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

    def forward(self, z: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """p = z (N, O), and l = (1/O) Σ_o (z - y)^2 (N,) if y (N, O) is given."""
        if y is None:
            return z, None
        d = z - y  # (N, O)
        return z, (d * d).mean(axis=1)  # (N,)

    def grad(self, p: np.ndarray, y: np.ndarray, w: np.ndarray, out=None) -> np.ndarray:
        """dL/dz (N, O) = w * 2(z - y)/O."""
        dz = np.subtract(p, y, out=out)  # (N, O)
        dz *= (w * (2.0 / p.shape[1]))[:, None]
        return dz


HEADS = {"softmax": SoftmaxCE, "sigmoid": SigmoidBCE, "linear": LinearMSE}


def make_head(name: str) -> SoftmaxCE | SigmoidBCE | LinearMSE:
    """A fresh head of the given kind ("softmax", "sigmoid" or "linear")."""
    return HEADS[name]()
