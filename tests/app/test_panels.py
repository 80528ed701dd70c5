"""``rnnviz screenshot --panel NAME [--t T] [--unit U]`` and the registry of panels."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtGui import QImage
from test_main_window import tiny_run

from rnnviz.app import screenshot
from rnnviz.app.panels import PANELS, register_panel


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
    assert seen["t"] == 5 and seen["unit"] == 4 and "probe step <b>5</b>" in seen["title"]


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
