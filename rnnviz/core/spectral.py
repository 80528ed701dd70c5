"""The recurrent matrices' spectral radius and largest singular value, cheap enough per frame.

Linearised around a state, one step multiplies a small change of h_{t-1} by (a diagonal of
derivatives times) each recurrent block W_hk (H, H) of the cell (``Cell.unfuse``). Its spectral
radius ρ(W) = max |λ_i| and its largest singular value σ_max(W) = max ||v W|| / ||v|| bound how
signals grow: with ρ > 1 some direction grows step after step (exploding gradients can follow),
with σ_max < 1 every direction shrinks (the gradient vanishes whatever the gates do).

Exact decompositions of a 512 x 512 matrix cost far more than a frame, so above ``EXACT_MAX``
units both are estimated from a Krylov space of ``K`` dimensions (K products with W):

- ρ: Arnoldi with two passes of Gram-Schmidt; ρ ≈ max |Ritz value| of the (K, K) Hessenberg
  matrix Q^T W Q;
- σ_max: Golub-Kahan-Lanczos bidiagonalisation; σ_max ≈ the largest singular value of the
  (K, K) bidiagonal matrix (extreme singular values converge first).

A :class:`SpectralTracker` starts each space from the previous frame's leading vector, so a matrix
that changes a little per frame is tracked with few products. ``rnnviz bench --units`` prints
the time per frame at H = 512 and the error against the exact values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rnnviz.core.cell import Cell

#: Up to this many units ρ and σ_max are computed exactly (numpy.linalg).
EXACT_MAX = 64
#: Krylov dimension above EXACT_MAX.
K = 40


@dataclass(frozen=True)
class Spectrum:
    """ρ and σ_max of one recurrent block W_hk (H, H)."""

    gate: str
    radius: float
    sigma_max: float


def _start(n: int, v: np.ndarray | None) -> np.ndarray:
    if v is not None and v.shape == (n,) and np.all(np.isfinite(v)) and np.any(v):
        return v / np.linalg.norm(v)  # (n,)
    return np.full(n, 1.0 / np.sqrt(n))  # (n,) deterministic


def spectral_radius(
    A: np.ndarray, k: int = K, start: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """ρ(A) = max |λ| of a square (n, n) matrix, and a vector to start the next estimate from.

    Exact for n <= EXACT_MAX, else the largest |Ritz value| of a k-step Arnoldi process.
    """
    A = np.asarray(A, np.float64)  # (n, n)
    n = A.shape[0]
    if n <= EXACT_MAX:
        return float(np.max(np.abs(np.linalg.eigvals(A)), initial=0.0)), _start(n, start)
    k = min(k, n)
    Q = np.zeros((k + 1, n))  # (k+1, n) orthonormal rows
    Hm = np.zeros((k + 1, k))  # (k+1, k) Hessenberg
    Q[0] = _start(n, start)
    m = k
    for j in range(k):
        w = A @ Q[j]  # (n,)
        h = Q[: j + 1] @ w  # (j+1,)
        w -= h @ Q[: j + 1]
        h2 = Q[: j + 1] @ w  # second pass: orthogonal to working precision
        w -= h2 @ Q[: j + 1]
        Hm[: j + 1, j] = h + h2
        beta = float(np.linalg.norm(w))
        Hm[j + 1, j] = beta
        if beta <= 1e-12 * max(1.0, float(np.abs(Hm[: j + 1, j]).max())):
            m = j + 1  # an invariant subspace: its Ritz values are eigenvalues
            break
        Q[j + 1] = w / beta
    ev, vec = np.linalg.eig(Hm[:m, :m])  # (m,), (m, m)
    i = int(np.argmax(np.abs(ev)))
    lead = np.real(vec[:, i]) @ Q[:m]  # (n,) real part of the leading Ritz vector
    return float(np.abs(ev[i])), _start(n, lead)


def largest_singular_value(
    A: np.ndarray, k: int = K, start: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """σ_max(A) of an (m, n) matrix, and a vector (n,) to start the next estimate from.

    Exact for n <= EXACT_MAX, else from k steps of Golub-Kahan-Lanczos bidiagonalisation with
    full reorthogonalisation: A V_k = U_k B_k, σ_max ≈ σ_max(B_k).
    """
    A = np.asarray(A, np.float64)  # (m, n)
    n = A.shape[1]
    if n <= EXACT_MAX:
        return float(np.linalg.svd(A, compute_uv=False)[0]), _start(n, start)
    k = min(k, n, A.shape[0])
    V = np.zeros((k, n))  # (k, n) right vectors
    U = np.zeros((k, A.shape[0]))  # (k, m) left vectors
    alpha, beta = np.zeros(k), np.zeros(k)  # (k,) diagonal and superdiagonal of B_k
    v = _start(n, start)  # (n,)
    b = 0.0
    m = k
    for j in range(k):
        V[j] = v
        u = A @ v - (b * U[j - 1] if j else 0.0)  # (m,)
        u -= (U[:j] @ u) @ U[:j]
        alpha[j] = float(np.linalg.norm(u))
        if alpha[j] == 0.0:
            m = j + 1
            break
        U[j] = u / alpha[j]
        w = A.T @ U[j] - alpha[j] * v  # (n,)
        w -= (V[: j + 1] @ w) @ V[: j + 1]
        b = float(np.linalg.norm(w))
        if b <= 1e-12 * alpha[j]:
            m = j + 1
            break
        beta[j] = b
        v = w / b
    B = np.diag(alpha[:m]) + np.diag(beta[: m - 1], 1)  # (m, m) upper bidiagonal
    _, s, vt = np.linalg.svd(B)
    return float(s[0]), _start(n, vt[0] @ V[:m])


@dataclass
class SpectralTracker:
    """ρ and σ_max of a cell's recurrent blocks, frame after frame, with warm starts.

    Not thread-safe: one tracker per thread (the worker's).
    """

    k: int = K
    _starts: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def update(self, cell: Cell, params: Mapping[str, np.ndarray]) -> list[Spectrum]:
        """Spectra of every recurrent block W_hk of ``cell`` with the model's ``params``."""
        q = cell.unfuse(dict(params))
        out = []
        for gate in cell.GATES:
            W = q[f"W_h{gate}"]  # (H, H): h_{t-1} W_hk, i.e. v -> v W
            rho, self._starts[gate, "rho"] = spectral_radius(
                W, self.k, self._starts.get((gate, "rho"))
            )
            smax, self._starts[gate, "sv"] = largest_singular_value(
                W, self.k, self._starts.get((gate, "sv"))
            )
            out.append(Spectrum(gate, rho, smax))
        return out


def recurrent_spectra(cell: Cell, params: Mapping[str, np.ndarray], k: int = K) -> list[Spectrum]:
    """ρ and σ_max of every recurrent block W_hk of ``cell`` (cold start; see SpectralTracker)."""
    return SpectralTracker(k).update(cell, params)


def mean_forget(cell: Cell, states: Mapping[str, np.ndarray]) -> float | None:
    """The mean of the cell's forget gate over a probe's (T, H) values; None without one."""
    gate = cell.forget_gate
    if gate is None or gate not in states:
        return None
    return float(np.mean(states[gate], dtype=np.float64))
