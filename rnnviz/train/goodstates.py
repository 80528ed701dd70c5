"""A small in-memory ring of good training states, to go back to when a run blows up.

A state is what the next step starts from: the weights θ (P,), the optimiser's buffers and
scalars, and the running averages of the loss. It is taken

- before the first step of a run (fresh, reset or loaded): confirmed at once, it is what the
  user started from;
- every ``EVERY`` steps while the run is calm (see :mod:`rnnviz.train.divergence`): first
  *pending*, confirmed after ``CONFIRM`` more steps that were all calm, dropped at the first
  that is not. The loss of step s + 1 is the first to see the weights of step s, and a blow-up
  shows in the smoothed loss a few steps after it starts, so a state is trusted only once the
  steps after it went well.

On a divergence the pending state is dropped and the newest confirmed one is put back. At most
four states are held (the oldest goes first), fewer when one state is large: together they stay
under 256 MB, with room for two at least (:func:`rnnviz.core.memory.good_states_held`, which the
memory estimate counts too). Arrays are copied into buffers that are reused, so taking a state
allocates nothing after the first round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rnnviz.config import OptimConfig
from rnnviz.core.memory import GOOD_STATES, good_states_held
from rnnviz.core.optim import Optimizer
from rnnviz.train.history import Averages, History

# Four states, 25 steps apart: the newest confirmed one is 10-35 steps old, the oldest ~100.
SIZE = GOOD_STATES
EVERY = 25
CONFIRM = 10


@dataclass
class GoodState:
    """One state of the run.

    Attributes
    ----------
    step : int
        Steps trained when it was taken (the weights are those after ``step`` updates).
    params : ndarray
        (P,) the weights.
    optim : dict
        The optimiser's state_dict (buffers (P,) copied, scalars).
    optim_cfg : OptimConfig
        The settings the buffers were collected under.
    averages : tuple
        :meth:`History.averages` at that step.
    confirmed : bool
        Whether the steps after it went well (see the module docstring).
    """

    step: int
    params: np.ndarray
    optim: dict[str, Any] = field(default_factory=dict)
    optim_cfg: OptimConfig = field(default_factory=OptimConfig)
    averages: Averages = ((0.0, 0), (0.0, 0))
    confirmed: bool = False


def _copy_into(old: np.ndarray | None, new: np.ndarray) -> np.ndarray:
    """``new`` copied, into ``old``'s memory when it fits."""
    if old is not None and old.shape == new.shape and old.dtype == new.dtype:
        np.copyto(old, new)
        return old
    return np.array(new, copy=True)


class GoodStates:
    """The ring of the module docstring (newest last)."""

    def __init__(self) -> None:
        self.states: list[GoodState] = []

    def clear(self) -> None:
        """Forget every state (new weights)."""
        self.states.clear()

    def newest(self) -> GoodState | None:
        """The newest confirmed state, or None."""
        return next((s for s in reversed(self.states) if s.confirmed), None)

    def take(
        self,
        step: int,
        params: np.ndarray,
        optimizer: Optimizer,
        history: History,
        *,
        confirmed: bool,
    ) -> GoodState:
        """Copy the current state into the ring (reusing the oldest or pending slot's memory)."""
        buffers = optimizer.buffers
        size = params.nbytes + sum(v.nbytes for v in buffers.values())
        capacity = good_states_held(size)
        slot: GoodState | None = None
        if self.states and not self.states[-1].confirmed:
            slot = self.states.pop()  # a newer state replaces a pending one
        while len(self.states) >= capacity:
            slot = self.states.pop(0)
        old = slot.optim if slot is not None else {}
        optim: dict[str, Any] = {k: _copy_into(old.get(k), v) for k, v in buffers.items()}
        optim["t"] = int(optimizer.t)
        state = GoodState(
            step=int(step),
            params=_copy_into(slot.params if slot is not None else None, params),
            optim=optim,
            optim_cfg=optimizer.cfg,
            averages=history.averages(),
            confirmed=confirmed,
        )
        self.states.append(state)
        return state

    def after_step(
        self, step: int, calm: bool, params: np.ndarray, optimizer: Optimizer, history: History
    ) -> None:
        """Confirm a pending state after CONFIRM calm steps (drop it at the first restless one);
        take a new one every EVERY steps while calm."""
        last = self.states[-1] if self.states else None
        if not calm:
            if last is not None and not last.confirmed:
                self.states.pop()
            return
        if last is not None and not last.confirmed and step - last.step >= CONFIRM:
            last.confirmed = True
        if step % EVERY == 0:
            self.take(step, params, optimizer, history, confirmed=False)

    def restore(self, params: np.ndarray, optimizer: Optimizer, history: History) -> int | None:
        """Put the newest confirmed state back (in place); drop the pending one.

        The optimiser keeps its current settings (a lower learning rate chosen after the blow-up
        stays), with the buffers of the state. Returns the state's step, or None if there is none.
        """
        while self.states and not self.states[-1].confirmed:
            self.states.pop()
        good = self.newest()
        if good is None:
            return None
        np.copyto(params, good.params)
        current = optimizer.cfg
        optimizer.cfg = good.optim_cfg
        optimizer.load_state_dict(
            {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in good.optim.items()}
        )
        optimizer.set_config(current)  # rescales Adam's moments if β changed meanwhile
        history.set_averages(good.averages)
        return good.step
