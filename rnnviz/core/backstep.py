"""One step of backpropagation through time explained, from the cell's textbook backward.

For the probe (batch of one) with loss L = Σ_t mask_t l_t, walking from the last step back, the
gradient reaching h_t has two parts::

    dL/dh_t = own_t + later_t
    own_t   = dl_t/dz_t W_y^T          from the step's own loss, through the output layer
    later_t = dL/dh_t via step t+1     flowing back from t+1 (zero at the last step)

and the step hands on, through ``Cell.backward_reference``:

    gates[k]    dL/da_k (H,)           the gradient reaching gate k's pre-activation at t
    arriving[s] dL/ds_t via step t+1   for every carried state s (later_t for h; for the LSTM's
                                       c the cell-state path dc_next)
    passed[s]   dL/ds_{t-1} via step t what the step passes back to the previous state

With a batch of one, a gate's bias gradient at one step is its pre-activation gradient:
db_k = Σ_batch da_k = da_k, so the gates' gradients are read off ``backward_reference``'s
``b_<k>`` (no cell is named here). ‖own_t + later_t‖ is the gradient panel's ‖dL/dh_t‖.

Nothing here needs the weight matrices' gradients (x_t^T da_k, h_{t-1}^T da_k: an outer product
per gate and step, most of a full backward's work), so ``backward_reference`` is asked for the
biases' only (``weights=False``): the numbers are the full backward's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rnnviz.core.explain import reference_steps
from rnnviz.core.model import Model
from rnnviz.core.types import OUTPUT_STATE


@dataclass(frozen=True)
class BackwardStep:
    """The backward pass at step t (see the module docstring); vectors are (H,) float64."""

    t: int
    own: np.ndarray
    later: np.ndarray
    gates: Mapping[str, np.ndarray]
    arriving: Mapping[str, np.ndarray]
    passed: Mapping[str, np.ndarray]

    @property
    def dh(self) -> np.ndarray:
        """(H,) dL/dh_t = own + later."""
        return self.own + self.later

    def norms(self) -> dict[str, float]:
        """‖dL/dh_t‖, its two parts, each gate's and each carried path's gradient norm."""
        out = {
            "dh": float(np.linalg.norm(self.dh)),
            "own": float(np.linalg.norm(self.own)),
            "later": float(np.linalg.norm(self.later)),
        }
        out.update({f"gate {k}": float(np.linalg.norm(v)) for k, v in self.gates.items()})
        out.update({f"{s} from t+1": float(np.linalg.norm(v)) for s, v in self.arriving.items()})
        out.update({f"{s} to t-1": float(np.linalg.norm(v)) for s, v in self.passed.items()})
        return out


def _head_rows(
    model: Model, W_y: np.ndarray, b_y: np.ndarray, h_t: np.ndarray, y_t: np.ndarray, w: float
) -> np.ndarray:
    """dL/dz for one step: the model's head on z = h_t W_y + b_y (1, O), weight ``w``."""
    z = h_t @ W_y + b_y  # (1, O)
    p, _ = model.head.forward(z, y_t)
    return model.head.grad(p, y_t, np.array([w]))  # (1, O)


def backward_steps(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray | None = None,
    state0: Mapping[str, np.ndarray] | None = None,
    steps: list[dict[str, np.ndarray]] | None = None,
) -> list[BackwardStep]:
    """The backward pass of the probe explained at every step, index t = step t.

    Parameters
    ----------
    model : Model
        Read in float64 (not changed).
    x : ndarray
        (1, T) token ids or (1, T, D) vectors.
    y : ndarray
        (1, T) target ids or (1, T, O) targets.
    mask : ndarray, optional
        (1, T) loss weights (the echo task scores its last step only); ones by default.
    state0 : mapping, optional
        carried name -> (1, H) initial state (zeros by default).
    steps : list of dict, optional
        The forward's :func:`~rnnviz.core.explain.reference_steps` of ``x`` from ``state0``,
        when the caller has them already (computed here otherwise).
    """
    cell = model.cell
    x, y = np.asarray(x)[:1], np.asarray(y)[:1]
    T = x.shape[1]
    m = np.ones(T) if mask is None else np.asarray(mask, np.float64).reshape(-1)  # (T,)
    p64 = {k: np.asarray(v, np.float64) for k, v in model.p.items()}  # no copy if float64
    q = cell.unfuse(p64)
    W_y, b_y = p64["W_y"], p64["b_y"]  # (H, O), (O,)
    steps = reference_steps(model, x, state0) if steps is None else steps
    H = model.cfg.hidden
    d = {s: np.zeros((1, H)) for s in cell.carried}  # dL/ds_t arriving from step t+1
    index = model.head.target_kind == "index"
    out: list[BackwardStep] = []
    for t in range(T - 1, -1, -1):
        y_t = y[:, t] if index else y[:, t].astype(np.float64)  # (1,) or (1, O)
        dz = _head_rows(model, W_y, b_y, steps[t][OUTPUT_STATE], y_t, float(m[t]))  # (1, O)
        own = dz @ W_y.T  # (1, H)
        arriving = {s: d[s][0].copy() for s in cell.carried}  # (H,) each
        d_in = dict(d)
        d_in[OUTPUT_STATE] = d[OUTPUT_STATE] + own  # (1, H) dL/dh_t
        grads, d = cell.backward_reference(q, steps[t], d_in, weights=False)
        out.append(
            BackwardStep(
                t=t,
                own=own[0],
                later=arriving[OUTPUT_STATE],
                gates={k: np.array(grads[f"b_{k}"]) for k in cell.GATES},  # (H,) da_k
                arriving=arriving,
                passed={s: d[s][0].copy() for s in cell.carried},
            )
        )
    return out[::-1]
