"""What a recurrent cell declares about itself: the one protocol every cell implements.

The model, the memory estimate, the gradient check, the benchmarks and the views never name a
cell; they read what the cell declares here:

- **states**: the arrays it shows (``specs``: name, label, value range, meaning) and the states it
  carries from step to step (``carried``, the first always h: the state the output layer reads);
- **fused layout**: its gate blocks along the G*H axis of W_x, W_h and b (``GATES``), which of
  them enter halved so that σ costs one tanh (``HALVED``), and where a forget-gate bias goes
  (``forget_gate``);
- **parameters**: W_x (I, G*H), W_h (H, G*H), b (G*H,) for every cell, then any extra bias
  (``EXTRA_BIASES``), as :class:`ParamBlock` rows with their roles;
- **the fast loop**: ``forward``/``backward`` over a whole batch, feature-major and in place;
- **the textbook step**: ``step_reference``/``backward_reference``, one time step with one matrix
  per gate, float64, names as in the docstring (the oracle in tests and the frame view's source);
- **its diagram**: nodes (inputs, gates, states, output), edges, and each node's equation.

Adding a cell is one file with one subclass of :class:`Cell`, and one line in
:mod:`rnnviz.core.registry`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from rnnviz.core._ops import Workspace
from rnnviz.core.types import OUTPUT_STATE, StateSpec

#: Key under which ``step_reference`` returns its input x_t, and the prefix of the keys of the
#: previous carried states: "h_prev", "c_prev" (the diagram's input nodes show these).
INPUT = "x"
PREV = "_prev"

#: Roles of a parameter block.
INPUT_WEIGHTS, RECURRENT_WEIGHTS, BIAS = "input", "recurrent", "bias"


@dataclass(frozen=True)
class ParamBlock:
    """One parameter array of a cell.

    Attributes
    ----------
    name : str
        Key in the model's parameters ("W_x", "W_h", "b", "b_hn").
    shape : tuple[int, ...]
        For the cell's H and the model's input size I.
    role : str
        "input" (multiplies x_t), "recurrent" (multiplies h_{t-1}) or "bias".
    gates : tuple[str, ...]
        The gate blocks it holds, in order (its columns for weights, its entries for a bias).
    side : str
        For a bias: "input" if it is added with x_t W_x (its gradient sums the input-side
        pre-activation gradients dax), "hidden" if it is added with h_{t-1} W_h (it sums dah).
    """

    name: str
    shape: tuple[int, ...]
    role: str
    gates: tuple[str, ...]
    side: str = "input"

    @property
    def size(self) -> int:
        """Number of entries."""
        return math.prod(self.shape)


@dataclass(frozen=True)
class DiagramNode:
    """One box of a cell's diagram.

    Attributes
    ----------
    key : str
        The array it shows: a key of ``step_reference``'s result ("x", "h_prev", "f", "c", "h";
        a StateSpec name where the cell declares one).
    label : str
        Its symbol, e.g. "f_t".
    equation : str
        How it is computed, for display (unicode), e.g. "f_t = σ(x_t·W_xf + h_{t−1}·W_hf + b_f)";
        "" for an input.
    kind : str
        "input", "gate" (a sigmoid in 0..1), "candidate", "state" or "output".
    pos : tuple[int, int]
        Layout hint: (column, row) on a grid, columns in the order data flows.
    pre : str or None
        The key of its pre-activation in ``step_reference``'s result ("a_f"), if it has one.
    """

    key: str
    label: str
    equation: str
    kind: str
    pos: tuple[int, int]
    pre: str | None = None


@dataclass(frozen=True)
class Diagram:
    """A cell's diagram: nodes and the edges (from key, to key) along which values flow."""

    nodes: tuple[DiagramNode, ...]
    edges: tuple[tuple[str, str], ...]

    def node(self, key: str) -> DiagramNode:
        """The node showing ``key``."""
        for n in self.nodes:
            if n.key == key:
                return n
        raise KeyError(key)


