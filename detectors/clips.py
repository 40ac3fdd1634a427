"""Cutting browser-ready clips and thumbnails with the FFmpeg from imageio-ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av

from detectors.probe import Clock, ProbeError, clock_of, probe

# A clip smaller than this is FFmpeg's empty MP4 (an index and no frames).
MIN_CLIP_BYTES = 1024


class ClipError(RuntimeError):
    """A clip or thumbnail could not be made; the message says why in one line."""


def _ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _run(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        raise ClipError(
            f"{what} failed: {lines[-1] if lines else 'ffmpeg exit ' + str(proc.returncode)}"
        )


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
) -> Path:
    """Cuts ``[start_s, end_s)`` of a video into an H.264/AAC MP4 that browsers play at once.

    The seek is exact (decode from the key frame before, drop up to ``start_s``), so the clip's
    first frame is the one shown at ``start_s``; ``+faststart`` puts the index first so playback
    starts before the whole file has downloaded.

    Args:
        src: The source video.
        dst_mp4: Where to write the clip (its folder must exist).
        start_s: Start, in frame-index seconds (frame 0 at 0.0); clamped at 0.
        end_s: End; must be after start_s.
        clock: The source's clock (read from the file when not given): frame-index time is
            converted to FFmpeg's container time here, so late-starting videos cut right.

    Returns:
        ``dst_mp4`` as a Path.

    Raises:
        ClipError: bad times, unreadable source, an FFmpeg failure, or a clip with no frames.
    """
    src, dst = Path(src), Path(dst_mp4)
    start_s = max(0.0, float(start_s))
    if not end_s > start_s:
        raise ClipError(f"clip end {end_s} s must be after its start {start_s} s")
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    seek = _clock(src, clock).to_container(start_s)
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-ss", f"{seek:.6f}", "-i", str(src)]
    args += [
        "-t",
        f"{end_s - start_s:.6f}",
        "-map",
        "0:v:0",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
    ]
    args += ["-crf", "23", "-pix_fmt", "yuv420p", "-fps_mode", "passthrough"]
    if _has_audio(src):
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
    args += ["-movflags", "+faststart", str(dst)]
    what = f"cutting {src.name} at {start_s:.2f}-{end_s:.2f} s"
    _run(args, what)
    _check_video(dst, what)
    return dst


def thumbnail(
    src: str | Path,
    time_s: float,
    dst_jpg: str | Path,
    width: int = 320,
    *,
    clock: Clock | None = None,
) -> Path:
    """Writes the frame shown at ``time_s`` (frame-index seconds) as a JPEG ``width`` pixels wide.

    Raises:
        ClipError: unreadable source, a time past the end, or an FFmpeg failure.
    """
    src, dst = Path(src), Path(dst_jpg)
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    if width < 16:
        raise ClipError(f"thumbnail width must be at least 16 px, got {width}")
    seek = _clock(src, clock).to_container(max(0.0, time_s))
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-ss", f"{seek:.6f}"]
    args += ["-i", str(src), "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3", str(dst)]
    _run(args, f"thumbnail of {src.name} at {time_s:.2f} s")
    if not dst.is_file() or dst.stat().st_size == 0:
        raise ClipError(f"no frame at {time_s:.2f} s in {src.name} (past the end?)")
    return dst


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
    if height:
        args += ["-vf", f"scale=-2:{height}"]
    if _has_audio(src):
        args += ["-map", "0:a:0", "-c:a", "aac", "-b:a", "128k"]
    args += ["-movflags", "+faststart", str(dst)]
    what = f"making the review proxy of {src.name}"
    _run(args, what)
    _check_video(dst, what)
    source, proxy = probe(src), probe(dst)
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
    return Clock(start_s=proxy.start_s, container_start_s=proxy.container_start_s)
