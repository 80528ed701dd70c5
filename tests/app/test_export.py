"""Exports from the window: panels and the window as PNG/SVG, the time steps as GIF/MP4.

Each exported file is opened again and checked: it decodes, has the widget's size, and an
animation has one frame per time step of the frame shown.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence
from test_main_window import WAIT_MS

from rnnviz.app import encoders
from rnnviz.app.animation import AnimationExport
from rnnviz.app.encoders import MP4_HINT, Encoder, EncoderError

PANELS = ("heatmaps", "gradients", "loss", "samples")


def _settled(qtbot, w) -> None:
    qtbot.waitUntil(lambda: w.run_model.frame is not None, timeout=WAIT_MS)


@pytest.mark.parametrize("name", PANELS)
def test_panel_png_and_svg(tiny_window, qtbot, tmp_path: Path, name: str) -> None:
    w = tiny_window
    _settled(qtbot, w)
    panel = w.exporter.widget(name)
    png = w.exporter.picture(name, "png", str(tmp_path / f"{name}.png"))
    assert png is not None
    with Image.open(png) as im:
        im.load()
        assert im.size == (panel.width(), panel.height())
        assert len(set(np.asarray(im.convert("L")).ravel().tolist())) > 2  # not blank
    svg = w.exporter.picture(name, "svg", str(tmp_path / f"{name}.svg"))
    assert svg is not None
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    assert (root.get("width"), root.get("height")) != (None, None)
    assert len(list(root.iter())) > 10  # drawn content, not an empty document


def test_window_png(tiny_window, qtbot, tmp_path: Path) -> None:
    w = tiny_window
    _settled(qtbot, w)
    path = w.exporter.picture("window", "png", str(tmp_path / "window.png"))
    with Image.open(path) as im:
        assert im.size == (w.width(), w.height())


@pytest.mark.parametrize("fmt", ["gif", "mp4"])
def test_time_steps_animation(tiny_window, qtbot, tmp_path: Path, fmt: str) -> None:
    """One picture per time step, at the panel's size; the cursor goes back where it was."""
    w = tiny_window
    _settled(qtbot, w)
    w.frame_bar.set_frame(3)
    T = w.run_model.frame.T
    out = tmp_path / f"steps.{fmt}"
    seen: list[int] = []
    export = w.exporter.animate("heatmaps", fmt, str(out), fps=10)
    assert export is not None
    export.progress.connect(lambda done, total: seen.append(done))
    with qtbot.waitSignal(export.finished, timeout=60_000):
        pass
    assert seen[-1] == T
    assert w.frame_bar.frame() == 3
    size = (w.heatmaps.width(), w.heatmaps.height())
    if fmt == "gif":
        with Image.open(out) as im:
            frames = [f.copy() for f in ImageSequence.Iterator(im)]
            assert im.info["loop"] == 0
            assert im.info["duration"] == 100
        assert len(frames) == T
        assert frames[0].size == size
        # the cursor moved: the first and last pictures differ
        assert not np.array_equal(np.asarray(frames[0].convert("RGB")), frames[-1].convert("RGB"))
    else:
        import imageio_ffmpeg

        n, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
        assert n == T
        reader = imageio_ffmpeg.read_frames(str(out))
        meta = reader.__next__()
        assert tuple(meta["size"]) == (size[0] + size[0] % 2, size[1] + size[1] % 2)
        reader.close()
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_cancel_writes_nothing(tiny_window, qtbot, tmp_path: Path) -> None:
    w = tiny_window
    _settled(qtbot, w)
    out = tmp_path / "never.gif"
    export = w.exporter.animate("window", "gif", str(out))
    assert export is not None
    qtbot.waitUntil(lambda: export.encoder.frames >= 1 or export._next >= 1, timeout=WAIT_MS)
    with qtbot.waitSignal(export.cancelled, timeout=WAIT_MS):
        export.cancel()
    assert export.outcome == "cancelled"
    assert list(tmp_path.iterdir()) == []


def test_mp4_without_its_encoder_says_how_to_install(
    tiny_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoders, "mp4_available", lambda: False)
    with pytest.raises(EncoderError, match=r"pip install 'rnnviz\[mp4\]'"):
        Encoder(tmp_path / "a.mp4", "mp4")
    assert "\n" not in MP4_HINT
    w = tiny_window
    monkeypatch.setattr("rnnviz.app.export_menu.mp4_available", lambda: False)
    assert w.exporter.animate("heatmaps", "mp4", str(tmp_path / "a.mp4")) is None
    assert "imageio-ffmpeg" in w.statusBar().currentMessage() + w.banner.text()
    assert list(tmp_path.iterdir()) == []


def test_encoder_pads_frames_of_another_size(tmp_path: Path) -> None:
    enc = Encoder(tmp_path / "a.gif", "gif", fps=5)
    red = np.zeros((10, 12, 3), np.uint8)  # (H, W, 3)
    red[..., 0] = 255
    enc.add(red)
    enc.add(np.zeros((8, 20, 3), np.uint8))  # smaller and wider: padded and cropped
    enc.close()
    with Image.open(tmp_path / "a.gif") as im:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    assert [f.shape for f in frames] == [(10, 12, 3), (10, 12, 3)]
    assert frames[0][0, 0].tolist() == [255, 0, 0]
    assert frames[1][9, 0].tolist() == [255, 255, 255]  # padding below is white
    assert frames[1][0, 0].tolist() == [0, 0, 0]


