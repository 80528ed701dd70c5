"""Trace a long token sequence (held-out text, a pasted paragraph) through the model.

The text is read in windows of steps with the state carried from each window to the next, so
every character is read with everything before it. A long text is cut into S parallel streams
read side by side (one batch), which is what makes 100,000 characters affordable; stream s > 0
first reads the ``warmup`` characters before its start (from a zero state, results dropped), so
each character is read with at least that much of its context::

    stream s covers characters [s L, (s + 1) L),  L = ceil(N / S)
    S = 1 below EXACT_CHARS characters: one stream, exactly the sequential reading
    S = min(MAX_STREAMS, N // STREAM_MIN) above
    window = WINDOW_CELLS // S_g steps per pass (the pass's arrays stay a few MB)

The streams are independent, so they are read in ``workers`` groups of consecutive streams
(S_g each), one thread per group, each with its own copy of the model and one BLAS thread:
numpy releases the GIL inside its products and element-wise loops, so the groups run on
separate cores. A BLAS library's own threads do not pay at this size: one step's product is
(G*H, H) x (H, S_g), and on a shared 2-core machine under load OpenBLAS's two threads made it
5-20x slower than one (wall and CPU time, as its threads wait for each other spinning). The
groups are for cores that are free (not measured: the development machine never was); on a busy
machine they buy no larger share of it (the kernel shares the CPU between sessions, not
threads) and cost some 10 % more CPU time: at a load average of 8.5 two groups took 0.88x
(RNN), 1.11x (LSTM) and 1.17x (GRU) the wall time of one (medians of 5 pairs).

Measured on the shared 2-core machine (LSTM, H = 128, 100,000 characters, farm-bench pairs,
medians of 3): 256 streams in windows of 64 steps take 0.57x the time of 64 streams in windows
of 256, with a lower peak memory (244 vs 276 MB for the process); 512 streams were 0.80x of 256
at 1.2x the memory. Windows of 4,096 cells (32 steps of a group of 128 streams: an LSTM's gate
array is 8 MB) cost the same CPU time as windows of 16,384 on one thread, and two groups' arrays
then stay within the shared cache.

Result: name -> (N, H) for the declared arrays asked for, in the model's dtype. Only the cell is
run (:meth:`Model.run_cell`): no time goes to the softmax over the vocabulary that a trace does
not show.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rnnviz.core._ops import use_blas_threads
from rnnviz.core.model import Model

#: Steps x streams per forward pass (the state is carried between passes), at most 256 steps.
WINDOW_CELLS = 4096
#: Texts shorter than this are read as one stream (exact); longer ones as streams of at least
#: STREAM_MIN characters, at most MAX_STREAMS of them.
EXACT_CHARS = 4096
STREAM_MIN = 256
MAX_STREAMS = 256
#: Characters each later stream reads before its own start.
WARMUP = 128
#: Groups of streams read side by side (threads): one per core.
WORKERS = os.cpu_count() or 1


def _streams(n: int) -> int:
    return 1 if n < EXACT_CHARS else max(1, min(MAX_STREAMS, n // STREAM_MIN))


def trace_tokens(
    model: Model,
    ids: np.ndarray,
    names: Sequence[str] | None = None,
    state0: Mapping[str, np.ndarray] | None = None,
    streams: int | None = None,
    warmup: int = WARMUP,
    workers: int | None = None,
) -> dict[str, np.ndarray]:
    """The declared arrays ``names`` (default: every one) at each of the N tokens ``ids``.

    Parameters
    ----------
    model : Model
        A token-input model (not changed; each group of streams reads a copy).
    ids : ndarray
        (N,) token ids, N >= 1.
    names : sequence of str, optional
        Which arrays to keep (e.g. ("h",)); all declared ones by default.
    state0 : mapping, optional
        carried name -> (H,) or (1, H) state the first stream starts from (zeros by default).
    streams : int, optional
        S; by default one stream per STREAM_MIN characters, at most MAX_STREAMS.
    warmup : int
        Characters each later stream reads before its start.
    workers : int, optional
        Groups of streams read side by side; by default WORKERS (one per core), at most S.

    Returns
    -------
    dict
        name -> (N, H) values, step n = token n.
    """
    if model.cfg.input_kind != "tokens":
        raise ValueError("tracing text needs a model that reads tokens")
    ids = np.asarray(ids, np.int64).reshape(-1)  # (N,)
    N = ids.size
    if N < 1:
        raise ValueError("nothing to trace: the text is empty")
    keep = tuple(s.name for s in model.specs) if names is None else tuple(names)
    unknown = [k for k in keep if k not in {s.name for s in model.specs}]
    if unknown:
        raise ValueError(
            f"unknown arrays {unknown}; the cell declares {[s.name for s in model.specs]}"
        )
    S = _streams(N) if streams is None else max(1, min(int(streams), N))
    L = -(-N // S)  # ceil(N / S)
    S = -(-N // L)  # no stream starts past the end
    H = model.cfg.hidden
    starts = np.arange(S, dtype=np.int64) * L  # (S,)
    first = {k: np.zeros(H, model.dtype) for k in model.carried}  # stream 0 starts from state0
    if state0 is not None:
        first = {k: np.asarray(state0[k], model.dtype).reshape(H) for k in model.carried}
    padded = np.zeros(S * L, np.int64)  # (S*L,) the last stream padded with token 0
    padded[:N] = ids
    grid = padded.reshape(S, L)  # (S, L)
    w = min(warmup, L) if S > 1 else 0
    warm = np.zeros((S, w), np.int64)  # (S, w) the w characters before each start
    if w:  # (stream 0 reads token 0; its state is replaced by state0 after the warm-up)
        warm[1:] = padded[(starts[1:] - w)[:, None] + np.arange(w)]
    out = {k: np.empty((S, L, H), model.dtype) for k in keep}  # (S, L, H)

    def read_group(rows: slice) -> None:
        """Streams ``rows``: warm-up, then their characters into ``out``."""
        copy = model.copy()  # a model's workspace serves one thread
        n = rows.stop - rows.start
        window = max(1, min(256, WINDOW_CELLS // n))
        state = {k: np.zeros((H, n), model.dtype) for k in model.carried}  # (H, S_g)
        if w:
            state = _read(copy, warm[rows], state, window)
        if rows.start == 0:
            for k in model.carried:
                state[k][:, 0] = first[k]
        _read(copy, grid[rows], state, window, {k: v[rows] for k, v in out.items()})

    groups = max(1, min(S, WORKERS if workers is None else int(workers)))
    bounds = np.linspace(0, S, groups + 1).round().astype(int)  # (groups + 1,)
    use_blas_threads(0)  # one BLAS thread: the groups are the parallelism
    rows = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    if groups == 1:
        read_group(rows[0])
    else:
        with ThreadPoolExecutor(groups, thread_name_prefix="trace") as pool:
            list(pool.map(read_group, rows))  # re-raises a group's error
    return {k: v.reshape(S * L, H)[:N] for k, v in out.items()}  # (N, H)


def _read(
    model: Model,
    grid: np.ndarray,
    state: dict[str, np.ndarray],
    window: int,
    out: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Read (S, L) tokens ``window`` steps at a time from ``state`` (H, S), through the cell
    only; the arrays of ``out`` ((S, L, H) each) are filled; returns the final state."""
    cell = model.cell
    for t0 in range(0, grid.shape[1], window):
        t1 = min(grid.shape[1], t0 + window)
        cache = model.run_cell(grid[:, t0:t1], state)
        if out:
            states = cell.states(cache)  # name -> (S, W, H) views
            for k, v in out.items():
                v[:, t0:t1] = states[k]  # (S, W, H)
        state = {k: np.array(v) for k, v in cell.final(cache).items()}  # (H, S)
    return state
