"""How every view names a probe step: ``t = 6 of 0–25``, the t of the equations.

The equations index the probe's T steps from 0 (``h_t = f(x_t, h_{t-1})``, t = 0 … T-1), so
the frame bar, the frame view's title and its read-out name the cursor's step by that same t
and, where they say how many there are, by the range of t (never "6 of 26", which reads as the
sixth of 26 and is one step off).
"""

from __future__ import annotations


def step_name(t: int, T: int | None = None, bold: bool = True) -> str:
    """Rich text naming probe step ``t``: "t = <b>6</b> of 0–25" (of T = 26 steps).

    Parameters
    ----------
    t : int
        The step, 0-based as in the equations.
    T : int or None
        How many steps the probe has; None leaves the range out ("t = 6").
    bold : bool
        Whether t is set in bold.
    """
    value = f"<b>{int(t)}</b>" if bold else f"{int(t)}"
    span = f" of 0–{int(T) - 1}" if T is not None and T > 0 else ""
    return f"t = {value}{span}"
