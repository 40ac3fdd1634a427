"""Cutting browser-ready clips and thumbnails with the FFmpeg from imageio-ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av


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


def cut_clip(src: str | Path, dst_mp4: str | Path, start_s: float, end_s: float) -> Path:
    """Cuts ``[start_s, end_s)`` of a video into an H.264/AAC MP4 that browsers play at once.

    The seek is exact (decode from the key frame before, drop up to ``start_s``), so the clip's
    first frame is the one shown at ``start_s``; ``+faststart`` puts the index first so playback
    starts before the whole file has downloaded.

    Args:
        src: The source video.
        dst_mp4: Where to write the clip (its folder must exist).
        start_s: Start, in frame-index seconds (frame 0 at 0.0); clamped at 0.
        end_s: End; must be after start_s.

    Returns:
        ``dst_mp4`` as a Path.

    Raises:
        ClipError: bad times, unreadable source or an FFmpeg failure.
    """
    src, dst = Path(src), Path(dst_mp4)
    start_s = max(0.0, float(start_s))
    if not end_s > start_s:
        raise ClipError(f"clip end {end_s} s must be after its start {start_s} s")
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-ss", f"{start_s:.6f}", "-i", str(src)]
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
    _run(args, f"cutting {src.name} at {start_s:.2f}-{end_s:.2f} s")
    if not dst.is_file() or dst.stat().st_size == 0:
        raise ClipError(f"cutting {src.name} at {start_s:.2f} s produced no video")
    return dst


def thumbnail(src: str | Path, time_s: float, dst_jpg: str | Path, width: int = 320) -> Path:
    """Writes the frame shown at ``time_s`` as a JPEG ``width`` pixels wide.

    Raises:
        ClipError: unreadable source, a time past the end, or an FFmpeg failure.
    """
    src, dst = Path(src), Path(dst_jpg)
    if not src.is_file():
        raise ClipError(f"source video {src} does not exist")
    if width < 16:
        raise ClipError(f"thumbnail width must be at least 16 px, got {width}")
    args = [_ffmpeg(), "-nostdin", "-y", "-v", "error", "-ss", f"{max(0.0, time_s):.6f}"]
    args += ["-i", str(src), "-frames:v", "1", "-vf", f"scale={width}:-2", "-q:v", "3", str(dst)]
    _run(args, f"thumbnail of {src.name} at {time_s:.2f} s")
    if not dst.is_file() or dst.stat().st_size == 0:
        raise ClipError(f"no frame at {time_s:.2f} s in {src.name} (past the end?)")
    return dst
