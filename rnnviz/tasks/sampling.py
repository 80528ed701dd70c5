"""Generating text from a character model: temperature, top-k, greedy, priming.

At each step the model's softmax output p (the next-character distribution) is reshaped before
drawing the next character:

    q_i ∝ p_i^(1/τ)                          temperature τ: < 1 sharpens, > 1 flattens
    q_i = 0 unless i is among the k largest  top-k (the rest renormalised)
    c = argmax_i p_i                         greedy (ignores τ and k)

q is computed as exp((log p_i - max_j log p_j) / τ), normalised: the exponent is never positive,
so no temperature overflows it (1e-320 used to give "Probabilities contain NaN"). As τ -> 0, q
tends to the greedy choice, and below ``GREEDY_TEMPERATURE`` (1e-4) sampling *is* greedy: there a
character even 0.1 % less likely than the best would be drawn e^-10 (5e-5) times as often, so the
draw is the greedy one in all but ties, and the greedy rule says so plainly.

Every draw uses the generator passed in, so a seed fixes the sample.

Generation starts from a given state (``state0``), e.g. the state training carried along the text
(min-char-rnn samples from its running ``hprev``); without one, from zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from rnnviz.tasks.base import TaskInputError
from rnnviz.tasks.vocab import Vocab

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.core.model import Model

# Temperatures below this sample greedily (see the module docstring).
GREEDY_TEMPERATURE = 1e-4


@dataclass(frozen=True)
class SampleStep:
    """One generated character and the distribution it was drawn from.

    Attributes
    ----------
    char : str
        The character chosen at this step.
    top_chars : tuple[str, ...]
        (k,) the most likely next characters, most likely first.
    top_probs : tuple[float, ...]
        (k,) their probabilities under the distribution actually sampled from
        (after temperature and top-k).
    """

    char: str
    top_chars: tuple[str, ...]
    top_probs: tuple[float, ...]


def reshape_distribution(
    p: np.ndarray, temperature: float = 1.0, top_k: int | None = None
) -> np.ndarray:
    """Apply temperature and top-k to a probability vector.

    Parameters
    ----------
    p : ndarray
        (V,) probabilities (the softmax output).
    temperature : float
        τ > 0.
    top_k : int or None
        Keep only the k most likely characters; None or 0 keeps all.

    Returns
    -------
    q : ndarray
        (V,) float64 probabilities summing to 1.
    """
    if not temperature > 0:
        raise TaskInputError(f"temperature = {temperature!r}: must be greater than 0")
    logp = np.log(np.maximum(np.asarray(p, np.float64), 1e-300))  # (V,)
    if top_k is not None and 0 < top_k < logp.size:
        cut = np.argsort(-logp, kind="stable")[top_k:]  # (V - k,)
        logp[cut] = -np.inf
    with np.errstate(over="ignore", under="ignore"):
        q = np.exp((logp - logp.max()) / temperature)  # (V,) exponents <= 0: never overflows
    return q / q.sum()


def _first_input(vocab: Vocab, prime: str) -> np.ndarray:
    """(P,) ids the model reads before generating: the prime, else a newline or space."""
    if prime:
        return vocab.encode(prime)
    for seed in ("\n", " "):
        if seed in vocab:
            return vocab.encode(seed)
    return np.array([0], np.int64)


def sample_steps(
    model: Model,
    vocab: Vocab,
    rng: np.random.Generator,
    length: int = 200,
    temperature: float = 1.0,
    top_k: int | None = None,
    prime: str = "",
    greedy: bool = False,
    show_k: int = 5,
    state0: dict[str, np.ndarray] | None = None,
) -> list[SampleStep]:
    """Generate ``length`` characters and keep the top-``show_k`` distribution of every step.

    Parameters
    ----------
    model : Model
        A character model (token input, softmax head over ``vocab``).
    vocab : Vocab
        The model's vocabulary.
    rng : numpy.random.Generator
        Source of every draw.
    length : int
        Characters to generate (the prime is not included in the result).
    temperature, top_k : float, int or None
        See :func:`reshape_distribution`.
    prime : str
        Text fed to the model first; empty starts from a newline (or space).
    greedy : bool
        Always take the most likely character (also when ``temperature`` is below
        ``GREEDY_TEMPERATURE``).
    show_k : int
        How many candidates to keep per step for display.
    state0 : dict of name -> ndarray, optional
        (B, H) state to start from; row 0 is used. None starts from zeros.

    Returns
    -------
    steps : list of SampleStep
        (length,) in generation order.

    Raises
    ------
    TaskInputError
        If ``prime`` contains characters outside the vocabulary, or an option is invalid.
    """
    if length < 0:
        raise TaskInputError(f"sample length = {length}: must be 0 or more")
    if not temperature > 0:
        raise TaskInputError(f"temperature = {temperature!r}: must be greater than 0")
    greedy = greedy or temperature < GREEDY_TEMPERATURE
    ids = _first_input(vocab, prime)  # (P,)
    if state0 is None:
        state = model.zero_state(1)
    else:
        state = {k: np.array(v[:1], dtype=model.dtype) for k, v in state0.items()}  # (1, H)
    out = None
    for i in ids:
        out, state = model.step(np.array([i], np.int64), state)  # (1, V)
    steps: list[SampleStep] = []
    for _ in range(length):
        p = np.asarray(out[0], np.float64)  # (V,)
        if greedy:
            q = np.zeros_like(p)  # (V,)
            q[int(np.argmax(p))] = 1.0
            shown = p
        else:
            q = reshape_distribution(p, temperature, top_k)  # (V,)
            shown = q
        choice = int(np.argmax(q)) if greedy else int(rng.choice(q.size, p=q))
        order = np.argsort(-shown, kind="stable")[:show_k] if show_k else ()  # (k,)
        steps.append(
            SampleStep(
                char=vocab.chars[choice],
                top_chars=tuple(vocab.chars[j] for j in order),
                top_probs=tuple(float(shown[j]) for j in order),
            )
        )
        out, state = model.step(np.array([choice], np.int64), state)  # (1, V)
    return steps


def sample_text(
    model: Model,
    vocab: Vocab,
    rng: np.random.Generator,
    length: int = 200,
    temperature: float = 1.0,
    top_k: int | None = None,
    prime: str = "",
    greedy: bool = False,
    state0: dict[str, np.ndarray] | None = None,
) -> str:
    """Generate ``length`` characters (the prime is not repeated in the result).

    See :func:`sample_steps` for the parameters.
    """
    steps = sample_steps(
        model, vocab, rng, length, temperature, top_k, prime, greedy, show_k=0, state0=state0
    )
    return "".join(s.char for s in steps)
