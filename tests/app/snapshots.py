"""Synthetic but realistic Snapshots for GUI tests and figures (no model, no trainer needed).

``make_specs(cell)`` declares the arrays a cell would; ``SnapshotStream`` produces successive
snapshots with consistent steps, losses, gradient norms, clip events, validation losses and samples,
exactly as a Trainer would drain them; ``make_snapshot`` is a one-off shortcut. ``Feed(view)``
shows snapshots in a view that renders a RunModel, the way the window does: each snapshot becomes
an Update (step records, a Frame, a sample, a status) ingested by the feed's RunModel, which the
view then renders.

Usage::

    from tests.app.snapshots import SnapshotStream, make_snapshot
    stream = SnapshotStream("lstm", T=40, H=32, seed=0)
    snap = stream.next()           # 10 new training steps since the previous snapshot
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnviz.core.types import StateSpec
from rnnviz.train.frame import Frame
from rnnviz.train.records import Sample, StepRecord
from rnnviz.train.runmodel import RunModel
from rnnviz.train.update import Status, Update

_H = StateSpec("h", "hidden state h", -1.0, 1.0, "What the network remembers and passes on.")
_SPECS: dict[str, tuple[StateSpec, ...]] = {
    "rnn": (_H,),
    "lstm": (
        _H,
        StateSpec("c", "cell state c", None, None, "The LSTM's long-term memory (unbounded)."),
        StateSpec("i", "input gate i", 0.0, 1.0, "How much of the candidate is written to c."),
        StateSpec("f", "forget gate f", 0.0, 1.0, "How much of the old cell state is kept."),
        StateSpec("o", "output gate o", 0.0, 1.0, "How much of tanh(c) is shown as h."),
        StateSpec("g", "candidate g", -1.0, 1.0, "The new content proposed for the cell."),
    ),
    "gru": (
        _H,
        StateSpec("r", "reset gate r", 0.0, 1.0, "How much of the old h the candidate sees."),
        StateSpec("z", "update gate z", 0.0, 1.0, "How much of h is replaced by the candidate."),
        StateSpec("n", "candidate n", -1.0, 1.0, "The proposed new hidden state."),
    ),
}

PROBE_TEXT = "the quick brown fox\njumps over\tthe lazy dog. "


@dataclass(frozen=True)
class Snapshot:
    """Synthetic data of a run at one training step, turned into Updates by :class:`Feed`.

    Attributes
    ----------
    step : int
        Training steps (batches) done.
    tokens_seen : int
        Time steps consumed so far (batch * seq_len per step).
    loss_steps : ndarray
        (n,) float64 step numbers of the losses since the previous snapshot (so no point is lost);
        the older points of a saved history are bucket centres.
    losses : ndarray
        (n,) float64 mean training loss per step in nats, for those steps.
    grad_norms : ndarray
        (n,) float64 global gradient norm *before* clipping, for those steps.
    clipped : ndarray
        (n,) bool: whether clipping changed the gradient at those steps.
    clip_norm : float or None
        The global-norm clipping threshold in force (drawn on the gradient-norm plot).
    clip_value : float or None
        The element-wise clipping threshold in force (named in the plot's legend).
    specs : tuple[StateSpec, ...]
        The arrays the cell declares, in display order.
    probe_labels : tuple[str, ...]
        (T,) input label per probe step (x-axis ticks).
    probe_states : dict[str, ndarray]
        name -> (T, H) float32 probe trace, one per spec.
    probe_outputs : ndarray
        (T, O) the model's outputs on the probe.
    probe_loss_t : ndarray
        (T,) per-step probe loss in nats.
    flows : dict[str, ndarray]
        Gradient flow on the probe, one curve per carried state s in the cell's order:
        s -> (T,) ||dL/ds_t|| (e.g. "h", and "c" for the LSTM); empty when there is no probe.
    flow_last : ndarray or None
        (T,) the last-step signal on the probe, ||dL_T/dh_t||.
    param_norms : dict[str, float]
        Per-parameter gradient norms of the latest training step.
    grad_norm, grad_norm_clipped : float
        Global norm before and after clipping of the latest training step.
    tokens_per_s : float
        Training throughput over the recent window.
    val_loss : float or None
        Latest validation loss in nats (None before the first evaluation).
    metrics : dict[str, float]
        Latest task metrics (bpc, accuracy, ...).
    sample : str or None
        A new sample / task display produced since the previous snapshot, else None.
    sample_marks : tuple[tuple[int, int], ...]
        Character ranges of ``sample`` to highlight.
    state : str
        "running", "paused", "stopped", "diverged" or "error".
    message : str
        Why (for "diverged": what went non-finite, at which step, and what to try).
    lr : float
        Learning rate in force.
    probe_targets : tuple[str, ...]
        (T,) display label of each probe step's target ("" where not scored; empty if the task
        gives none). For text, the last one is the probe's final character, never read.
    """

    step: int
    tokens_seen: int
    loss_steps: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    clipped: np.ndarray
    clip_norm: float | None
    specs: tuple[StateSpec, ...]
    probe_labels: tuple[str, ...]
    probe_states: dict[str, np.ndarray]
    probe_outputs: np.ndarray
    probe_loss_t: np.ndarray
    flows: dict[str, np.ndarray]
    flow_last: np.ndarray | None
    param_norms: dict[str, float]
    grad_norm: float
    grad_norm_clipped: float
    tokens_per_s: float
    val_loss: float | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    sample: str | None = None
    sample_marks: tuple[tuple[int, int], ...] = ()
    state: str = "running"
    message: str = ""
    lr: float = 0.0
    clip_value: float | None = None
    probe_targets: tuple[str, ...] = ()


def make_specs(cell: str) -> tuple[StateSpec, ...]:
    """The StateSpecs a cell ("rnn", "lstm", "gru") declares, in display order."""
    return _SPECS[cell]


def probe_labels(T: int, text: str = PROBE_TEXT) -> tuple[str, ...]:
    """(T,) one-character labels cycling through ``text`` (contains space, newline and tab)."""
    return tuple(text[t % len(text)] for t in range(T))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def probe_states(
    specs: tuple[StateSpec, ...], T: int, H: int, rng: np.random.Generator, c_scale: float = 3.0
) -> dict[str, np.ndarray]:
    """name -> (T, H) float32 arrays in each spec's range, smooth over time like a real trace."""
    out: dict[str, np.ndarray] = {}
    for spec in specs:
        walk = np.cumsum(rng.normal(0.0, 0.35, size=(T, H)), axis=0)  # (T, H)
        pre = 0.5 * walk + rng.normal(0.0, 1.0, size=(1, H))  # (T, H)
        if spec.scale == "sequential":
            a = _sigmoid(2.0 * pre)  # (T, H)
        elif spec.scale == "diverging":
            a = np.tanh(pre)  # (T, H)
        else:
            a = c_scale * np.tanh(0.5 * np.cumsum(np.tanh(pre), axis=0) / 4.0)  # (T, H)
        out[spec.name] = a.astype(np.float32)
    return out


