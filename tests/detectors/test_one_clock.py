"""One clock: frame-index time placed on the browser's clock and on FFmpeg's, for late-starting
videos; clips and thumbnails of such videos hold the frames their window names."""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from detectors.clips import ClipError, cut_clip, make_review_proxy, thumbnail
from detectors.probe import clock_of, probe
from tests.media import FFMPEG, make_vfr_video, read_code

FRAMES = 90  # 3 s at 30 fps


@pytest.fixture(scope="module")
def coded(tmp_path_factory) -> Path:
    """A 30 fps H.264 mp4 whose frame i shows i in bars."""
    folder = tmp_path_factory.mktemp("clock")
    return make_vfr_video(folder / "coded.mp4", [33, 33, 34] * (FRAMES // 3), size=(320, 64))


def offset_mp4(coded: Path, dst: Path) -> Path:
    """The issue's file: every stream starts at 0.5 s (``-output_ts_offset 0.5``)."""
    args = [FFMPEG, "-v", "error", "-y", "-i", str(coded), "-c", "copy", "-output_ts_offset", "0.5"]
    subprocess.run([*args, str(dst)], check=True)
    return dst


def late_mkv(coded: Path, dst: Path) -> Path:
    """Like the Halo clip: audio from 0 s, the video from 1.5 s, in Matroska."""
    args = [FFMPEG, "-v", "error", "-y", "-itsoffset", "1.5", "-i", str(coded)]
    args += ["-f", "lavfi", "-i", "sine=frequency=440:duration=4.5", "-map", "0:v", "-map", "1:a"]
    subprocess.run([*args, "-c:v", "copy", "-c:a", "libvorbis", str(dst)], check=True)
    return dst


def codes(path: Path) -> list[int]:
    with av.open(str(path)) as container:
        return [read_code(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)]


def test_a_video_whose_streams_start_at_half_a_second_starts_there_on_the_players_clock(
    coded: Path, tmp_path: Path
) -> None:
    result = probe(offset_mp4(coded, tmp_path / "offset.mp4"))
    assert result.ok, result.reason
    assert result.start_s == pytest.approx(0.5, abs=0.002)
    assert result.container_start_s == pytest.approx(0.0, abs=0.002)
    assert result.frame_count == FRAMES
    clock = clock_of(tmp_path / "offset.mp4")
    assert clock.to_player(1.0) == pytest.approx(1.5, abs=0.002)


def test_a_late_starting_mkv_cuts_clips_and_thumbnails_at_the_frames_they_name(
    coded: Path, tmp_path: Path
) -> None:
    mkv = late_mkv(coded, tmp_path / "late.mkv")
    result = probe(mkv)
    assert result.ok, result.reason
    assert result.start_s == pytest.approx(1.5, abs=0.002)
    assert result.container_start_s == pytest.approx(1.5, abs=0.002)
    times = result.frame_times
    clip = cut_clip(mkv, tmp_path / "clip.mp4", float(times[30]), float(times[60]))
    got = codes(clip)
    assert got[0] == 30 and got[-1] == 59 and len(got) == 30
    for frame in (10, 45, 80):
        jpg = thumbnail(mkv, float(times[frame]), tmp_path / f"t{frame}.jpg", width=320)
        assert read_code(np.asarray(Image.open(jpg).convert("RGB"))) == frame


def test_a_clip_window_with_no_frames_fails_with_a_reason_instead_of_an_empty_file(
    coded: Path, tmp_path: Path
) -> None:
    with pytest.raises(ClipError, match="produced no video"):
        cut_clip(coded, tmp_path / "empty.mp4", 10.0, 12.0)


def test_the_review_proxy_keeps_every_frame_at_its_time_with_a_key_frame_on_each(
    coded: Path, tmp_path: Path
) -> None:
    mkv = late_mkv(coded, tmp_path / "late.mkv")
    clock = make_review_proxy(mkv, tmp_path / "proxy.mp4", keyint=1)
    proxy, source = probe(tmp_path / "proxy.mp4"), probe(mkv)
    assert np.abs(proxy.frame_times - source.frame_times).max() < 0.001
    assert clock.start_s == pytest.approx(proxy.start_s)
    assert codes(tmp_path / "proxy.mp4") == list(range(FRAMES))
    with av.open(str(tmp_path / "proxy.mp4")) as container:
        keys = [p.is_keyframe for p in container.demux(video=0) if p.size]
    assert all(keys) and len(keys) == FRAMES
