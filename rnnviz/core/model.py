"""The network: input layer + recurrent cell + output head, with exact backpropagation through time.

Forward, for a batch of B sequences of length T (batch-first public shapes)::

    ax_t = W_x[x_t] + b          tokens: a row gather, never a one-hot product
    ax_t = x_t W_x + b           real vectors: one GEMM over all T*B rows before the time loop
    h_t, ... = cell(ax_t, h_{t-1}, ...)            the only part that runs step by step
    z_t = h_t W_y + b_y          one GEMM over all T*B rows after the loop
    p_t, l_t = head(z_t, y_t)    per-step loss in nats

Objective: L = (1/B) Σ_b Σ_t mask_bt l_bt. ``Trace.loss`` = Σ mask l / Σ mask (nats per step).

Backward mirrors it: the head gradient and dW_y, db_y are single GEMMs over all rows, the cell
back-propagates through time, then dW_h = Σ_t h_{t-1}^T da_t and dW_x = onehot(x)^T dax
(or x^T dax) are one GEMM each. All parameters live in one flat array ``params`` so the
optimiser updates them with a handful of vectorised operations.

Layout: inside forward/backward the recurrence runs feature-major, one (G*H, B) block per step,
so each gate block is contiguous; the public arrays (Trace, gradients) are batch-first views or
copies. Large scratch arrays are recycled between passes (``Workspace``) but never while the
caller still holds them, so a kept Trace stays valid. A Model is not thread-safe: give each
thread its own ``copy()``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rnnviz.config import ConfigError, ModelConfig
from rnnviz.core._ops import Workspace, norm, scaled_norm, sum_sq_in_range, use_blas_threads
from rnnviz.core.cell import BIAS, Cell
from rnnviz.core.heads import make_head
from rnnviz.core.init import init_weights
from rnnviz.core.registry import check_cell, make_cell
from rnnviz.core.types import OUTPUT_STATE, GradFlow, Intervention, StateSpec, Trace

# Above this vocabulary size the token-weight gradient uses a scatter-add instead of a one-hot GEMM.
ONEHOT_MAX_VOCAB = 4096


class Model:
    """A recurrent network whose parameters are views into one flat array.

    Parameters
    ----------
    cfg : ModelConfig
        The architecture (validated here; mistakes raise ConfigError).
    rng : numpy.random.Generator
        Draws the initial weights (see rnnviz.core.init).

    Notes
    -----
    Parameter blocks along the G*H axis follow the cell's gate order (``cell.GATES``);
    ``model.cell.block(gate)`` gives the columns of one gate.
    """

    def __init__(
        self, cfg: ModelConfig, rng: np.random.Generator | None = None, *, params=None
    ) -> None:
        if not isinstance(cfg, ModelConfig):
            raise ConfigError("model: expected a ModelConfig")
        cfg.validate()
        self.cfg = cfg
        self.dtype = np.dtype(cfg.dtype)
        H, I, O = cfg.hidden, cfg.input_size, cfg.output_size
        self.cell: Cell = make_cell(cfg)
        self.head = make_head(cfg.head)
        G = self.cell.G
        self._shapes = _param_shapes(self.cell, I, O)
        # biases beyond b (e.g. the GRU's b_hn): their gradients sum rows of dax or dah
        self._extra_biases = [
            (blk.name, self.cell.rows(blk.gates), blk.side)
            for blk in self.cell.param_blocks(I)[3:]
            if blk.role == BIAS
        ]
        self._slices: dict[str, slice] = {}
        offset = 0
        for name, shape in self._shapes.items():
            n = int(np.prod(shape))
            self._slices[name] = slice(offset, offset + n)
            offset += n
        if params is not None:
            self.params = np.array(params, dtype=self.dtype, copy=True)  # (P,)
            if self.params.shape != (offset,):
                raise ValueError(f"model: expected {offset} parameters, got {self.params.shape}")
        else:
            if rng is None:
                raise ConfigError("model: a numpy.random.Generator is needed to initialise weights")
            self.params = np.zeros(offset, dtype=self.dtype)  # (P,)
        self.p = self.grad_views(self.params)
        self._ws = Workspace()  # recycled buffers; never shared between copies
        if params is None:
            w = init_weights(cfg.init, rng, I, H, G, O)
            for name, value in w.items():
                self.p[name][...] = value
            gate = self.cell.forget_gate
            if gate is not None:
                self.p["b"][self.cell.block(gate)] = cfg.forget_bias  # forget-gate block

    # --- description ----------------------------------------------------------------------------
    @property
    def specs(self) -> tuple[StateSpec, ...]:
        return self.cell.specs

    @property
    def carried(self) -> tuple[str, ...]:
        return self.cell.carried

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(self._slices)

    def grad_views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """name -> view of a flat (P,) array shaped like that parameter."""
        return {n: flat[s].reshape(self._shapes[n]) for n, s in self._slices.items()}

    def zero_state(self, B: int) -> dict[str, np.ndarray]:
        """name -> (B, H) zeros for every carried state."""
        return {k: np.zeros((B, self.cfg.hidden), self.dtype) for k in self.carried}

    # --- copies and persistence -----------------------------------------------------------------
    def copy(self) -> Model:
        return Model(self.cfg, params=self.params)

    def astype(self, dtype: str) -> Model:
        cfg = ModelConfig.from_dict({**self.cfg.to_dict(), "dtype": str(np.dtype(dtype))})
        return Model(cfg, params=self.params)

    def state_dict(self) -> dict[str, np.ndarray]:
        return {n: v.copy() for n, v in self.p.items()}

    def load_state_dict(self, d: dict[str, np.ndarray]) -> None:
        missing = sorted(set(self.p) - set(d))
        extra = sorted(set(d) - set(self.p))
        if missing or extra:
            raise ValueError(
                f"model weights: missing {missing or 'none'}, unexpected {extra or 'none'}"
            )
        for n, view in self.p.items():
            a = np.asarray(d[n])
            if a.shape != view.shape:
                raise ValueError(f"model weights: {n} has shape {a.shape}, expected {view.shape}")
        for n, view in self.p.items():
            view[...] = d[n]

    # --- checks ---------------------------------------------------------------------------------
    def _inputs(self, x: np.ndarray) -> tuple[np.ndarray, int, int]:
        cfg = self.cfg
        x = np.asarray(x)
        if cfg.input_kind == "tokens":
            if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
                raise ValueError(
                    f"model input: expected (B, T) integer token ids, got {x.dtype} {x.shape}"
                )
            if x.size and (x.min() < 0 or x.max() >= cfg.input_size):
                raise ValueError(f"model input: token ids must lie in [0, {cfg.input_size})")
        elif x.ndim != 3 or x.shape[2] != cfg.input_size:
            raise ValueError(
                f"model input: expected (B, T, {cfg.input_size}) vectors, got {x.shape}"
            )
        B, T = x.shape[:2]
        if B < 1 or T < 1:
            raise ValueError(f"model input: empty batch or sequence {x.shape}")
        return x, B, T

    def _targets(self, y: np.ndarray, B: int, T: int) -> np.ndarray:
        O = self.cfg.output_size
        y = np.asarray(y)
        if self.head.target_kind == "index":
            if y.shape != (B, T) or not np.issubdtype(y.dtype, np.integer):
                raise ValueError(
                    f"model targets: expected ({B}, {T}) integer classes, got {y.dtype} {y.shape}"
                )
            if y.min() < 0 or y.max() >= O:
                raise ValueError(f"model targets: classes must lie in [0, {O})")
            return np.ascontiguousarray(y.T).reshape(T * B)  # (T*B,)
        if y.shape != (B, T, O):
            raise ValueError(f"model targets: expected ({B}, {T}, {O}) values, got {y.shape}")
        return np.ascontiguousarray(y.transpose(1, 0, 2), dtype=self.dtype).reshape(T * B, O)

    def _clamps(self, intervention, T: int) -> dict[int, list[tuple[str, int, float]]]:
        if intervention is None:
            return {}
        items: Sequence[Intervention] = (
            [intervention] if isinstance(intervention, Intervention) else list(intervention)
        )
        clamps: dict[int, list[tuple[str, int, float]]] = {}
        for iv in items:
            if iv.state not in self.carried:
                raise ValueError(
                    f"intervention: state {iv.state!r} cannot be clamped; use {self.carried}"
                )
            if not 0 <= iv.step < T:
                raise ValueError(f"intervention: step {iv.step} outside the sequence (0..{T - 1})")
            if not 0 <= iv.unit < self.cfg.hidden:
                raise ValueError(f"intervention: unit {iv.unit} outside 0..{self.cfg.hidden - 1}")
            clamps.setdefault(iv.step, []).append((iv.state, iv.unit, float(iv.value)))
        return clamps

    def _work(self, B: int) -> int:
        H = self.cfg.hidden
        return self.cell.G * H * H * B

    def _initial_state(self, state0: dict | None, B: int) -> dict[str, np.ndarray]:
        """name -> (H, B) carried state at t = 0: ``state0``'s (B, H) arrays, or zeros."""
        H, dt = self.cfg.hidden, self.dtype
        if state0 is None:
            return {k: np.zeros((H, B), dt) for k in self.carried}  # (H, B)
        s0 = {}
        for k in self.carried:
            v = np.asarray(state0.get(k)) if k in state0 else None
            if v is None or v.shape != (B, H):
                raise ValueError(f"model state0: {k!r} must have shape ({B}, {H})")
            s0[k] = np.ascontiguousarray(v.T, dtype=dt)  # (H, B)
        return s0

    def _mask(self, mask, B: int, T: int) -> np.ndarray:
        """(B, T) loss weights: ``mask``, or all ones."""
        if mask is None:
            return np.ones((B, T), self.dtype)  # (B, T)
        mask_bt = np.asarray(mask, dtype=self.dtype)
        if mask_bt.shape != (B, T):
            raise ValueError(f"model mask: expected shape ({B}, {T}), got {mask_bt.shape}")
        return mask_bt

    def _input_part(self, x: np.ndarray, B: int, T: int) -> tuple[np.ndarray, np.ndarray]:
        """ax = x_t W_x + b for every step in one gather or GEMM (times the cell's input scale),
        and the input rows backward multiplies with.

        Cells with ax_layout "tgb" take ax step-major, (T, G*H, B), so that each step's block is
        contiguous (the LSTM then adds h_{t-1} W_h to it in place); the others take it as
        (G*H, T, B). The rows are token ids (T*B,) or vectors (T*B, D), in (t, b) order.
        """
        p, dt, ws = self.p, self.dtype, self._ws
        GH = self.cell.G * self.cfg.hidden
        scale = self.cell.input_scale(dt)  # (G*H,) or None
        step_major = self.cell.ax_layout == "tgb"
        if self.cfg.input_kind == "tokens":
            idx = np.ascontiguousarray(x.T)  # (T, B)
            # mode="wrap" skips the bounds check (ids were validated) and the buffered copy
            if step_major and B == 1:
                # (T, 1, G*H) rows of W_x + b are already laid out as (T, G*H, 1)
                W_xb = p["W_x"] + p["b"]  # (V, G*H): row v = W_x[v] + b
                if scale is not None:
                    W_xb *= scale
                ax = np.take(W_xb, idx, axis=0, out=ws.empty((T, 1, GH), dt), mode="wrap")
                ax = ax.reshape(T, GH, 1)  # (T, G*H, B)
            else:
                # Row gather of W_x, done on the transposed (G*H, V) table so that every step's
                # input part is a (G*H, B) block of contiguous runs of B values. C order, or
                # np.take would copy the table on every call. Column v = W_x[v] + b.
                W_xbT = np.add(p["W_x"].T, p["b"][:, None], order="C")  # (G*H, V)
                if scale is not None:
                    W_xbT *= scale[:, None]
                if step_major:
                    ax = ws.empty((T, GH, B), dt)  # (T, G*H, B)
                    take = W_xbT.take  # the method: np.take's Python wrapper costs per step
                    for ax_t, idx_t in zip(ax, idx):  # noqa: B905 - both have T rows
                        take(idx_t, 1, ax_t, "wrap")  # (G*H, B) = W_xbT[:, idx_t]
                else:
                    ax = np.take(
                        W_xbT, idx, axis=1, out=ws.empty((GH, T, B), dt), mode="wrap"
                    )  # (G*H, T, B)
            return ax, idx.reshape(T * B)  # (T*B,)
        x_cols = np.ascontiguousarray(x.transpose(2, 1, 0), dtype=dt).reshape(-1, T * B)
        if step_major:
            x3 = x_cols.reshape(-1, T, B).transpose(1, 0, 2)  # (T, D, B)
            ax = np.matmul(p["W_x"].T, x3, out=ws.empty((T, GH, B), dt))  # (T, G*H, B)
            ax += p["b"][:, None]
            if scale is not None:
                ax *= scale[:, None]
        else:
            ax = np.matmul(p["W_x"].T, x_cols, out=ws.empty((GH, T * B), dt))  # (G*H, T*B)
            ax += p["b"][:, None]
            if scale is not None:
                ax *= scale[:, None]
            ax = ax.reshape(GH, T, B)  # (G*H, T, B)
        return ax, x_cols.T  # (T*B, D)

    # --- forward --------------------------------------------------------------------------------
    def run_cell(self, x: np.ndarray, state0: dict[str, np.ndarray]) -> dict:
        """The cell alone over a batch: no output layer, no loss (what tracing a text needs).

        Parameters
        ----------
        x : ndarray
            (B, T) token ids or (B, T, D) vectors.
        state0 : dict
            carried name -> (H, B) feature-major initial state.

        Returns
        -------
        dict
            The cell's cache: ``cell.states(cache)`` gives name -> (B, T, H) views,
            ``cell.final(cache)`` carried name -> (H, B). BLAS threads stay as the caller set
            them (``forward`` sets them for the batch).
        """
        x, B, T = self._inputs(x)
        ax, _ = self._input_part(x, B, T)  # (T, G*H, B) or (G*H, T, B)
        return self.cell.forward(self.p, ax, state0, {}, self._ws)

    def forward(self, x, y=None, mask=None, state0=None, intervention=None) -> Trace:
        """Run the network over a batch.

        Parameters
        ----------
        x : ndarray
            (B, T) int token ids, or (B, T, D) real vectors.
        y : ndarray, optional
            (B, T) int classes (softmax head) or (B, T, O) targets; without it no loss is computed.
        mask : ndarray, optional
            (B, T) loss weights, default all ones.
        state0 : dict, optional
            name -> (B, H) initial carried state, default zeros.
        intervention : Intervention or list of them, optional
            Units to clamp during this pass.

        Returns
        -------
        Trace
            states name -> (B, T, H), outputs (B, T, O), loss_t (B, T), loss, final name -> (B, H).
        """
        x, B, T = self._inputs(x)
        dt = self.dtype
        H, O = self.cfg.hidden, self.cfg.output_size
        p = self.p
        clamps = self._clamps(intervention, T)
        s0 = self._initial_state(state0, B)  # name -> (H, B)
        mask_bt = self._mask(mask, B, T)  # (B, T)
        use_blas_threads(self._work(B))
        ws = self._ws
        ax, x_rows = self._input_part(x, B, T)  # (T, G*H, B) or (G*H, T, B); (T*B,) or (T*B, D)
        cache = self.cell.forward(p, ax, s0, clamps, ws)
        V = self.cfg.input_size
        if self.cfg.input_kind == "tokens" and V <= ONEHOT_MAX_VOCAB:
            # h_0..h_T go straight into the middle columns of the rows [onehot(x_t), h_{t-1}, 1]
            # that backward multiplies with da (it fills the other columns): no second copy.
            X_all = ws.empty((T + 1, B, V + H + 1), dt)  # (T+1, B, V+H+1)
            H_all = X_all[:, :, V : V + H]  # (T+1, B, H) view
        else:
            X_all = None
            H_all = ws.empty((T + 1, B, H), dt)  # (T+1, B, H) row-major copy of h_0..h_T
        np.copyto(H_all, cache["hs"].transpose(0, 2, 1))
        z = np.matmul(H_all[1:].reshape(T * B, H), p["W_y"], out=ws.empty((T * B, O), dt))
        z += p["b_y"]  # (T*B, O)
        m_rows = np.ascontiguousarray(mask_bt.T).reshape(T * B)  # (T*B,)
        y_rows = self._targets(y, B, T) if y is not None else None
        out, l_rows = self.head.forward(z, y_rows)  # (T*B, O), (T*B,) or None
        if y_rows is not None:
            l_rows *= m_rows  # (T*B,)
            loss_t = np.ascontiguousarray(l_rows.reshape(T, B).T)  # (B, T)
            total = float(m_rows.sum())
            loss = float(l_rows.sum()) / total if total > 0 else float("nan")
        else:
            loss_t = np.zeros((B, T), dt)  # (B, T)
            loss = float("nan")
        states = self.cell.states(cache)
        states[OUTPUT_STATE] = H_all[1:].transpose(1, 0, 2)  # (B, T, H)
        final = {k: np.ascontiguousarray(v.T) for k, v in self.cell.final(cache).items()}  # (B, H)
        cache.update(
            H_all=H_all,
            X_all=X_all,
            x_rows=x_rows,
            y_rows=y_rows,
            m_rows=m_rows,
            out=out,
            clamps=clamps,
            B=B,
            T=T,
        )
        return Trace(
            states=states,
            outputs=out.reshape(T, B, O).transpose(1, 0, 2),  # (B, T, O)
            loss_t=loss_t,
            mask=mask_bt,
            loss=loss,
            final=final,
            cache=cache,
        )

    # --- backward -------------------------------------------------------------------------------
    def backward(self, tr: Trace, last: bool = False, dfinal=None) -> tuple[np.ndarray, GradFlow]:
        """Exact BPTT of L = (1/B) Σ mask * l (+ Σ dfinal * final if dfinal is given).

        Returns
        -------
        grads : ndarray
            (P,) flat gradient aligned with ``params`` (see ``grad_views``).
        flow : GradFlow
            ||dL/ds_t|| for every carried state s, ||dL_T/dh_t|| when ``last``, parameter norms,
            dstate0.
        """
        c = tr.cache
        if not isinstance(c, dict) or "H_all" not in c:
            raise ValueError("backward: the trace does not come from this engine's forward")
        if c["y_rows"] is None:
            raise ValueError(
                "backward: the forward pass had no targets (y); nothing to differentiate"
            )
        B, T = c["B"], c["T"]
        H = self.cfg.hidden
        dt = self.dtype
        p = self.p
        ws = self._ws
        O = self.cfg.output_size
        grads = ws.empty(self.params.shape, dt)  # (P,) every entry is written below
        g = self.grad_views(grads)
        w = c["m_rows"] / B  # (T*B,)
        use_blas_threads(self._work(B))
        dz = self.head.grad(c["out"], c["y_rows"], w, out=ws.empty((T * B, O), dt))  # (T*B, O)
        H_all = c["H_all"]  # (T+1, B, H)
        H_rows = H_all[1:].reshape(T * B, H)  # (T*B, H)
        np.matmul(H_rows.T, dz, out=g["W_y"])
        dz.sum(axis=0, out=g["b_y"])
        if self.cell.ax_layout == "tgb":
            # dH^T = W_y dz^T straight into feature-major (H, T, B); the cell reads each step's
            # (H, B) block through a (T, H, B) view, which saves a transposing copy.
            dH_cols = np.matmul(p["W_y"], dz.T, out=ws.empty((H, T * B), dt))  # (H, T*B)
            dhy = dH_cols.reshape(H, T, B).transpose(1, 0, 2)  # (T, H, B) view
        else:
            dH_rows = np.matmul(dz, p["W_y"].T, out=ws.empty((T * B, H), dt))  # (T*B, H)
            dhy = ws.empty((T, H, B), dt)  # (T, H, B)
            np.copyto(dhy, dH_rows.reshape(T, B, H).transpose(0, 2, 1))
        dfin = {}
        for k in self.carried:
            if dfinal is not None and k in dfinal:
                dfin[k] = np.ascontiguousarray(np.asarray(dfinal[k]).T, dtype=dt)  # (H, B)
            else:
                dfin[k] = np.zeros((H, B), dt)
        back = self.cell.backward(p, c, dhy, dfin, c["clamps"], ws)
        # Columns ordered (t, b) like the rows: dA[:, t*B + b] = da_t[:, b].
        dAx = _columns(back["dax"], ws)  # (G*H, T*B)
        dAh = dAx if back["dah"] is back["dax"] else _columns(back["dah"], ws)  # (G*H, T*B)
        H_prev = H_all[:-1].reshape(T * B, H)  # (T*B, H)
        V = self.cfg.input_size
        if self.cfg.input_kind == "tokens" and V <= ONEHOT_MAX_VOCAB and dAh is dAx:
            # W_x, W_h and b are adjacent in params: [dW_x; dW_h; db] = [onehot(x), h_prev, 1]^T da
            # in one GEMM.
            X = c["X_all"][:T].reshape(T * B, V + H + 1)  # (T*B, V+H+1), h_{t-1} already in
            X[:, :V] = 0.0
            X[np.arange(T * B), c["x_rows"]] = 1.0
            X[:, -1] = 1.0
            block = grads[self._slices["W_x"].start : self._slices["b"].stop]
            np.matmul(X.T, dAx.T, out=block.reshape(V + H + 1, -1))
            self._extra_bias_grads(g, dAx, dAh)
            return grads, self._flow(g, back, c, dhy, last)
        dAx.sum(axis=1, out=g["b"])
        self._extra_bias_grads(g, dAx, dAh)
        np.matmul(H_prev.T, dAh.T, out=g["W_h"])  # dW_h = Σ_t h_{t-1}^T da_t
        if self.cfg.input_kind == "tokens":
            if V <= ONEHOT_MAX_VOCAB:
                onehot = ws.zeros((T * B, V), dt)  # (T*B, V)
                onehot[np.arange(T * B), c["x_rows"]] = 1.0
                np.matmul(onehot.T, dAx.T, out=g["W_x"])  # dW_x = onehot(x)^T dax
            else:
                g["W_x"][...] = 0.0
                np.add.at(g["W_x"], c["x_rows"], dAx.T)
        else:
            np.matmul(c["x_rows"].T, dAx.T, out=g["W_x"])  # dW_x = x^T dax
        return grads, self._flow(g, back, c, dhy, last)

    def _extra_bias_grads(self, g: dict, dAx: np.ndarray, dAh: np.ndarray) -> None:
        """d(extra bias) = its rows of dax or dah summed over (t, b), e.g. db_hn = Σ dah[n]."""
        for name, rows, side in self._extra_biases:
            (dAh if side == "hidden" else dAx)[rows].sum(axis=1, out=g[name])

    def _param_norms(self, g: dict[str, np.ndarray]) -> dict[str, float]:
        """name -> ||dL/dW||, from one squaring pass over the flat gradient."""
        flat = next(iter(g.values())).base  # the (P,) array the views share
        if flat is None or flat.shape != self.params.shape:
            return {n: norm(v) for n, v in g.items()}
        # ||g||^2 = g . g, one BLAS dot per parameter block (no squared temporary)
        return {n: norm(flat[s]) for n, s in self._slices.items()}

    def _flow(self, g: dict, back: dict, c: dict, dhy: np.ndarray, last: bool) -> GradFlow:
        """The gradient-flow record; with ``last``, one more recurrent-only backward pass."""
        B = c["B"]
        H = self.cfg.hidden
        dt = self.dtype
        last_norms = None
        if last:
            zero = {k: np.zeros((H, B), dt) for k in self.carried}
            lb = self.cell.backward(self.p, c, dhy, zero, c["clamps"], self._ws, last_only=True)
            last_norms = _step_norms(lb["dstates"][OUTPUT_STATE])
        return GradFlow(
            flows={k: _step_norms(back["dstates"][k]) for k in self.carried},  # (T,) each
            last=last_norms,
            params=self._param_norms(g),
            dstate0={k: np.ascontiguousarray(v.T) for k, v in back["dstate0"].items()},  # (B, H)
        )

    # --- generation -----------------------------------------------------------------------------
    def step(
        self, x_t, state: dict[str, np.ndarray] | None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One time step: x_t (B,) ids or (B, D) vectors -> outputs (B, O), new state (B, H)."""
        x_t = np.asarray(x_t)
        tr = self.forward(x_t[:, None], state0=state)
        return np.ascontiguousarray(tr.outputs[:, 0]), tr.final


def _param_shapes(cell: Cell, I: int, O: int) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every parameter block, in the order of the flat parameter array."""
    # the cell's W_x, W_h, b come first and adjacent: backward fills their gradients with one GEMM
    shapes = [(blk.name, blk.shape) for blk in cell.param_blocks(I)]
    shapes += [("W_y", (cell.H, O)), ("b_y", (O,))]
    return dict(shapes)


def param_shapes(cfg: ModelConfig) -> dict[str, tuple[int, ...]]:
    """The parameter blocks of a model with ``cfg`` (name -> shape), without allocating them.

    Used to check a checkpoint's arrays before reading them.
    """
    cfg.validate()
    return _param_shapes(make_cell(cfg), cfg.input_size, cfg.output_size)


def carried_states(cfg: ModelConfig) -> tuple[str, ...]:
    """Names of the states a model with ``cfg`` carries from one batch to the next."""
    return check_cell(cfg).carried


def _columns(a_fm: np.ndarray, ws: Workspace) -> np.ndarray:
    """Feature-major (T, F, B) -> (F, T*B); copies contiguous runs of B values."""
    T, F, B = a_fm.shape
    out = ws.empty((F, T, B), a_fm.dtype)  # (F, T, B)
    np.copyto(out, a_fm.transpose(1, 0, 2))
    return out.reshape(F, T * B)


def _step_norms(d: np.ndarray) -> np.ndarray:
    """(T, H, B) -> (T,) float64 Frobenius norm per step: sqrt(d_t . d_t).

    T BLAS dot products in d's dtype; a step whose sum of squares left that dtype's range (a
    vanishing signal below ~1e-19 or an exploding one above ~1e19 in float32, where the line
    used to end or jump to inf) is recomputed rescaled, so every norm is that of the vector the
    engine holds.
    """
    r = d.reshape(d.shape[0], -1)  # (T, H*B)
    with np.errstate(over="ignore"):  # an overflowing square is recomputed below
        sq = np.matmul(r[:, None, :], r[:, :, None]).reshape(-1)  # (T,) d_t . d_t
    out = np.sqrt(sq.astype(np.float64))  # (T,)
    for t in np.flatnonzero(~sum_sq_in_range(sq, d.dtype)):
        out[t] = scaled_norm(r[t])
    return out
