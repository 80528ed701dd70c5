"""Trace a long token sequence (held-out text, a pasted paragraph) through the model.

What a trace is (the tests check it against the cells' textbook steps). The text is cut into S
streams of L = ceil(N / S) consecutive characters, read side by side (one batch); each is read
in windows of steps with the state carried exactly from one window to the next::

    stream 0:      characters [0, L) read from state0: exactly the sequential reading
    stream s > 0:  characters [s L, (s + 1) L) read after the w = ``warmup`` characters before
                   s L, from a zero state: character n is read with characters [s L - w, n],
                   at least w of its context, not all of it
    S = 1 below EXACT_CHARS characters (one stream: the sequential reading)
    S = min(MAX_STREAMS, N // STREAM_MIN) above
    window = WINDOW_CELLS // S_g steps per pass (the pass's arrays stay a few MB)

Where the network's memory of its state fades within w characters this is the sequential
reading (the tests' LSTM: within 1e-7); a network that remembers longer shows, at the start of
each stream, as much of the difference as it remembers.

Threads. The streams are independent, so they are read in groups of consecutive streams (S_g
each), one thread per group, each with its own copy of the model and one BLAS thread: numpy
releases the GIL inside its products and element-wise loops, so the groups run on separate
cores. How many groups is the job's share of the thread budget,
:func:`rnnviz.core._ops.job_threads`: the training budget unless a figure of its own was set.
The window sets every core (``MainWindow.JOB_THREADS``): a trace runs in the worker while
training waits, its groups never wait for each other spinning, and on one core the LSTM's
products alone take ~140 ms of the 200 ms target. A BLAS library's own threads do not pay at
this size: one step's product is (G*H, H) x (H, S_g), and on a shared 2-core machine under load
OpenBLAS's two threads made it 5-20x slower than one (wall and CPU time, as its threads wait
for each other spinning).

Cost. Per character the cell's recurrent product (G*H x H multiply-adds) and its element-wise
steps, and the warm-ups add (S - 1) w characters. One group of the default trace (LSTM, H = 128,
100,000 characters in 128 streams, two groups; thread CPU time, shared machine at a load
average of 13): 159 ms, of which the products 89 (at the BLAS kernel's peak, ~95 GFLOP/s in
float32 on this machine), the input part's column gathers 19, the element-wise steps 53.
Measured pair by pair (medians of 9 pairs, process CPU time, shared 2-core machine at a load
average of 13): 128 streams take 0.90x (LSTM), 0.94x (GRU), 0.92x (RNN) the CPU time of 256
(their warm-ups are 16 % of the text instead of 33 %); 64 streams were no cheaper than 128 on
one thread (some 1,700 steps of 32 streams: Python's calls per step eat the saving). Tried and
not kept: the recurrence batch-major ((B, H) x (H, 4H), row gathers of the input part) took the
same time (the strided gate blocks cost what the gathers saved); gathering each step's input
inside the loop saved 5-10 %, within the noise, and would change the training loop; windows of
256-1,024 cells were slower (more passes).

Result: name -> (N, U) for the declared arrays asked for, every unit or those in ``units``, in
the model's dtype. Only the cell is run (:meth:`Model.run_cell`): no time goes to the softmax
over the vocabulary that a trace does not show.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from rnnviz.core._ops import job_threads, use_blas_threads
from rnnviz.core.model import Model

#: Steps x streams per forward pass (the state is carried between passes), at most 256 steps.
WINDOW_CELLS = 4096
#: Texts shorter than this are read as one stream (exact); longer ones as streams of at least
#: STREAM_MIN characters, at most MAX_STREAMS of them.
EXACT_CHARS = 4096
STREAM_MIN = 256
MAX_STREAMS = 128
#: Characters each later stream reads before its own start.
WARMUP = 128


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
    units: Sequence[int] | None = None,
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
        Groups of streams read side by side (threads); by default
        :func:`rnnviz.core._ops.job_threads` (the job's share of the thread budget), at most S.
    units : sequence of int, optional
        Which units to keep (e.g. (17,) for one unit's card); all H by default. The cell runs
        all of them either way; this only spares storing the rest.

    Returns
    -------
    dict
        name -> (N, U) values, step n = token n, U = len(units) (or H), columns in the order
        of ``units``.
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
    H = model.cfg.hidden
    cols = _units(units, H)  # (U,) or None: every unit
    U = H if cols is None else cols.size
    S = _streams(N) if streams is None else max(1, min(int(streams), N))
    L = -(-N // S)  # ceil(N / S)
    S = -(-N // L)  # no stream starts past the end
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
    out = {k: np.empty((S, L, U), model.dtype) for k in keep}  # (S, L, U)

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
        _read(copy, grid[rows], state, window, {k: v[rows] for k, v in out.items()}, cols)

    groups = max(1, min(S, job_threads() if workers is None else int(workers)))
    bounds = np.linspace(0, S, groups + 1).round().astype(int)  # (groups + 1,)
    use_blas_threads(0)  # one BLAS thread: the groups are the parallelism
    rows = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    if groups == 1:
        read_group(rows[0])
    else:
        with ThreadPoolExecutor(groups, thread_name_prefix="trace") as pool:
            list(pool.map(read_group, rows))  # re-raises a group's error
    return {k: v.reshape(S * L, U)[:N] for k, v in out.items()}  # (N, U)


def _units(units: Sequence[int] | None, H: int) -> np.ndarray | None:
    """(U,) the unit indices to keep, checked against the layer; None keeps all H."""
    if units is None:
        return None
    cols = np.asarray(units, np.int64).reshape(-1)  # (U,)
    if cols.size == 0:
        raise ValueError("no units to keep: name at least one")
    bad = cols[(cols < 0) | (cols >= H)]
    if bad.size:
        raise ValueError(f"unit {int(bad[0])} is outside the layer (0..{H - 1})")
    return cols


def _read(
    model: Model,
    grid: np.ndarray,
    state: dict[str, np.ndarray],
    window: int,
    out: dict[str, np.ndarray] | None = None,
    cols: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Read (S, L) tokens ``window`` steps at a time from ``state`` (H, S), through the cell
    only; the arrays of ``out`` ((S, L, U) each: units ``cols``, or all H) are filled; returns
    the final state."""
    cell = model.cell
    for t0 in range(0, grid.shape[1], window):
        t1 = min(grid.shape[1], t0 + window)
        cache = model.run_cell(grid[:, t0:t1], state)
        if out:
            states = cell.states(cache)  # name -> (S, W, H) views
            for k, v in out.items():
                # (S, W, U): the units kept, a small copy when only a few are
                v[:, t0:t1] = states[k] if cols is None else states[k][:, :, cols]
        state = {k: np.array(v) for k, v in cell.final(cache).items()}  # (H, S)
    return state
