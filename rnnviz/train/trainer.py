"""Trainer: one object that owns a run — model, task, optimiser, random streams and history.

One call to :meth:`Trainer.step` trains on one batch::

    batch  = next(stream)                      # x, y: (B, T); state carried unless batch.reset
    trace  = model.forward(x, y, mask, state0)
    grads  = model.backward(trace)             # (P,) dL/dθ, L = (1/B) Σ_b Σ_t mask·l_bt
    clip(grads)                                # element-wise and/or global norm
    θ      ← optimiser(θ, grads)

Each applied step leaves a :class:`~rnnviz.train.records.StepRecord`; :meth:`Trainer.frame` packs
the probe views' arrays (copies) into a :class:`~rnnviz.train.frame.Frame`, and
:meth:`Trainer.update` hands the records, the frame and any new sample over in one
:class:`~rnnviz.train.update.Update`.

Random streams. ``np.random.SeedSequence(seed).spawn(3)`` gives three independent generators:
initial weights, batches, and sampling/evaluation. Drawing a sample therefore never changes the
training stream, and the same seed gives bit-identical losses and weights.

Divergence. A step diverges when its loss, its gradient or the weights after its update are not
finite, or when the loss blows up while still finite. The blow-up rule (thresholds and why in
:mod:`rnnviz.train.divergence`): with avg_n the smoothed loss (β = 0.98, the loss panel's
smoothed curve), best_n its lowest value so far and l_0 the untrained loss (the first step's),
step n has blown up when::

    avg_n > max(1.5 · l_0, 3 · best_n)

i.e. the smoothed loss is half as large again as knowing nothing, and three times its best (which
spares the first steps, when the loss may rise before it falls). Every preset stays below 0.64 of
that limit; a step that wrecks the weights costs hundreds of nats and trips it at once.

A diverged step is neither applied nor recorded nor counted. The trainer then puts back the newest
good state from a small ring (:mod:`rnnviz.train.goodstates`: weights, optimiser buffers and the
loss averages, taken every 25 calm steps and trusted once 10 more steps went well), drops the
carried state, sets :attr:`Trainer.diverged` to an explanation naming the step whose weights were
restored, and returns a StepResult with ``diverged=True``. Nothing is raised. The step counter and
the batch stream go on from where they were: the next step trains the restored weights, with
whatever settings were changed meanwhile, on the next batch.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnnviz.config import ConfigError, OptimConfig, RunConfig, TrainConfig
from rnnviz.core.memory import MemoryEstimate, check_memory, estimate_training_memory
from rnnviz.core.model import Model
from rnnviz.core.optim import clip_gradients, make_optimizer
from rnnviz.tasks import make_task
from rnnviz.tasks.base import BatchStream, Evaluation, Task
from rnnviz.train.checkpoint import load_state, save_state
from rnnviz.train.divergence import BlowUpRule
from rnnviz.train.frame import Frame
from rnnviz.train.goodstates import GoodStates
from rnnviz.train.history import History
from rnnviz.train.records import Sample, StepRecord
from rnnviz.train.state import TrainerState, seed_generators
from rnnviz.train.update import Status, Update

# Throughput is measured over windows of at least this much training time (seconds).
RATE_WINDOW = 0.25
# Fields of TrainConfig that may change during a run (the others shape the batch stream).
LIVE_TRAIN_FIELDS = ("sample_every", "eval_every", "sample_length", "temperature")


@dataclass(frozen=True)
class StepResult:
    """What one training step did.

    Attributes
    ----------
    step : int
        Steps done after this one (unchanged if it diverged).
    loss : float
        Mean training loss of the batch in nats per counted step.
    grad_norm : float
        Global gradient norm before clipping.
    clipped : bool
        Whether clipping changed the gradient.
    diverged : bool
        True if a non-finite value stopped the step (see :attr:`Trainer.diverged`).
    """

    step: int
    loss: float
    grad_norm: float
    clipped: bool
    diverged: bool


class Trainer:
    """A training run: model, task, optimiser, random streams, history.

    Parameters
    ----------
    run : RunConfig
        The run; the model's input/output sizes, input kind and head are taken from the task.
    task : Task or None
        An already built task (e.g. restored from a checkpoint); built from ``run.task`` if None.

    Raises
    ------
    ConfigError, TaskInputError
        For invalid settings or task input (one-line messages).
    """

    def __init__(self, run: RunConfig, task: Task | None = None) -> None:
        run.validate()
        self.task = task if task is not None else make_task(run.task)
        self.run = run.replace(model=self.task.model_config(run.model)).validate()
        self._check_memory()
        self.history = History()
        self.auto_evaluate = True  # evaluate/sample on the sample_every / eval_every schedule
        self._build(self.run.train.seed)

    # ------------------------------------------------------------------ construction
    def memory_estimate(self) -> MemoryEstimate:
        """The memory this run needs (see :mod:`rnnviz.core.memory`)."""
        tc = self.run.train
        train_steps, eval_steps = self.task.time_steps(tc.batch, tc.seq_len)
        return estimate_training_memory(self.run.model, self.run.optim, train_steps, eval_steps)

    def _check_memory(self) -> None:
        """Refuse (ConfigError) a run that would not fit in memory, before allocating it."""
        tc, m = self.run.train, self.run.model
        steps = self.task.time_steps(tc.batch, tc.seq_len)[0] // max(1, tc.batch)
        what = f"{m.cell} with {m.hidden} units on batches of {tc.batch} x {steps} steps"
        check_memory(self.memory_estimate(), what)

    def _build(self, seed: int) -> None:
        """Fresh weights, optimiser, streams and counters from ``seed``."""
        self.rng_init, self.rng_batch, self.rng_sample = seed_generators(seed)
        self.model = Model(self.run.model, self.rng_init)
        self.optimizer = make_optimizer(self.run.optim, self.model.params.size, self.model.dtype)
        self.batches_drawn = 0
        # Created now so that a task that cannot feed these batches says so at once.
        tc = self.run.train
        self._batches: BatchStream = self.task.batches(tc.batch, tc.seq_len, self.rng_batch)
        self.carry: dict[str, np.ndarray] | None = None
        self.step_count = 0
        self.saved_step = 0  # step of the last save or load: later steps are unsaved progress
        self.tokens_seen = 0
        self.history.clear()
        self.run_id = uuid.uuid4().hex[:12]  # a new id per run: readers start afresh on it
        self.diverged: str | None = None
        self.val_loss: float | None = None
        self.metrics: dict[str, float] = {}
        self.evaluated_step: int | None = None  # the weights val_loss and metrics belong to
        self._sample: Sample | None = None
        self._records: list[StepRecord] = []  # applied steps not yet handed over
        self._saved_history: History | None = None  # a continued run's steps before this one
        self._saved_tokens = 0  # tokens seen at its last step
        self._started = False  # whether the first update of this run was built
        self._last_param_norms: dict[str, float] = {}
        self._last_norms = (math.nan, math.nan)
        self._version = 0  # bumps whenever the weights change
        self._frame_cache: tuple[Any, Frame] | None = None
        self._weights_cache: tuple[int, np.ndarray] | None = None
        self._rate = 0.0
        self._rate_tokens = 0
        self._rate_time = 0.0
        self.rule = BlowUpRule()  # when a finite loss counts as a blow-up
        self.good_states = GoodStates()  # where a blow-up goes back to
        self.restored_step: int | None = None  # whose weights the last divergence put back

    @property
    def step_number(self) -> int:
        """Training steps done (alias of ``step_count``)."""
        return self.step_count

    # ------------------------------------------------------------------ training
    def step(self) -> StepResult:
        """Train on one batch: forward, loss, backward, clip, update.

        Overflow while diverging is expected and checked explicitly, so NumPy's floating-point
        warnings are silenced during the step.

        Returns
        -------
        StepResult
            ``diverged=True`` (and the weights untouched) if a non-finite value appeared.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._step()

    def _step(self) -> StepResult:
        t0 = time.perf_counter()
        batch = next(self._batches)
        self.batches_drawn += 1
        tc, oc, m = self.run.train, self.run.optim, self.model
        n = self.step_count + 1
        if self.good_states.newest() is None:  # what the user started from is good by definition
            self.good_states.take(
                self.step_count, m.params, self.optimizer, self.history, confirmed=True
            )
        use_carry = tc.stateful and not batch.reset and self.carry is not None
        trace = m.forward(batch.x, batch.y, batch.mask, state0=self.carry if use_carry else None)
        loss = float(trace.loss)
        if not math.isfinite(loss):
            return self._diverge(n, f"the training loss became {loss}", loss, math.nan)
        self.rule.start(self.history, loss)
        avg = self.history.avg_after(loss)  # avg_n
        blown = self.rule.check(avg)
        if blown:
            return self._diverge(n, blown, loss, math.nan)
        grads, flow = m.backward(trace)  # (P,)
        norm, norm_after, fired = clip_gradients(grads, oc.clip_value, oc.clip_norm)
        norm, norm_after = float(norm), float(norm_after)
        if not math.isfinite(norm):
            bad = self._nonfinite(m.grad_views(grads))
            what = f"the gradient of {bad}" if bad else "the gradient norm"
            return self._diverge(n, f"{what} became non-finite (norm {norm})", loss, norm)
        self.optimizer.update(m.params, grads)
        if not np.isfinite(m.params).all():
            bad = self._nonfinite(m.p)
            return self._diverge(n, f"the weights {bad} became non-finite", loss, norm)
        if tc.stateful:
            self.carry = {k: v.copy() for k, v in trace.final.items()}
        self.step_count = n
        B, T = batch.x.shape[:2]
        self.tokens_seen += B * T
        self.history.append(n, loss, norm)
        calm = self.rule.observe(avg)
        self.good_states.after_step(n, calm, m.params, self.optimizer, self.history)
        self._last_param_norms = dict(flow.params)
        self._last_norms = (norm, norm_after)
        self._version += 1
        self.diverged = None
        measured = None
        if self.auto_evaluate and (n % tc.sample_every == 0 or n % tc.eval_every == 0):
            self.evaluate()
            measured = dict(self.metrics)
        self._records.append(
            StepRecord(n, self.tokens_seen, loss, norm, norm_after, bool(fired), oc.lr, measured)
        )
        dt = time.perf_counter() - t0
        self._rate_tokens += B * T
        self._rate_time += dt
        if self._rate_time >= RATE_WINDOW:
            self._rate = self._rate_tokens / self._rate_time
            self._rate_tokens, self._rate_time = 0, 0.0
        return StepResult(step=n, loss=loss, grad_norm=norm, clipped=bool(fired), diverged=False)

    @staticmethod
    def _nonfinite(views: dict[str, np.ndarray]) -> str:
        return ", ".join(k for k, v in views.items() if not np.isfinite(v).all())

    def _diverge(self, n: int, what: str, loss: float, norm: float) -> StepResult:
        """Put back the newest good state and explain; the step is not applied or counted."""
        oc = self.run.optim
        good = self.good_states.restore(self.model.params, self.optimizer, self.history)
        self.restored_step = good
        self._version += 1  # the weights changed: the probe views must be recomputed
        self.evaluated_step = None  # and the last evaluation is not theirs
        self.carry = None  # the carried state of a diverging run is not trustworthy
        if good is None:
            kept = "the weights could not be restored"
        else:
            kept = f"restored the weights and optimiser state of step {good:,}"
        tips = [f"a lower learning rate (now {oc.lr:g})"]
        if oc.clip_norm is None:
            tips.append("gradient-norm clipping (e.g. 5)")
        self.diverged = f"training diverged at step {n:,}: {what}; {kept}. Try {' or '.join(tips)}."
        return StepResult(
            step=self.step_count, loss=loss, grad_norm=norm, clipped=False, diverged=True
        )

    def evaluation(self, rng: np.random.Generator | None = None, **options: Any) -> Evaluation:
        """The task's evaluation of the current weights, without changing the run.

        The one definition of the metrics (validation loss, accuracy, ...) that training, the
        closing summary of ``rnnviz train`` and ``rnnviz eval`` report: the task reads on from
        the state training carries (``state0=self.carry``; zeros for a fresh or stateless run,
        and tasks of independent sequences ignore it).

        Parameters
        ----------
        rng : numpy.random.Generator, optional
            Draws of the evaluation (fresh test sequences, the sample); the run's sampling
            generator if None.
        **options
            Passed to the task's ``evaluate`` (``length``, ``temperature``, ...).
        """
        rng = self.rng_sample if rng is None else rng
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self.task.evaluate(self.model, rng, state0=self.carry, **options)

    def evaluate(self) -> None:
        """Run the task's evaluation now (sample / metrics) with the sampling generator."""
        tc = self.run.train
        ev = self.evaluation(length=tc.sample_length, temperature=tc.temperature)
        self.metrics = {k: float(v) for k, v in ev.metrics.items()}
        self.evaluated_step = self.step_count
        if "val_loss" in self.metrics:
            self.val_loss = self.metrics["val_loss"]
        marks = tuple((int(a), int(b)) for a, b in ev.marks)
        self._sample = Sample(self.step_count, ev.text, marks, dict(self.metrics))

    def pop_sample(self) -> Sample | None:
        """The sample / task display produced since the last call, or None.

        The text is the task's own (``marks`` index into it); it belongs to the current step.
        """
        sample, self._sample = self._sample, None
        return sample

    @property
    def has_sample(self) -> bool:
        """Whether an evaluation produced a sample that no update has delivered yet."""
        return self._sample is not None

    @property
    def tokens_per_s(self) -> float:
        """Training throughput (time steps per second of time spent in :meth:`step`).

        Measured over windows of at least ``RATE_WINDOW`` seconds of training; until the first
        window is complete (a short run), the running total so far. 0 before any step.
        """
        if self._rate > 0.0:
            return self._rate
        return self._rate_tokens / self._rate_time if self._rate_time > 0.0 else 0.0

    # ------------------------------------------------------------------ settings
    def set_optim(self, cfg: OptimConfig) -> None:
        """Change optimiser, learning rate or clipping between steps."""
        cfg.validate()
        self.optimizer.set_config(cfg)
        self.run = self.run.replace(optim=cfg)

    def set_lr(self, lr: float) -> None:
        """Change the learning rate between steps."""
        self.set_optim(dataclasses.replace(self.run.optim, lr=float(lr)))

    def set_train(self, **changes: Any) -> None:
        """Change live schedule settings: sample_every, eval_every, sample_length, temperature."""
        fixed = sorted(set(changes) - set(LIVE_TRAIN_FIELDS))
        if fixed:
            raise ConfigError(
                f"train.{fixed[0]} cannot change during a run; reset the run with the new value"
            )
        cfg: TrainConfig = dataclasses.replace(self.run.train, **changes).validate()
        self.run = self.run.replace(train=cfg)

    def set_temperature(self, temperature: float) -> None:
        """Sampling temperature for the next samples."""
        self.set_train(temperature=float(temperature))

    def set_probe(self, text: str) -> None:
        """Replace the probe sequence (TaskInputError for bad text)."""
        self.task.set_probe(text)
        self._frame_cache = None

    def reset(self, seed: int | None = None) -> None:
        """New weights from ``seed`` (the run's seed if None): step 0, empty history."""
        if seed is not None:
            train = dataclasses.replace(self.run.train, seed=int(seed)).validate()
            self.run = self.run.replace(train=train)
        self._build(self.run.train.seed)

    # ------------------------------------------------------------------ what the views get
    def frame(self) -> Frame:
        """The probe views' arrays for the current weights, as read-only copies.

        Built once per weight version and probe (a forward and backward pass over the probe);
        the same Frame is returned until either changes.
        """
        probe = self.task.probe()
        key = (self._version, probe.text)
        if self._frame_cache is not None and self._frame_cache[0] == key:
            return self._frame_cache[1]
        m = self.model
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            tr = m.forward(probe.x, probe.y, probe.mask)
            _, flow = m.backward(tr, last=True)
        frame = Frame(
            run_id=self.run_id,
            step=self.step_count,
            cell=self.run.model.cell,
            specs=tuple(m.specs),
            states={s.name: tr.states[s.name][0] for s in m.specs},  # (T, H) each
            outputs=tr.outputs[0],  # (T, O)
            loss_t=tr.loss_t[0],  # (T,)
            flows=dict(flow.flows),  # name -> (T,)
            flow_last=flow.last,  # (T,) or None
            param_norms=dict(self._last_param_norms),
            labels=tuple(probe.labels),
            targets=tuple(probe.targets),
            text=probe.text,
            output_labels=self.task.output_labels(),
        )
        self._frame_cache = (key, frame)
        return frame

    def weights(self) -> np.ndarray:
        """(P,) the current parameters as a read-only copy, made once per weight version (the
        same array until they change): what :meth:`frame` was taken with."""
        if self._weights_cache is None or self._weights_cache[0] != self._version:
            flat = self.model.params.copy()  # (P,)
            flat.flags.writeable = False
            self._weights_cache = (self._version, flat)
        return self._weights_cache[1]

    def status(self, state: str = "running", message: str = "") -> Status:
        """The run's state in a few scalars; for "diverged" the trainer's explanation if no
        ``message`` is given."""
        if state == "diverged" and not message:
            message = self.diverged or ""
        oc = self.run.optim
        return Status(
            state=state,
            message=message,
            step=self.step_count,
            tokens_seen=self.tokens_seen,
            tokens_per_s=self.tokens_per_s,
            lr=oc.lr,
            clip_norm=oc.clip_norm,
            clip_value=oc.clip_value,
            metrics=dict(self.metrics),
        )

    def update(self, state: str = "running", message: str = "") -> Update:
        """Everything new since the last update (records, the frame, a sample), as copies.

        The first update of a run that continues a saved one also carries the saved history.
        """
        records, self._records = tuple(self._records), []
        sample = self.pop_sample()
        history = None
        if not self._started:
            self._started = True
            history = self._saved_history
        tokens = self._saved_tokens if history is not None else 0
        return Update(
            run_id=self.run_id,
            status=self.status(state, message),
            records=records,
            frame=self.frame(),
            samples=() if sample is None else (sample,),
            history=history,
            history_tokens=tokens,
            weights=self.weights(),
        )

    # ------------------------------------------------------------------ state and checkpoints
    def state(self) -> TrainerState:
        """Everything that continues this run bit-identically, copied (see TrainerState)."""
        carry = None if self.carry is None else {k: v.copy() for k, v in self.carry.items()}
        current = self.evaluated_step == self.step_count
        return TrainerState(
            run=self.run,
            task=self.task,
            params=self.model.state_dict(),
            optimizer=self.optimizer.state_dict(),
            carry=carry,
            history=copy.deepcopy(self.history),
            step=self.step_count,
            tokens_seen=self.tokens_seen,
            batches_drawn=self.batches_drawn,
            rng={
                "init": self.rng_init.bit_generator.state,
                "sample": self.rng_sample.bit_generator.state,
                "batch": self.rng_batch.bit_generator.state,
            },
            stream=self._batches.position(),
            # only the figures of these weights (an earlier step's would read as theirs)
            val_loss=self.val_loss if current else None,
            metrics=dict(self.metrics) if current else {},
        )

    @classmethod
    def from_state(cls, state: TrainerState) -> Trainer:
        """A trainer that continues ``state`` bit-identically.

        Raises
        ------
        ConfigError, TaskInputError
            Invalid run, or a stream position that does not fit the task's data.
        ValueError
            Arrays that do not fit the run (a checkpoint checks them before).
        """
        t = cls(state.run, state.task)
        if t.run.model != state.run.model:
            raise ValueError("the model's sizes do not match the task")
        t.model.load_state_dict(state.params)
        t.optimizer.load_state_dict(state.optimizer)
        t.rng_init.bit_generator.state = state.rng["init"]
        t.rng_sample.bit_generator.state = state.rng["sample"]
        t.rng_batch.bit_generator.state = state.rng["batch"]
        tc = t.run.train
        t._batches = t.task.batches(tc.batch, tc.seq_len, t.rng_batch, state.stream)
        if state.carry is not None:
            t.carry = {k: state.carry[k].astype(t.model.dtype, copy=True) for k in t.model.carried}
        t.history = copy.deepcopy(state.history)
        if state.history.count:  # the first update shows the steps before this one
            t._saved_history = copy.deepcopy(state.history)
            t._saved_tokens = state.tokens_seen
        t.step_count, t.tokens_seen = state.step, state.tokens_seen
        t.saved_step = state.step
        t.batches_drawn = state.batches_drawn
        t.val_loss, t.metrics = state.val_loss, dict(state.metrics)
        t.evaluated_step = state.step if state.val_loss is not None or state.metrics else None
        t._version += 1
        return t

    def save(self, path: str | Path, exclusive: bool = False) -> Path:
        """Write a checkpoint atomically (see :mod:`rnnviz.train.checkpoint`).

        ``exclusive``: refuse (FileExistsError) if ``path`` exists. Other refusals (a device, a
        text file, the corpus, a read-only checkpoint, ...) raise SaveError naming ``path``.
        """
        saved = save_state(self.state(), path, exclusive)
        self.saved_step = self.step_count
        return saved

    @classmethod
    def load(cls, path: str | Path, corpus: str | None = None) -> Trainer:
        """A trainer that continues the saved run bit-identically.

        ``corpus`` names the text task's corpus anew (a moved file, or a file that a checkpoint
        of an older rnnviz names without a fingerprint); see :func:`load_state`.

        Raises
        ------
        CheckpointError
            An unreadable, damaged, hostile or incompatible file (one line).
        """
        return cls.from_state(load_state(path, corpus))
