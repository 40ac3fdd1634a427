"""Cutting browser-ready clips and thumbnails with the FFmpeg from imageio-ffmpeg."""

from __future__ import annotations

import errno
import logging
import os
import re
import subprocess
from pathlib import Path

import av
import numpy as np

from detectors.probe import Clock, ProbeError, clock_of, probe
from detectors.smartcut import (
    SmartCutError,
    VideoPackets,
    decode_frames,
    read_packets,
    smart_cut,
)
from detectors.video import upright_turns

logger = logging.getLogger(__name__)

# A clip smaller than this is FFmpeg's empty MP4 (an index and no frames).
MIN_CLIP_BYTES = 1024
# A clip window edge this close to a frame's time counts as that frame's time.
TIME_SLACK_S = 1e-6
DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
# x264's 4:2:0 (what browsers play) needs an even width and height: an odd-sized source loses
# its last column or row (no resampling, so every other pixel stays where it was).
EVEN_SIZE = "crop=trunc(iw/2)*2:trunc(ih/2)*2:0:0"
# A recording may stamp two frames with one time (a muxer rounding to milliseconds): the frame
# index has one frame per time (``detectors.probe``), so the review proxy keeps the first.
ONE_FRAME_PER_TIME = "select='isnan(prev_selected_pts)+gt(pts,prev_selected_pts)'"


class ClipError(RuntimeError):
    """A clip or thumbnail could not be made; the message says why in one line."""


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _os_reason(exc: OSError) -> str:
    """An OS error in words; a full disk (or a file-size limit) says so first."""
    detail = exc.strerror or str(exc)
    if exc.errno in DISK_FULL:
        return f"the disk is full: {detail}"
    return detail


def ffmpeg_reason(stderr: str, returncode: int) -> str:
    """FFmpeg's last error line, without the ``[muxer @ 0x55...]`` address it starts with."""
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    if not lines:
        return f"FFmpeg stopped with exit status {returncode}"
    return re.sub(r"^\[[^\]]* @ 0x[0-9a-f]+\]\s*", "", lines[-1].strip())


