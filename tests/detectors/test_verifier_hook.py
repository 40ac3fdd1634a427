"""A verifier gets the last word on candidates (the hook the learned verifier plugs into)."""

from __future__ import annotations

import numpy as np
import pytest

from detectors import detect, load_profile
from detectors.profile import Indicator
from tests.detectors.hud import Screen, write_match, write_reference

TRUE = (0.5, 4.5)  # lines on a light fill
FALSE = 2.5  # the same line on a dark fill: template matching cannot tell (it ignores contrast)
SCREEN = Screen.full((1280, 720))


class BrightCrops:
    """Keeps a candidate when its crop's mean luma is above ``level``; records what it saw."""

    def __init__(self, level: float, threshold: float | None = 0.5) -> None:
        self.level = level
        self.threshold = threshold
        self.crops: list[np.ndarray] = []

    def candidate_threshold(self, indicator: Indicator) -> float | None:
        return self.threshold

    def keep(self, indicator: Indicator, crop_luma: np.ndarray) -> bool:
        self.crops.append(crop_luma)
        return float(crop_luma.mean()) > self.level


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verifier")
    fills = {TRUE[0]: 90, TRUE[1]: 90, FALSE: 10}
    video = write_match(folder / "feed.mp4", SCREEN, (*TRUE, FALSE), fills=fills, duration_s=6)
    return video, load_profile(write_reference(folder, color=False))


def test_without_a_verifier_the_dark_line_is_a_kill(feed):
    video, profile = feed
    assert [e.time_s for e in detect(video, profile).events] == sorted((*TRUE, FALSE))


def test_the_verifier_removes_the_false_candidate_and_keeps_the_true_ones(feed):
    video, profile = feed
    verifier = BrightCrops(level=70)
    assert [e.time_s for e in detect(video, profile, verifier=verifier).events] == list(TRUE)
    # It was shown luma crops of the matched line, in video pixels.
    x, y, w, h = SCREEN.line_box()
    assert verifier.crops
    for crop in verifier.crops:
        assert crop.dtype == np.uint8 and crop.ndim == 2
        assert abs(crop.shape[1] - w) <= 3 and abs(crop.shape[0] - h) <= 3


def test_an_indicator_the_verifier_does_not_verify_is_matched_as_before(feed):
    video, profile = feed
    verifier = BrightCrops(level=255, threshold=None)
    assert [e.time_s for e in detect(video, profile, verifier=verifier).events] == sorted(
        (*TRUE, FALSE)
    )
    assert verifier.crops == []


def test_a_verifier_with_context_gets_the_box_grown_by_it(feed):
    video, profile = feed
    plain, grown = BrightCrops(level=70), BrightCrops(level=70)
    grown.context = 0.5
    detect(video, profile, verifier=plain)
    detect(video, profile, verifier=grown)
    assert len(plain.crops) == len(grown.crops) > 0
    for box, crop in zip(plain.crops, grown.crops, strict=True):
        # Half the box's height more on every side (the feed line is well inside the frame).
        pad = round(box.shape[0] * 0.5)
        assert crop.shape == (box.shape[0] + 2 * pad, box.shape[1] + 2 * pad)
        assert np.array_equal(crop[pad:-pad, pad:-pad], box)
