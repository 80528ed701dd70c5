"""The tutorial way, as a speed baseline: one sequence at a time, one matrix per gate, a Python
loop over time with dict caches, one-hot inputs multiplied by the input weights.

This is how min-char-rnn and the classic LSTM/GRU blog posts write it, and it is each cell's
textbook step (``Cell.step_reference`` and ``Cell.backward_reference``): the same network as the
engine (same cells, softmax + cross-entropy, Adam), spending its time in thousands of tiny NumPy
calls. Only the benchmark uses it.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.registry import cell_class
from rnnviz.core.types import OUTPUT_STATE


class TutorialNet:
    """A char-level network of a registered cell with per-gate weights (``Cell.unfuse``'s names:
    W_x<k> (V, H), W_h<k> (H, H), b_<k> (H,)) and an output layer W_y (H, V), b_y (V,)."""

    def __init__(
        self, cell: str, vocab: int, hidden: int, rng: np.random.Generator, dtype="float64"
    ):
        cls = cell_class(cell)
        self.cell = cls.build(hidden, cls.nonlinearities[0])
        self.V, self.H = vocab, hidden
        dt = np.dtype(dtype)
        s = 1.0 / np.sqrt(hidden)
        fused = {b.name: np.zeros(b.shape) for b in self.cell.param_blocks(vocab)}
        shapes = {k: v.shape for k, v in self.cell.unfuse(fused).items()}
        shapes.update(W_y=(hidden, vocab), b_y=(vocab,))
        # weights U(-1/sqrt(H), 1/sqrt(H)), biases zero
        self.w: dict[str, np.ndarray] = {
            k: rng.uniform(-s, s, shape).astype(dt) if len(shape) == 2 else np.zeros(shape, dt)
            for k, shape in shapes.items()
        }
        self.m = {k: np.zeros_like(v) for k, v in self.w.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.w.items()}
        self.t = 0
        self.dtype = dt

    def loss_and_grads(self, inputs, targets, grads) -> float:
        """One sequence (lists of ints); adds its gradients into ``grads``; returns its loss."""
        cell, w, H, V = self.cell, self.w, self.H, self.V
        prev = [np.zeros((1, H), self.dtype) for _ in cell.carried]  # (1, H) each
        steps, ps = [], []
        loss = 0.0
        for t, ch in enumerate(inputs):
            x = np.zeros((1, V), self.dtype)  # (1, V) one-hot
            x[0, ch] = 1.0
            step = cell.step_reference(w, x, *prev)
            prev = [step[k] for k in cell.carried]
            y = step[OUTPUT_STATE] @ w["W_y"] + w["b_y"]  # (1, V)
            e = np.exp(y - np.max(y))
            p = e / np.sum(e)  # (1, V)
            loss += -np.log(p[0, targets[t]])
            steps.append(step)
            ps.append(p)
        d = {k: np.zeros((1, H), self.dtype) for k in cell.carried}  # dL/ds_t from step t+1
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])  # (1, V)
            dy[0, targets[t]] -= 1
            grads["W_y"] += steps[t][OUTPUT_STATE].T @ dy
            grads["b_y"] += dy[0]
            d[OUTPUT_STATE] = d[OUTPUT_STATE] + dy @ w["W_y"].T  # (1, H)
            step_grads, d = cell.backward_reference(w, steps[t], d)
            for k, g in step_grads.items():
                grads[k] += g
        return loss

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float = 0.01) -> float:
        """A batch (B, T) processed one sequence at a time, then one Adam update."""
        grads = {k: np.zeros_like(v) for k, v in self.w.items()}
        loss = 0.0
        for b in range(x.shape[0]):
            loss += self.loss_and_grads(list(x[b]), list(y[b]), grads)
        self.t += 1
        for k, p in self.w.items():
            g = grads[k] / x.shape[0]
            self.m[k] = 0.9 * self.m[k] + 0.1 * g
            self.v[k] = 0.999 * self.v[k] + 0.001 * g * g
            mh = self.m[k] / (1 - 0.9**self.t)
            vh = self.v[k] / (1 - 0.999**self.t)
            p -= lr * mh / (np.sqrt(vh) + 1e-8)
        return loss / x.size
