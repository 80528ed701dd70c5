"""Loss panel: raw and smoothed training loss and validation loss, over steps or tokens seen.

The panel draws a :class:`~rnnviz.train.runmodel.RunModel` and keeps no history of its own: the
raw and smoothed loss and the tokens seen per step are the run model's history columns (every
step recent steps exactly, older ones as bucket means, so a long run stays bounded), the
smoothed loss is the run model's one smoothing definition, and the dots are its validation
evaluations. Long runs stay smooth: peak downsampling and clip-to-view.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from rnnviz.app.widgets._common import (
    COLOURS,
    LogAxis,
    RangeAnchor,
    cache_axes,
    fresh_view,
    header_label,
    legend_html,
    legible_height,
    line_width,
    over_training,
    plot_axes,
    plot_widget,
    set_curve,
    set_data,
    style_axis,
)
from rnnviz.train.runmodel import RunModel

#: The raw curve's colour as it shows (blue at 1/3 opacity on white), for the legend: rich text
#: ignores an alpha byte, which left the legend's "per step" entry without its line.
RAW_ALPHA = "55"
RAW_LEGEND = "#aad0e5"

TIP = (
    "Light line: every step's batch loss; dark line: its exponential moving average;\n"
    "dots: the same loss on held-out validation data. Validation above training = overfitting."
)
#: Legend names of the evaluation loss: held-out text, or (a corpus too short to hold part of
#: it out) the training text itself, which says much less about generalisation.
VALIDATION = "validation"
TRAIN_TEXT = "train-text loss (file too short for a held-out part)"

#: Until the window names the run's loss (see :meth:`LossPanel.set_loss_label`).
DEFAULT_LABEL = ("loss", "Training loss per step (the output head's loss).")

X_LABELS = {"steps": "training step", "tokens": "tokens seen"}


class LossPanel(QWidget):
    """Training and validation loss over training.

    Parameters
    ----------
    parent : QWidget, optional
        Qt parent.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.smoothing = RunModel().smoothing  # until a run model is drawn
        self._x_mode = "steps"
        self._log_y = False

        # controls
        self.steps_button = QRadioButton("steps")
        self.tokens_button = QRadioButton("tokens")
        self.steps_button.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.steps_button)
        group.addButton(self.tokens_button)
        self.log_box = QCheckBox("log y")
        self.log_box.setToolTip("Logarithmic loss axis: late, small improvements become visible.")
        self.steps_button.toggled.connect(lambda on: self.set_x_axis("steps" if on else "tokens"))
        self.log_box.toggled.connect(self.set_log_y)
        self.header = header_label("", "")
        self._val_name = None
        self._set_legend("")  # the validation entry appears with the first validation point
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 6, 0)
        bar.setSpacing(4)
        bar.addStretch(1)  # the title leads the legend row, which wraps; these stay in one row
        bar.addWidget(QLabel("x:"))
        bar.addWidget(self.steps_button)
        bar.addWidget(self.tokens_button)
        bar.addSpacing(8)
        bar.addWidget(self.log_box)

        # plot
        self.plot_widget = plot_widget(left=LogAxis("left"))
        self.plot: pg.PlotItem = self.plot_widget.getPlotItem()
        self._loss_label = ("", "")
        style_axis(self.plot.getAxis("bottom"), X_LABELS["steps"])
        self.set_loss_label(*DEFAULT_LABEL)
        cache_axes(*plot_axes(self.plot))
        self.plot.showGrid(x=False, y=True, alpha=0.25)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        over_training(self.plot)
        self.anchor = RangeAnchor(
            self.plot
        )  # the axes move only when the curves pass round numbers
        self.raw_curve = self.plot.plot(
            pen=pg.mkPen(COLOURS["blue"] + RAW_ALPHA, width=line_width(1))
        )
        self.smooth_curve = self.plot.plot(pen=pg.mkPen(COLOURS["blue"], width=line_width(2.5)))
        self.val_curve = self.plot.plot(
            pen=pg.mkPen(COLOURS["orange"], width=line_width(1.5)),
            symbol="o",
            symbolSize=line_width(7),
            symbolPen=pg.mkPen("#ffffff"),
            symbolBrush=pg.mkBrush(COLOURS["orange"]),
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)  # title and legend: their own row, wrapping at any width
        layout.addLayout(bar)
        layout.addWidget(self.plot_widget, 1)

        empty = np.zeros(0)
        self._train = (empty, empty, empty, empty)  # step, tokens, raw loss, smoothed: (n,) each
        self._val = (empty, empty, empty)  # step, tokens, val loss: (m,) each
        self._drawn: tuple[int, int] | None = None  # (epoch, history version) on screen

    # ------------------------------------------------------------------ public API
    def set_loss_label(self, text: str, tooltip: str) -> None:
        """Name the loss on the y axis (e.g. "loss (MSE)") and explain it in the tooltips.

        Parameters
        ----------
        text : str
            Axis label, with the unit of the run's loss ("loss (nats/char)", ...).
        tooltip : str
            What that loss is; the panel adds how the curves are drawn.
        """
        if (text, tooltip) == self._loss_label:
            return
        self._loss_label = (text, tooltip)
        axis = self.plot.getAxis("left")
        style_axis(axis, text)
        self.plot_widget.setMinimumHeight(legible_height(text))  # the whole label shows
        tip = f"{tooltip}\n{TIP}\nSmoothing: exponential moving average, weight {self.smoothing:g}."
        self.header.setToolTip(tip)
        self.plot_widget.setToolTip(tip)

    def loss_label(self) -> str:
        """The y-axis label in force."""
        return self._loss_label[0]

    def draw_model(self, model: RunModel) -> None:
        """Draw the loss history and validation points of ``model`` (nothing if unchanged)."""
        if self._drawn is not None and self._drawn[0] != model.epoch:
            self.clear()  # another run: fresh ranges too
        metrics = model.metrics
        if "held_out" in metrics:
            self._set_legend(TRAIN_TEXT if metrics["held_out"] == 0 else VALIDATION)
        elif len(model.validation()[0]) and not self._val_name:
            self._set_legend(VALIDATION)
        key = (model.epoch, model.version["history"])
        if key == self._drawn:
            return
        self._drawn = key
        if model.smoothing != self.smoothing:
            self.smoothing = model.smoothing
            self.set_loss_label(*self._loss_label)  # the tooltip names the weight
        steps, loss = model.series("loss")  # (n,) each
        self._train = (steps, model.series("tokens")[1], loss, model.series("smoothed")[1])
        self._val = model.validation()
        self._draw_train()
        self._draw_val()
        self._anchor()

    def validation_name(self) -> str:
        """What the dots are called in the legend ("" before the first validation point)."""
        return self._val_name or ""

    def clear(self) -> None:
        """Blank the curves and start fresh ranges (the next :meth:`draw_model` draws again)."""
        empty = np.zeros(0)
        self._train = (empty, empty, empty, empty)
        self._val = (empty, empty, empty)
        self._drawn = None
        self._set_legend("")
        for curve in (self.raw_curve, self.smooth_curve, self.val_curve):
            curve.setData([], [])
        self.anchor.clear()
        fresh_view(self.plot)

    def set_x_axis(self, mode: str) -> None:
        """Plot against "steps" (training steps) or "tokens" (tokens seen)."""
        if mode not in X_LABELS:
            raise ValueError(f"x axis must be 'steps' or 'tokens', got {mode!r}")
        if mode == self._x_mode:
            return
        self._x_mode = mode
        button = self.steps_button if mode == "steps" else self.tokens_button
        if not button.isChecked():
            button.setChecked(True)
        style_axis(self.plot.getAxis("bottom"), X_LABELS[mode])
        self._draw_train()
        self._draw_val()
        self._anchor()
        self.plot.enableAutoRange()

    def fit_x(self, on: bool = True) -> None:
        """End the x axis exactly at the data (True: a picture that no longer grows) or at a
        round number ahead of it (False: live, the axis moves rarely)."""
        self.anchor.fit = bool(on)
        self._anchor()

    def x_axis(self) -> str:
        """ "steps" or "tokens"."""
        return self._x_mode

    def set_log_y(self, on: bool) -> None:
        """Logarithmic (True) or linear (False) loss axis."""
        on = bool(on)
        if on == self._log_y:
            return
        self._log_y = on
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
        self.plot.setLogMode(x=False, y=on)
        self._anchor()
        self.plot.enableAutoRange()

    def log_y(self) -> bool:
        """Whether the loss axis is logarithmic."""
        return self._log_y

    def history_length(self) -> int:
        """Number of points drawn (a step each, recent steps; a bucket each before)."""
        return len(self._train[0])

    def smoothed(self) -> np.ndarray:
        """(n,) the smoothed loss drawn."""
        return self._train[3]

    # ------------------------------------------------------------------ internals
    def _set_legend(self, val_name: str) -> None:
        """Legend entries; the validation dots are listed only once there are some (val_name)."""
        if val_name == self._val_name:
            return
        self._val_name = val_name
        items = [
            (RAW_LEGEND, "━━", "per step"),
            (COLOURS["blue"], "━━", "smoothed"),
        ]
        if val_name:
            items.append((COLOURS["orange"], "●", val_name))
        self.header.setText(legend_html("Loss", items))

    def _draw_train(self) -> None:
        x = self._train[0 if self._x_mode == "steps" else 1]
        set_curve(self.raw_curve, x, self._train[2])  # one point: a dot, else a line
        set_curve(self.smooth_curve, x, self._train[3])

    def _draw_val(self) -> None:
        x = self._val[0 if self._x_mode == "steps" else 1]
        set_data(self.val_curve, x, self._val[2])  # new only at an evaluation

    def _anchor(self) -> None:
        """Round-number ends for the axes, beyond every point drawn."""
        column = 0 if self._x_mode == "steps" else 1
        xs = [b[column][-1] for b in (self._train, self._val) if len(b[0])]
        ys = np.concatenate([self._train[2], self._val[2]])  # (n + m,)
        self.anchor.update(max(xs) if xs else None, ys, log_y=self._log_y)


__all__ = ["LossPanel"]
