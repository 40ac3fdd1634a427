"""Probing a recording: what it is, whether it is whole, and when each of its frames is shown.

The frame index built here is the project's one definition of "frame N": the N-th entry of the
sorted presentation times of every video frame. Recordings from OBS, ShadowPlay and consoles are
often variable-frame-rate, so nothing may compute a frame number as ``fps * seconds``; seeking by
presentation time and decoding forward (``read_frame``) is exact where OpenCV's frame seek is not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import av
import numpy as np

from detectors.video import upright, upright_turns

# Containers we accept, recognised by their first bytes rather than by the file's name.
ACCEPTED_CONTAINERS = ("mp4", "mov", "mkv", "webm")
SUPPORTED_CODECS = {"h264", "hevc", "vp8", "vp9", "av1", "mpeg4", "libdav1d", "libaom-av1"}
# A recording whose packets stop this much before its declared end is reported as cut short.
TRUNCATION_SLACK_S = 0.5

_MAGIC_NAMES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"ID3", "an MP3 audio file"),
    (b"OggS", "an Ogg file"),
    (b"fLaC", "a FLAC audio file"),
)
_MP4_BOXES = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")


@dataclass
class ProbeResult:
    """What a probe learned about a file; ``ok`` False means ``reason`` says why, in plain words."""

    ok: bool
    reason: str = ""
    container: str = ""
    codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    frame_count: int = 0
    duration_s: float = 0.0
    declared_duration_s: float = 0.0
    start_s: float = 0.0
    container_start_s: float = 0.0
    has_audio: bool = False
    # Said to the user of a recording that is usable but not whole ("" when it is whole).
    warning: str = ""
    # ``ok`` False for the file's own bytes (not a video, corrupt, no frames): probing it again
    # gives the same answer. False for a file this machine could not read (missing, no access).
    bad_file: bool = False
    frame_times: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def to_dict(self) -> dict:
        """The JSON-friendly summary (without the frame index)."""
        data = asdict(self)
        data.pop("frame_times")
        return data


class ProbeError(Exception):
    """A file that cannot be probed; the message is meant for the person who sent it."""


def sniff_container(head: bytes) -> str | None:
    """Names the container from a file's first bytes: mp4, mov, mkv, webm, or None."""
    if len(head) >= 12 and head[4:8] in _MP4_BOXES:
        if head[4:8] != b"ftyp":
            return "mov"  # old QuickTime files start with a moov/mdat/wide box
        return "mov" if head[8:12] == b"qt  " else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if b"webm" in head[:64] else "mkv"
    return None


def describe_non_video(head: bytes) -> str:
    """A person-readable guess at what a file that is not an accepted video is."""
    for magic, name in _MAGIC_NAMES:
        if head.startswith(magic):
            return f"not a video file (it looks like {name})"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "AVI recordings are not supported: re-save it as mp4, mkv, webm or mov"
    if head[:1] == b"\x47" and len(head) > 188 and head[188:189] == b"\x47":
        return "MPEG-TS recordings are not supported: re-save it as mp4, mkv, webm or mov"
    try:
        head.decode("utf-8")
        return "not a video file (it looks like text)"
    except UnicodeDecodeError:
        return "not a video file (accepted: mp4, mkv, webm, mov)"


def _fail(reason: str, **known: object) -> ProbeResult:
    return ProbeResult(ok=False, reason=reason, bad_file=True, **known)  # type: ignore[arg-type]


