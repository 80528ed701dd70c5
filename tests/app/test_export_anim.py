"""``rnnviz export --format png/svg/gif/mp4``: a recording drawn offscreen by the views."""

from __future__ import annotations

import gc
import weakref
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import rnnviz.app.encoders as encoders
from rnnviz.cli import main
from rnnviz.train.recording import Recording


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("anim") / "echo.rnnrec"
    args = ["record", "--preset", "echo", "--steps", "12", "--every", "5", "--out", str(path)]
    assert main([*args, "--quiet"]) == 0
    return path


def _export(recorded: Path, out: Path, *extra: str) -> int:
    return main(
        ["export", str(recorded), "--out", str(out), "--size", "480x320", "--quiet", *extra]
    )


def test_a_gif_has_one_picture_per_recorded_frame(
    qapp: object, recorded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "replay.gif"
    assert _export(recorded, out, "--format", "gif", "--what", "frames", "--fps", "5") == 0
    with Recording(recorded) as r:
        frames = len(r.frames)
    with Image.open(out) as im:
        assert im.n_frames == frames == 6 and im.size == (480, 320)
        assert im.info["duration"] == 200 and im.info["loop"] == 0
        pictures = []
        for k in (0, frames - 1):
            im.seek(k)
            pictures.append(np.asarray(im.convert("RGB"), dtype=np.int16))
    assert np.abs(pictures[0] - pictures[1]).mean() > 1  # the heatmaps changed with training


def test_a_picture_at_a_step_and_a_vector_view(
    qapp: object, recorded: Path, tmp_path: Path
) -> None:
    png, svg = tmp_path / "loss.png", tmp_path / "flow.svg"
    assert _export(recorded, png, "--format", "png", "--what", "training", "--step", "7") == 0
    with Image.open(png) as im:
        assert im.size == (480, 320)
        assert np.asarray(im.convert("L")).std() > 5  # not blank
    assert (
        _export(recorded, svg, "--format", "svg", "--what", "frames", "--panel", "gradients") == 0
    )
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")


def _svg_text(path: Path) -> str:
    """Every text run of an SVG file, joined by spaces."""
    return " ".join(t.strip() for t in ET.parse(path).getroot().itertext() if t.strip())


@pytest.mark.parametrize("what", ["training", "frames"])
def test_an_svg_carries_the_same_step_caption_as_the_png(
    qapp: object, recorded: Path, tmp_path: Path, what: str
) -> None:
    png, svg = tmp_path / "view.png", tmp_path / "view.svg"
    for out in (png, svg):
        args = ("--format", out.suffix[1:], "--what", what, "--step", "7")
        assert _export(recorded, out, *args) == 0
    with Recording(recorded) as r:
        label = r.label or r.run.model.cell
    caption = f"{label}: training step 7"
    assert caption in _svg_text(svg)  # the PNG's caption line, as vectors
    root = ET.parse(svg).getroot()
    with Image.open(png) as im:  # the same picture: the caption and the view, at --size
        assert root.get("viewBox") == f"0 0 {im.size[0]} {im.size[1]}" == "0 0 480 320"


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_picture_command_frees_its_view_before_it_returns(
    qapp: object, recorded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    """Nothing of the view is left for PyQt's clean-up at interpreter exit (see
    :func:`rnnviz.app.application.release_windows`): with automatic collection off, the
    command's own release frees it (a name for the view's widget, still held then, kept the
    heatmaps and pyqtgraph's parentless menus alive)."""
    import rnnviz.app.export_anim as export_anim

    made: list[weakref.ref[object]] = []
    init = export_anim.Captioned.__init__

    def note(self: export_anim.Captioned, panel: object, size: tuple[int, int]) -> None:
        init(self, panel, size)
        made.append(weakref.ref(self.panel))

    monkeypatch.setattr(export_anim.Captioned, "__init__", note)
    gc.collect()
    gc.disable()
    try:
        code = _export(recorded, tmp_path / f"h.{fmt}", "--format", fmt, "--panel", "heatmaps")
    finally:
        gc.enable()
    assert code == 0 and len(made) == 1
    assert made[0]() is None, "the view outlived the command"


def test_an_mp4_or_the_line_saying_how_to_get_it(
    qapp: object, recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "replay.mp4"
    code = _export(recorded, out, "--format", "mp4", "--what", "frames")
    if not encoders.mp4_available():
        assert code == 2 and "pip install" in capsys.readouterr().err and not out.exists()
        return
    assert code == 0
    import imageio_ffmpeg

    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 6


def test_a_cancelled_animation_leaves_no_file(
    qapp: object,
    recorded: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real = encoders.Encoder.add

    def add(self: encoders.Encoder, frame: np.ndarray) -> None:
        if self.frames == 2:
            raise KeyboardInterrupt  # Ctrl-C during the third picture
        real(self, frame)

    monkeypatch.setattr(encoders.Encoder, "add", add)
    out = tmp_path / "replay.gif"
    assert _export(recorded, out, "--format", "gif") == 130
    assert "export cancelled" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_pictures_refuse_an_existing_file_and_bad_options(
    qapp: object, recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.png"
    out.write_bytes(b"mine")
    assert _export(recorded, out, "--format", "png") == 2
    assert "exists" in capsys.readouterr().err and out.read_bytes() == b"mine"
    assert _export(recorded, tmp_path / "a.gif", "--format", "gif", "--step", "all") == 2
    assert "--step all applies to csv" in capsys.readouterr().err
    assert main(["export", str(recorded), "--out", "x.gif", "--size", "10x10"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err


@pytest.mark.parametrize("panel", ["loss", "gradients"])
def test_an_exported_plot_over_training_ends_at_the_data(
    qapp: object, recorded: Path, panel: str
) -> None:
    """The live plots' x axis runs ahead of the data to a round number (so that it moves
    rarely while training); an exported picture is not growing and fits its data: it left
    up to a third of its width empty (step 300 drawn on an axis to 400)."""
    from rnnviz.app import export_anim
    from rnnviz.train.runmodel import RunModel

    view = export_anim.Captioned(export_anim.make_panel(panel), (480, 320))
    plot = view.panel.plot if panel == "loss" else view.panel.norm_plot
    try:
        with Recording(recorded) as rec:
            model = RunModel(max_frames=len(rec.frames) + 2)
            rec.fill(model, None)
        view.draw(model, qapp, export_anim.caption("echo", model))
        plot.getViewBox().updateAutoRange()
        lo, hi = plot.viewRange()[0]
        assert model.step == 12 and lo < 1.0
        assert model.step <= hi <= model.step + 0.1 * (model.step - lo)  # margin only: was 15.8
    finally:
        view.close()
