"""The whole-frame scale search does not lock on a look-alike the HUD could not be.

The indicator is the own-kill line of ``tests/detectors/hud.py`` (1080p reference, top-right
feed). Each video shows no real HUD entry, only the same line drawn somewhere a HUD at another
scale could not put it, or only for a moment: a find there is a look-alike (in real footage, a
sprite or a piece of scenery), and locking on it would report kills all through the video.
``test_scale_and_layout.py`` checks that a real HUD at another scale or place is still found.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from detectors import correlation, detect, load_profile, matching, scale_search
from detectors.detect import DISCOVER_EVERY
from detectors.synth import _background, frame_times, write_video
from tests.detectors.hud import Screen, draw_line, render, sampled, write_reference

SIZE = (1280, 720)
FPS = 30


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lookalikes")


def _video(path: Path, box: tuple[int, int, int, int], start_s: float, end_s: float) -> Path:
    """3 s of the scrolling scene with no feed, and the own-kill line at ``box`` meanwhile."""
    screen = Screen.full(SIZE)
    scene = _background(SIZE, 3)
    rng = np.random.default_rng(5)
    noise = rng.integers(0, 12, size=(SIZE[1], SIZE[0], 3), dtype=np.uint8)

    def draw(t: float) -> np.ndarray:
        img = render(screen, t, scene=scene, noise=noise)
        if start_s <= t < end_s:
            draw_line(img, box, own=True)
        return img

    write_video(path, frame_times(3.0, FPS, False), SIZE, draw)
    return path


def test_a_lookalike_where_no_hud_can_be_is_not_locked_on(folder):
    # The line at HUD scale 0.75, but in the bottom-left corner: a HUD anchored anywhere on the
    # picture puts its top-right feed in the top half of the frame, right of the middle.
    x, y, w, h = Screen.full(SIZE, 0.75).line_box()
    video = _video(folder / "corner.mp4", (40, 560, w, h), 0.5, 2.5)
    result = detect(video, load_profile(write_reference(folder)))
    assert result.events == []


def test_a_lookalike_seen_on_two_samples_only_is_not_locked_on(folder):
    # Where a HUD at 0.75 shows the line, but only around the first whole-frame search (the
    # DISCOVER_EVERY-th sampled frame) and the one after it: a HUD entry stays longer.
    profile = load_profile(write_reference(folder))
    step = 1.0 / profile.sample_fps
    due = (DISCOVER_EVERY - 1) * step
    box = Screen.full(SIZE, 0.75).line_box()
    video = _video(folder / "brief.mp4", box, due - step / 2, due + 1.5 * step)
    assert detect(video, profile).events == []


def test_two_peaks_closer_than_stacked_entries_count_as_one_match():
    # A kill feed stacks its lines about 1.25 line heights apart; a periodic texture can peak
    # twice 0.65 heights apart (Halo's profile on the SF3 clip did, and counted a stacked kill).
    th, tw = 18, 42
    for offset, expected in ((round(0.65 * th), 1), (round(1.25 * th), 2)):
        scores = np.zeros((120, 200), np.float32)
        scores[40, 60] = 0.81
        scores[40 + offset, 60] = 0.77
        found = correlation.peaks(scores, (th, tw), 0.7, matching.MAX_MATCHES)
        assert len(found) == expected, (offset, found)


@pytest.mark.parametrize("hud_scale", [None, 1.15**0.5])
def test_a_search_tries_half_steps_only_around_scales_that_come_near(
    hud_scale, folder, monkeypatch
):
    # Each place the coarse pass finds is confirmed at its own scales; half a step either side
    # only where one of those comes within EXPAND_SLACK of the threshold. A rival's grey line
    # (the same luma, no red) is confirmed at its own scales only (it was up to six tries a
    # place); your line drawn halfway between two scales of the grid is still found at its size.
    screen = Screen.full(SIZE, hud_scale or 1.0)
    own, others = ([], [0.0]) if hud_scale is None else ([0.0], [])
    frame = sampled(render(screen, 0.5, own, others, scene=_background(SIZE, 0)))
    matcher = matching.Matcher(load_profile(write_reference(folder)).indicators[0], SIZE)
    places_seen: list[list[float]] = []
    tries: list[tuple[float, float]] = []
    places, best = scale_search._places, matching.Matcher._best

    def recording_places(*args, **kwargs):
        found = places(*args, **kwargs)
        places_seen.extend(list(scales) for scales, _where in found)
        return found

    def recording_best(self, frame, scale, region):
        found = best(self, frame, scale, region)
        tries.append((scale, -1.0 if found is None else found[0]))
        return found

    monkeypatch.setattr(scale_search, "_places", recording_places)
    monkeypatch.setattr(matching.Matcher, "_best", recording_best)
    found = matcher.discover(frame)
    assert places_seen
    near = matcher.indicator.threshold + scale_search.SEARCH_MARGIN - scale_search.EXPAND_SLACK
    own_scales = {round(s, 6) for scales in places_seen for s in scales}
    # The finds' last two tries are the quarter steps around the best one.
    searched = tries if found is None else tries[:-2]
    for scale, _score in searched:
        if round(scale, 6) not in own_scales:
            # A half step: only next to an own scale that came near.
            assert any(
                abs(math.log(scale / s)) <= 0.5 * math.log(scale_search.SCALE_STEP) + 1e-6
                and any(round(t, 6) == round(s, 6) and sc >= near for t, sc in searched)
                for s in own_scales
            ), (scale, tries)
    if hud_scale is None:
        assert found is None
        assert len(tries) <= len(own_scales), tries
    else:
        # Your line comes near at an own scale, so half a step either side of it is tried.
        assert any(round(scale, 6) not in own_scales for scale, _score in searched), tries
        assert found is not None
        score, scale, _box = found
        assert abs(math.log(scale / hud_scale)) < 0.5 * math.log(scale_search.SCALE_STEP), found
