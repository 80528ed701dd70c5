"""CursorLine: the vertical line that marks the cursor's step on a plot, moved at every step.

A pyqtgraph item that moves tells its ViewBox its bounds changed; a ViewBox that ranges itself
to its data then asks for its whole area to be repainted and measures every item again before
the next paint, even for an item added with ``ignoreBounds`` (which its ranging skips anyway).
For a line moved at every step of the cursor that repainted the whole plot (the gradient flow's
curves, grid and all) instead of the two thin strips the line left and entered.
"""

from __future__ import annotations

import pyqtgraph as pg


class CursorLine(pg.InfiniteLine):
    """An :class:`pyqtgraph.InfiniteLine` outside its plot's range (add it with
    ``ignoreBounds=True``): moving it repaints where it was and where it is, nothing else."""

    def informViewBoundsChanged(self) -> None:
        """Nothing to tell: the plot's range does not depend on this line."""
