"""A verifier gets the last word on candidates (the hook the learned verifier plugs into)."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from detectors import detect, load_profile
from detectors.profile import Indicator
from detectors.verifier_synth import make_confuser_match
from tests.detectors.hud import Screen, write_match, write_reference

detect_module = importlib.import_module("detectors.detect")

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


class KeepsAll:
    """A verifier that keeps every candidate it is shown, from 0.15 under the threshold."""

    context = 0.25

    def candidate_threshold(self, indicator: Indicator) -> float | None:
        return indicator.threshold - 0.15

    def keep(self, indicator: Indicator, crop_luma: np.ndarray) -> bool:
        return True


def test_a_candidate_under_the_threshold_counts_only_where_it_holds_still(tmp_path, monkeypatch):
    # The generated feed's lines slide in from the right: on the way, a dark box without its
    # text yet scores 0.55-0.68, under the 0.7 threshold. Even a verifier that keeps everything
    # it is shown then adds no event: those candidates move from one sample to the next.
    kills, rivals = (0.5, 6.5, 12.5), (3.5, 9.5, 15.5)
    match = make_confuser_match(
        tmp_path, kills=kills, rivals=rivals, duration_s=18, size=(640, 360), seed=9
    )
    profile = load_profile(match.profile)

    def times(verifier: object = None) -> list[float]:
        found = detect(match.video, profile, verifier=verifier).events
        return [round(e.time_s, 1) for e in found if e.kind == "kill"]

    plain = times()
    assert plain == sorted((*kills, *rivals))  # template matching: your lines and the rivals'
    assert times(KeepsAll()) == plain
    # The control: without the rule, the sliding boxes are kills.
    monkeypatch.setattr(detect_module, "STILL_PX", 10**6)
    assert len(times(KeepsAll())) > len(plain)
