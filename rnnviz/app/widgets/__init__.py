"""The window's views; each draws a run model via ``draw_model(model)`` and keeps no history."""

from rnnviz.app.widgets.gradients import GradientPanel
from rnnviz.app.widgets.heatmaps import StateHeatmaps
from rnnviz.app.widgets.loss import LossPanel
from rnnviz.app.widgets.samples import SamplesPanel

__all__ = ["GradientPanel", "LossPanel", "SamplesPanel", "StateHeatmaps"]