def test_encoder_refuses_bad_input(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="gif or mp4"):
        Encoder(tmp_path / "a.avi", "avi")
    with pytest.raises(EncoderError, match="at most 60"):
        Encoder(tmp_path / "a.gif", "gif", fps=500)
    enc = Encoder(tmp_path / "a.gif", "gif")
    with pytest.raises(EncoderError, match="no frame"):
        enc.close()
    assert not os.path.exists(tmp_path / "a.gif")


def test_animation_export_refuses_nothing_to_show(qtbot, tmp_path: Path) -> None:
    from PyQt6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    with pytest.raises(EncoderError, match="nothing to animate"):
        AnimationExport(widget, 0, lambda k: None, tmp_path / "a.gif", "gif")


def test_menus_offer_the_exports(tiny_window, qtbot, tmp_path: Path) -> None:
    """File → Export… and each plot's right-click menu carry the export actions; a choice made
    in the dialog writes its file."""
    import pyqtgraph as pg

    from rnnviz.app.export_menu import ExportDialog

    w = tiny_window
    _settled(qtbot, w)
    file_menu = w.menuBar().actions()[0].menu()
    assert "&Export…" in [a.text() for a in file_menu.actions()]
    for name in ("heatmaps", "gradients", "loss"):
        for view in w.exporter.widget(name).findChildren(pg.GraphicsView):
            (action,) = view.scene().contextMenu
            texts = [a.text() for a in action.menu().actions()]
            assert "Save as PNG…" in texts and "Time steps as GIF…" in texts
    dialog = ExportDialog(w.exporter, "loss", w)
    formats = [dialog.format.itemData(i) for i in range(dialog.format.count())]
    assert formats == ["png", "svg", "gif", "mp4"]
    dialog.format.setCurrentIndex(1)
    what, fmt, _ = dialog.choice()
    assert (what, fmt) == ("loss", "svg")
    w.exporter._ask_path = lambda title, f, n: str(tmp_path / f"{n}.{f}")
    w.exporter.run_choice(what, fmt, 4.0)
    assert (tmp_path / "loss.svg").stat().st_size > 0
    dialog.what.setCurrentIndex(dialog.what.findData("window"))
    assert "svg" not in [dialog.format.itemData(i) for i in range(dialog.format.count())]
    dialog.deleteLater()


def test_csv_numbers_are_the_run_models(tiny_window, qtbot, tmp_path: Path) -> None:
    """The step history's and the frame's CSV hold exactly the numbers the views draw."""
    import csv

    w = tiny_window
    w.run()
    qtbot.waitUntil(lambda: w.run_model.history.last_step >= 3, timeout=WAIT_MS)
    w.pause()  # no event is processed from here on: the model stays as exported
    model = w.run_model
    path = w.exporter.csv("history", str(tmp_path / "history.csv"))
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    steps, loss = model.series("loss")  # (n,) each
    assert [float(r["step"]) for r in rows] == steps.tolist()
    assert [float(r["loss"]) for r in rows] == loss.tolist()
    frame = model.frame
    path = w.exporter.csv("frame", str(tmp_path / "frame.csv"))
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["array"] == "h"]
    h = np.zeros_like(frame.states["h"], dtype=np.float64)  # (T, H)
    for r in rows:
        h[int(r["t"]), int(r["unit"])] = float(r["value"])
    assert len(rows) == h.size
    np.testing.assert_array_equal(h, frame.states["h"].astype(np.float64))
    menu = w.exporter.panel_menu("loss")
    assert "Step history as CSV…" in [a.text() for a in menu.actions()]


def test_an_export_lets_the_window_run_between_pictures(tiny_window, qtbot, tmp_path: Path) -> None:
    """start() returns before any picture is taken, and queued events run between pictures."""
    from rnnviz.app.timers import single_shot

    w = tiny_window
    _settled(qtbot, w)
    export = w.exporter.animate("heatmaps", "gif", str(tmp_path / "a.gif"))
    assert export is not None and export.encoder.frames == 0 and export._next == 0
    progress_when_ticked: list[int] = []
    ticks = 0

    def tick() -> None:
        nonlocal ticks
        ticks += 1
        progress_when_ticked.append(export._next)
        if export.running:
            single_shot(w, 0, tick)

    single_shot(w, 0, tick)
    with qtbot.waitSignal(export.finished, timeout=60_000):
        pass
    T = w.run_model.frame.T
    # the other callback ran while the export was at many different pictures
    assert len(set(progress_when_ticked)) > T // 2


def test_an_export_deleted_with_its_window_ends_its_thread(qtbot, tmp_path: Path) -> None:
    """The window goes while its animation is being walked and encoded: the export goes with
    it, and the encoder thread drops its frames, writes nothing and ends (it waited for
    frames forever before). Its last word goes through a relay it keeps alive, never to the
    export the UI thread is deleting."""
    from PyQt6 import sip
    from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

    owner = QWidget()  # the window
    QVBoxLayout(owner).addWidget(label := QLabel("step"))
    owner.show()
    out = tmp_path / "never.gif"
    show = lambda k: label.setText(f"step {k}")  # noqa: E731
    export = AnimationExport(label, 10_000, show, out, "gif", parent=owner)
    export.start()
    qtbot.waitUntil(lambda: export.encoder.frames >= 1, timeout=WAIT_MS)
    thread = export._worker
    assert thread is not None
    owner.deleteLater()
    qtbot.waitUntil(lambda: sip.isdeleted(export), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=WAIT_MS)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary file