def probe(path: str | Path) -> ProbeResult:
    """Reads a recording's header and every video packet, building its frame index.

    Only packets are read (no decoding), so an hour of 4K probes in seconds. The result is never an
    exception for a bad file: ``ok`` is False and ``reason`` says what is wrong, e.g. "not a video
    file (it looks like a PNG image)". A recording cut short (its packets stop before the end its
    header gives, or reading breaks off) is ``ok`` up to there, and ``warning`` says so.

    Args:
        path: The recording.

    Returns:
        A ProbeResult; on success ``frame_times`` holds the presentation time of every frame in
        seconds, sorted, frame 0 at 0.0.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:  # the machine's trouble, not the file's: a later probe may read it
        return ProbeResult(ok=False, reason=f"cannot read the file ({exc.strerror})")
    if size == 0:
        return _fail("empty file (0 bytes)")
    with path.open("rb") as fh:
        head = fh.read(512)
    container_name = sniff_container(head)
    if container_name is None:
        return _fail(describe_non_video(head))
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        if container_name in ("mp4", "mov"):
            detail = "its index (moov) is missing"
        else:  # FFmpeg's words, without its error number and the file's path on this server
            detail = getattr(exc, "strerror", None) or str(exc).split(": '")[0]
        return _fail(
            f"corrupt or truncated {container_name} file: {detail}", container=container_name
        )
    with container:
        return _probe_open(container, container_name)


def _probe_open(container: av.container.InputContainer, container_name: str) -> ProbeResult:
    if not container.streams.video:
        if container_name in ("mp4", "mov") and not container.duration:
            return _fail(f"corrupt or truncated {container_name} file: its index (moov) is missing")
        return _fail("the file has no video track", container=container_name)
    stream = container.streams.video[0]
    codec = stream.codec_context.name
    known = dict(
        container=container_name,
        codec=codec,
        width=stream.codec_context.width,
        height=stream.codec_context.height,
        has_audio=bool(container.streams.audio),
    )
    if codec not in SUPPORTED_CODECS:
        return _fail(f"the video codec {codec} is not supported", **known)
    declared = _declared_duration(container, stream)
    known["declared_duration_s"] = declared
    # No duration of the video's own (Matroska) beside other tracks: the file's duration is its
    # longest track's, so every track is read to see where the longest one really stops.
    whole = not declared and len(container.streams) > 1 and bool(container.duration)
    times, first_pts_s, broke, others_end = _packet_times(container, stream, others=whole)
    if times.size == 0:
        return _fail("the file holds no video frames", **known)
    clock = Clock.of(first_pts_s, _container_start(container))
    known["start_s"] = round(clock.start_s, 6)
    known["container_start_s"] = round(clock.container_start_s, 6)
    step = float(np.median(np.diff(times))) if times.size > 1 else 0.0
    duration = float(times[-1]) + step
    end = clock.container_start_s + duration
    warning = ""
    header, reached = declared, end
    if whole:
        header = container.duration / 1_000_000
        reached = max(end, others_end - _container_start(container))
    if broke or (header and reached < header - max(TRUNCATION_SLACK_S, 2 * step)):
        # A recording cut short (a crash, a full disk, a copy interrupted): what is there is
        # used, and the page says so (its partial last packet is left out: ``partial_packet``).
        of = f" of the {header:.1f} s its header gives" if header else ""
        warning = (
            f"The recording stops after {end:.1f} s{of} (cut short: a crash, a full disk or an "
            "interrupted copy?); the part that is there was processed."
        )
    first = _first_frame(container, stream)
    if first is None:
        return _fail("corrupt video: its first frame cannot be decoded", **known)
    if upright_turns(first) % 2:  # shown turned a quarter: its width and height as shown
        known["width"], known["height"] = known["height"], known["width"]
    fps = (times.size - 1) / float(times[-1]) if times[-1] > 0 else float(stream.average_rate or 0)
    return ProbeResult(
        ok=True,
        fps=round(fps, 2),
        frame_count=int(times.size),
        duration_s=round(duration, 3),
        warning=warning,
        frame_times=times,
        **known,  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Clock:
    """Where frame-index time sits on the two other clocks a recording has.

    Frame-index time counts from the first video frame (frame 0 at 0.0). The browser's clock
    (``<video>.currentTime``) counts the stream's own timestamps, so a video whose first frame is
    stamped 3.139 s shows it at 3.139 s (Chromium shifts only negative starts to 0). FFmpeg's
    ``-ss`` counts from the container's start (its earliest stream), which can be earlier than the
    video's (audio first) or the same (``-output_ts_offset``). This is the one place that converts.

    Attributes:
        start_s: When frame 0 shows on the browser's clock.
        container_start_s: When frame 0 is on FFmpeg's ``-ss`` clock.
    """

    start_s: float = 0.0
    container_start_s: float = 0.0

    @classmethod
    def of(cls, first_pts_s: float, container_start: float) -> Clock:
        """The clock of a video whose first frame is stamped ``first_pts_s`` (absolute)."""
        player = first_pts_s - min(0.0, container_start)  # negative starts are shifted to 0
        return cls(
            start_s=max(0.0, player), container_start_s=max(0.0, first_pts_s - container_start)
        )

    def to_player(self, t: float) -> float:
        """Frame-index seconds to the browser's clock."""
        return self.start_s + t

    def to_container(self, t: float) -> float:
        """Frame-index seconds to FFmpeg's ``-ss`` clock (what clips and thumbnails seek to)."""
        return self.container_start_s + t


