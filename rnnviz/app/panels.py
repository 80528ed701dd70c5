"""The panels ``rnnviz screenshot --panel NAME`` can render: one registry, open to new views.

Each entry names a part of the main window and how to find its widget; ``--panel`` offers
exactly the names registered here. A new view adds itself with one :func:`register_panel`
call (at the bottom of this module), e.g.::

    register_panel("unit", "the unit inspector", lambda w: w.inspector.unit, show=...)

``show(window, shot)`` (optional) makes the panel visible first (a hidden dock, a tab not in
front) and puts on it what the picture is of: the :class:`Shot`'s probe step and unit. The
screenshot has no training thread: a job the inspector sends runs at once, and its answer
arrives through posted events (:func:`settle` delivers them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PyQt6.QtWidgets import QApplication, QWidget

from rnnviz.app.reveal import masked_labels

if TYPE_CHECKING:  # pragma: no cover
    from rnnviz.app.inspector import Inspector


@dataclass(frozen=True)
class Shot:
    """What a picture is of.

    Attributes
    ----------
    t : int
        The probe step at the cursor.
    unit : int
        The unit the frame view and the inspector show.
    spectra : tuple of SpectralPoint
        The recurrent spectra taken while the run trained, oldest first (for the spectra plot).
    """

    t: int
    unit: int = 0
    spectra: tuple[Any, ...] = ()


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
        ``show(window, shot)`` makes it visible, showing ``shot``, before the grab.
    """

    name: str
    help: str
    widget: Callable[[Any], QWidget]
    show: Callable[[Any, Shot], None] | None = None


PANELS: dict[str, Panel] = {}

#: Passes of the event loop :func:`settle` makes at most (each delivers every posted event).
SETTLE_PASSES = 50


def register_panel(
    name: str,
    help: str,
    widget: Callable[[Any], QWidget],
    show: Callable[[Any, Shot], None] | None = None,
) -> None:
    """Add a panel to the registry (a name may be registered once)."""
    if name in PANELS:
        raise ValueError(f"panel {name!r} is registered already")
    PANELS[name] = Panel(name, help, widget, show)


def settle(done: Callable[[], bool]) -> bool:
    """Deliver posted events until ``done()`` (at most :data:`SETTLE_PASSES` passes)."""
    for _ in range(SETTLE_PASSES):
        QApplication.processEvents()
        if done():
            return True
    return False


def _show_tab(window: Any, widget: QWidget) -> None:
    """Bring the right column's tab that holds ``widget`` to the front (when it is tabbed)."""
    tabs = window.right_column.tabs
    for k in range(tabs.count()):
        page = tabs.widget(k)
        if page is not None and (page is widget or page.isAncestorOf(widget)):
            tabs.setCurrentIndex(k)


def _show_frame_dock(window: Any, _shot: Shot) -> None:
    window.frame_dock.set_shown(True)


# ---------------------------------------------------------------------- the inspector's panels
def _inspect(window: Any, shot: Shot, panel: Callable[[Inspector], QWidget]) -> Inspector:
    """Open the inspector on unit ``shot.unit`` of the first array, ``panel``'s tab in front."""
    from rnnviz.app.inspector import open_inspector  # the window's import, not the command line's

    open_inspector(window)
    ins: Inspector = window.inspector
    ins.show_unit(window.run_model.frame.specs[0].name, shot.unit)
    ins.setCurrentWidget(panel(ins))
    return ins


def _show_unit(window: Any, shot: Shot) -> None:
    ins = _inspect(window, shot, lambda i: i.unit)
    settle(lambda: not ins.jobs.busy("ctx"))  # the held-out contexts of the unit


def _show_saturation(window: Any, shot: Shot) -> None:
    _inspect(window, shot, lambda i: i.saturation)


