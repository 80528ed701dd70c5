"""The tutorial way, as a speed baseline: one column-vector sequence at a time, per-gate matrices,
a Python loop over time with dict caches, one-hot inputs multiplied by the input weights.

This is how min-char-rnn and the classic LSTM/GRU blog posts write it. It computes the same
network as the engine (same cells, softmax + cross-entropy, Adam) but spends its time in
thousands of tiny NumPy calls. Only the benchmark uses it.
"""

from __future__ import annotations

import numpy as np


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


_GATES = {"rnn": ("h",), "lstm": ("i", "f", "o", "g"), "gru": ("r", "z", "n")}


class TutorialNet:
    """A char-level RNN/LSTM/GRU with per-gate weights Wx<k> (H, V), Wh<k> (H, H), b<k> (H, 1)."""

    def __init__(
        self, cell: str, vocab: int, hidden: int, rng: np.random.Generator, dtype="float64"
    ):
        self.cell, self.V, self.H = cell, vocab, hidden
        dt = np.dtype(dtype)
        s = 1.0 / np.sqrt(hidden)
        self.w: dict[str, np.ndarray] = {}
        for k in _GATES[cell]:
            self.w["Wx" + k] = rng.uniform(-s, s, (hidden, vocab)).astype(dt)
            self.w["Wh" + k] = rng.uniform(-s, s, (hidden, hidden)).astype(dt)
            self.w["b" + k] = np.zeros((hidden, 1), dt)
        if cell == "gru":
            self.w["bhn"] = np.zeros((hidden, 1), dt)
        self.w["Wy"] = rng.uniform(-s, s, (vocab, hidden)).astype(dt)
        self.w["by"] = np.zeros((vocab, 1), dt)
        self.m = {k: np.zeros_like(v) for k, v in self.w.items()}
        self.v = {k: np.zeros_like(v) for k, v in self.w.items()}
        self.t = 0
        self.dtype = dt

    def loss_and_grads(self, inputs, targets, grads) -> float:
        """One sequence (lists of ints); adds its gradients into ``grads``; returns its loss."""
        w, H, V = self.w, self.H, self.V
        xs, hs, cs, ps, gates = {}, {}, {}, {}, {}
        hs[-1] = np.zeros((H, 1), self.dtype)
        cs[-1] = np.zeros((H, 1), self.dtype)
        loss = 0.0
        for t, ch in enumerate(inputs):
            xs[t] = np.zeros((V, 1), self.dtype)
            xs[t][ch] = 1.0
            if self.cell == "rnn":
                hs[t] = np.tanh(w["Wxh"] @ xs[t] + w["Whh"] @ hs[t - 1] + w["bh"])
            elif self.cell == "lstm":
                i = _sigmoid(w["Wxi"] @ xs[t] + w["Whi"] @ hs[t - 1] + w["bi"])
                f = _sigmoid(w["Wxf"] @ xs[t] + w["Whf"] @ hs[t - 1] + w["bf"])
                o = _sigmoid(w["Wxo"] @ xs[t] + w["Who"] @ hs[t - 1] + w["bo"])
                g = np.tanh(w["Wxg"] @ xs[t] + w["Whg"] @ hs[t - 1] + w["bg"])
                cs[t] = f * cs[t - 1] + i * g
                hs[t] = o * np.tanh(cs[t])
                gates[t] = (i, f, o, g)
            else:
                r = _sigmoid(w["Wxr"] @ xs[t] + w["Whr"] @ hs[t - 1] + w["br"])
                z = _sigmoid(w["Wxz"] @ xs[t] + w["Whz"] @ hs[t - 1] + w["bz"])
                hn = w["Whn"] @ hs[t - 1] + w["bhn"]
                n = np.tanh(w["Wxn"] @ xs[t] + w["bn"] + r * hn)
                hs[t] = (1 - z) * n + z * hs[t - 1]
                gates[t] = (r, z, n, hn)
            y = w["Wy"] @ hs[t] + w["by"]
            e = np.exp(y - np.max(y))
            ps[t] = e / np.sum(e)
            loss += -np.log(ps[t][targets[t], 0])
        dh_next = np.zeros((H, 1), self.dtype)
        dc_next = np.zeros((H, 1), self.dtype)
        for t in reversed(range(len(inputs))):
            dy = np.copy(ps[t])
            dy[targets[t]] -= 1
            grads["Wy"] += dy @ hs[t].T
            grads["by"] += dy
            dh = w["Wy"].T @ dy + dh_next
            if self.cell == "rnn":
                da = (1 - hs[t] * hs[t]) * dh
                das = {"h": da}
                dh_next = w["Whh"].T @ da
            elif self.cell == "lstm":
                i, f, o, g = gates[t]
                tc = np.tanh(cs[t])
                dc = dc_next + dh * o * (1 - tc * tc)
                das = {
                    "i": dc * g * i * (1 - i),
                    "f": dc * cs[t - 1] * f * (1 - f),
                    "o": dh * tc * o * (1 - o),
                    "g": dc * i * (1 - g * g),
                }
                dc_next = dc * f
                dh_next = sum(w["Wh" + k].T @ das[k] for k in "ifog")
            else:
                r, z, n, hn = gates[t]
                dn = dh * (1 - z) * (1 - n * n)
                das = {"r": dn * hn * r * (1 - r), "z": dh * (hs[t - 1] - n) * z * (1 - z), "n": dn}
                dhn = dn * r
                grads["Whn"] += dhn @ hs[t - 1].T
                grads["bhn"] += dhn
                dh_next = dh * z + w["Whr"].T @ das["r"] + w["Whz"].T @ das["z"] + w["Whn"].T @ dhn
            for k, da in das.items():
                grads["Wx" + k] += da @ xs[t].T
                if not (self.cell == "gru" and k == "n"):
                    grads["Wh" + k] += da @ hs[t - 1].T
                grads["b" + k] += da
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
