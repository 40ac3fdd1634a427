"""Reading only what detection needs: sampled frames, numbered by the frame index.

Decoding is the cost of detection, so the reader asks the decoder to skip work whose result is
never looked at: non-reference frames (``skip_frame=NONREF``) and the deblocking loop filter
(``skip_loop_filter=all``; the slight blockiness it leaves does not move a template match). The
luma plane (and the half-size chroma planes, when a colour indicator asks for them) is used as it
comes out of the decoder (no colour conversion). :func:`prefetched` decodes in a thread ahead of
the matching; memory stays flat in the video's length because a bounded number of frames is held.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import av
import numpy as np

from detectors import av1

# Formats whose first plane is 8-bit luma; anything else is converted by FFmpeg (slower).
_LUMA8 = {"yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "nv21"}
_LUMA16 = {"yuv420p10le", "yuv422p10le", "yuv444p10le", "p010le"}
# Presentation times are compared with this slack: a pts converted to seconds is not exact.
_EPS_S = 1e-6
# Packets in a row the decoder may refuse before the reading stops (garbage, not a bad packet).
MAX_REFUSED_PACKETS = 30
# Packets read ahead to see how an AV1 stream's frames reference each other (about a second).
PROBE_PACKETS = 48
_T = TypeVar("_T")


class VideoError(RuntimeError):
    """A video that cannot be opened or holds no decodable video track."""


@dataclass(frozen=True)
class SampledFrame:
    """One frame the detector looks at.

    Attributes:
        number: Its frame number (index into the frame index).
        time_s: Its presentation time, ``frame_index[number]``.
        luma: The 8-bit luma plane (height x width). It is a view of the decoder's frame, which
            it keeps alive: holding a SampledFrame holds that frame's memory.
        chroma: The 8-bit U and V planes (at the format's subsampling, e.g. half width and
            height for yuv420p) when the reader was asked for them, else None.
    """

    number: int
    time_s: float
    luma: np.ndarray
    chroma: tuple[np.ndarray, np.ndarray] | None = None

    def detached(self) -> SampledFrame:
        """This frame with its planes copied out of the decoder's frame, which goes back to the
        decoder's pool once the view is dropped: for a frame kept a while (planes the reader
        made itself, e.g. from 10-bit video, are not views and are kept as they are)."""

        def own(plane: np.ndarray) -> np.ndarray:
            return plane if plane.base is None else plane.copy()

        chroma = None if self.chroma is None else (own(self.chroma[0]), own(self.chroma[1]))
        return SampledFrame(self.number, self.time_s, own(self.luma), chroma)


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
    through (the highest frame number seen + 1), ``broken`` whether decoding stopped on an error,
    ``declared_frames`` the frame count the container's header declares (0 when it does not
    say) and ``frame_threads`` False where the decoder was asked to decode one frame at a time
    (an AV1 stream of reference frames only: see :mod:`detectors.av1`).

    Args:
        path: The video.
        frame_index: Its frame index (see ``detectors.probe.frame_index``).
        sample_fps: Frames per second to hand out.
        skip_nonref: Let the decoder drop non-reference frames (they are never handed out anyway
            at sampling rates well under the frame rate).
        chroma: Hand out the chroma planes too (``SampledFrame.chroma``).
    """

    def __init__(
        self,
        path: str | Path,
        frame_index: np.ndarray,
        sample_fps: float,
        *,
        skip_nonref: bool = True,
        chroma: bool = False,
    ) -> None:
        self.path = Path(path)
        self.frame_index = np.asarray(frame_index, dtype=np.float64)
        self.interval_s = 1.0 / sample_fps
        self.skip_nonref = skip_nonref
        self.chroma = chroma
        self.frames_reached = 0
        self.broken = False
        self.declared_frames = 0
        self.size: tuple[int, int] = (0, 0)
        # False once the decoder was asked to decode one frame at a time (see av1).
        self.frame_threads = True

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
            self.declared_frames = int(stream.frames or 0)
            yield from self._frames(container, stream)

    def _tune(self, stream: av.VideoStream) -> None:
        ctx = stream.codec_context
        ctx.thread_type = "AUTO"
        ctx.thread_count = 2
        if self.skip_nonref:
            ctx.skip_frame = "NONREF"
        # Decoders that do not know the option ignore it (dav1d has no loop-filter switch).
        ctx.options = {**ctx.options, "skip_loop_filter": "all"}

    def _read_ahead(
        self, stream: av.VideoStream, packets: Iterator[av.Packet]
    ) -> tuple[list[av.Packet], av.error.FFmpegError | None]:
        """Sets the decoder's threading from the first packets before it opens; returns the
        packets it read (to be decoded first) and the error that stopped the reading, if one did
        (raised once those packets are decoded, as it would have been without the read-ahead).

        dav1d decodes one frame at a time (over both threads, by tile and row) where the first
        ``PROBE_PACKETS`` show a low bitrate (their median packet under
        ``av1.LOW_BITS_PER_PIXEL`` bits a pixel) and that every frame is a reference frame (see
        :mod:`detectors.av1`). Other decoders get nothing read ahead.
        """
        ctx = stream.codec_context
        if not self.skip_nonref or ctx.name != "libdav1d":
            return [], None
        first: list[av.Packet] = []
        try:
            first.extend(itertools.islice(packets, PROBE_PACKETS))
        except av.error.FFmpegError as exc:
            return first, exc
        sizes = sorted(p.size for p in first if p.size)
        pixels = max(1, ctx.width * ctx.height)
        low_bitrate = bool(sizes) and 8 * sizes[len(sizes) // 2] / pixels < av1.LOW_BITS_PER_PIXEL
        if low_bitrate and av1.all_reference((memoryview(p) for p in first), ctx.extradata):
            ctx.options = {**ctx.options, "max_frame_delay": "1"}
            self.frame_threads = False
        return first, None

    def _frames(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[SampledFrame]:
        index = self.frame_index
        tb = float(stream.time_base)
        origin: int | None = stream.start_time
        next_t = 0.0
        try:
            for frame in self._decoded(container, stream):
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
                turns = upright_turns(frame)
                chroma = _chroma(frame) if self.chroma else None
                if chroma is not None and turns:
                    chroma = (upright(chroma[0], turns), upright(chroma[1], turns))
                luma = upright(_luma(frame), turns)
                yield SampledFrame(number, float(index[number]), luma, chroma)
        except av.error.FFmpegError:
            # A file that breaks off mid-way: keep what was read; the caller reports the break.
            self.broken = True

    def _decoded(
        self, container: av.container.InputContainer, stream: av.VideoStream
    ) -> Iterator[av.VideoFrame]:
        """The stream's frames; a packet the decoder refuses (the partial last one of a recording
        cut short) is skipped, so the frames it holds back for reordering still come out."""
        packets = container.demux(stream)
        first, failed = self._read_ahead(stream, packets)
        refused = 0
        for packet in itertools.chain(first, () if failed else packets):
            try:
                frames = packet.decode()
            except av.error.FFmpegError:
                self.broken = True
                refused += 1
                if refused >= MAX_REFUSED_PACKETS:
                    raise
                continue
            refused = 0
            yield from frames
        if failed is not None:
            raise failed  # after the packets read before it (the caller marks the video broken)


def upright_turns(frame: av.VideoFrame) -> int:
    """Quarter turns, counter-clockwise, that show ``frame`` the way up its file says (a phone's
    portrait recording is stored sideways with a display matrix; players and FFmpeg turn it)."""
    return round((frame.rotation or 0) / 90) % 4


def upright(pixels: np.ndarray, turns: int) -> np.ndarray:
    """``pixels`` (rows, columns[, channels]) turned ``turns`` quarter turns counter-clockwise."""
    return np.ascontiguousarray(np.rot90(pixels, turns)) if turns else pixels


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


def _plane(frame: av.VideoFrame, i: int, name: str) -> np.ndarray:
    """Plane ``i`` of a planar frame as 8-bit pixels (a view when it is 8-bit already)."""
    plane = frame.planes[i]
    if name in _LUMA16:
        rows = np.frombuffer(plane, np.uint16).reshape(plane.height, plane.line_size // 2)
        return (rows[:, : plane.width] >> 2).astype(np.uint8)
    rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def _chroma(frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray]:
    """The U and V planes; formats that are not planar YUV are converted (slower)."""
    name = frame.format.name
    if name in ("nv12", "nv21"):
        plane = frame.planes[1]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
        uv = rows[:, : plane.width * 2].reshape(plane.height, plane.width, 2)
        u, v = uv[..., 0], uv[..., 1]
        return (u, v) if name == "nv12" else (v, u)
    if name in _LUMA8 or (name in _LUMA16 and name != "p010le"):
        return _plane(frame, 1, name), _plane(frame, 2, name)
    yuv = frame.reformat(format="yuv420p")
    return _plane(yuv, 1, "yuv420p"), _plane(yuv, 2, "yuv420p")


class _Failure:
    """An exception raised in the prefetch thread, to be raised again in the caller's."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_DONE = object()


def prefetched(items: Iterable[_T], depth: int = 4) -> Iterator[_T]:
    """Iterates ``items`` in a thread, up to ``depth`` items ahead of the caller.

    Decoding and template matching both run mostly outside the GIL (FFmpeg, OpenCV), so the
    matching of one frame overlaps the decoding of the next ones. An exception in the thread is
    raised again here; leaving the loop early stops the thread and closes ``items``.
    """
    box: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put(item):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            put(_Failure(exc))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            put(_DONE)

    thread = threading.Thread(target=work, name="detect-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = box.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


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
