"""One 1080p reference screenshot; the HUD at other scales, aspect ratios and inset in a stream.

Detection searches the indicator's scale and place once per video (the profile's ``scale``
range, default [0.6, 1.4]) and then matches there; with the search off (``scale: [1, 1]``) the
same videos lose their kills, so the search is what finds them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detectors import detect, load_profile
from detectors.matching import Matcher
from detectors.verifier_synth import make_confuser_match
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


@pytest.mark.parametrize("hud_scale", [0.75, 1.25])
def test_a_hud_drawn_at_another_size_over_a_busy_scene_is_found_from_the_first_kill(
    hud_scale, tmp_path
):
    # The confuser footage: the feed's text drawn at the HUD's own size (not the screenshot
    # resized), over a scrolling scene, with other players' lines between your kills. At 720p a
    # 0.75 line is 24 px tall; the whole-frame search's smallest templates then fit scene
    # texture about as well as the line, and the first kill is on screen before any search
    # finds the feed.
    match = make_confuser_match(
        tmp_path, kills=(2.0, 6.0, 10.0), rivals=(4.0, 8.0), duration_s=12,
        hud_scale=hud_scale, seed=1,
    )  # fmt: skip
    events = detect(match.video, load_profile(match.profile)).events
    assert [(e.kind, e.frame) for e in events] == [("kill", k.frame) for k in match.kills]


@pytest.mark.parametrize("hud_scale", [1.15**-2, 1.15**-1])
def test_a_hud_that_appears_late_is_found_while_searches_alternate_half_the_scales(
    hud_scale, tmp_path, monkeypatch
):
    # 17 s without the feed: after two searches find nothing, each search tries every other
    # scale of the grid, alternating. Both grid scales the HUD is drawn at are left out of one
    # half; the first kill is still reported at its own frame, whichever half comes first.
    halves: dict[int, list[int | None]] = {}  # by indicator
    finds = Matcher.finds

    def recording(self, frame, half=None):
        halves.setdefault(id(self), []).append(half)
        return finds(self, frame, half)

    monkeypatch.setattr(Matcher, "finds", recording)
    match = make_confuser_match(
        tmp_path, kills=(17.0, 20.0), rivals=(18.5,), duration_s=21, hud_scale=hud_scale, seed=2
    )
    events = detect(match.video, load_profile(match.profile)).events
    assert [(e.kind, e.frame) for e in events] == [("kill", k.frame) for k in match.kills]
    assert halves
    for searches in halves.values():
        # The first sample's search, then two that find nothing, then halves alternating.
        assert searches[:3] == [None, None, None] and len(searches) >= 6, searches
        assert searches[3:] == [k % 2 for k in range(len(searches) - 3)], searches
