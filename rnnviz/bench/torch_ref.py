"""PyTorch reference for the benchmark (used only if torch happens to be installed).

The same work as one engine training step: the torch.nn module a cell names as its equivalent
(``Cell.TORCH_MODULE``: nn.RNN, nn.LSTM, nn.GRU) over one-hot tokens, nn.Linear,
cross-entropy summed over time and averaged over the batch, Adam. Never imported by rnnviz
outside the benchmark, never a dependency.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def available() -> bool:
    try:
        import torch  # noqa: F401
    except Exception:
        return False
    return True


def make_step(
    module: str, vocab: int, hidden: int, dtype: str, threads: int, seed: int = 0
) -> Callable[[np.ndarray, np.ndarray], float]:
    """A closure that runs one training step on (B, T) int arrays x, y and returns the loss.

    ``module`` names the torch.nn recurrent layer ("LSTM").
    """
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    tdt = torch.float64 if dtype == "float64" else torch.float32
    cls = getattr(nn, module)
    rnn = cls(vocab, hidden, batch_first=True).to(tdt)
    head = nn.Linear(hidden, vocab).to(tdt)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    eye = torch.eye(vocab, dtype=tdt)

    def step(x: np.ndarray, y: np.ndarray) -> float:
        xt = torch.from_numpy(x)
        yt = torch.from_numpy(y).reshape(-1)
        B = x.shape[0]
        opt.zero_grad(set_to_none=True)
        out, _ = rnn(eye[xt])  # (B, T, H)
        z = head(out).reshape(-1, vocab)  # (B*T, V)
        loss = nn.functional.cross_entropy(z, yt, reduction="sum") / B
        loss.backward()
        opt.step()
        return float(loss.detach())

    return step
