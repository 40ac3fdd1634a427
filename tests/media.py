"""Small real recordings made on the spot for the tests (FFmpeg from imageio-ffmpeg, PyAV)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
CODECS = {
    "mp4": ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart"],
    "mov": ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
    "mkv": ["-c:v", "libx264", "-pix_fmt", "yuv420p"],
    "webm": ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8"],
}


def make_video(
    path: Path,
    *,
    seconds: float = 2.0,
    fps: int = 30,
    size: str = "320x240",
    audio: bool = False,
    faststart: bool = True,
) -> Path:
    """A constant-frame-rate test-pattern recording in the container named by ``path``'s suffix."""
    args = [
        FFMPEG,
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size={size}:rate={fps}:duration={seconds}",
    ]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    codec = list(CODECS[path.suffix.lstrip(".")])
    if not faststart and "-movflags" in codec:
        del codec[codec.index("-movflags") : codec.index("-movflags") + 2]
    subprocess.run([*args, *codec, str(path)], check=True)
    return path


def frame_code(index: int, width: int, height: int) -> np.ndarray:
    """An RGB frame whose 10 blocks spell ``index`` in binary, readable after lossy coding."""
    frame = np.zeros((height, width, 3), np.uint8)
    block = width // 10
    for bit in range(10):
        if index >> bit & 1:
            frame[:, bit * block : (bit + 1) * block] = 255
    return frame


def read_code(rgb: np.ndarray) -> int:
    """The index spelled by ``frame_code``."""
    width = rgb.shape[1]
    block = width // 10
    gray = rgb.mean(axis=2)
    return sum(
        1 << bit
        for bit in range(10)
        if gray[:, bit * block + block // 4 : (bit + 1) * block - block // 4].mean() > 127
    )


def make_vfr_video(
    path: Path, durations_ms: Sequence[int], size: tuple[int, int] = (320, 64)
) -> Path:
    """A variable-frame-rate H.264 mp4 (B-frames on); frame i lasts ``durations_ms[i]``, shows i."""
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=1000)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.options = {"bf": "2", "crf": "18"}
        pts = 0
        for i, duration in enumerate(durations_ms):
            frame = av.VideoFrame.from_ndarray(frame_code(i, width, height), format="rgb24")
            frame.pts, frame.time_base = pts, Fraction(1, 1000)
            pts += duration
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path
