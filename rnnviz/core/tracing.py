"""Trace a long token sequence (held-out text, a pasted paragraph) through the model.

The text is read in windows of steps with the state carried from each window to the next, so
every character is read with everything before it. A long text is cut into S parallel streams
read side by side (one batch), which is what makes 100,000 characters affordable; stream s > 0
first reads the ``warmup`` characters before its start (from a zero state, results dropped), so
each character is read with at least that much of its context::

    stream s covers characters [s L, (s + 1) L),  L = ceil(N / S)
    S = 1 below EXACT_CHARS characters: one stream, exactly the sequential reading
    S = min(MAX_STREAMS, N // STREAM_MIN) above
    window = WINDOW_CELLS // S steps per forward pass (the pass's arrays stay a few MB)

Measured on the shared 2-core machine (LSTM, H = 128, 100,000 characters, farm-bench pairs,
medians of 3): 256 streams in windows of 64 steps take 0.57x the time of 64 streams in windows
of 256, with a lower peak memory (244 vs 276 MB for the process); 512 streams were 0.80x of 256
at 1.2x the memory.

Result: name -> (N, H) for the declared arrays asked for, in the model's dtype. Only the cell is
run: the passes go through a copy of the model whose output layer has one unit (the cell's
weights are the model's), so no time goes to the softmax over the vocabulary that a trace does
not show.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from rnnviz.core.model import Model

#: Steps x streams per forward pass (the state is carried between passes), at most 256 steps.
WINDOW_CELLS = 16384
#: Texts shorter than this are read as one stream (exact); longer ones as streams of at least
#: STREAM_MIN characters, at most MAX_STREAMS of them.
EXACT_CHARS = 4096
STREAM_MIN = 256
MAX_STREAMS = 256
#: Characters each later stream reads before its own start.
WARMUP = 128


def _streams(n: int) -> int:
    return 1 if n < EXACT_CHARS else max(1, min(MAX_STREAMS, n // STREAM_MIN))


def cell_only(model: Model) -> Model:
    """A copy of ``model`` with the same cell weights and a one-unit output layer of zeros."""
    out = Model(dataclasses.replace(model.cfg, output_size=1), np.random.default_rng(0))
    for name, view in out.p.items():
        view[...] = 0.0 if name in ("W_y", "b_y") else model.p[name]
    return out


def trace_tokens(
    model: Model,
    ids: np.ndarray,
    names: Sequence[str] | None = None,
    state0: Mapping[str, np.ndarray] | None = None,
    streams: int | None = None,
    warmup: int = WARMUP,
) -> dict[str, np.ndarray]:
    """The declared arrays ``names`` (default: every one) at each of the N tokens ``ids``.

    Parameters
    ----------
    model : Model
        A token-input model.
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
    model = cell_only(model)
    L = -(-N // S)  # ceil(N / S)
    S = -(-N // L)  # no stream starts past the end
    H = model.cfg.hidden
    starts = np.arange(S, dtype=np.int64) * L  # (S,)
    first = {k: np.zeros(H, model.dtype) for k in model.carried}  # stream 0 starts from state0
    if state0 is not None:
        first = {k: np.asarray(state0[k], model.dtype).reshape(H) for k in model.carried}
    padded = np.zeros(S * L, np.int64)  # (S*L,) the last stream padded with token 0
    padded[:N] = ids
    window = max(1, min(256, WINDOW_CELLS // S))
    state = {k: np.zeros((S, H), model.dtype) for k in model.carried}  # (S, H)
    w = min(warmup, L) if S > 1 else 0
    if w:  # streams 1..S-1 read the w characters before their start (stream 0: token 0)
        warm = np.zeros((S, w), np.int64)  # (S, w)
        warm[1:] = padded[(starts[1:] - w)[:, None] + np.arange(w)]
        state = _read(model, warm, state, window)
    for k in model.carried:
        state[k][0] = first[k]
    out = {k: np.empty((S, L, H), model.dtype) for k in keep}  # (S, L, H)
    _read(model, padded.reshape(S, L), state, window, out)
    return {k: v.reshape(S * L, H)[:N] for k, v in out.items()}  # (N, H)


def _read(
    model: Model,
    grid: np.ndarray,
    state: dict[str, np.ndarray],
    window: int,
    out: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Read (S, L) tokens ``window`` steps at a time from ``state`` (S, H); the arrays of
    ``out`` ((S, L, H) each) are filled; returns the final state."""
    for t0 in range(0, grid.shape[1], window):
        t1 = min(grid.shape[1], t0 + window)
        tr = model.forward(grid[:, t0:t1], state0=state)
        for k, v in (out or {}).items():
            v[:, t0:t1] = tr.states[k]  # (S, W, H)
        state = {k: np.array(v) for k, v in tr.final.items()}  # (S, H)
    return state
