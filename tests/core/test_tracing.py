"""Tracing a long text: one stream is the sequential reading; parallel streams agree with it."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from reference import reference_forward

from rnnviz.config import ModelConfig
from rnnviz.core import _ops, tracing
from rnnviz.core.model import Model
from rnnviz.core.tracing import trace_tokens

V, H = 6, 8


def _model(cell: str = "lstm") -> Model:
    cfg = ModelConfig(cell=cell, input_size=V, hidden=H, output_size=V, dtype="float64")
    return Model(cfg, np.random.default_rng(0))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_one_stream_is_the_sequential_reading(cell: str) -> None:
    m = _model(cell)
    ids = np.random.default_rng(1).integers(0, V, size=700)  # more than one window
    got = trace_tokens(m, ids, streams=1)
    tr = m.forward(ids[None])
    assert set(got) == {s.name for s in m.specs}
    for k, v in got.items():
        assert v.shape == (700, H)
        np.testing.assert_allclose(v, tr.states[k][0], rtol=1e-12, atol=1e-14)


def test_parallel_streams_with_warm_up_agree_with_one_stream() -> None:
    m = _model()
    ids = np.random.default_rng(2).integers(0, V, size=5003)
    one = trace_tokens(m, ids, ("h", "c"), streams=1)
    many = trace_tokens(m, ids, ("h", "c"), streams=5)
    L = -(-5003 // 5)
    # the first stream is the sequential reading (up to the rounding of another batch size)
    np.testing.assert_allclose(many["h"][:L], one["h"][:L], rtol=1e-12, atol=1e-15)
    for k in ("h", "c"):
        # later streams start after a warm-up of 128 characters; this LSTM's memory of its
        # start fades to ~1e-8 over that (measured: 0.9 with no warm-up, 2e-4 after 64)
        np.testing.assert_allclose(many[k], one[k], atol=1e-7)
        assert many[k].shape == (5003, H)
    # without a warm-up the stream starts are visibly off
    cold = trace_tokens(m, ids, ("h",), streams=5, warmup=0)
    assert np.abs(cold["h"][L] - one["h"][L]).max() > 1e-2


def test_initial_state_and_stream_count() -> None:
    m = _model()
    ids = np.random.default_rng(3).integers(0, V, size=50)
    s0 = {"h": np.full(H, 0.3), "c": np.full(H, -0.2)}
    got = trace_tokens(m, ids, ("h",), state0=s0)
    want = m.forward(ids[None], state0={k: v[None] for k, v in s0.items()}).states["h"][0]
    np.testing.assert_allclose(got["h"], want, rtol=1e-12)
    assert tracing._streams(100_000) == tracing.MAX_STREAMS
    assert tracing._streams(tracing.EXACT_CHARS - 1) == 1
    assert tracing._streams(tracing.EXACT_CHARS) > 1


def test_mistakes() -> None:
    m = _model()
    with pytest.raises(ValueError, match="the text is empty"):
        trace_tokens(m, np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="unknown arrays"):
        trace_tokens(m, np.zeros(3, np.int64), ("q",))


def test_more_streams_than_the_text_fills() -> None:
    # 100 characters in 40 streams: 3 a stream, so 34 streams (none starting past the end)
    m = _model()
    ids = np.random.default_rng(4).integers(0, V, size=100)
    got = trace_tokens(m, ids, ("h",), streams=40)
    assert got["h"].shape == (100, H)
    one = trace_tokens(m, ids, ("h",), streams=1)
    np.testing.assert_allclose(got["h"][:3], one["h"][:3], rtol=1e-12, atol=1e-15)


def test_groups_of_streams_read_side_by_side_agree_with_one_group() -> None:
    m = _model("gru")
    ids = np.random.default_rng(5).integers(0, V, size=3000)
    one = trace_tokens(m, ids, streams=7, workers=1)
    for workers in (2, 3, 7):
        got = trace_tokens(m, ids, streams=7, workers=workers)
        for k in one:
            np.testing.assert_allclose(got[k], one[k], rtol=1e-12, atol=1e-15)
    s0 = {"h": np.full(H, 0.4)}
    want = m.forward(ids[None, :500], state0={"h": s0["h"][None]}).states["h"][0]
    got = trace_tokens(m, ids, ("h",), state0=s0, streams=3, workers=3)["h"][:500]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_the_trace_runs_the_cell_only_on_one_blas_thread(monkeypatch) -> None:
    # One step of a 256-stream trace at H = 128 is a (4H, H) x (H, 256) product, which the
    # engine would give every BLAS thread of the budget; a library's own threads wait for each
    # other spinning, 5-20x slower on a loaded machine, so the trace keeps one per group of
    # streams (the groups are the parallelism), and it never computes the output layer.
    if not _ops._libs():
        pytest.skip("no BLAS library whose threads can be set")
    cfg = ModelConfig(cell="lstm", input_size=V, hidden=128, output_size=V)
    m = Model(cfg, np.random.default_rng(0))
    threads: list[int] = []
    forward = type(m.cell).forward

    def counting(self, *args, **kwargs):
        threads.append(max(lib.get_num_threads() for lib in _ops._libs()))
        return forward(self, *args, **kwargs)

    def no_head(*args, **kwargs):
        raise AssertionError("the trace computed the output layer")

    monkeypatch.setattr(type(m.cell), "forward", counting)
    monkeypatch.setattr(Model, "forward", no_head)
    monkeypatch.setattr(_ops, "_max_threads", 4)  # the budget: 4 BLAS threads
    ids = np.random.default_rng(6).integers(0, V, size=2560)
    got = trace_tokens(m, ids, ("h",), streams=256)
    assert got["h"].shape == (2560, 128)
    assert threads and set(threads) == {1}


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_every_traced_value_is_the_textbook_reading_of_its_stream(cell: str) -> None:
    # What a trace promises, checked against the cells' textbook steps (float64): stream 0 is
    # characters [0, L) read from state0; stream s > 0 is characters [sL, (s+1)L) read after
    # the `warmup` characters before sL, from a zero state. A divergence of the engine's
    # gathered input part, fused gates or carried windows from the textbook step fails here.
    m = _model(cell)
    rng = np.random.default_rng(7)
    N, S, w = 601, 4, 40  # L = 151; the last stream is short
    ids = rng.integers(0, V, size=N)
    s0 = {k: rng.uniform(-0.5, 0.5, size=H) for k in m.carried}
    got = trace_tokens(m, ids, state0=s0, streams=S, warmup=w, workers=2)
    L = -(-N // S)
    first = reference_forward(m, ids[None, :L], {k: v[None] for k, v in s0.items()})
    padded = np.concatenate([ids, np.zeros(S * L - N, ids.dtype)])  # (S*L,)
    rows = np.stack([padded[s * L - w : (s + 1) * L] for s in range(1, S)])  # (S-1, w+L)
    later = reference_forward(m, rows, {k: np.zeros((S - 1, H)) for k in m.carried})
    for k, v in got.items():
        assert v.shape == (N, H)
        want = np.concatenate(
            [
                np.stack([step[k][0] for step in first]),  # (L, H)
                np.stack([step[k] for step in later[w:]], axis=1).reshape(-1, H),  # ((S-1)L, H)
            ]
        )[:N]
        np.testing.assert_allclose(v, want, rtol=1e-12, atol=1e-13, err_msg=k)


def test_units_keep_only_those_columns() -> None:
    m = _model("gru")
    ids = np.random.default_rng(8).integers(0, V, size=900)
    every = trace_tokens(m, ids, streams=3)
    some = trace_tokens(m, ids, ("h", "z"), streams=3, units=(5, 1))
    assert set(some) == {"h", "z"}
    for k, v in some.items():
        assert v.shape == (900, 2)
        np.testing.assert_array_equal(v, every[k][:, [5, 1]])
    with pytest.raises(ValueError, match="unit 8 is outside the layer"):
        trace_tokens(m, ids, units=(0, 8))
    with pytest.raises(ValueError, match="no units"):
        trace_tokens(m, ids, units=())


def _trace_groups(monkeypatch, m: Model, **kwargs) -> tuple[int, set[int]]:
    """How many groups a 4-stream trace read its streams in (each reads its own copy of the
    model), and the threads it ran the cell on."""
    copies: list[Model] = []  # kept alive, so that no two copies share an id
    threads: set[int] = set()
    run_cell = Model.run_cell

    def recording(self, *args, **kw):
        if all(c is not self for c in copies):
            copies.append(self)
        threads.add(threading.get_ident())
        return run_cell(self, *args, **kw)

    monkeypatch.setattr(Model, "run_cell", recording)
    ids = np.random.default_rng(9).integers(0, V, size=400)
    trace_tokens(m, ids, ("h",), streams=4, **kwargs)
    monkeypatch.setattr(Model, "run_cell", run_cell)
    return len(copies), threads


def test_the_groups_of_streams_follow_the_thread_budget(monkeypatch) -> None:
    # A trace reads its streams in as many groups (threads) as a job may use while training
    # waits: its own figure when one is set (the window sets every core), else the budget.
    m = _model()
    me = threading.get_ident()
    monkeypatch.setattr(_ops, "_max_threads", 1)  # the window's budget on a 2-core machine
    monkeypatch.setattr(_ops, "_job_threads", None)
    assert _trace_groups(monkeypatch, m) == (1, {me})  # one group, on the caller's thread
    _ops.set_job_threads(2)
    assert _ops.job_threads() == 2 and _ops.thread_budget() == 1
    groups, threads = _trace_groups(monkeypatch, m)
    assert groups == 2 and me not in threads
    monkeypatch.setattr(_ops, "_max_threads", 3)
    _ops.set_job_threads(None)
    assert _trace_groups(monkeypatch, m)[0] == 3  # the budget
    assert _trace_groups(monkeypatch, m, workers=1) == (1, {me})  # the caller's choice first
    with pytest.raises(ValueError, match="at least 1"):
        _ops.set_job_threads(0)