class SnapshotStream:
    """Successive snapshots of an imaginary run.

    Parameters
    ----------
    cell : str
        "rnn", "lstm" or "gru".
    T, H : int
        Probe length and hidden size.
    seed : int
        Seed of the Generator behind every number.
    steps_per_snapshot : int
        Training steps (losses) carried by each snapshot.
    tokens_per_step : int
        batch * seq_len.
    clip_norm : float or None
        Global-norm threshold; grad norms above it count as clipped.
    clip_value : float or None
        Element-wise clipping threshold the snapshots report.
    val_every : int
        A new validation loss every this many snapshots.
    sample_every : int
        A new sample every this many snapshots.
    """

    def __init__(
        self,
        cell: str = "lstm",
        T: int = 40,
        H: int = 32,
        seed: int = 0,
        steps_per_snapshot: int = 10,
        tokens_per_step: int = 32 * 25,
        clip_norm: float | None = 5.0,
        clip_value: float | None = None,
        val_every: int = 5,
        sample_every: int = 3,
    ) -> None:
        self.cell = cell
        self.T = T
        self.H = H
        self.rng = np.random.default_rng(seed)
        self.steps_per_snapshot = steps_per_snapshot
        self.tokens_per_step = tokens_per_step
        self.clip_norm = clip_norm
        self.clip_value = clip_value
        self.val_every = val_every
        self.sample_every = sample_every
        self.step = 0
        self.count = 0
        self.val_loss: float | None = None

    def _loss_at(self, steps: np.ndarray) -> np.ndarray:
        base = 1.3 + 2.9 * np.exp(-steps / 400.0)  # (n,)
        return base * np.exp(self.rng.normal(0.0, 0.06, size=steps.shape))  # (n,)

    def next(self, n_steps: int | None = None, **overrides: Any) -> Snapshot:
        """The next snapshot, carrying ``n_steps`` new training steps; fields can be overridden."""
        n = self.steps_per_snapshot if n_steps is None else n_steps
        rng = self.rng
        specs = make_specs(self.cell)
        T, H = self.T, self.H
        loss_steps = np.arange(self.step + 1, self.step + n + 1, dtype=np.int64)  # (n,)
        self.step += n
        self.count += 1
        losses = self._loss_at(loss_steps.astype(np.float64))  # (n,)
        grad_norms = np.exp(rng.normal(np.log(2.5), 0.6, size=n))  # (n,)
        clipped = (
            grad_norms > self.clip_norm if self.clip_norm is not None else np.zeros(n, dtype=bool)
        )
        if self.count % self.val_every == 0:
            self.val_loss = float(self._loss_at(np.array([float(self.step)]))[0] + 0.08)
        t = np.arange(T, dtype=np.float64)  # (T,)
        flow_dh = 0.05 * (1.0 + 0.3 * rng.random(T)) * (1.0 + 0.02 * (T - 1 - t))  # (T,)
        flow_last = 0.4 * 0.75 ** (T - 1 - t)  # (T,) vanishing towards early steps
        flow_last[flow_last < 1e-9] = 0.0  # underflow to exact zero, like float32 does
        flows = {"h": flow_dh, "c": 0.8 * flow_dh} if self.cell == "lstm" else {"h": flow_dh}
        sample, marks = None, ()
        if self.count % self.sample_every == 0:
            sample = f"step {self.step}: the quick brown fox\njumps over the lazy dog"
            marks = ((5, 5 + len(str(self.step))),)  # the step number
        grad_norm = float(grad_norms[-1]) if n else 0.0
        clipped_norm = min(grad_norm, self.clip_norm) if self.clip_norm else grad_norm
        fields: dict[str, Any] = {
            "step": self.step,
            "tokens_seen": self.step * self.tokens_per_step,
            "loss_steps": loss_steps,
            "losses": losses,
            "grad_norms": grad_norms,
            "clipped": clipped,
            "clip_norm": self.clip_norm,
            "clip_value": self.clip_value,
            "specs": specs,
            "probe_labels": probe_labels(T),
            "probe_states": probe_states(specs, T, H, rng),
            "probe_outputs": rng.random((T, 5)).astype(np.float32),
            "probe_loss_t": rng.random(T) * 3.0,
            "flows": flows,
            "flow_last": flow_last,
            "param_norms": {"W_x": 0.5, "W_h": 1.0, "b": 0.1},
            "grad_norm": grad_norm,
            "grad_norm_clipped": float(clipped_norm),
            "tokens_per_s": 12_000.0,
            "val_loss": self.val_loss,
            "metrics": {"bpc": float(losses[-1] / np.log(2))} if n else {},
            "sample": sample,
            "sample_marks": marks,
            "lr": 2e-3,
        }
        fields.update(overrides)
        return Snapshot(**fields)


