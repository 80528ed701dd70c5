"""The main window's actions (each with its keys) and its menu bar, the About and Keys boxes.

:func:`build_actions` gives the window its ``act_*`` actions (Run, Step, Reset, the probe-step
keys, files, speed presets…) and :func:`build_menus` puts them, with the recorder's, the
exporter's, the comparison's and the frame view's, into the File, Run, View, Frame and Help
menus. The actions belong to the window (``WindowShortcut``): their keys work wherever the
keyboard is (see :class:`~rnnviz.app.keys.RunKeys` for the fields' exception).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import QMainWindow, QMessageBox, QStyle

from rnnviz.app.compare_window import compare_menu
from rnnviz.app.export_menu import window_tell
from rnnviz.app.keys_dialog import KeysDialog
from rnnviz.app.recent import RecentMenu
from rnnviz.app.speed import PRESETS as SPEED_PRESETS

ABOUT = (
    "<h3>rnnviz</h3>"
    "<p>Watch recurrent networks learn: a vanilla RNN, an LSTM or a GRU written from scratch in "
    "NumPy trains in a background thread while these views show its hidden state, its gates, "
    "its gradients through time, its loss and what it generates.</p>"
    "<p>Pause at any time and walk through the probe sequence with ← and →.</p>"
)
SHORTCUTS = (
    "<table cellspacing='6'>"
    "<tr><td><b>Space</b></td><td>run / pause</td></tr>"
    "<tr><td><b>S</b> or <b>Ctrl+→</b></td><td>train one batch</td></tr>"
    "<tr><td><b>← / →</b></td><td>previous / next probe step</td></tr>"
    "<tr><td><b>Home / End</b></td><td>first / last probe step</td></tr>"
    "<tr><td><b>PgUp / PgDown</b></td><td>earlier / later training step (frames kept)</td></tr>"
    "<tr><td><b>Ctrl+Home / Ctrl+End</b></td><td>oldest training step / follow live</td></tr>"
    "<tr><td><b>F2</b></td><td>show / hide the frame view</td></tr>"
    "<tr><td><b>A / Shift+A</b></td><td>next / previous heatmap, where not all fit</td></tr>"
    "<tr><td><b>Ctrl+= / − / 0</b></td><td>a clicked heatmap's rows: zoom in / out / all</td></tr>"
    "<tr><td><b>Ctrl+↑ / Ctrl+↓</b></td><td>a clicked heatmap's rows: scroll</td></tr>"
    "<tr><td><b>↓ / ↑</b></td><td>slow motion: next / previous part of the step</td></tr>"
    "<tr><td><b>B</b></td><td>backward stepping (gradients, last step to first)</td></tr>"
    "<tr><td><b>P / R</b></td><td>predict, then reveal / reveal the answer</td></tr>"
    "<tr><td><b>- / +</b></td><td>slower / faster training (Run ▸ Speed)</td></tr>"
    "<tr><td><b>Ctrl+Shift+R</b></td><td>reset the weights</td></tr>"
    "<tr><td><b>Ctrl+R</b></td><td>record the run to a file (File ▸ Record…)</td></tr>"
    "<tr><td><b>Ctrl+E</b></td><td>export a panel, the window, an animation or CSV</td></tr>"
    "<tr><td><b>Ctrl+I</b></td><td>the unit inspector</td></tr>"
    "<tr><td><b>Ctrl+O</b></td><td>open a text file to train on</td></tr>"
    "<tr><td><b>Ctrl+S / Ctrl+L</b></td><td>save / load a checkpoint</td></tr>"
    "<tr><td><b>Ctrl+Shift+S</b></td><td>save a screenshot</td></tr>"
    "<tr><td><b>Ctrl+D</b></td><td>show / hide the controls</td></tr>"
    "<tr><td><b>F11</b></td><td>full screen</td></tr>"
    "</table>"
)
#: Under the key list.
SHORTCUTS_NOTE = (
    "The run keys work wherever the keyboard is, except while you type into a field; "
    "<b>Enter</b> in a field applies it and hands the keys back to the run."
)


def show_keys(window: QMainWindow) -> KeysDialog:
    """Open the key list over ``window`` (F1), fitted to its screen."""
    dialog = KeysDialog(SHORTCUTS, SHORTCUTS_NOTE, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show_on_screen()
    return dialog


def make_action(
    window: QMainWindow,
    text: str,
    slot: Callable[..., Any],
    keys: tuple[str | QKeySequence.StandardKey, ...] = (),
    tip: str = "",
    checkable: bool = False,
) -> QAction:
    """An action of ``window`` calling ``slot`` (toggled when ``checkable``, else triggered)."""
    act = QAction(text, window)
    if keys:
        act.setShortcuts([QKeySequence(k) for k in keys])
    act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        act.setToolTip(tip)
        act.setStatusTip(tip)
    act.setCheckable(checkable)
    (act.toggled if checkable else act.triggered).connect(slot)
    window.addAction(act)
    return act


def build_actions(w: Any) -> None:
    """Give the main window ``w`` its actions (``w.act_run`` … ``w.act_faster``)."""

    def action(*args: Any, **kwargs: Any) -> QAction:
        return make_action(w, *args, **kwargs)

    w.act_run = action("Run", w._on_run_toggled, ("Space",), "Run / pause", True)
    # Standard media icons: a glyph like "⏸" is missing from many systems' fonts.
    style = w.style()
    w._run_icons = {
        True: style.standardIcon(QStyle.StandardPixmap.SP_MediaPause),
        False: style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay),
    }
    w.act_run.setIcon(w._run_icons[False])
    w.act_step = action("Step", w.step_once, ("S", "Ctrl+Right"), "Train on one batch, then pause")
    w.act_reset = action("Reset", w.reset, ("Ctrl+Shift+R",), "New random weights")
    w.act_prev = action("Previous step", lambda: w.frame_bar.move(-1), ("Left",))
    w.act_next = action("Next step", lambda: w.frame_bar.move(+1), ("Right",))
    w.act_first = action("First step", lambda: w.frame_bar.set_frame(0), ("Home",))
    w.act_last = action("Last step", lambda: w.frame_bar.set_frame(10**9), ("End",))
    w.act_open = action("Open corpus…", w.open_corpus, ("Ctrl+O",), "Train on a text file")
    w.act_save = action("Save checkpoint…", w.save_checkpoint, ("Ctrl+S",))
    w.act_load = action("Load checkpoint…", w.load_checkpoint, ("Ctrl+L",))
    w.act_shot = action("Save screenshot…", w.save_screenshot_dialog, ("Ctrl+Shift+S",))
    w.act_quit = action("Quit", w.close, ("Ctrl+Q",))
    w.act_full = action(
        "Full screen", lambda on: _full_screen(w, on), ("F11",), "Fill the screen (projector)", True
    )
    w.act_about = action("About rnnviz", lambda: QMessageBox.about(w, "About rnnviz", ABOUT))
    w.act_defaults = action("Restore default layout and settings", w.restore_defaults)
    w.recent_menu = RecentMenu(w.recent, w)
    w.recent_menu.openRequested.connect(w.open_recent)
    w.recent_menu.message.connect(lambda text: w.show_message(text, "warning"))
    w.act_keys = action("Keyboard shortcuts", lambda: show_keys(w), ("F1",))
    w.controls.set_actions(w.act_run, w.act_step, w.act_reset)
    w.speed_actions = QActionGroup(w)
    w.speed_actions.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
    for text, rate in SPEED_PRESETS:
        act = QAction(text, w.speed_actions, checkable=True)  # triggered: by the user only
        act.triggered.connect(lambda _on=False, r=rate: w.set_speed(r))
        act.setData(rate)
    tip = "Where not every heatmap fits: show the next array beside h"
    w.act_next_array = action("Next heatmap", lambda: w.heatmaps.choose_next(+1), ("A",), tip)
    w.act_prev_array = action(
        "Previous heatmap", lambda: w.heatmaps.choose_next(-1), ("Shift+A",), tip
    )
    w.heatmaps.next_key = "A"  # the heatmaps' note of the arrays left out names it
    w.act_slower = action("Slower", lambda: w._nudge_speed(-1), ("-",))
    w.act_faster = action("Faster", lambda: w._nudge_speed(+1), ("+", "="))


def build_menus(w: Any) -> None:
    """The main window's menu bar: File, Run, View, Frame and Help."""
    bar = w.menuBar()
    m = bar.addMenu("&File")
    m.addAction(w.act_open)
    m.addMenu(w.recent_menu)
    m.addAction(w.recorder.open_action)
    m.addMenu(compare_menu(w, window_tell(w)))
    m.addSeparator()
    m.addAction(w.act_save)
    m.addAction(w.act_load)
    m.addSeparator()
    m.addAction(w.recorder.action)
    m.addSeparator()
    m.addAction(w.act_shot)
    m.addActions(w.exporter.file_actions(w))
    m.addSeparator()
    m.addAction(w.act_quit)
    m = bar.addMenu("&Run")
    for act in (w.act_run, w.act_step, w.act_reset):
        m.addAction(act)
    m.addSeparator()
    speed = m.addMenu("Speed")
    for act in w.speed_actions.actions():
        speed.addAction(act)
    speed.addSeparator()
    speed.addAction(w.act_slower)
    speed.addAction(w.act_faster)
    m.addSeparator()
    for act in (w.act_prev, w.act_next, w.act_first, w.act_last):
        m.addAction(act)
    m.addSeparator()
    w.step_cursor.add_to(m)
    m = bar.addMenu("&View")
    toggle = w.controls_dock.toggleViewAction()
    toggle.setText("Controls panel")
    toggle.setShortcut(QKeySequence("Ctrl+D"))
    m.addAction(toggle)
    m.addAction(w.act_full)
    m.addSeparator()
    m.addAction(w.act_next_array)
    m.addAction(w.act_prev_array)
    m.addSeparator()
    m.addAction(w.act_defaults)
    bar.addMenu(w.frame_dock.menu())
    m = bar.addMenu("&Help")
    m.addAction(w.act_keys)
    m.addAction(w.act_about)


def _full_screen(window: QMainWindow, on: bool) -> None:
    if on:
        window.showFullScreen()
    else:
        window.showNormal()
