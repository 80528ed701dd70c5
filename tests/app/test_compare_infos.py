"""The compare window's panels have their ⓘ, and no ⓘ covers what a panel draws.

Each panel of the compare window (the loss of every run, the gradient flow of every run, each
run's heatmaps) has an ⓘ that explains it as a comparison: one colour per run, lockstep on the
same batches from the same weights (or, for models of different shapes, the same seed), and
what differs between this comparison's runs. With two runs (clipping) and four (race), at the
size of a maximised window on a 1024x768, 1280x720 and 1920x1080 screen, normal and --big, on
every tab where the views are tabbed, each visible ⓘ is checked as in the main window
(:func:`test_info_placement.check_infos`): it meets no data area, heatmap image, colour bar,
legend, tick label, axis title or other widget, lies inside the window, is the widget under a
click at its centre and shows its explanation.
"""

from __future__ import annotations

import pytest
from PyQt6.QtWidgets import QApplication
from test_info_placement import DRAWN, check_infos, scale  # noqa: F401 (scale: fixture)
from test_main_window import WAIT_MS
from test_projector import SCREENS, maximised

from rnnviz.app.compare_infos import COMPARE_KEYS, compare_explanations, comparison_note
from rnnviz.app.compare_window import CompareWindow
from rnnviz.app.widgets.info import InfoButton
from rnnviz.presets import load_compare


def _buttons_of(w: CompareWindow) -> dict[str, list]:
    """Each panel's host -> the ⓘ it holds (any, shown or not)."""
    hosts = {"loss": w.curves.loss_panel, "flow": w.curves.flow_panel}
    hosts |= {f"heatmaps{i}": view for i, view in enumerate(w.heatmaps)}
    return {
        name: [b for b in w.findChildren(InfoButton) if host.isAncestorOf(b)]
        for name, host in hosts.items()
    }


@pytest.mark.parametrize("preset", ["clipping", "race"])  # two runs, four runs
def test_every_compare_panel_has_an_info_that_covers_nothing(qtbot, scale, preset) -> None:  # noqa: F811
    w = CompareWindow(preset)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.ready and all(m.frame is not None for m in w.models), timeout=WAIT_MS)
    owned = _buttons_of(w)
    assert all(len(b) == 1 for b in owned.values()), {k: len(b) for k, b in owned.items()}
    for screen in SCREENS:
        w.resize(*maximised(screen))
        QApplication.processEvents()
        w.redraw_all()
        QApplication.processEvents()
        seen: set[str] = set()
        pages = w.area.tabs.count() if w.area.mode == "tabs" else 1
        for page in range(pages):
            if w.area.mode == "tabs":
                w.area.tabs.setCurrentIndex(page)
                QApplication.processEvents()
            drawn = DRAWN if w.area.mode == "split" or page == 0 else frozenset({"ViewBox"})
            where = f"{preset} {screen} x{scale} {w.area.mode} page {page}"
            check_infos(w, where, drawn)
            seen |= {name for name, (b,) in owned.items() if b.isVisible()}
        assert seen == set(owned), (preset, screen, scale, set(owned) - seen)


def test_each_compare_info_explains_this_comparison(qtbot) -> None:
    """Four parts each, one colour per run, lockstep; and what differs in this comparison, in
    the window's ⓘ too."""
    w = CompareWindow("race")
    qtbot.addWidget(w)
    owned = _buttons_of(w)
    for key, host in (
        ("compare_loss", "loss"),
        ("compare_gradients", "flow"),
        *(("compare_heatmaps", f"heatmaps{i}") for i in range(4)),
    ):
        (button,) = owned[host]
        e = button.explanation
        assert button.key == key and key in COMPARE_KEYS
        assert all(p.strip() for p in (e.title, e.shows, e.formula, e.read, e.look_for)), key
        text = button.toolTip()
        for label in ("SGD 0.2", "Adagrad 0.1", "RMSprop 0.005", "Adam 0.01"):
            assert label in text, (key, label)
        assert "optim.name" in text and "optim.lr" in text, key
        assert "same initial weights" in text and "same batch" in text, key
    assert "one colour per run" in owned["loss"][0].toolTip()


def test_the_note_says_what_differs_and_how_the_runs_start() -> None:
    """Each preset's note names the settings that differ with every run's value; alike models
    share initial weights, an RNN, an LSTM and a GRU only the seed."""
    race = comparison_note(load_compare("race"))
    assert "optim.name (SGD 0.2: sgd" in race and "Adam 0.01: 0.01" in race, race
    assert "Every run starts from the same initial weights" in race, race
    clipping = comparison_note(load_compare("clipping"))
    assert "optim.clip_norm" in clipping and "not clipped: none" in clipping, clipping
    assert "optim.lr" not in clipping, clipping  # the shared settings are not listed
    cells = comparison_note(load_compare("cells"))
    assert "model.cell (RNN: rnn, LSTM: lstm, GRU: gru)" in cells, cells
    assert "same seed" in cells and "same initial weights" not in cells, cells
    texts = compare_explanations(load_compare("cells"), "A description.")
    assert set(texts) == set(COMPARE_KEYS)
    assert all("A description." in e.html() and "model.cell" in e.html() for e in texts.values())
