"""Clips are browser-ready H.264 MP4 that start at the asked time; thumbnails are JPEGs."""

from __future__ import annotations

import av
import numpy as np
import pytest

from detectors.clips import ClipError, cut_clip, thumbnail
from detectors.probe import frame_index, read_frame


def _first_frame(path) -> np.ndarray:
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            return frame.to_ndarray(format="rgb24")
    raise AssertionError("no frame")


def test_a_clip_is_h264_yuv420p_with_faststart_and_the_asked_duration(small_match, tmp_path):
    clip = cut_clip(small_match.video, tmp_path / "clip.mp4", 1.0, 3.5)
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert container.duration / 1e6 == pytest.approx(2.5, abs=0.1)
    data = clip.read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")  # faststart: the index comes first


def test_a_clip_starts_at_the_frame_shown_at_its_start_time(small_match, tmp_path):
    index = frame_index(small_match.video)
    start = float(index[47])
    clip = cut_clip(small_match.video, tmp_path / "clip.mp4", start, start + 1.0)
    first = _first_frame(clip).astype(float)
    diffs = [np.abs(first - read_frame(small_match.video, index[n])).mean() for n in (46, 47, 48)]
    assert diffs[1] < 3 and diffs[1] < min(diffs[0], diffs[2]) / 2, diffs


def test_a_thumbnail_is_a_jpeg_of_the_asked_width(small_match, tmp_path):
    jpg = thumbnail(small_match.video, 2.0, tmp_path / "t.jpg", width=160)
    assert jpg.read_bytes()[:3] == b"\xff\xd8\xff"
    import cv2

    assert cv2.imread(str(jpg)).shape[1] == 160


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(3.0, 2.0, "must be after its start"), (0.0, 1.0, "does not exist")],
)
def test_bad_clip_requests_raise_a_clip_error(tmp_path, small_match, start, end, message):
    src = small_match.video if message != "does not exist" else tmp_path / "missing.mp4"
    with pytest.raises(ClipError, match=message):
        cut_clip(src, tmp_path / "c.mp4", start, end)


def test_a_thumbnail_past_the_end_raises_a_clip_error(small_match, tmp_path):
    with pytest.raises(ClipError):
        thumbnail(small_match.video, 600.0, tmp_path / "t.jpg")
