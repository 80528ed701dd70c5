"""Animation encoders: RGB frames in, an animated GIF (pillow) or an MP4 (imageio-ffmpeg) out.

No Qt here: whoever renders the pictures (the window, slice by slice on its thread; the export
command) hands each frame as a ``(H, W, 3)`` uint8 array to an :class:`Encoder`, which may run
on a worker thread. Frames of another size than the first are padded with white or cropped to
it (a window resized during an export still gives one consistent animation).

* GIF: each frame is reduced to a 256-colour palette as it arrives (1 byte per pixel kept, not
  3), and pillow writes the animation when the encoder closes (it needs every frame to choose
  what to store per frame), looping forever, ``1000 / fps`` ms per frame (GIF counts time in
  10 ms units, so 30 fps is stored as 30 ms).
* MP4: H.264 through the ffmpeg binary that the ``imageio-ffmpeg`` package ships (the optional
  extra ``rnnviz[mp4]``), streamed frame by frame; the frame is padded to even sides (the
  4:2:0 colour format needs them).

Files are written atomically (:func:`rnnviz.train.safe_write.write_atomic`): a cancelled or
failed export leaves no partial file and never a damaged older one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from rnnviz.train.safe_write import write_atomic

#: Formats of animations and the file extension each gets.
ANIMATION_FORMATS = {"gif": ".gif", "mp4": ".mp4"}
#: What to tell a user without the MP4 encoder (one line).
MP4_HINT = (
    "MP4 export needs the optional package imageio-ffmpeg: pip install 'rnnviz[mp4]' "
    "(or pip install imageio-ffmpeg); GIF export works without it"
)
DEFAULT_FPS = 4.0


class EncoderError(RuntimeError):
    """An animation that cannot be written (one line)."""


def mp4_available() -> bool:
    """Whether the optional MP4 encoder (imageio-ffmpeg) is installed."""
    try:
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


def fit(frame: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``frame`` (H, W, 3) uint8 padded with white or cropped to ``size`` = (height, width)."""
    h, w = size
    if frame.shape[:2] == (h, w):
        return frame
    out = np.full((h, w, 3), 255, dtype=np.uint8)  # (h, w, 3)
    hh, ww = min(h, frame.shape[0]), min(w, frame.shape[1])
    out[:hh, :ww] = frame[:hh, :ww]
    return out


class Encoder:
    """Writes one animation (see the module docstring).

    Parameters
    ----------
    path : path-like
        The file to write (replaced only if ``replaceable(path)`` says so).
    fmt : str
        "gif" or "mp4".
    fps : float
        Frames per second, in (0, 60].
    replaceable : callable
        ``replaceable(path)`` for an existing file: whether it may be replaced.

    Raises
    ------
    EncoderError
        Unknown format, a rate out of range, or MP4 without imageio-ffmpeg (:data:`MP4_HINT`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        fmt: str,
        fps: float = DEFAULT_FPS,
        replaceable: Callable[[Path], bool] = lambda _: False,
    ) -> None:
        if fmt not in ANIMATION_FORMATS:
            raise EncoderError(f"animation format {fmt!r}: choose gif or mp4")
        if not (0 < fps <= 60):
            raise EncoderError(f"{fps} frames per second: must be above 0 and at most 60")
        if fmt == "mp4" and not mp4_available():
            raise EncoderError(MP4_HINT)
        self.path = Path(path)
        self.fmt = fmt
        self.fps = float(fps)
        self.replaceable = replaceable
        self.frames = 0
        self.size: tuple[int, int] | None = None  # (height, width) of the first frame
        self._gif: list[Any] = []  # palette images
        self._mp4: Any = None  # imageio-ffmpeg's frame generator
        self._mp4_tmp: Path | None = None
        self._closed = False

    def add(self, frame: np.ndarray) -> None:
        """Append ``frame``, (H, W, 3) uint8 RGB."""
        if self._closed:
            raise EncoderError("the animation is already written")
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise EncoderError(f"a frame must be (H, W, 3) uint8, not {frame.shape} {frame.dtype}")
        if self.size is None:
            self.size = (int(frame.shape[0]), int(frame.shape[1]))
        frame = fit(frame, self.size)  # (h, w, 3)
        if self.fmt == "gif":
            from PIL import Image

            rgb = Image.fromarray(np.ascontiguousarray(frame), mode="RGB")
            self._gif.append(rgb.quantize(256, dither=Image.Dither.NONE))
        else:
            self._mp4_frame(frame)
        self.frames += 1

    def _mp4_frame(self, frame: np.ndarray) -> None:
        h, w = frame.shape[:2]
        even = (h + h % 2, w + w % 2)
        if self._mp4 is None:
            import imageio_ffmpeg

            self._mp4_tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.encoding.mp4")
            self._mp4 = imageio_ffmpeg.write_frames(
                str(self._mp4_tmp),
                (even[1], even[0]),
                fps=self.fps,
                codec="libx264",
                macro_block_size=1,
                ffmpeg_log_level="error",
            )
            self._mp4.send(None)  # start ffmpeg
        self._mp4.send(np.ascontiguousarray(fit(frame, even)).tobytes())  # (h', w', 3)

    def close(self) -> Path:
        """Write the file; returns its path.

        Raises
        ------
        EncoderError
            No frame was added.
        rnnviz.train.safe_write.SaveError
            The file cannot be written there (one line).
        """
        if self._closed:
            return self.path
        self._closed = True
        if not self.frames:
            self.discard()
            raise EncoderError("no frame to write")
        if self.fmt == "gif":
            first, *rest = self._gif
            self._gif = []

            def write(f: BinaryIO) -> None:
                first.save(
                    f,
                    format="GIF",
                    save_all=True,
                    append_images=rest,
                    duration=round(1000 / self.fps),
                    loop=0,
                )

        else:
            self._mp4.close()  # ffmpeg finishes the file
            tmp = self._mp4_tmp
            assert tmp is not None

            def write(f: BinaryIO) -> None:
                with open(tmp, "rb") as src:
                    shutil.copyfileobj(src, f)

        try:
            write_atomic(self.path, write, self.replaceable, what=f"{self.fmt.upper()} file")
        finally:
            self.discard()
        return self.path

    def discard(self) -> None:
        """Forget the frames and remove any temporary file (a cancelled export)."""
        self._closed = True
        self._gif = []
        if self._mp4 is not None:
            with contextlib.suppress(Exception):
                self._mp4.close()
            self._mp4 = None
        if self._mp4_tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(self._mp4_tmp)
            self._mp4_tmp = None
