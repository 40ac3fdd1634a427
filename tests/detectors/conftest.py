"""Synthetic matches shared by the detector tests (generated once per session, a few seconds)."""

from __future__ import annotations

import pytest

from detectors.profile import Profile, load_profile
from detectors.synth import SyntheticMatch, make_match

# A 720p video whose profile references are 1080p screenshots; two kills 1 s apart (stacked in
# the feed), a death whose banner stays 3 s, a distractor ally kill.
KILLS = (1.5, 5.0, 6.0)
DEATHS = (3.0,)
ALLIES = (8.0,)


@pytest.fixture(scope="session")
def match720(tmp_path_factory: pytest.TempPathFactory) -> SyntheticMatch:
    return make_match(
        tmp_path_factory.mktemp("match720"),
        duration_s=10,
        size=(1280, 720),
        reference_size=(1920, 1080),
        kills=KILLS,
        deaths=DEATHS,
        allies=ALLIES,
    )


@pytest.fixture(scope="session")
def small_match(tmp_path_factory: pytest.TempPathFactory) -> SyntheticMatch:
    """A short 360p match for CLI and clip tests."""
    return make_match(
        tmp_path_factory.mktemp("small"),
        duration_s=6,
        size=(640, 360),
        kills=(1.0, 4.0),
        deaths=(2.0,),
        allies=(),
    )


@pytest.fixture(scope="session")
def profile720(match720: SyntheticMatch) -> Profile:
    return load_profile(match720.profile)


def interval(profile: Profile) -> float:
    """One sampling interval of a profile, in seconds."""
    return 1.0 / profile.sample_fps
