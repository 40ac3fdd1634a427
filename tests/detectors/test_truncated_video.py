"""A recording that breaks off mid-way: the events before the break, and how far it got."""

from __future__ import annotations

import re

from detectors import detect, load_profile
from detectors.synth import make_match


def test_it_returns_the_events_before_the_break(tmp_path):
    match = make_match(tmp_path, duration_s=8, size=(640, 360), kills=(1.0, 6.5), deaths=(2.0,))
    data = match.video.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.55)])  # faststart: the index is whole, frames are not

    result = detect(cut, load_profile(match.profile))

    assert not result.complete
    assert [(e.kind, round(e.time_s)) for e in result.events] == [("kill", 1), ("death", 2)]
    found = re.fullmatch(r"decoded (\d+) of (\d+) frames", result.message)
    assert found, result.message
    decoded, total = int(found[1]), int(found[2])
    assert total == 240 and 60 < decoded < 230
    assert (result.frames_decoded, result.frames_total) == (decoded, total)
