"""``rnnviz screenshot --panel NAME [--t T] [--unit U]`` and the registry of panels."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QImage
from test_main_window import tiny_run

from rnnviz.app import screenshot
from rnnviz.app.panels import PANELS, register_panel
from rnnviz.app.widgets.scales import CMAPS, colours, spec_levels
from rnnviz.core.intervene import Clamp


def shoot(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr(screenshot, "load_run", lambda name: tiny_run())
    return screenshot.cli(["--preset", "tiny", "--steps", "2", "--size", "1280x800", *args])


@pytest.mark.parametrize("name", sorted(PANELS))
def test_every_panel_renders(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, name: str
) -> None:
    out = tmp_path / f"{name}.png"
    assert shoot(monkeypatch, "--out", str(out), "--panel", name, "--t", "2", "--unit", "3") == 0
    image = QImage(str(out))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    said = capsys.readouterr().out
    if name == "window":
        assert (image.width(), image.height()) == (1280, 800)
    else:
        assert f"the {name} panel of a 1280x800 window" in said
        assert image.width() < 1280


def test_the_frame_panel_shows_the_step_and_unit_asked(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnnviz.app.widgets.frame_view import FrameView

    seen = {}
    grab = FrameView.grab  # the window is gone after the command: look in time

    def spy(self, *a):
        seen.update(t=self.t, unit=self.unit.value(), title=self.title.text())
        return grab(self, *a)

    monkeypatch.setattr(FrameView, "grab", spy)
    args = ("--out", str(tmp_path / "w.png"), "--t", "5", "--unit", "4", "--panel", "frame")
    assert shoot(monkeypatch, *args) == 0
    assert seen["t"] == 5 and seen["unit"] == 4 and "probe step t = <b>5</b> of 0–" in seen["title"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--t", "500"], "--t 500: the probe has steps 0 to"),
        (["--t", "-1"], "--t -1: the probe has steps 0 to"),
        (["--unit", "8"], "--unit 8: the layer has units 0 to 7"),
        (["--panel", "nothing"], "invalid choice: 'nothing'"),
    ],
)
def test_a_step_or_unit_outside_is_refused_in_one_line(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, args: list[str], message: str
) -> None:
    out = tmp_path / "x.png"
    assert shoot(monkeypatch, "--out", str(out), *args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and not out.exists()


def test_a_panel_is_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("rnnviz.app.panels.PANELS", dict(PANELS))
    from rnnviz.app import panels

    register_panel("extra", "a test panel", lambda w: w)
    assert "extra" in panels.PANELS
    with pytest.raises(ValueError, match="registered already"):
        register_panel("extra", "again", lambda w: w)


# ---------------------------------------------------------------------- the inspector's panels
def _look(monkeypatch: pytest.MonkeyPatch, name: str, look) -> dict:
    """Run ``look(window)`` just before ``name`` is grabbed (the window is gone after)."""
    seen: dict = {}
    panel = PANELS[name]

    def widget(window):
        w = panel.widget(window)
        seen.update(look(window), shown=w.isVisible(), size=(w.width(), w.height()))
        return w

    monkeypatch.setitem(PANELS, name, dataclasses.replace(panel, widget=widget))
    return seen


def _grabbed(out: Path, seen: dict) -> None:
    image = QImage(str(out))
    assert seen["shown"] and (image.width(), image.height()) == seen["size"]


def _shoot_panel(monkeypatch, tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / f"{name}.png"
    args = ("--out", str(out), "--panel", name, "--t", "2", "--unit", "3", *args)
    assert shoot(monkeypatch, *args) == 0
    return out


def test_the_unit_panels_show_the_unit_and_step_asked(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        card, frame = w.inspector.unit, w.run_model.frame
        spec = next(s for s in frame.specs if s.name == "h")
        return dict(
            unit=(card.state, card.unit),
            curve=card.unit_line.getData()[1].copy(),
            want=frame.states["h"][:, 3].copy(),
            cursor=(card.cursor_line.value(), card.cursor_line.isVisible()),
            colours=re.findall(r"background-color:(#[0-9a-f]{6})", card.text_html()),
            want_colours=[
                c.name()
                for c in colours(
                    CMAPS[spec.scale], spec_levels(spec, frame.states["h"]), frame.states["h"][:, 3]
                )
            ],
            contexts=card.contexts.text(),
            rows=card.overview_units.tolist(),
            image=card.over_image.image.copy(),
            want_image=frame.states["h"][:, card.overview_units].T.copy(),
        )

    for name in ("unit", "units"):
        seen = _look(monkeypatch, name, look)
        _grabbed(_shoot_panel(monkeypatch, tmp_path, name), seen)
        assert seen["unit"] == ("h", 3) and seen["cursor"] == (2, True)
        np.testing.assert_array_equal(seen["curve"], seen["want"])
        assert seen["colours"] == seen["want_colours"]
        assert "where h[3] is highest" in seen["contexts"]
        assert "characters, weights of training step " in seen["contexts"]
        assert 3 in seen["rows"]
        np.testing.assert_array_equal(seen["image"], seen["want_image"])


def test_the_find_panel_ranks_the_steps_that_read_the_input_at_t(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        find, frame = w.inspector.find, w.run_model.frame
        return dict(
            marks=find.marks.copy(),
            want=np.array([s == frame.labels[2] for s in frame.labels]),
            best=find.scores[0],
            states={k: v.copy() for k, v in frame.states.items()},
            table=find.table.item(0, 1).text(),
            summary=find.summary.text(),
            step=frame.step,
        )

    seen = _look(monkeypatch, "find", look)
    _grabbed(_shoot_panel(monkeypatch, tmp_path, "find"), seen)
    np.testing.assert_array_equal(seen["marks"], seen["want"])
    best, y = seen["best"], seen["want"].astype(float)
    r = np.corrcoef(seen["states"][best.state][:, best.unit], y)[0, 1]
    assert best.correlation == pytest.approx(r, abs=1e-6) and seen["table"] == str(best.unit)
    assert seen["summary"].endswith(f"probe steps (training step {seen['step']:,})")


def test_the_find_panel_ranks_a_tasks_feature(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rnnviz.presets import load_preset

    run = load_preset("binary-addition")
    monkeypatch.setattr(screenshot, "load_run", lambda name: run)

    def look(w):
        find = w.inspector.find
        return dict(chosen=find.chosen(), scores=list(find.scores), summary=find.summary.text())

    seen = _look(monkeypatch, "find", look)
    out = tmp_path / "find.png"
    args = ["--preset", "x", "--steps", "2", "--size", "1280x800", "--panel", "find"]
    assert screenshot.cli([*args, "--out", str(out)]) == 0
    _grabbed(out, seen)
    assert seen["chosen"] == ("feature", "carry") and seen["scores"]
    assert "feature carry" in seen["summary"]


def test_the_saturation_panel_shows_each_gates_fractions(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        sat, frame = w.inspector.saturation, w.run_model.frame
        return {g: (sat.points(g), frame.states[g].copy()) for g in sat.scatters}

    seen = _look(monkeypatch, "saturation", look)
    _grabbed(_shoot_panel(monkeypatch, tmp_path, "saturation"), seen)
    gates = {k: v for k, v in seen.items() if k not in ("shown", "size")}
    assert set(gates) == {"i", "f", "o"}
    for (x, y), values in gates.values():
        np.testing.assert_allclose(x, (values < 0.1).mean(axis=0))
        np.testing.assert_allclose(y, (values > 0.9).mean(axis=0))


def test_the_intervene_panel_shows_a_clamp_of_the_unit_from_t(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        panel, frame = w.inspector.intervene, w.run_model.frame
        res = panel.result.result
        return dict(
            change=res.change,
            value=float(frame.states["h"][2, 3]),
            diff=panel.shown_difference(),
            want=res.changed.states["h"] - res.original.states["h"],
            image=panel.image.image.copy(),
            message=panel.message.text(),
            loss=res.loss_change,
            heatmaps=w.heatmaps.difference() is not None,
        )

    seen = _look(monkeypatch, "intervene", look)
    _grabbed(_shoot_panel(monkeypatch, tmp_path, "intervene"), seen)
    far = -1.0 if seen["value"] > 0 else 1.0  # h lies in -1..1: the end farther from h_2[3]
    assert seen["change"] == Clamp("h", 3, far, 2)
    name, diff = seen["diff"]
    assert name == "h"
    np.testing.assert_array_equal(diff, seen["want"])
    np.testing.assert_array_equal(diff[:2], 0.0)
    assert diff[2, 3] == pytest.approx(far - seen["value"], abs=1e-6)
    np.testing.assert_array_equal(seen["image"], diff.T)
    assert f"change {seen['loss']:+.4f}" in seen["message"] and seen["heatmaps"]


def test_the_verify_panel_shows_the_check_of_every_array(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        g = w.inspector.gradients
        t = g.table
        cells = [[t.item(i, j).text() for j in range(5)] for i in range(t.rowCount())]
        shown = t.viewport().rect()
        last = t.visualRect(t.model().index(t.rowCount() - 1, 0))
        whole = shown.contains(last)
        return dict(check=g.check, cells=cells, whole=whole, verdict=g.verdict.text())

    seen = _look(monkeypatch, "verify", look)
    _grabbed(_shoot_panel(monkeypatch, tmp_path, "verify"), seen)
    rows = seen["check"].rows
    assert [c[0] for c in seen["cells"]] == [r.param for r in rows]
    assert [c[3] for c in seen["cells"]] == [f"{r.rel_err:.2e}" for r in rows]
    assert seen["check"].ok and "every array passes" in seen["verdict"]
    # the weights' step is a training step (the window's other steps are probe steps t)
    assert f"weights of training step {seen['check'].step:,}," in seen["verdict"]
    assert seen["whole"]  # every row in view, none behind a scroll bar


def test_the_spectra_panel_shows_the_spectra_over_the_steps_trained(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def look(w):
        g = w.inspector.gradients
        q = w.trainer.model.cell.unfuse(dict(w.trainer.model.p))
        steps, curves, _forget = g.series.curves()
        return dict(
            steps=steps.tolist(),
            last={k: (rho[-1], sv[-1]) for k, (rho, sv) in curves.items()},
            drawn={k: g.lines[k][0].getData()[1].copy() for k in curves},
            rho={k: rho.copy() for k, (rho, _sv) in curves.items()},
            W={k: np.asarray(q[f"W_h{k}"], np.float64) for k in curves},
            step=w.trainer.step_count,
        )

    seen = _look(monkeypatch, "spectra", look)
    _grabbed(_shoot_panel(monkeypatch, tmp_path, "spectra"), seen)
    assert seen["steps"] == [0.0, 1.0, 2.0] and seen["step"] == 2  # --steps 2: every step
    for k, (rho, sv) in seen["last"].items():
        W = seen["W"][k]
        assert rho == pytest.approx(np.abs(np.linalg.eigvals(W)).max(), rel=1e-6)
        assert sv == pytest.approx(np.linalg.norm(W, 2), rel=1e-6)
        np.testing.assert_array_equal(seen["drawn"][k], seen["rho"][k])


@pytest.mark.parametrize("size", ["1280x720", "1024x768", "1920x1080"])
def test_the_frame_panel_is_grabbed_laid_out(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: str
) -> None:
    """The picture shows every line of the read-out (the top-k table): where the dock opens only
    when asked (1280x720), the read-out's new height must be laid out before the grab."""
    from rnnviz.app.widgets.frame_view import FrameView

    seen = {}
    grab = FrameView.grab

    def spy(self, *a):
        label = self.readout.label
        seen.update(
            lines=label.plain_text().count("\n") + 1,
            height=label.height(),
            wanted=label.sizeHint().height(),
            below=self.unit.mapTo(self, self.unit.rect().topLeft()).y(),
            bottom=label.mapTo(self, label.rect().bottomLeft()).y(),
        )
        return grab(self, *a)

    monkeypatch.setattr(FrameView, "grab", spy)
    monkeypatch.setattr(screenshot, "load_run", lambda name: tiny_run())
    args = ["--preset", "tiny", "--steps", "2", "--size", size, "--panel", "frame", "--t", "3"]
    assert screenshot.cli([*args, "--out", str(tmp_path / "f.png")]) == 0
    assert seen["lines"] >= 4  # the step, the verdict and the top-k rows
    assert seen["height"] == seen["wanted"] and seen["bottom"] < seen["below"]
