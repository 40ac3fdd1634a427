"""One 1080p reference screenshot; the HUD at other scales, aspect ratios and inset in a stream.

Detection searches the indicator's scale and place once per video (the profile's ``scale``
range, default [0.6, 1.4]) and then matches there; with the search off (``scale: [1, 1]``) the
same videos lose their kills, so the search is what finds them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import detect, load_profile
from tests.detectors.hud import Screen, write_match, write_reference

OWN = (1.0, 4.0)
OTHERS = (2.5,)
SCREENS = {
    "16:9, HUD scale 0.75": Screen.full((1280, 720), 0.75),
    "16:9, HUD scale 1.25": Screen.full((1280, 720), 1.25),
    "21:9": Screen.full((1680, 720)),
    "16:10": Screen.full((1152, 720)),
    "16:9 game inset in a stream overlay": Screen((1280, 720), (160, 90, 960, 540)),
}


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("hud")


@pytest.mark.parametrize("name", SCREENS)
def test_kills_are_found_at_their_frames_at_any_scale_and_layout(name, references):
    screen = SCREENS[name]
    video = write_match(references / f"{list(SCREENS).index(name)}.mp4", screen, OWN, OTHERS)
    result = detect(video, load_profile(write_reference(references)))
    assert [(e.kind, e.time_s) for e in result.events] == [("kill", t) for t in OWN]
    assert [e.frame for e in result.events] == [round(t * 30) for t in OWN]


def test_without_the_search_a_smaller_or_inset_hud_is_missed(references):
    profile = load_profile(write_reference(references, scale=[1, 1]))
    for name in ("16:9, HUD scale 0.75", "16:9 game inset in a stream overlay"):
        video = write_match(
            references / f"fixed-{list(SCREENS).index(name)}.mp4", SCREENS[name], OWN
        )
        assert detect(video, profile).events == [], name
