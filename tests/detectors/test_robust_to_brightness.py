"""The same match captured brighter or darker than the reference screenshots."""

from __future__ import annotations

import pytest

from detectors import detect, load_profile
from detectors.evaluate import score
from detectors.synth import make_match


@pytest.mark.parametrize("gain", [0.6, 1.35])
def test_it_finds_the_same_events_after_a_brightness_shift(tmp_path, gain):
    match = make_match(
        tmp_path, duration_s=7, size=(960, 540), kills=(1.0, 4.5), deaths=(2.0,), brightness=gain
    )
    result = detect(match.video, load_profile(match.profile))
    got = score(result.events, match.events, tolerance_s=0.2)
    assert (got.precision, got.recall) == (1.0, 1.0), [e.to_dict() for e in result.events]