def make_snapshot(
    cell: str = "lstm", T: int = 40, H: int = 32, seed: int = 0, **overrides: Any
) -> Snapshot:
    """A single snapshot (the first of a fresh ``SnapshotStream``), fields overridable."""
    return SnapshotStream(cell, T=T, H=H, seed=seed).next(**overrides)


def replace(snap: Snapshot, **changes: Any) -> Snapshot:
    """``dataclasses.replace`` for a Snapshot (convenience for tests)."""
    return dataclasses.replace(snap, **changes)


class Feed:
    """Shows snapshots in ``view`` through a RunModel, as the window does (see the docstring).

    ``feed(snap)`` ingests ``snap`` as an Update of run ``run_id`` (the feed's unless given: a
    new id is a new run) and returns ``view.draw_model(model, **kwargs)``.
    """

    def __init__(self, view: Any, run_id: str = "run", **model_options: Any) -> None:
        self.view = view
        self.run_id = run_id
        self.model = RunModel(**model_options)
        self._val: float | None = None

    def __call__(self, snap: Snapshot, run_id: str | None = None, **kwargs: Any) -> Any:
        run_id = self.run_id if run_id is None else run_id
        if run_id != self.model.run_id:
            self._val = None
        self.model.ingest(self.update_of(snap, run_id))
        return self.view.draw_model(self.model, **kwargs)

    def update_of(self, snap: Snapshot, run_id: str) -> Update:
        """The Update a trainer would have sent for ``snap``; an evaluation is recorded at its
        last step when its validation loss is new."""
        metrics = dict(snap.metrics)
        if snap.val_loss is not None:
            metrics.setdefault("val_loss", snap.val_loss)
        evaluated = snap.val_loss is not None and snap.val_loss != self._val
        self._val = snap.val_loss if snap.val_loss is not None else self._val
        steps = np.asarray(snap.loss_steps)  # (n,)
        rate = snap.tokens_seen / snap.step if snap.step else 0.0
        records = tuple(
            StepRecord(
                step=int(s),
                tokens_seen=round(s * rate),
                loss=float(snap.losses[k]),
                grad_norm=float(snap.grad_norms[k]),
                grad_norm_clipped=float(snap.grad_norms[k]),
                clipped=bool(snap.clipped[k]),
                lr=snap.lr,
                metrics=metrics if evaluated and k == len(steps) - 1 else None,
            )
            for k, s in enumerate(steps.tolist())
        )
        frame = None
        if snap.specs:
            frame = Frame(
                run_id=run_id,
                step=snap.step,
                cell=self.view.__class__.__name__,
                specs=snap.specs,
                states=snap.probe_states,
                outputs=snap.probe_outputs,
                loss_t=snap.probe_loss_t,
                flows=snap.flows,
                flow_last=snap.flow_last,
                param_norms=snap.param_norms,
                labels=snap.probe_labels,
                targets=snap.probe_targets,
            )
        samples = ()
        if snap.sample is not None:
            samples = (Sample(snap.step, snap.sample, snap.sample_marks, dict(snap.metrics)),)
        status = Status(
            state=snap.state,
            message=snap.message,
            step=snap.step,
            tokens_seen=snap.tokens_seen,
            tokens_per_s=snap.tokens_per_s,
            lr=snap.lr,
            clip_norm=snap.clip_norm,
            clip_value=snap.clip_value,
            metrics=metrics,
        )
        return Update(run_id, status, records, frame, samples)
