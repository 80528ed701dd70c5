"""Sampling: temperature, top-k, greedy, priming, seeding, and the per-step distributions."""

from __future__ import annotations

import numpy as np
import pytest

from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.sampling import reshape_distribution, sample_steps, sample_text
from rnnviz.tasks.vocab import Vocab

VOCAB = Vocab("\nabcd")


class BigramModel:
    """A stand-in with Model.step's interface: p(next | current) from a fixed table."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        table = rng.random((len(VOCAB), len(VOCAB))) ** 3  # (V, V)
        self.table = table / table.sum(axis=1, keepdims=True)
        self.seen: list[int] = []

    def zero_state(self, B: int) -> dict[str, np.ndarray]:
        return {"h": np.zeros((B, 1))}

    def step(self, x_t: np.ndarray, state: dict[str, np.ndarray]):
        assert x_t.shape == (1,) and x_t.dtype == np.int64
        self.seen.append(int(x_t[0]))
        return self.table[x_t], state  # (1, V)


def test_reshape_distribution() -> None:
    p = np.array([0.5, 0.3, 0.15, 0.05])
    assert np.allclose(reshape_distribution(p), p)
    cold = reshape_distribution(p, temperature=0.5)
    assert np.isclose(cold.sum(), 1.0) and cold[0] > p[0]
    hot = reshape_distribution(p, temperature=2.0)
    assert hot[0] < p[0] and hot[3] > p[3]
    top2 = reshape_distribution(p, top_k=2)
    assert np.allclose(top2, [0.625, 0.375, 0.0, 0.0])
    with pytest.raises(TaskInputError, match="temperature"):
        reshape_distribution(p, temperature=0.0)


@pytest.mark.parametrize("temperature", [1e-320, 5e-324, 1e-200, 1e-5])
def test_tiny_temperatures_sample_greedily_without_nan(temperature: float) -> None:
    p = np.array([0.2, 0.5, 0.3])
    q = reshape_distribution(p, temperature)  # used to be nan ("Probabilities contain NaN")
    assert np.all(np.isfinite(q)) and q.tolist() == [0.0, 1.0, 0.0]
    model = BigramModel()
    greedy = sample_text(model, VOCAB, np.random.default_rng(0), 20, greedy=True)
    assert sample_text(model, VOCAB, np.random.default_rng(1), 20, temperature) == greedy


def test_samples_are_reproducible_from_the_seed() -> None:
    model = BigramModel()
    a = sample_text(model, VOCAB, np.random.default_rng(3), length=50)
    b = sample_text(model, VOCAB, np.random.default_rng(3), length=50)
    c = sample_text(model, VOCAB, np.random.default_rng(4), length=50)
    assert a == b and len(a) == 50
    assert a != c


def test_greedy_follows_the_most_likely_character() -> None:
    model = BigramModel()
    text = sample_text(model, VOCAB, np.random.default_rng(0), length=10, greedy=True)
    current = VOCAB.stoi["\n"]
    for ch in text:
        current = int(np.argmax(model.table[current]))
        assert ch == VOCAB.chars[current]
    # top-k = 1 and a tiny temperature give the same text as greedy
    assert sample_text(model, VOCAB, np.random.default_rng(9), 10, top_k=1) == text
    assert sample_text(model, VOCAB, np.random.default_rng(9), 10, temperature=1e-3) == text


def test_prime_is_fed_first_and_not_repeated() -> None:
    model = BigramModel()
    text = sample_text(model, VOCAB, np.random.default_rng(0), length=5, prime="abc")
    assert len(text) == 5
    assert model.seen[:3] == VOCAB.encode("abc").tolist()
    with pytest.raises(TaskInputError, match="vocabulary"):
        sample_text(model, VOCAB, np.random.default_rng(0), length=5, prime="xyz")


def test_steps_carry_the_top_k_distribution() -> None:
    model = BigramModel()
    steps = sample_steps(model, VOCAB, np.random.default_rng(1), length=20, top_k=3, show_k=4)
    assert len(steps) == 20
    for s in steps:
        assert len(s.top_chars) == len(s.top_probs) == 4
        assert list(s.top_probs) == sorted(s.top_probs, reverse=True)
        assert np.isclose(sum(s.top_probs), 1.0)  # top-3 mass is everything after top-k
        assert s.top_probs[3] == 0.0
        assert s.char in s.top_chars[:3]
