"""Exports of a note: a PNG of one of its frames and an MP4 clip, both with its drawings burned in.

Both draw with ``shapes.render_shapes`` (one renderer). The PNG decodes the exact frame by its
frame-index number, as the profile editor does (``detectors.probe.read_frame``). The MP4 is cut
by FFmpeg (from imageio-ffmpeg) around the note's frames, with the drawing laid over exactly the
note's frames by the overlay filter.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import uuid
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np
from django.conf import settings
from PIL import Image

from coach import storage
from coach.models import Note
from detectors.clips import EVEN_SIZE, ffmpeg_reason
from detectors.probe import ProbeError, read_frame

from .shapes import render_shapes

MAX_PAD_S = 30.0
MAX_CLIP_S = 120.0
# A frame is stored at most this long before one shown earlier (B-frame reordering).
MAX_REORDER_S = 1.0


class ExportError(RuntimeError):
    """An export that cannot be made; the message says why in one line."""


def _times(note: Note) -> np.ndarray:
    replay = note.replay
    if not storage.exists(replay.frame_index_path):
        raise ExportError("the replay has no frame index yet (it is still being processed)")
    return replay.frame_times()


def note_png(note: Note, frame: int | None = None) -> bytes:
    """The exact frame (the note's first by default) with the note's drawings, as PNG bytes.

    Raises:
        ExportError: a frame outside the note or the replay, or one that cannot be decoded.
    """
    frame = note.frame if frame is None else frame
    if not note.shows_at(frame):
        raise ExportError(f"frame {frame} is not one of the note's ({note.frame}-{note.frame_end})")
    times = _times(note)
    if frame >= len(times):
        raise ExportError(f"frame {frame} is outside the replay (it has {len(times)} frames)")
    try:
        rgb = read_frame(storage.fetch(note.replay.path), float(times[frame]))
    except ProbeError as exc:
        raise ExportError(str(exc)) from exc
    picture = Image.fromarray(rgb).convert("RGBA")
    picture.alpha_composite(render_shapes(note.shapes, picture.width, picture.height))
    buf = io.BytesIO()
    picture.convert("RGB").save(buf, format="PNG")
    return buf.getvalue()


def _first_frame_offset(path: Path) -> float:
    """Seconds from the container's start to the first video frame.

    FFmpeg's input ``-ss`` counts from the container's start, so a frame-index time t is the
    file time ``offset + t`` there (the offset is what the probe records as the replay's start_s;
    it is read from the file so the export stays right whatever clock the page uses).
    """
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            container_start = (container.start_time or 0) / 1_000_000
            if stream.start_time is not None:
                first = float(stream.start_time * stream.time_base)
            else:  # no declared start: the smallest of the first packets' times
                stamps = []
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.size:
                        stamps.append(float(packet.pts * stream.time_base))
                    if len(stamps) >= 64:
                        break
                first = min(stamps) if stamps else None
    except (av.error.FFmpegError, IndexError) as exc:
        raise ExportError(f"cannot read the replay's video: {exc}") from exc
    if first is None:
        raise ExportError("the replay's video holds no frames")
    return max(0.0, first - container_start)


def _left_out(path: Path, times: np.ndarray, first: int, last: int, slack: float) -> list[float]:
    """Frame-index times of the frames between ``first`` and ``last`` that FFmpeg decodes but
    the frame index leaves out: a recording cut short ends in a partial packet, which the index
    leaves out (``detectors.probe.partial_packet``) and FFmpeg decodes anyway, by concealment;
    a B-frame cut there is shown between frames of the index.

    A packet is in the index when its time is within ``slack`` of one of the index's times.
    """
    start, end = float(times[first]) - slack, float(times[last]) + slack
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            base = float(stream.time_base)
            stamps: list[int] = []  # the index counts from the smallest of the first stamps
            for packet in container.demux(stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is not None and packet.size:
                    stamps.append(stamp)
                if len(stamps) >= 32:
                    break
            if not stamps:
                return []
            origin = min(stamps) * base
            container.seek(round((origin + start) / base), stream=stream, backward=True)
            found: list[float] = []
            for packet in container.demux(stream):
                stamp = packet.pts if packet.pts is not None else packet.dts
                if stamp is None or not packet.size:
                    continue
                t = stamp * base - origin
                if t > end + MAX_REORDER_S:  # past any frame shown before the window's end
                    break
                if start <= t <= end:
                    found.append(t)
    except (av.error.FFmpegError, IndexError) as exc:
        raise ExportError(f"cannot read the replay's video: {exc}") from exc
    indexed = times[first : last + 1]
    return [t for t in found if np.min(np.abs(indexed - t)) > slack]


def export_dir(note: Note) -> Path:
    return Path(settings.MEDIA_ROOT) / "notes" / str(note.pk)


def note_mp4(note: Note, before_s: float = 2.0, after_s: float = 2.0) -> Path:
    """An H.264 MP4 from ``before_s`` before the note's first frame to ``after_s`` after its last,
    with the drawings over exactly the note's frames. Made once per version of the note.

    Raises:
        ExportError: bad padding, an unreadable replay or an FFmpeg failure.
    """
    if not (0 <= before_s <= MAX_PAD_S and 0 <= after_s <= MAX_PAD_S):
        raise ExportError(f"before and after must be between 0 and {MAX_PAD_S:g} seconds")
    replay = note.replay
    times = _times(note)
    if note.frame_end >= len(times):
        raise ExportError("the note's frames are past the replay's end")
    first = int(np.searchsorted(times, times[note.frame] - before_s - 1e-6))
    last = int(np.searchsorted(times, times[note.frame_end] + after_s + 1e-6, side="right")) - 1
    step = float(np.median(np.diff(times))) if len(times) > 1 else 1 / 30
    t0 = float(times[first])
    length = float(times[last]) - t0 + step
    if length > MAX_CLIP_S:
        raise ExportError(f"the clip would last {length:.0f} s; exports stop at {MAX_CLIP_S:g} s")
    key = json.dumps(
        [replay.sha256, note.frame, note.frame_end, note.shapes, before_s, after_s],
        sort_keys=True,
    )
    out = export_dir(note) / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.mp4"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    part = uuid.uuid4().hex  # two requests at once each write their own files, then one wins
    overlay = out.with_name(f"{out.stem}.{part}.png")
    render_shapes(note.shapes, replay.width, replay.height).save(overlay)
    # The drawing is on from the note's first frame to its last: a quarter-frame margin on each
    # side keeps the window on those frames whatever the rounding of their timestamps.
    on = float(times[note.frame]) - t0 - step / 4
    end_next = times[note.frame_end + 1] if note.frame_end + 1 < len(times) else times[-1] + step
    off = float(end_next) - t0 - step / 4
    seek = _first_frame_offset(storage.fetch(replay.path)) + t0
    # Frames FFmpeg decodes that the index leaves out (at the cut of a recording cut short) are
    # dropped: the clip's frames, and so the drawn ones and the frame count, are the index's.
    left_out = _left_out(storage.fetch(replay.path), times, first, last, step / 4)
    drop = "+".join(f"between(t,{t - t0 - step / 4:.6f},{t - t0 + step / 4:.6f})" for t in left_out)
    video = f"[0:v:0]select='not({drop})'[kept];[kept]" if drop else "[0:v:0]"
    tmp = out.with_name(f"{out.stem}.{part}.part.mp4")
    args = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-y", "-v", "error"]
    args += ["-ss", f"{seek:.6f}", "-i", str(replay.path), "-i", str(overlay)]
    args += [
        "-filter_complex",
        f"{video}[1:v]overlay=0:0:enable='between(t,{on:.6f},{off:.6f})',{EVEN_SIZE}[v]",
        "-map",
        "[v]",
        "-frames:v",
        str(last - first + 1),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "20",
        "-pix_fmt",
        "yuv420p",
        "-fps_mode",
        "passthrough",
    ]
    if replay.has_audio:
        args += ["-map", "0:a:0?", "-c:a", "aac", "-b:a", "128k", "-t", f"{length:.6f}"]
    args += ["-movflags", "+faststart", str(tmp)]
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    overlay.unlink(missing_ok=True)
    if proc.returncode != 0 or not tmp.is_file() or tmp.stat().st_size == 0:
        tmp.unlink(missing_ok=True)
        reason = ffmpeg_reason(proc.stderr, proc.returncode)
        raise ExportError(f"FFmpeg could not cut the clip: {reason}")
    tmp.replace(out)
    return out


def exports_remove(note_id: int) -> None:
    """Deletes a note's exported files (after the note itself is gone)."""
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "notes" / str(note_id), ignore_errors=True)
