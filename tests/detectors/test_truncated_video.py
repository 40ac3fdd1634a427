"""A recording that breaks off mid-way: the events before the break, and how far it got."""

from __future__ import annotations

import re

import pytest

from detectors import detect, load_profile
from detectors.probe import frame_index
from detectors.synth import make_match


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole")
    return make_match(folder, duration_s=8, size=(640, 360), kills=(1.0, 6.5), deaths=(2.0,))


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        (0.55, [("kill", 1), ("death", 2)]),
        (0.97, [("kill", 1), ("death", 2), ("kill", 6)]),
    ],
)
def test_it_returns_the_events_before_the_break(whole, tmp_path, keep, expected):
    data = whole.video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * keep)])  # faststart: the index is whole, frames not

    result = detect(cut, load_profile(whole.profile))

    assert not result.complete
    assert [(e.kind, int(e.time_s)) for e in result.events] == expected
    found = re.fullmatch(r"decoded (\d+) of (\d+) frames", result.message)
    assert found, result.message
    decoded, total = int(found[1]), int(found[2])
    assert total == 240 and decoded < total - 4
    assert (result.frames_decoded, result.frames_total) == (decoded, total)


def test_a_whole_video_is_complete(whole):
    result = detect(whole.video, load_profile(whole.profile))
    assert result.complete and result.message == ""
    assert result.frames_decoded == result.frames_total == len(frame_index(whole.video))
