"""Small in-place helpers shared by the cells, and the BLAS thread policy.

Everything here works in place (``out=``) so the time loops allocate nothing per step.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np


def sigmoid_(a: np.ndarray) -> np.ndarray:
    """Logistic sigmoid in place, σ(a) = (1 + tanh(a/2)) / 2 (never overflows)."""
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


def sigmoid(a: np.ndarray) -> np.ndarray:
    """Logistic sigmoid into a new array."""
    return sigmoid_(np.array(a, copy=True))


def rows(a_fm: np.ndarray) -> np.ndarray:
    """Feature-major (T, F, B) -> row-major (T*B, F), rows ordered (t, b)."""
    T, F, B = a_fm.shape
    return np.ascontiguousarray(a_fm.transpose(0, 2, 1)).reshape(T * B, F)


def feature_major(a_rows: np.ndarray, T: int, B: int) -> np.ndarray:
    """Row-major (T*B, F) -> feature-major (T, F, B), contiguous."""
    F = a_rows.shape[1]
    return np.ascontiguousarray(a_rows.reshape(T, B, F).transpose(0, 2, 1))


# --- BLAS threads -------------------------------------------------------------------------------
# Tiny problems (batch 1, hidden 100) lose more to thread wake-ups than they gain from a second
# core, so the engine picks the thread count from the size of the per-step matrix product.
_controller = None
_max_threads: int | None = None
# Per-step multiply-adds (G*H * H * B) below which one thread is faster.
SINGLE_THREAD_WORK = 1 << 21


def set_thread_budget(n: int | None) -> None:
    """Cap the BLAS threads the engine may use (None = all BLAS threads available at start)."""
    global _max_threads
    _max_threads = n


def _get_controller():
    global _controller
    if _controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController()
        except Exception:  # threadpoolctl missing or a BLAS it cannot drive: leave threads alone
            _controller = False
    return _controller


@contextlib.contextmanager
def blas_threads(work: int) -> Iterator[None]:
    """Run the block with a BLAS thread count suited to ``work`` multiply-adds per step."""
    ctl = _get_controller()
    if not ctl:
        yield
        return
    budget = _max_threads or os.cpu_count() or 1
    n = 1 if work < SINGLE_THREAD_WORK else budget
    blas = ctl.select(user_api="blas")
    current = [lib.num_threads for lib in blas.lib_controllers]
    if all(c == n for c in current):
        yield
        return
    with blas.limit(limits=n):
        yield
