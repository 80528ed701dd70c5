"""The ring of good states: what is trusted, how many are held, what restoring puts back."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.config import OptimConfig
from rnnviz.core import memory
from rnnviz.core.optim import Optimizer
from rnnviz.train.goodstates import CONFIRM, EVERY, SIZE, GoodStates
from rnnviz.train.history import History


class Run:
    """Weights that change every step, an Adam optimiser and a history."""

    def __init__(self, n: int = 6) -> None:
        self.params = np.zeros(n, np.float32)  # (P,)
        self.opt = Optimizer(OptimConfig(name="adam", lr=0.01), n)
        self.history = History()
        self.step = 0

    def train(self) -> None:
        self.step += 1
        self.opt.update(self.params, np.full(self.params.shape, 0.5, np.float32))
        self.history.append(self.step, 1.0 / self.step, 1.0)

    def after(self, ring: GoodStates, calm: bool = True) -> None:
        ring.after_step(self.step, calm, self.params, self.opt, self.history)


def test_a_state_is_trusted_after_calm_steps_and_dropped_at_a_restless_one() -> None:
    r, ring = Run(), GoodStates()
    ring.take(0, r.params, r.opt, r.history, confirmed=True)
    for _ in range(EVERY):
        r.train()
        r.after(ring)
    assert [(s.step, s.confirmed) for s in ring.states] == [(0, True), (EVERY, False)]
    for _ in range(CONFIRM):
        r.train()
        r.after(ring)
    assert ring.newest() is not None and ring.newest().step == EVERY
    for _ in range(2 * EVERY - CONFIRM - 1):
        r.train()
        r.after(ring)
    r.train()
    r.after(ring, calm=False)  # step 3 EVERY: not calm, nothing taken
    assert [s.step for s in ring.states] == [0, EVERY, 2 * EVERY]
    r.train()
    r.after(ring)
    for _ in range(2):  # a pending state is dropped as soon as the run is restless
        ring.take(r.step, r.params, r.opt, r.history, confirmed=False)
        r.train()
        r.after(ring, calm=False)
    assert all(s.confirmed for s in ring.states)


def test_at_most_size_states_are_held_and_their_memory_is_reused() -> None:
    r, ring = Run(), GoodStates()
    for _ in range(SIZE):
        r.train()
        ring.take(r.step, r.params, r.opt, r.history, confirmed=True)
    oldest = ring.states[0]
    r.train()
    ring.take(r.step, r.params, r.opt, r.history, confirmed=True)
    assert len(ring.states) == SIZE and ring.states[0].step == 2
    newest = ring.states[-1]
    assert newest.params is oldest.params and newest.optim["m"] is oldest.optim["m"]
    np.testing.assert_array_equal(newest.params, r.params)


def test_large_states_are_held_two_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "GOOD_STATES_BYTES", 10)
    r, ring = Run(), GoodStates()
    for _ in range(5):
        r.train()
        ring.take(r.step, r.params, r.opt, r.history, confirmed=True)
    assert [s.step for s in ring.states] == [4, 5]


def test_restore_puts_back_weights_buffers_and_averages_with_the_current_settings() -> None:
    r, ring = Run(), GoodStates()
    for _ in range(3):
        r.train()
    ring.take(r.step, r.params, r.opt, r.history, confirmed=True)
    params, m, avg = r.params.copy(), r.opt.buffers["m"].copy(), r.history.avg_loss
    long = r.history.long_avg_loss
    for _ in range(4):
        r.train()
    ring.take(r.step, r.params, r.opt, r.history, confirmed=False)  # pending: never restored
    r.opt.set_config(OptimConfig(name="sgd", lr=0.5))
    assert ring.restore(r.params, r.opt, r.history) == 3
    np.testing.assert_array_equal(r.params, params)
    np.testing.assert_array_equal(r.opt.buffers["m"], m)
    assert r.opt.t == 3 and r.opt.cfg.name == "sgd" and r.opt.cfg.lr == 0.5
    assert r.history.avg_loss == avg and len(r.history) == 7  # the points stay
    assert r.history.long_avg_loss == long
    r.params += 1.0  # the ring holds copies
    assert not np.array_equal(ring.newest().params, r.params)
    assert [s.step for s in ring.states] == [3]


def test_restore_with_nothing_held_changes_nothing() -> None:
    r = Run()
    r.train()
    before = r.params.copy()
    assert GoodStates().restore(r.params, r.opt, r.history) is None
    np.testing.assert_array_equal(r.params, before)


def test_the_ring_holds_what_the_memory_estimate_counts() -> None:
    assert memory.good_states_held(1_000) == SIZE == memory.GOOD_STATES
    assert memory.good_states_held(memory.GOOD_STATES_BYTES // 3) == 3
    assert memory.good_states_held(10**12) == 2  # two at least: one trusted, one being checked
