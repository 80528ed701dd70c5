"""Small in-place helpers shared by the cells, and the BLAS thread policy.

Everything here works in place (``out=``) so the time loops allocate nothing per step.
"""

from __future__ import annotations

import math
import os
import sys

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


def sum_sq_in_range(sq: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Whether each sum of squares ``sq`` (computed in ``dtype``) gives an exact norm.

    A sum of squares in float32 overflows to inf once the norm passes ~1.8e19, and loses its
    terms to underflow once they fall below ~1e-45 (norms below ~1e-19 degrade, below ~3e-23
    read 0), although the vector itself holds those values. Sums from tiny/eps upwards lose
    only terms too small to matter at the dtype's precision.
    """
    info = np.finfo(dtype)
    return np.isfinite(sq) & (sq >= info.tiny / info.eps)


def scaled_norm(v: np.ndarray) -> float:
    """‖v‖ = m · ‖v / m‖ with m = max|v|, in float64: no square under- or overflows.

    NaN or inf entries give NaN or inf; all zeros give 0.
    """
    w = np.asarray(v, dtype=np.float64).reshape(-1)  # (n,)
    m = float(np.max(np.abs(w), initial=0.0))
    if m == 0.0 or not math.isfinite(m):
        return float("nan") if np.isnan(w).any() else m
    w = w / m  # (n,) entries in [-1, 1]
    return m * math.sqrt(float(np.dot(w, w)))


def norm(v: np.ndarray) -> float:
    """‖v‖ (L2 over every entry): one BLAS dot, rescaled only when its square leaves range."""
    flat = v.reshape(-1)  # (n,)
    with np.errstate(over="ignore"):  # an overflowing square is caught below
        sq = np.dot(flat, flat)
    if flat.dtype.kind == "f" and not sum_sq_in_range(np.asarray(sq), flat.dtype):
        return scaled_norm(flat)
    return math.sqrt(float(sq))


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
# core, so the engine picks the thread count from the size of the per-step matrix product. The
# count is set at the start of each forward/backward and left in place (restoring it after every
# call would cost more than a small training step); it only changes when the size class changes.
_blas_libs: list | None = None
_max_threads: int | None = None
# Per-step multiply-adds (G*H * H * B) below which one thread is faster.
SINGLE_THREAD_WORK = 1 << 20
# os.cpu_count() costs tens of microseconds in some containers; read it once.
_CPUS = os.cpu_count() or 1


# Threads a short job may use while training waits for it (tracing a text: its groups of
# streams, one BLAS thread each); None: the training budget.
_job_threads: int | None = None


def set_thread_budget(n: int | None) -> None:
    """Cap the BLAS threads the engine may use (None = as many as there are CPUs)."""
    global _max_threads
    _max_threads = n


def thread_budget() -> int:
    """The BLAS threads the engine may use for training (the cap, or every CPU)."""
    return _max_threads or _CPUS


def set_job_threads(n: int | None) -> None:
    """Threads a job that runs while training waits may keep busy (None = ``thread_budget()``).

    Tracing a text (:mod:`rnnviz.core.tracing`) reads its streams in this many groups, each on
    its own thread with one BLAS thread. Its own figure, not the training budget's, because the
    two run at different times: the training budget stands for as long as training runs beside
    the window's drawing, a job's for the fraction of a second the job takes, training held.
    """
    global _job_threads
    if n is not None and n < 1:
        raise ValueError(f"job threads: expected at least 1, got {n}")
    _job_threads = n


def job_threads() -> int:
    """Threads a job run while training waits may use: its own figure, else the budget."""
    return _job_threads or thread_budget()


def _libs() -> list:
    global _blas_libs
    if _blas_libs is None:
        try:
            from threadpoolctl import ThreadpoolController

            ctl = ThreadpoolController()
            _blas_libs = [lib for lib in ctl.lib_controllers if lib.user_api == "blas"]
        except Exception:  # threadpoolctl missing or a BLAS it cannot drive: leave threads alone
            _blas_libs = []
    return _blas_libs


def use_blas_threads(work: int) -> int:
    """Set the BLAS thread count suited to ``work`` multiply-adds per step; returns it."""
    n = 1 if work < SINGLE_THREAD_WORK else (_max_threads or _CPUS)
    for lib in _libs():
        if lib.get_num_threads() != n:
            lib.set_num_threads(n)
    return n


class Workspace:
    """Recycles large arrays between passes, but never one that is still in use.

    A fresh multi-megabyte ``np.empty`` is page-faulted in by the kernel on every training step,
    which costs as much as the elementwise work. The workspace keeps a few arrays per (shape,
    dtype) and hands one out again only when nothing else refers to it: a Trace (or a view of it)
    kept by the caller holds a reference, so its arrays are never overwritten behind its back.
    """

    KEEP = 3  # arrays kept per (shape, dtype); enough for a trace alive across the next step
    SMALL = 1 << 15  # bytes; below this a plain np.empty is cheaper than the bookkeeping
    MAX_KEYS = 64  # distinct (shape, dtype) pairs remembered before the pool is emptied

    def __init__(self) -> None:
        self._pool: dict[tuple, list[np.ndarray] | bool] = {}  # False marks a small shape

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        key = (shape, dtype)
        arrays = self._pool.get(key)
        if arrays is None:
            if len(self._pool) >= self.MAX_KEYS:  # many different shapes: start afresh
                self._pool.clear()
            small = math.prod(shape) * np.dtype(dtype).itemsize < self.SMALL
            arrays = self._pool[key] = False if small else []
        if arrays is False:  # small: not worth pooling
            return np.empty(shape, dtype)
        for a in arrays:
            # references: the pool list, the loop variable, getrefcount's argument
            if sys.getrefcount(a) <= 3:
                return a
        a = np.empty(shape, dtype)
        if len(arrays) < self.KEEP:
            arrays.append(a)
        return a

    def zeros(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        a = self.empty(shape, dtype)
        a.fill(0)
        return a
