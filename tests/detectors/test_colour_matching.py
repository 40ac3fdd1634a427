"""Colour carries the meaning: your kills have a red outline, others' the same line in grey.

The grey has the red's luma, so matching on luma alone must report every line (the control);
matching in colour (the profile's default ``color: auto``) reports only your own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import detect, load_profile
from detectors.matching import Matcher
from detectors.video import SampledReader, own_frame_index
from tests.detectors.hud import Screen, write_match, write_reference

OWN = (0.5, 4.5)
OTHERS = (2.5, 6.5)


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("colour")
    video = write_match(folder / "feed.mp4", Screen.full((1280, 720)), OWN, OTHERS, duration_s=8)
    return video, write_reference(folder), write_reference(folder, color=False)


def test_auto_colour_finds_own_kills_and_not_other_players(feed):
    video, auto, _luma = feed
    profile = load_profile(auto)
    assert Matcher(profile.indicators[0], (1280, 720)).color  # decided from the red outline
    kills = [e.time_s for e in detect(video, profile).events]
    assert kills == list(OWN)


def test_luma_only_cannot_tell_them_apart(feed):
    # The control: without colour every line is a kill, so the test above needs colour.
    video, _auto, luma = feed
    kills = [e.time_s for e in detect(video, load_profile(luma)).events]
    assert kills == sorted(OWN + OTHERS)


def test_colour_scores_separate_the_lines(feed):
    video, auto, _luma = feed
    indicator = load_profile(auto).indicators[0]
    index = own_frame_index(video)
    own, others = [], []
    matcher = None
    for frame in SampledReader(video, index, 4, chroma=True):
        matcher = matcher or Matcher(indicator, (frame.luma.shape[1], frame.luma.shape[0]))
        best = float(matcher.scores(frame).max())
        if any(s + 0.1 <= frame.time_s <= s + 1.3 for s in OWN):
            own.append(best)
        elif any(s + 0.1 <= frame.time_s <= s + 1.3 for s in OTHERS):
            others.append(best)
    assert own and others
    assert min(own) >= 0.8 and max(others) <= 0.6, (own, others)


def test_a_large_search_region_finds_the_same_kills(feed, tmp_path):
    # Large regions are searched coarse-to-fine: same kills, same frames as the default region.
    video, _auto, _luma = feed
    folder = tmp_path / "large"
    profile = load_profile(write_reference(folder, search=[0, 0, 1920, 540]))
    assert [e.time_s for e in detect(video, profile).events] == list(OWN)
