"""The textbook oracle: a whole sequence run through a cell's ``step_reference`` and back through
its ``backward_reference``, with the model's softmax output layer, in float64.

    z_t = h_t W_y + b_y;   p_t = softmax(z_t);   l_t = -log p_t[y_t]
    L = (1/B) Σ_b Σ_t mask_bt l_bt + Σ_s Σ dfinal_s * s_T          (as Model.backward)

Shared by the reference tests and the test that registers a new cell.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.model import Model


def one_hot(x: np.ndarray, V: int) -> np.ndarray:
    """(B, T) token ids -> (B, T, V) one-hot rows."""
    return np.eye(V)[x]  # (B, T, V)


def reference_forward(
    m: Model, x: np.ndarray, state0: dict[str, np.ndarray]
) -> list[dict[str, np.ndarray]]:
    """Every step's ``step_reference`` result for (B, T) tokens ``x`` from ``state0`` (B, H)."""
    cell = m.cell
    q = cell.unfuse({k: v.astype(np.float64) for k, v in m.p.items()})
    xs = one_hot(x, m.cfg.input_size)  # (B, T, V)
    prev = [state0[k] for k in cell.carried]
    steps = []
    for t in range(x.shape[1]):
        step = cell.step_reference(q, xs[:, t], *prev)
        prev = [step[k] for k in cell.carried]
        steps.append(step)
    return steps


def reference_gradients(
    m: Model,
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    state0: dict[str, np.ndarray],
    dfinal: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], float]:
    """dL/dq for every per-gate parameter (and W_y, b_y), dL/ds_0, and L, the textbook way."""
    cell = m.cell
    q = cell.unfuse({k: v.astype(np.float64) for k, v in m.p.items()})
    W_y, b_y = m.p["W_y"].astype(np.float64), m.p["b_y"].astype(np.float64)
    steps = reference_forward(m, x, state0)
    B, T = x.shape
    grads = {k: np.zeros_like(v) for k, v in q.items()}
    grads["W_y"], grads["b_y"] = np.zeros_like(W_y), np.zeros_like(b_y)
    d = {k: np.array(dfinal[k], dtype=np.float64) for k in cell.carried}  # dL/ds_T
    L = sum(float(np.sum(dfinal[k] * steps[-1][k])) for k in cell.carried)
    for t in range(T - 1, -1, -1):
        h_t = steps[t]["h"]  # (B, H)
        z = h_t @ W_y + b_y  # (B, V)
        e = np.exp(z - z.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)  # (B, V)
        w = mask[:, t] / B  # (B,)
        L += float(np.sum(w * -np.log(p[np.arange(B), y[:, t]])))
        dz = p.copy()
        dz[np.arange(B), y[:, t]] -= 1.0
        dz *= w[:, None]  # (B, V)
        grads["W_y"] += h_t.T @ dz
        grads["b_y"] += dz.sum(axis=0)
        d["h"] = d["h"] + dz @ W_y.T  # (B, H)
        step_grads, d = cell.backward_reference(q, steps[t], d)
        for k, g in step_grads.items():
            grads[k] += g
    return grads, d, L
