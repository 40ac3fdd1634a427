"""Reading only what detection needs: sampled luma frames, numbered by the frame index.

Decoding is the cost of detection, so the reader asks the decoder to skip work whose result is
never looked at: non-reference frames (``skip_frame=NONREF``) and the deblocking loop filter
(``skip_loop_filter=all``; the slight blockiness it leaves does not move a template match). The
luma plane is used as it comes out of the decoder (no colour conversion); memory stays flat in the
video's length because one frame is held at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

# Formats whose first plane is 8-bit luma; anything else is converted by FFmpeg (slower).
_LUMA8 = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21"}
_LUMA16 = {"yuv420p10le", "yuv422p10le", "yuv444p10le", "p010le"}
# Presentation times are compared with this slack: a pts converted to seconds is not exact.
_EPS_S = 1e-6


class VideoError(RuntimeError):
    """A video that cannot be opened or holds no decodable video track."""


@dataclass(frozen=True)
class SampledFrame:
    """One frame the detector looks at.

    Attributes:
        number: Its frame number (index into the frame index).
        time_s: Its presentation time, ``frame_index[number]``.
        luma: The 8-bit luma plane (height x width), valid until the next frame is read.
    """

    number: int
    time_s: float
    luma: np.ndarray


def own_frame_index(path: str | Path) -> np.ndarray:
    """The frame index via ``detectors.probe`` (sorted presentation times, frame 0 at 0.0).

    Raises:
        VideoError: if the file is not a readable video.
    """
    from detectors.probe import ProbeError, frame_index

    try:
        return frame_index(path)
    except ProbeError as exc:
        raise VideoError(f"cannot read video {path}: {exc}") from exc


class SampledReader:
    """Iterates over frames about ``1 / sample_fps`` apart, decoding as little as it can.

    After (or during) iteration, ``frames_reached`` is how many frames of the video the reader got
    through (the highest frame number seen + 1) and ``broken`` whether decoding stopped on an error.

    Args:
        path: The video.
        frame_index: Its frame index (see ``detectors.probe.frame_index``).
        sample_fps: Frames per second to hand out.
        skip_nonref: Let the decoder drop non-reference frames (they are never handed out anyway
            at sampling rates well under the frame rate).
    """

    def __init__(
        self,
        path: str | Path,
        frame_index: np.ndarray,
        sample_fps: float,
        *,
        skip_nonref: bool = True,
    ) -> None:
        self.path = Path(path)
        self.frame_index = np.asarray(frame_index, dtype=np.float64)
        self.interval_s = 1.0 / sample_fps
        self.skip_nonref = skip_nonref
        self.frames_reached = 0
        self.broken = False
        self.size: tuple[int, int] = (0, 0)

    def __iter__(self) -> Iterator[SampledFrame]:
        try:
            container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoError(f"cannot open video {self.path}: {exc}") from exc
        with container:
            if not container.streams.video:
                raise VideoError(f"{self.path} has no video track")
            stream = container.streams.video[0]
            self._tune(stream)
            self.size = (stream.codec_context.width, stream.codec_context.height)
            yield from self._frames(container, stream)

    def _tune(self, stream: av.VideoStream) -> None:
        ctx = stream.codec_context
        ctx.thread_type = "AUTO"
        ctx.thread_count = 2
        if self.skip_nonref:
            ctx.skip_frame = "NONREF"
        # Decoders that do not know the option ignore it (dav1d has no loop-filter switch).
        ctx.options = {**ctx.options, "skip_loop_filter": "all"}

    def _frames(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[SampledFrame]:
        index = self.frame_index
        tb = float(stream.time_base)
        origin: int | None = stream.start_time
        next_t = 0.0
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if origin is None:
                    origin = frame.pts
                t = (frame.pts - origin) * tb
                number = _number_at(index, t)
                self.frames_reached = max(self.frames_reached, number + 1)
                if t + _EPS_S < next_t:
                    continue
                while next_t <= t + _EPS_S:
                    next_t += self.interval_s
                yield SampledFrame(number, float(index[number]), _luma(frame))
        except av.error.FFmpegError:
            # A file that breaks off mid-way: keep what was read; the caller reports the break.
            self.broken = True


def _number_at(index: np.ndarray, t: float) -> int:
    """The frame number whose presentation time is ``t`` (the nearest one within rounding)."""
    i = int(np.searchsorted(index, t - 1e-4, side="left"))
    return min(i, len(index) - 1)


def _luma(frame: av.VideoFrame) -> np.ndarray:
    name = frame.format.name
    if name in _LUMA8:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
        return rows[:, : frame.width]
    if name in _LUMA16:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint16).reshape(frame.height, plane.line_size // 2)
        return (rows[:, : frame.width] >> 2).astype(np.uint8)
    return frame.to_ndarray(format="gray")


def progress_every(
    callback: Callable[[float], None] | None, step: float = 0.01
) -> Callable[[float], None]:
    """Wraps a progress callback so it is called only when the fraction moved by ``step``."""
    last = [-1.0]

    def report(fraction: float) -> None:
        if callback is not None and (fraction - last[0] >= step or fraction >= 1.0):
            last[0] = fraction
            callback(min(max(fraction, 0.0), 1.0))

    return report
