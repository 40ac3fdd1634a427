"""The whole-frame scale search does not lock on a look-alike the HUD could not be.

The indicator is the own-kill line of ``tests/detectors/hud.py`` (1080p reference, top-right
feed). Each video shows no real HUD entry, only the same line drawn somewhere a HUD at another
scale could not put it, or only for a moment: a find there is a look-alike (in real footage, a
sprite or a piece of scenery), and locking on it would report kills all through the video.
``test_scale_and_layout.py`` checks that a real HUD at another scale or place is still found.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detectors import detect, load_profile, matching
from detectors.detect import DISCOVER_EVERY
from detectors.synth import _background, frame_times, write_video
from tests.detectors.hud import Screen, draw_line, render, write_reference

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
        found = matching._peaks(scores, (th, tw), 0.7, matching.MAX_MATCHES)
        assert len(found) == expected, (offset, found)