class Cell(ABC):
    """A recurrent cell: its declarations, its fast batched loop and its textbook step.

    The model owns the parameters (views into one flat array) and calls ``forward`` and
    ``backward`` with them; a cell holds no weights.

    Parameters
    ----------
    hidden : int
        H, the number of hidden units.
    """

    #: Registry key and the value of ``ModelConfig.cell``.
    name: ClassVar[str]
    #: Name for people, e.g. in the window's cell list.
    title: ClassVar[str]
    #: Gate blocks along the G*H axis of W_x, W_h and b, in storage order.
    GATES: ClassVar[tuple[str, ...]]
    #: Gate blocks whose pre-activations enter halved, so that σ(a) = (1 + tanh(a/2)) / 2 costs
    #: one tanh (see ``input_scale``).
    HALVED: ClassVar[tuple[str, ...]] = ()
    #: States carried from one step (and batch) to the next; the first is h (OUTPUT_STATE).
    carried: ClassVar[tuple[str, ...]] = (OUTPUT_STATE,)
    #: Extra biases after W_x, W_h, b: (name, gates, side) as in ParamBlock.
    EXTRA_BIASES: ClassVar[tuple[tuple[str, tuple[str, ...], str], ...]] = ()
    #: The gate whose bias block starts at ``ModelConfig.forget_bias`` (None: no such gate).
    forget_gate: ClassVar[str | None] = None
    #: Values ``ModelConfig.nonlinearity`` may take with this cell; the first is the default.
    nonlinearities: ClassVar[tuple[str, ...]] = ("tanh",)
    #: How ``forward`` takes the input projections: "gtb" (G*H, T, B) or "tgb" (T, G*H, B).
    ax_layout: ClassVar[str] = "gtb"
    #: Floats per time step and sequence a training step keeps, in units of H (for the memory
    #: estimate, rnnviz.core.memory).
    STEP_FLOATS: ClassVar[int]
    #: The torch.nn module computing the same cell (the benchmark's reference), or None.
    TORCH_MODULE: ClassVar[str | None] = None

    def __init__(self, hidden: int) -> None:
        self.H = hidden
        self._scales: dict[np.dtype, np.ndarray | None] = {}  # input_scale per dtype

    @classmethod
    def build(cls, hidden: int, nonlinearity: str) -> Cell:
        """The cell of a model configuration (``nonlinearity`` is one of ``nonlinearities``)."""
        return cls(hidden)

    # --- declarations ---------------------------------------------------------------------------
    @property
    def G(self) -> int:
        """Number of gate blocks."""
        return len(self.GATES)

    @property
    @abstractmethod
    def specs(self) -> tuple[StateSpec, ...]:
        """The arrays the cell shows, in display order (name, label, range, meaning)."""

    @property
    @abstractmethod
    def diagram(self) -> Diagram:
        """Nodes, edges and equations of one step."""

    def block(self, gate: str) -> slice:
        """Columns of W_x, W_h and entries of b that belong to ``gate``."""
        k = self.GATES.index(gate)
        return slice(k * self.H, (k + 1) * self.H)

    def param_blocks(self, n_in: int) -> tuple[ParamBlock, ...]:
        """Every parameter of the cell for input size ``n_in``, in storage order.

        W_x, W_h and b come first and in this order: the model's backward fills their gradients
        with one product when they are adjacent.
        """
        H, G, gates = self.H, self.G, self.GATES
        blocks = [
            ParamBlock("W_x", (n_in, G * H), INPUT_WEIGHTS, gates),
            ParamBlock("W_h", (H, G * H), RECURRENT_WEIGHTS, gates),
            ParamBlock("b", (G * H,), BIAS, gates),
        ]
        for name, on, side in self.EXTRA_BIASES:
            blocks.append(ParamBlock(name, (len(on) * H,), BIAS, on, side))
        return tuple(blocks)

    def rows(self, gates: tuple[str, ...]) -> slice:
        """Rows of the (G*H, ...) pre-activations of consecutive gate blocks ``gates``."""
        first, last = self.block(gates[0]), self.block(gates[-1])
        if last.stop - first.start != len(gates) * self.H:
            raise ValueError(f"{self.name}: gate blocks {gates} are not consecutive")
        return slice(first.start, last.stop)

    def input_scale(self, dtype: np.dtype) -> np.ndarray | None:
        """(G*H,) factors the model applies to x_t W_x + b: 1/2 on the HALVED blocks.

        None when no block is halved. Read-only; one array per dtype.
        """
        key = np.dtype(dtype)
        if key not in self._scales:
            s = None
            if self.HALVED:
                s = np.ones(self.G * self.H, key)
                for gate in self.HALVED:
                    s[self.block(gate)] = 0.5
            self._scales[key] = s
        return self._scales[key]

    def unfuse(self, p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The textbook parameters, one matrix per gate, as views of the fused ones.

        W_x, W_h, b -> W_x<k> (I, H), W_h<k> (H, H), b_<k> (H,) for every gate k; extra biases
        keep their names.
        """
        out: dict[str, np.ndarray] = {}
        for k in self.GATES:
            cols = self.block(k)
            out[f"W_x{k}"] = p["W_x"][:, cols]  # (I, H)
            out[f"W_h{k}"] = p["W_h"][:, cols]  # (H, H)
            out[f"b_{k}"] = p["b"][cols]  # (H,)
        for name, _, _ in self.EXTRA_BIASES:
            out[name] = p[name]
        return out

    # --- the fast batched loop ------------------------------------------------------------------
    @abstractmethod
    def forward(self, p: dict, ax: np.ndarray, state0: dict, clamps: dict, ws: Workspace) -> dict:
        """Run the recurrence over a batch.

        Parameters
        ----------
        p : dict
            Parameter views (name -> array, shapes as in ``param_blocks``).
        ax : ndarray
            Input projections (x_t W_x + b) * input_scale for every step, as columns: (G*H, T, B)
            or (T, G*H, B) as ``ax_layout`` says. May be overwritten.
        state0 : dict
            carried name -> (H, B) feature-major initial state.
        clamps : dict
            t -> list of (state, unit, value) interventions on carried states.
        ws : Workspace
            Recycles large arrays between passes.

        Returns
        -------
        dict
            The cache for ``states``, ``final`` and ``backward``; it holds "hs" (T+1, H, B), the
            hidden states h_0..h_T, which the model's output layer reads.
        """

    @abstractmethod
    def states(self, cache: dict) -> dict[str, np.ndarray]:
        """name -> (B, T, H) view of every declared array (``specs``)."""

    @abstractmethod
    def final(self, cache: dict) -> dict[str, np.ndarray]:
        """carried name -> (H, B) state after the last step."""

    @abstractmethod
    def backward(
        self,
        p: dict,
        cache: dict,
        dhy: np.ndarray,
        dfinal: dict,
        clamps: dict,
        ws: Workspace,
        last_only: bool = False,
    ) -> dict:
        """Back-propagate through time.

        Parameters
        ----------
        dhy : ndarray
            (T, H, B) dL/dh_t coming from the output layer.
        dfinal : dict
            carried name -> (H, B) gradient arriving at the final state (zeros if none).
        last_only : bool
            Only propagate the step T-1 output gradient (for the last-step signal); no
            pre-activation gradients returned.

        Returns
        -------
        dict
            "dstates": carried name -> (T, H, B) dL/ds_t; "dstate0": carried name -> (H, B);
            unless ``last_only``, "dax" (T, G*H, B) gradients of the input-side pre-activations
            and "dah" (T, G*H, B) of the hidden side (the same object when they are equal).
        """

    # --- the textbook step ----------------------------------------------------------------------
    @abstractmethod
    def step_reference(
        self, q: dict[str, np.ndarray], x_t: np.ndarray, *prev: np.ndarray
    ) -> dict[str, np.ndarray]:
        """One time step written the textbook way, in float64.

        Parameters
        ----------
        q : dict
            Per-gate parameters (``unfuse``).
        x_t : ndarray
            (B, I) input (one-hot rows for tokens).
        *prev : ndarray
            (B, H) previous carried states, in the order of ``carried``.

        Returns
        -------
        dict
            Every quantity of the step, named as in the cell's docstring: the inputs ("x",
            "h_prev", ...), the pre-activations ("a_f", ...), the gates, the new states.
        """

    @abstractmethod
    def backward_reference(
        self,
        q: dict[str, np.ndarray],
        step: dict[str, np.ndarray],
        d: dict[str, np.ndarray],
        weights: bool = True,
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """One step of backpropagation, the textbook way.

        Parameters
        ----------
        q : dict
            Per-gate parameters (``unfuse``).
        step : dict
            ``step_reference``'s result for this step.
        d : dict
            carried name -> (B, H) dL/ds_t for the states this step produced.
        weights : bool
            False: leave out the weight matrices' gradients (their outer products
            x_t^T da, h_{t-1}^T da); the biases' gradients and ``dprev`` are the same numbers.
            The frame view's backward reads only those.

        Returns
        -------
        grads : dict
            name of ``q`` -> this step's contribution to dL/dq (the biases only unless
            ``weights``).
        dprev : dict
            carried name -> (B, H) gradient for the previous step's states (dL/ds_{t-1}).
        """


def sigma(a: np.ndarray) -> np.ndarray:
    """σ(a) = 1 / (1 + e^{-a}), written plainly for the reference steps (e^{-a} = inf gives 0)."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-a))
