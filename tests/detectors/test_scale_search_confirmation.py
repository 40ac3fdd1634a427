"""A whole-frame search's finds wait for their confirmations together, for a few samples.

The indicator is the own-kill line of ``tests/detectors/hud.py`` (1080p reference), drawn by a HUD
at scale 0.8 in 720p video, so the search (not the reference's own place) has to find it. The
real clips showed both rules: on the Valorant clip in a 21:9 frame, the search's best find was a
second feed line that had just come in and flickered, and the first line it outscored was never
tried; the feed then went for three samples under the scoreboard between two sightings.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from detectors import detect, load_profile
from detectors.detect import CONFIRM_WINDOW, DISCOVER_EVERY, ScaleLock
from detectors.matching import Matcher
from detectors.synth import _background
from tests.detectors.hud import Screen, draw_line, render, sampled, write_match, write_reference

SIZE = (1280, 720)
HUD = Screen.full(SIZE, 0.8)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("confirm")


def _searched_lock(folder: Path) -> tuple[Matcher, ScaleLock]:
    matcher = Matcher(load_profile(write_reference(folder)).indicators[0], SIZE)
    lock = ScaleLock(matcher)
    lock.samples = DISCOVER_EVERY - 1  # the next sample is searched
    return matcher, lock


def _locked_on_hud(matcher: Matcher) -> bool:
    x, y, w, h = HUD.line_box()
    x0, y0, x1, y1 = matcher.geometry.region
    near_scale = abs(math.log(matcher.geometry.scale / HUD.hud_scale)) < math.log(1.15) / 2
    return matcher.locked and near_scale and x0 <= x and y0 <= y and x + w <= x1 and y + h <= y1


def test_a_find_outscored_by_a_lookalike_that_goes_is_locked_on(folder):
    scene = _background(SIZE, 0)
    feed = render(HUD, 0.5, own=[0.0], scene=scene)
    # On the searched sample only, the same line where a HUD at 0.9 would put its third line:
    # drawn exactly as the reference, it outscores the HUD's own line.
    passing = Screen.full(SIZE, 0.9).line_box(2)
    first = feed.copy()
    draw_line(first, passing, own=True)
    matcher, lock = _searched_lock(folder)
    best = matcher.discover(sampled(first))
    assert best is not None and abs(best[2][1] - passing[1]) < 4, best  # the look-alike wins
    for number, img in enumerate([first, feed, feed]):
        lock.step(sampled(img, number, number / 8), [])
    assert _locked_on_hud(matcher), matcher.geometry


def test_a_find_hidden_for_a_few_samples_between_sightings_is_locked_on(folder):
    scene = _background(SIZE, 0)
    feed = render(HUD, 0.5, own=[0.0], scene=scene)
    hidden = render(HUD, 0.5, scene=scene)  # a scoreboard over the feed, say
    shown = [True, False, False, False, True, True]
    assert len(shown) <= CONFIRM_WINDOW + 1
    matcher, lock = _searched_lock(folder)
    for number, on in enumerate(shown):
        lock.step(sampled(feed if on else hidden, number, number / 8), [])
    assert _locked_on_hud(matcher), matcher.geometry
    # Seen once only in as many samples: not locked (a look-alike passing by).
    matcher, lock = _searched_lock(folder)
    for number, on in enumerate([True] + [False] * CONFIRM_WINDOW + [True, True]):
        lock.step(sampled(feed if on else hidden, number, number / 8), [])
    assert not matcher.locked


def test_an_entry_on_screen_when_the_recording_starts_is_found(folder):
    # Shown from before the first frame until 0.6 s, in a stream inset: the first sample is
    # searched (the next search is DISCOVER_EVERY samples, a second, later).
    inset = Screen(SIZE, (160, 90, 960, 540))
    video = write_match(folder / "starts.mp4", inset, own=[-0.9], duration_s=3.0)
    events = detect(video, load_profile(write_reference(folder))).events
    assert [(e.kind, e.frame) for e in events] == [("kill", 0)]