def clock_of(path: str | Path) -> Clock:
    """Reads a recording's first video packets to place frame-index time on its other clocks.

    Raises:
        ProbeError: if the file has no readable video.
    """
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise ProbeError("the file has no video track")
            stream = container.streams.video[0]
            stamps: list[int] = []
            for packet in container.demux(stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is not None and packet.size:
                    stamps.append(stamp)
                if len(stamps) >= 32:  # past any B-frame reordering at the start
                    break
            if not stamps:
                raise ProbeError("the file holds no video frames")
            return Clock.of(min(stamps) * float(stream.time_base), _container_start(container))
    except av.error.FFmpegError as exc:
        raise ProbeError(f"cannot read {Path(path).name}: {exc}") from exc


def _container_start(container: av.container.InputContainer) -> float:
    return (container.start_time or 0) / 1_000_000


def _declared_duration(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    """How long the file says it is, counted from the file's start."""
    if stream.duration and stream.time_base:
        stream_start = float((stream.start_time or 0) * stream.time_base)
        return (
            stream_start - _container_start(container) + float(stream.duration * stream.time_base)
        )
    if container.duration and len(container.streams) == 1:
        # The file's duration covers every stream: with audio beside the video (an MKV has no
        # per-stream duration) it is the longer of them, not the video's (see ``whole``).
        return container.duration / 1_000_000
    return 0.0


def _packet_times(
    container: av.container.InputContainer, stream: av.VideoStream, *, others: bool = False
) -> tuple[np.ndarray, float, bool, float]:
    """Presentation times (s, from 0) of every video packet but a partial last one, the first
    one's own timestamp (s), whether reading broke off, and (with ``others``) where the other
    tracks end (s, on the streams' clock; else 0)."""
    pts: list[int] = []
    tail: tuple[int | None, int] = (None, 0)  # where the last video packet read is, its size
    broke = False
    others_end = 0.0
    try:
        for packet in container.demux(*(container.streams if others else [stream])):
            if packet.stream_index != stream.index:
                if packet.pts is not None and packet.time_base:
                    stop = (packet.pts + (packet.duration or 0)) * packet.time_base
                    others_end = max(others_end, float(stop))
                continue
            stamp = packet.pts if packet.pts is not None else packet.dts
            if stamp is not None and packet.size:
                pts.append(stamp)
                tail = (packet.pos, packet.size)
    except av.error.FFmpegError:
        broke = True
    if not pts:
        return np.zeros(0), 0.0, broke, 0, others_end
    if len(pts) > 1 and partial_packet(stream, len(pts) - 1, *tail):
        pts.pop()  # its frame cannot be decoded: not in the index
    arr = np.unique(np.asarray(pts, dtype=np.int64))
    times = (arr - arr[0]).astype(np.float64) * float(stream.time_base)
    return times, float(arr[0] * stream.time_base), broke, others_end


def partial_packet(stream: av.VideoStream, nth: int, pos: int | None, size: int) -> bool:
    """Whether the ``nth`` packet read (from 0), at byte ``pos``, holds fewer bytes than the
    file's index gives it: the last one of an MP4 cut short (decoders refuse it, and a clip that
    copies it does not play). The index lists packets in decoding order, as an MP4 stores them,
    so its entry is looked for around the ``nth``."""
    if pos is None:
        return False
    try:
        entries = stream.index_entries
        for n in range(max(0, nth - 8), min(len(entries), nth + 9)):
            if entries[n].pos == pos:
                return entries[n].size > size
    except (AttributeError, av.error.FFmpegError):
        return False
    return False


def _first_frame(
    container: av.container.InputContainer, stream: av.VideoStream
) -> av.VideoFrame | None:
    try:
        container.seek(0, stream=stream)
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError:
        return None
    return None


def frame_index(path: str | Path) -> np.ndarray:
    """The presentation time (s) of every frame of a recording, sorted, frame 0 at 0.0.

    Raises:
        ProbeError: if the file is not a readable video.
    """
    result = probe(path)
    if not result.ok and not result.frame_times.size:
        raise ProbeError(result.reason)
    return result.frame_times


def read_frame(path: str | Path, time_s: float) -> np.ndarray:
    """Decodes the frame shown at ``time_s`` (a frame-index time) exactly, as RGB uint8.

    Seeks to the key frame before it by presentation time and decodes forward, which is exact on
    variable-frame-rate files where a frame-number seek is not.

    Raises:
        ProbeError: if the file cannot be decoded there.
    """
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            start = stream.start_time or 0
            target = start + int(round(time_s / float(stream.time_base)))
            container.seek(max(target, start), stream=stream, backward=True, any_frame=False)
            last = None
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                if frame.pts > target and last is not None:
                    break
                last = frame
                if frame.pts >= target:
                    break
            if last is None:
                raise ProbeError(f"no frame at {time_s:.3f} s")
            return upright(last.to_ndarray(format="rgb24"), upright_turns(last))
    except av.error.FFmpegError as exc:
        raise ProbeError(f"cannot decode the frame at {time_s:.3f} s: {exc}") from exc
