"""The panels ``rnnviz screenshot --panel NAME`` can render: one registry, open to new views.

Each entry names a part of the main window and how to find its widget; ``--panel`` offers
exactly the names registered here. A new view adds itself with one :func:`register_panel`
call (at the bottom of this module), e.g.::

    register_panel("inspector", "the unit inspector", lambda w: w.inspector, show=...)

``show`` (optional) makes the panel visible first (a hidden dock, a tab not in front).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PyQt6.QtWidgets import QWidget


@dataclass(frozen=True)
class Panel:
    """One renderable part of the window.

    Attributes
    ----------
    name : str
        What ``--panel`` calls it.
    help : str
        One line for ``rnnviz screenshot --help``.
    widget : callable
        ``widget(window) -> QWidget`` to grab.
    show : callable or None
        ``show(window)`` makes it visible before the grab.
    """

    name: str
    help: str
    widget: Callable[[Any], QWidget]
    show: Callable[[Any], None] | None = None


PANELS: dict[str, Panel] = {}


def register_panel(
    name: str,
    help: str,
    widget: Callable[[Any], QWidget],
    show: Callable[[Any], None] | None = None,
) -> None:
    """Add a panel to the registry (a name may be registered once)."""
    if name in PANELS:
        raise ValueError(f"panel {name!r} is registered already")
    PANELS[name] = Panel(name, help, widget, show)


def _show_tab(window: Any, widget: QWidget) -> None:
    """Bring the right column's tab that holds ``widget`` to the front (when it is tabbed)."""
    tabs = window.right_column.tabs
    for k in range(tabs.count()):
        page = tabs.widget(k)
        if page is not None and (page is widget or page.isAncestorOf(widget)):
            tabs.setCurrentIndex(k)


def _show_frame_dock(window: Any) -> None:
    window.frame_dock.set_shown(True)


register_panel("window", "the whole window (the default)", lambda w: w)
register_panel(
    "frame",
    "the frame view (read-out, cell diagram, equations)",
    lambda w: w.frame_dock.view,
    _show_frame_dock,
)
register_panel(
    "diagram",
    "the cell diagram of the frame view",
    lambda w: w.frame_dock.view.diagram,
    _show_frame_dock,
)
register_panel("heatmaps", "the state heatmaps", lambda w: w.heatmaps)
register_panel(
    "gradients",
    "the gradient plots",
    lambda w: w.gradients,
    lambda w: _show_tab(w, w.gradients),
)
register_panel("loss", "the loss plot", lambda w: w.loss, lambda w: _show_tab(w, w.loss))
register_panel(
    "samples", "the samples panel", lambda w: w.samples, lambda w: _show_tab(w, w.samples)
)