def _show_find(window: Any, shot: Shot) -> None:
    """Rank the units on the task's first feature if it knows one (binary addition's carry),
    else on the probe steps whose input is the input at step t (marked)."""
    ins = _inspect(window, shot, lambda i: i.find)
    settle(lambda: not ins.jobs.busy("sources"))
    features = ins.find.features()
    if features:
        ins.find.rank_feature(features[0])
        settle(lambda: not ins.jobs.busy("rank"))
        return
    frame = window.run_model.frame
    labels = frame.labels
    # the inputs as the window shows them: with --reveal the hidden ones read "?" and are
    # never marked, so the marks do not tell where a hidden input recurs
    shown = masked_labels(labels, frame.targets, window.frame_dock.view.target_mask())
    same = [v == lb == labels[shot.t] for v, lb in zip(shown, labels, strict=True)]
    ins.find.set_marks(np.array(same, bool))  # (T,)
    ins.find.rank()


def _show_intervene(window: Any, shot: Shot) -> None:
    """Clamp unit ``shot.unit`` of the first carried state from step t to the end of its range
    farthest from its value at t (zero it when the range is open), and show the difference."""
    ins = _inspect(window, shot, lambda i: i.intervene)
    frame = window.run_model.frame
    state = next(iter(frame.flows), frame.specs[0].name)
    spec = next(s for s in frame.specs if s.name == state)
    panel = ins.intervene
    panel.set_target(state, shot.unit, shot.t)
    if spec.lo is None or spec.hi is None:
        panel.kind.setCurrentIndex(panel.kind.findData(f"zero:{state}"))
    else:
        panel.kind.setCurrentIndex(panel.kind.findData(f"clamp:{state}"))
        value = float(frame.states[state][shot.t, shot.unit])
        far = spec.lo if value > (spec.lo + spec.hi) / 2 else spec.hi
        panel.value.setText(f"{far:g}")
    if panel.apply():
        settle(lambda: not ins.jobs.busy("intervene"))


def _show_verify(window: Any, shot: Shot) -> None:
    ins = _inspect(window, shot, lambda i: i.gradients)
    ins.gradients.verify_button.click()
    settle(lambda: not ins.jobs.busy("verify"))


def _show_spectra(window: Any, shot: Shot) -> None:
    """The spectra taken while the run trained (the tab asks for the latest step's itself)."""
    ins = _inspect(window, shot, lambda i: i.gradients)
    settle(lambda: not ins.jobs.busy("spectral"))
    if shot.spectra:
        ins.gradients.clear()
        for point in shot.spectra:
            ins.gradients.add_point(point)


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
    lambda w, _s: _show_tab(w, w.gradients),
)
register_panel("loss", "the loss plot", lambda w: w.loss, lambda w, _s: _show_tab(w, w.loss))
register_panel(
    "samples",
    "the samples panel",
    lambda w: w.samples,
    lambda w, _s: _show_tab(w, w.samples),
)
register_panel(
    "unit",
    "the unit inspector: unit U of h on the probe, its curve with the cursor at T, its gates, "
    "its held-out contexts and the units overview",
    lambda w: w.inspector.unit,
    _show_unit,
)
register_panel(
    "units",
    "the units overview of the unit inspector (rows around unit U)",
    lambda w: w.inspector.unit.overview_box,
    _show_unit,
)
register_panel(
    "find",
    "find units: ranked on the task's first feature (carry, depth), else on the probe steps "
    "whose input is the input at T",
    lambda w: w.inspector.find,
    _show_find,
)
register_panel(
    "saturation",
    "gate saturation, one dot per unit and gate",
    lambda w: w.inspector.saturation,
    _show_saturation,
)
register_panel(
    "intervene",
    "an intervention and its difference view: unit U of h clamped from step T to the end of "
    "its range farthest from its value",
    lambda w: w.inspector.intervene,
    _show_intervene,
)
register_panel(
    "verify",
    "Verify gradients: the finite-difference check of the model, array by array",
    lambda w: w.inspector.gradients.verify_box,
    _show_verify,
)
register_panel(
    "spectra",
    "the recurrent matrices' spectra over the steps trained (and the mean forget gate)",
    lambda w: w.inspector.gradients.spectra_box,
    _show_spectra,
)
