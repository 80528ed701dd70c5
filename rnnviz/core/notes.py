"""Plain-language notes computed from the data, shown when a phenomenon is on screen.

Each function looks at numbers a view already has and returns one sentence, or None when there
is nothing worth saying. The thresholds are module constants, so a note appears exactly when
its condition holds:

- vanishing: the last-step signal ‖dL_T/dh_t‖ falls below VANISH (1e-6) times its value at the
  last step within d steps back;
- exploding: it grows above EXPLODE (1e6) times that value within d steps back;
- saturation: at least SATURATED (50 %) of a gate's values (units x steps) are above 0.9 or
  below 0.1;
- clipping: clipping fired on at least CLIPPED (50 %) of the last CLIP_WINDOW (100) steps;
- spectrum: a recurrent block's spectral radius above 1, or its largest singular value below 1.
"""

from __future__ import annotations

import numpy as np

from rnnviz.core.spectral import Spectrum
from rnnviz.core.units import LEFT, RIGHT, Saturation

VANISH = 1e-6
EXPLODE = 1e6
SATURATED = 0.5
CLIPPED = 0.5
CLIP_WINDOW = 100


def _steps_back(flow_last: np.ndarray | None, beyond) -> int | None:
    """The fewest steps d back from the last at which ‖dL_T/dh_{T-1-d}‖ / ‖dL_T/dh_{T-1}‖
    is ``beyond`` its threshold ((T-1,) ratios -> bool), or None (never, or no last value)."""
    if flow_last is None:
        return None
    f = np.asarray(flow_last, np.float64).reshape(-1)  # (T,)
    if f.size < 2 or not np.isfinite(f[-1]) or f[-1] <= 0.0:
        return None
    hits = np.flatnonzero(beyond(f[-2::-1] / f[-1]))  # (T-1,) index d-1 = d steps back
    return int(hits[0]) + 1 if hits.size else None


def _steps(d: int) -> str:
    return f"{d} step{'s' if d > 1 else ''}"


def vanishing_note(flow_last: np.ndarray | None) -> str | None:
    """The note "the last-step signal falls below 1e-06 of its size within 20 steps: ...", or
    None."""
    d = _steps_back(flow_last, lambda r: r < VANISH)  # zeros (underflow) count as below
    if d is None:
        return None
    return (
        f"the last-step signal falls below {VANISH:g} of its size within {_steps(d)}: this "
        "network cannot learn dependencies longer than that"
    )


def exploding_note(flow_last: np.ndarray | None) -> str | None:
    """The note "the last-step signal grows above 1e+06 times its size within 12 steps back:
    ...", or None."""
    d = _steps_back(flow_last, lambda r: ~(r <= EXPLODE))  # inf and NaN count as above
    if d is None:
        return None
    return (
        f"the last-step signal grows above {EXPLODE:g} times its size within {_steps(d)} "
        "back: the gradient explodes (clipping keeps updates sane)"
    )


def saturation_note(sat: Saturation, label: str, forget: bool = False) -> str | None:
    """The note "84% of forget gate f values are right-saturated (> 0.9): ...", or None.

    ``label`` names the gate ("forget gate f"); ``forget`` says it is the cell's forget gate,
    whose saturation has a meaning of its own (holding or dropping the memory).
    """
    right, left = sat.share_right, sat.share_left
    if right >= SATURATED and right >= left:
        why = "these units hold their memory" if forget else "the gate is mostly open"
        return f"{right:.0%} of {label} values are right-saturated (> {RIGHT:g}): {why}"
    if left >= SATURATED:
        why = "these units forget at every step" if forget else "the gate is mostly shut"
        return f"{left:.0%} of {label} values are left-saturated (< {LEFT:g}): {why}"
    return None


def clipping_note(clipped: np.ndarray) -> str | None:
    """The note "clipping fired on 80% of the last 100 steps: ...", or None.

    ``clipped``: (n,) bool, whether clipping changed the gradient at each recent training step,
    oldest first; the last CLIP_WINDOW are looked at.
    """
    c = np.asarray(clipped, bool).reshape(-1)[-CLIP_WINDOW:]  # (<= 100,)
    if c.size == 0:
        return None
    share = float(c.mean())
    if share < CLIPPED:
        return None
    return (
        f"clipping fired on {share:.0%} of the last {c.size} steps: the threshold, not the "
        "gradient, sets most updates"
    )


def spectrum_note(s: Spectrum) -> str | None:
    """What a recurrent block's ρ and σ_max say, when they say something, else None."""
    if s.radius > 1.0:
        return (
            f"W_h{s.gate} has spectral radius {s.radius:.2f} > 1: some signals can grow from "
            "step to step (watch for exploding gradients)"
        )
    if s.sigma_max < 1.0:
        return (
            f"W_h{s.gate} has largest singular value {s.sigma_max:.2f} < 1: every signal "
            "through it shrinks at each step (gradients along it vanish)"
        )
    return None