def _run(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = ffmpeg_reason(proc.stderr, proc.returncode)
        for code in DISK_FULL:  # FFmpeg's line names its muxer and address: say it plainly
            if os.strerror(code) in proc.stderr:
                last = f"the disk is full: {os.strerror(code)}"
                break
        raise ClipError(f"{what} failed: {last}")


def _has_audio(src: Path) -> bool:
    try:
        with av.open(str(src)) as container:
            return bool(container.streams.audio)
    except av.error.FFmpegError as exc:
        raise ClipError(f"cannot read {src}: {exc}") from exc


def _clock(src: Path, clock: Clock | None) -> Clock:
    if clock is not None:
        return clock
    try:
        return clock_of(src)
    except ProbeError as exc:
        raise ClipError(f"cannot read {src.name}: {exc}") from exc


def _check_video(dst: Path, what: str) -> None:
    """Fails unless ``dst`` holds at least one video frame (FFmpeg may write an empty file)."""
    size = dst.stat().st_size if dst.is_file() else 0
    if size < MIN_CLIP_BYTES:
        raise ClipError(f"{what} produced no video ({size} bytes, no frames)")
    try:
        with av.open(str(dst)) as container:
            if not container.streams.video or not any(
                p.size for p in container.demux(container.streams.video[0])
            ):
                raise ClipError(f"{what} produced no video frames ({size} bytes)")
    except av.error.FFmpegError as exc:
        raise ClipError(f"{what} produced an unreadable file: {exc}") from exc


def cut_clip(
    src: str | Path,
    dst_mp4: str | Path,
    start_s: float,
    end_s: float,
    *,
    clock: Clock | None = None,
    packets: VideoPackets | None = None,
    full: bool = False,
) -> Path:
    """Cuts ``[start_s, end_s)`` of a video into an H.264/AAC MP4 that browsers play at once.

    The clip holds exactly the frames of the source's frame index from the one shown at
    ``start_s`` to the last one before ``end_s``, with the source's timestamps (so VFR stays VFR);
    ``+faststart`` puts the index first so playback starts before the whole file has downloaded.
    An H.264 source is cut by stream copy with only the frames before its first IDR (and the
    last few B-frames) re-encoded (``detectors.smartcut``); any other source, or ``full=True``,
    is re-encoded whole. The file appears under ``dst_mp4`` only when complete (written under a
    temporary name, then renamed).

    Args:
        src: The source video.
        dst_mp4: Where to write the clip (its folder must exist).
        start_s: Start, in frame-index seconds (frame 0 at 0.0); clamped at 0.
        end_s: End; must be after start_s.
        clock: The source's clock (read from the file when not given): frame-index time is
            converted to FFmpeg's container time here, so late-starting videos cut right.
        packets: The source's packet index (``read_packets``), shared by a replay's clips.
        full: Re-encode the whole clip (the old way; the benchmark's baseline).

    Returns:
        ``dst_mp4`` as a Path.

    Raises:
        ClipError: bad times, unreadable source, a full disk ("the disk is full: ..."), an
            FFmpeg failure, or a clip with no frames.
    """
    src, dst = Path(src), Path(dst_mp4)
    start_s = max(0.0, float(start_s))
    if not end_s > start_s:
        raise ClipError(f"clip end {end_s} s must be after its start {start_s} s")
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    clock = _clock(src, clock)
    what = f"cutting {src.name} at {start_s:.2f}-{end_s:.2f} s"
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.tmp.mp4")
    try:
        if full or not _smart(src, tmp, start_s, end_s, clock, packets, what):
            _cut_reencode(src, tmp, start_s, end_s, clock, what)
        _check_video(tmp, what)
        os.replace(tmp, dst)
    except OSError as exc:
        raise ClipError(f"{what} failed: {_os_reason(exc)}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _smart(
    src: Path,
    dst: Path,
    start_s: float,
    end_s: float,
    clock: Clock,
    packets: VideoPackets | None,
    what: str,
) -> bool:
    """The stream-copy cut; False when the source does not allow it (re-encode instead)."""
    try:
        packets = packets or read_packets(src)
    except SmartCutError:
        return False
    if packets.reason:
        return False
    times = packets.times
    first = max(0, int(np.searchsorted(times, start_s + TIME_SLACK_S, "right")) - 1)
    stop = int(np.searchsorted(times, end_s - TIME_SLACK_S, "left"))
    if stop <= first:
        raise ClipError(f"{what} produced no video (no frames between {start_s} and {end_s} s)")
    audio = _has_audio(src)
    video = dst.with_name(dst.stem + ".video.mp4") if audio else dst
    try:
        smart_cut(src, video, packets, first, stop)
    except SmartCutError as exc:
        logger.info("%s: re-encoding the whole clip (%s)", what, exc)
        video.unlink(missing_ok=True)
        return False
    except av.error.FFmpegError as exc:
        video.unlink(missing_ok=True)
        if exc.errno in DISK_FULL:
            raise ClipError(f"{what} failed: {_os_reason(exc)}") from exc
        logger.info("%s: re-encoding the whole clip (%s)", what, exc)
        return False
    if audio:
        # The audio of exactly the clip's frames, re-encoded to AAC beside the copied video.
        seek = clock.to_container(float(times[first]))
        length = (float(times[stop]) if stop < times.size else end_s) - float(times[first])
        args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-i", str(video)]
        args += ["-ss", f"{seek:.6f}", "-t", f"{length:.6f}", "-i", str(src)]
        args += ["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k"]
        args += ["-movflags", "+faststart", "-f", "mp4", str(dst)]
        try:
            _run(args, what)
        finally:
            video.unlink(missing_ok=True)
    _check_frames(dst, stop - first, what)
    return True


def _cut_reencode(
    src: Path, dst: Path, start_s: float, end_s: float, clock: Clock, what: str
) -> None:
    """The whole clip through x264 (any source codec): exact seek, every timestamp kept."""
    seek = clock.to_container(start_s)
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-ss", f"{seek:.6f}", "-i", str(src)]
    args += ["-t", f"{end_s - start_s:.6f}", "-map", "0:v:0", "-vf", EVEN_SIZE, "-c:v", "libx264"]
    args += ["-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-fps_mode", "passthrough"]
    if _has_audio(src):
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
    args += ["-movflags", "+faststart", "-f", "mp4", str(dst)]
    _run(args, what)


def _check_frames(dst: Path, expected: int, what: str) -> None:
    """Fails unless the clip holds exactly ``expected`` video packets (one per frame)."""
    try:
        with av.open(str(dst)) as container:
            got = sum(1 for p in container.demux(container.streams.video[0]) if p.size)
    except av.error.FFmpegError as exc:
        raise ClipError(f"{what} produced an unreadable file: {exc}") from exc
    if got != expected:
        raise ClipError(f"{what} produced {got} frames instead of {expected}")


def thumbnail(
    src: str | Path,
    time_s: float,
    dst_jpg: str | Path,
    width: int = 320,
    *,
    clock: Clock | None = None,
    packets: VideoPackets | None = None,
) -> Path:
    """Writes the frame shown at ``time_s`` (frame-index seconds) as a JPEG ``width`` pixels wide.

    With an H.264 source's packet index the frame is decoded here, skipping the pictures nothing
    refers to (cheaper than FFmpeg's exact seek, which decodes every frame since the key frame).
    The file appears under ``dst_jpg`` only when complete.

    Raises:
        ClipError: unreadable source, a time past the end, a full disk, or an FFmpeg failure.
    """
    src, dst = Path(src), Path(dst_jpg)
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    if width < 16:
        raise ClipError(f"thumbnail width must be at least 16 px, got {width}")
    what = f"thumbnail of {src.name} at {time_s:.2f} s"
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.tmp.jpg")
    try:
        if not (
            packets and not packets.reason and _thumb_decoded(src, time_s, tmp, width, packets)
        ):
            seek = _clock(src, clock).to_container(max(0.0, time_s))
            args = [
                _ffmpeg(),
                "-nostdin",
                "-y",
                "-v",
                "error",
                "-ss",
                f"{seek:.6f}",
                "-i",
                str(src),
            ]
            args += ["-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3", "-f", "image2"]
            _run([*args, str(tmp)], what)
        if not tmp.is_file() or tmp.stat().st_size == 0:
            raise ClipError(f"no frame at {time_s:.2f} s in {src.name} (past the end?)")
        os.replace(tmp, dst)
    except OSError as exc:
        raise ClipError(f"{what} failed: {_os_reason(exc)}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return dst


def _thumb_decoded(src: Path, time_s: float, dst: Path, width: int, packets: VideoPackets) -> bool:
    times = packets.times
    frame = max(0, int(np.searchsorted(times, max(0.0, time_s) + TIME_SLACK_S, "right")) - 1)
    if time_s > times[-1] + 1.0:
        return False  # past the end: FFmpeg's path says so
    try:
        (decoded,) = decode_frames(src, packets, frame, frame + 1)
    except (SmartCutError, av.error.FFmpegError, ValueError):
        return False
    image = decoded.to_image().rotate(90 * upright_turns(decoded), expand=True)  # as shown
    height = max(2, round(image.height * width / image.width / 2) * 2)
    image.resize((width, height)).save(dst, "JPEG", quality=85)
    return True


def make_review_proxy(
    src: str | Path, dst_mp4: str | Path, *, keyint: int = 1, crf: int = 23, height: int = 0
) -> Clock:
    """Makes the review proxy: the same frames at the same times, each cheap to seek to.

    Chromium decodes from the last key frame on every seek, so stepping one frame in a recording
    with x264's 250-frame GOP decodes up to 250 frames. The proxy is H.264 with a key frame every
    ``keyint`` frames (1: every frame is one) and no B-frames, ``+faststart``, and keeps every
    frame's timestamp (``-fps_mode passthrough``), so frame N of the source is frame N here.

    Args:
        src: The recording.
        dst_mp4: Where to write the proxy.
        keyint: Frames between key frames.
        crf: x264 quality (lower is better and bigger).
        height: Scale to this height (0: keep the source's size).

    Returns:
        The proxy's clock (its frame 0 may show at another time than the source's).

    Raises:
        ClipError: FFmpeg failed, or the proxy's frame index differs from the source's.
    """
    src, dst = Path(src), Path(dst_mp4)
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-i", str(src), "-map", "0:v:0"]
    args += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", str(crf), "-pix_fmt", "yuv420p"]
    args += ["-g", str(keyint), "-keyint_min", str(keyint), "-sc_threshold", "0", "-bf", "0"]
    args += ["-fps_mode", "passthrough", "-enc_time_base:v", "demux"]  # keep every timestamp
    size = f"scale=-2:{height // 2 * 2}" if height else EVEN_SIZE
    args += ["-vf", f"{ONE_FRAME_PER_TIME},{size}"]
    if _has_audio(src):
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
    tmp = dst.with_name(f".{dst.stem}.{os.getpid()}.tmp.mp4")
    args += ["-movflags", "+faststart", "-f", "mp4", str(tmp)]
    what = f"making the review proxy of {src.name}"
    try:
        _run(args, what)
        _check_video(tmp, what)
        source, proxy = probe(src), probe(tmp)
        same = (
            proxy.ok
            and proxy.frame_times.size == source.frame_times.size
            and float(abs(proxy.frame_times - source.frame_times).max(initial=0)) < 0.001
        )
        if not same:
            raise ClipError(
                f"{what}: its frames differ from the source's "
                f"({proxy.frame_times.size} vs {source.frame_times.size} frames)"
            )
        os.replace(tmp, dst)
    except OSError as exc:
        raise ClipError(f"{what} failed: {_os_reason(exc)}") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return Clock(start_s=proxy.start_s, container_start_s=proxy.container_start_s)
