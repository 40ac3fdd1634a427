"""Probing: what each kind of file becomes, and the frame index on variable-frame-rate files."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from detectors.clips import cut_clip
from detectors.probe import probe, read_frame
from detectors.smartcut import read_packets
from detectors.video import SampledReader
from tests.media import FFMPEG, make_vfr_video, make_video, read_code


@pytest.mark.parametrize(
    "suffix,codec", [("mp4", "h264"), ("mov", "h264"), ("mkv", "h264"), ("webm", "vp9")]
)
def test_it_probes_every_accepted_container(tmp_path: Path, suffix: str, codec: str) -> None:
    result = probe(make_video(tmp_path / f"v.{suffix}", seconds=1.0, fps=25))
    assert result.ok, result.reason
    assert (result.container, result.codec) == (suffix, codec)
    assert (result.width, result.height, result.frame_count) == (320, 240, 25)
    assert result.fps == pytest.approx(25, abs=0.1)
    assert result.duration_s == pytest.approx(1.0, abs=0.05)


def test_it_recognises_the_container_by_content_not_name(tmp_path: Path) -> None:
    webm = make_video(tmp_path / "v.webm", seconds=0.5)
    renamed = webm.rename(tmp_path / "v.mp4")
    assert probe(renamed).container == "webm"


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty file (0 bytes)"),
        (b"hello, this is a text file\n" * 20, "not a video file (it looks like text)"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "not a video file (it looks like a PNG image)"),
        (b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(200), "AVI recordings are not supported"),
    ],
)
def test_it_names_what_a_non_video_is(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "upload.mp4"
    path.write_bytes(content)
    result = probe(path)
    assert not result.ok
    assert result.reason.startswith(reason)


def test_a_garbled_file_s_reason_names_no_server_path(tmp_path: Path) -> None:
    path = tmp_path / "upload.mkv"
    path.write_bytes(b"\x1aE\xdf\xa3" + bytes(range(256)) * 8)
    result = probe(path)
    assert not result.ok and result.reason.startswith("corrupt or truncated mkv file: ")
    assert str(tmp_path) not in result.reason and "Errno" not in result.reason


@pytest.mark.parametrize(("suffix", "audio"), [("mp4", False), ("mkv", False), ("mkv", True)])
def test_a_recording_cut_short_is_used_up_to_where_it_stops_with_a_warning(
    tmp_path: Path, suffix: str, audio: bool
) -> None:
    """A recording cut short (a crash, a full disk) was refused whole; its frames up to the cut
    decode, and a coach wants to review the match up to there. (An MKV with audio has no video
    duration of its own: its tracks' ends are compared with the file's.)"""
    whole = make_video(tmp_path / f"whole.{suffix}", seconds=6.0, fps=30, audio=audio)
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = probe(cut)
    assert result.ok and result.reason == ""
    assert result.warning.startswith("The recording stops after ")
    assert " of the 6.0 s its header gives" in result.warning or suffix == "mkv"
    broke_at = float(result.warning.split()[4])
    assert 0.5 < broke_at < 5.5 and result.duration_s == pytest.approx(broke_at, abs=0.05)
    assert result.frame_count == result.frame_times.size
    reader = SampledReader(cut, result.frame_times, sample_fps=1000, skip_nonref=False)
    numbers = [f.number for f in reader]  # as detection reads it: the frames up to the cut,
    assert numbers == list(range(len(numbers)))  # in order, no more than the index has
    assert result.frame_count - 2 <= len(numbers) <= result.frame_count  # (threads may lose 2)
    # The clips' packet index leaves out the partial last packet too: a clip to the end plays
    # (one that copied it did not: "Invalid NAL unit size" in Chromium and FFmpeg).
    assert read_packets(cut).pts.size == result.frame_count
    times = result.frame_times
    clip = cut_clip(cut, tmp_path / "end.mp4", float(times[-30]), float(times[-1]) + 1.0)
    check = [FFMPEG, "-v", "error", "-i", str(clip), "-f", "null", "-"]
    assert subprocess.run(check, capture_output=True, text=True, check=True).stderr == ""
    assert probe(whole).warning == ""


def test_it_reports_a_missing_mp4_index(tmp_path: Path) -> None:
    whole = make_video(tmp_path / "whole.mp4", seconds=3.0, faststart=False)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size - 2000])
    result = probe(cut)
    assert not result.ok
    assert "index (moov) is missing" in result.reason


def test_it_rejects_a_recording_without_video(tmp_path: Path) -> None:
    audio = tmp_path / "audio.mp4"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=1",
            "-c:a",
            "aac",
            str(audio),
        ],
        check=True,
    )
    assert probe(audio).reason == "the file has no video track"


def test_frame_n_is_exact_on_a_variable_frame_rate_recording(tmp_path: Path) -> None:
    durations = np.random.default_rng(7).choice([16, 17, 33, 50, 67], size=120)
    video = make_vfr_video(tmp_path / "vfr.mp4", list(durations))
    result = probe(video)
    assert result.ok and result.frame_count == 120
    expected = np.concatenate([[0], np.cumsum(durations)[:-1]]) / 1000
    np.testing.assert_allclose(result.frame_times, expected, atol=1e-6)
    for n in [0, 1, 2, 37, 38, 64, 99, 118, 119]:
        assert read_code(read_frame(video, float(result.frame_times[n]))) == n


def test_a_recording_whose_video_starts_late_is_whole_and_says_when(tmp_path: Path) -> None:
    path = tmp_path / "late.mkv"
    subprocess.run(
        [
            FFMPEG,
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=duration=4",
            "-itsoffset",
            "1.5",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x120:rate=25:duration=2.5",
            "-map",
            "0:a",
            "-map",
            "1:v",
            "-c:v",
            "libx264",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    result = probe(path)
    assert result.ok, result.reason
    assert result.start_s == pytest.approx(1.5, abs=0.05)
    assert result.frame_times[0] == 0.0 and result.frame_count == 63


def test_an_mkv_whose_audio_outlasts_its_video_is_whole(tmp_path: Path) -> None:
    """Its file duration is the audio's: the whole video was read as cut short of it."""
    video = make_video(tmp_path / "v.mp4", seconds=4.0)
    mkv = tmp_path / "long-audio.mkv"
    args = [FFMPEG, "-v", "error", "-y", "-i", str(video), "-f", "lavfi", "-i", "sine=d=10"]
    args += ["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", str(mkv)]
    subprocess.run(args, check=True)
    result = probe(mkv)
    assert result.ok and result.warning == "" and result.frame_count == 120
