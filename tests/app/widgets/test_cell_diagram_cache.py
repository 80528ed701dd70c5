"""The cell diagram draws what does not change with the step once: it is redrawn after a
resize, a new closeup or a change of mode exactly as a new diagram would draw it."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PyQt6.QtGui import QImage
from tiny_runs import diagram
from tiny_runs import tiny_closeup as closeup

from rnnviz.app.widgets.cell_diagram import GRADIENT_MAP, CellDiagram, Scale


def picture(d: CellDiagram) -> QImage:
    return d.grab().toImage()


@pytest.mark.parametrize(
    ("cmap", "levels", "log"),
    [
        ("viridis", (0.0, 1.0), False),
        ("CET-D1", (-2.5, 2.5), False),
        (GRADIENT_MAP, (1e-6, 1.0), True),
    ],
)
def test_scale_colours_are_the_colour_maps(
    cmap: str, levels: tuple[float, float], log: bool
) -> None:
    lo, hi = levels
    v = np.concatenate(  # across the range, beyond both ends, the ends, 0 and non-finite values
        [np.linspace(-2 * abs(hi), 2 * abs(hi), 4001), [lo, hi, 0.0, np.nan, np.inf, -np.inf]]
    )  # (n,)
    with np.errstate(divide="ignore", invalid="ignore"):
        u = np.log10(np.abs(v)) if log else v  # (n,)
        a, b = (np.log10(lo), np.log10(hi)) if log else (lo, hi)
        x = np.nan_to_num(np.clip((u - a) / (b - a), 0.0, 1.0), nan=0.5)  # (n,)
    want = pg.colormap.get(cmap).map(x, mode="byte")  # (n, 4)
    scale = Scale(cmap, levels, log)
    got = scale.colours(v)
    assert got.dtype == want.dtype and np.array_equal(got, want)
    one = np.array([scale.colour(value).getRgb() for value in v])  # (n, 4) one value at a time
    assert np.array_equal(one, want)


def test_resize_new_closeup_and_mode_redraw_as_a_new_diagram_would(qtbot) -> None:
    lstm, gru = closeup("lstm"), closeup("gru")
    d = diagram(qtbot, lstm, 420, 360)
    before = d.node_rects()
    picture(d)  # drawn once at the first size
    d.resize(640, 520)
    after = d.node_rects()
    assert after != before and after == diagram(qtbot, lstm, 640, 520).node_rects()
    assert picture(d) == picture(diagram(qtbot, lstm, 640, 520))
    d.set_closeup(gru)  # new nodes, arrows and legend
    assert d.legend_text() == diagram(qtbot, gru, 640, 520).legend_text()
    assert picture(d) == picture(diagram(qtbot, gru, 640, 520))
    d.set_backward(True)  # the gradients' legend
    assert d.legend_text() == diagram(qtbot, gru, 640, 520, backward=True).legend_text()
    assert picture(d) == picture(diagram(qtbot, gru, 640, 520, backward=True))
    d.set_closeup(None)
    assert d.node_rects() == {}
    assert picture(d) == picture(diagram(qtbot, None, 640, 520, backward=True))


def _count_pictures(d: CellDiagram, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times ``d`` draws its picture of the arrows and legend (a list of ones)."""
    drawn: list[int] = []
    real = d._paint_legend

    def counted(p) -> None:
        drawn.append(1)
        real(p)

    monkeypatch.setattr(d, "_paint_legend", counted)
    return drawn


@pytest.mark.parametrize("backward", [False, True])
def test_a_new_closeup_with_the_same_picture_does_not_draw_it_again(
    qtbot, monkeypatch: pytest.MonkeyPatch, backward: bool
) -> None:
    """While training, every closeup is new, but its arrows and (rounded) scales rarely change:
    the picture is drawn again only when they do, and is then what a new diagram draws."""
    import dataclasses

    lstm = closeup("lstm")
    d = diagram(qtbot, lstm, 420, 360, backward=backward)
    drawn = _count_pictures(d, monkeypatch)
    picture(d)
    assert len(drawn) == 1
    later = dataclasses.replace(lstm, step=lstm.step + 1)  # the next closeup, the same scales
    d.set_closeup(later)
    assert picture(d) == picture(diagram(qtbot, later, 420, 360, backward=backward))
    assert len(drawn) == 1  # kept
    # larger values: the symmetric scales (h, c, ...) and the gradients' scale grow
    steps = tuple({k: v * 10.0 for k, v in s.items()} for s in lstm.steps)
    extents = {k: (lo * 10.0, hi * 10.0) for k, (lo, hi) in lstm.extents.items()}
    back = tuple(
        dataclasses.replace(b, own=b.own * 10.0, later=b.later * 10.0) for b in lstm.backward
    )
    wider = dataclasses.replace(lstm, steps=steps, extents=extents, backward=back)
    d.set_closeup(wider)
    assert d.legend_text() != diagram(qtbot, later, 420, 360, backward=backward).legend_text()
    assert picture(d) == picture(diagram(qtbot, wider, 420, 360, backward=backward))
    assert len(drawn) == 2
