"""Colour carries the meaning: your kills have a red outline, others' the same line in grey.

The grey has the red's luma, so matching on luma alone must report every line (the control);
matching in colour (the profile's default ``color: auto``) reports only your own.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from detectors import colour, correlation, detect, load_profile, matching
from detectors.colour import MIN_COLOR_HEIGHT
from detectors.matching import Matcher
from detectors.video import SampledReader, own_frame_index
from tests.detectors.hud import Screen, render, write_match, write_reference

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


def test_chroma_scored_at_its_own_resolution_agrees_with_the_work_size_score(feed, monkeypatch):
    # At 720p the line's 4:2:0 chroma has fewer rows than the work size: it is scored at its own
    # resolution (cheaper) and mapped onto the luma map, then again at the work size around the
    # best places; the scores and places stay the same.
    video, auto, _luma = feed
    indicator = load_profile(auto).indicators[0]
    index = own_frame_index(video)
    frames = [f for f in SampledReader(video, index, 4, chroma=True) if 0.6 <= f.time_s <= 7.5]
    size = (frames[0].luma.shape[1], frames[0].luma.shape[0])
    native, work = Matcher(indicator, size), Matcher(indicator, size)
    small = []
    spy = Matcher._small_chroma
    monkeypatch.setattr(
        Matcher, "_small_chroma", lambda self, *a: small.append(a[1]) or spy(self, *a)
    )
    assert native.color
    tall = native.geometry.templates[0].shape[0]
    default = colour.NATIVE_CHROMA_RATIO  # the module's own: the native path must run with it
    for frame in frames:
        a = native.scores(frame)
        monkeypatch.setattr("detectors.colour.NATIVE_CHROMA_RATIO", 0.0)
        b = work.scores(frame)
        monkeypatch.setattr("detectors.colour.NATIVE_CHROMA_RATIO", default)
        assert a.shape == b.shape
        assert abs(float(a.max()) - float(b.max())) <= 0.06, frame.time_s
        if b.max() >= 0.6:  # a line on screen: found at the same place, with the same score
            # (around the best places chroma is scored again at the work size)
            assert abs(float(a.max()) - float(b.max())) <= 0.002, frame.time_s
            ay, ax = np.unravel_index(a.argmax(), a.shape)
            by, bx = np.unravel_index(b.argmax(), b.shape)
            assert abs(int(ay) - int(by)) <= 1 and abs(int(ax) - int(bx)) <= 1, frame.time_s
    # The native path ran, with chroma templates shorter than the work size's.
    assert small and all(h < tall for _w, h in small)


def test_fast_normalised_correlation_gives_opencvs_scores():
    rng = np.random.default_rng(3)
    image = cv2.GaussianBlur(rng.integers(0, 256, (90, 160), dtype=np.uint8), (0, 0), 1.5)
    image[:, :40] = 90  # a flat area: OpenCV's scores there are rounding noise; ours are 0
    for th, tw in ((8, 8), (12, 48), (24, 70)):
        tpl = np.ascontiguousarray(image[30 : 30 + th, 60 : 60 + tw])
        ours = correlation.ncc(image, tpl)
        theirs = cv2.matchTemplate(image, tpl, cv2.TM_CCOEFF_NORMED)
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        textured = np.zeros(ours.shape, bool)
        textured[:, 40:] = True  # windows that start right of the flat area
        assert np.abs(ours - theirs)[textured].max() < 2e-3, (th, tw)
        assert ours[30, 60] > 0.999  # the template's own place
        if tw < 40:
            assert np.abs(ours[:, : 40 - tw]).max() < 1e-6  # wholly flat windows
    assert np.all(correlation.ncc(image, np.full((8, 8), 50, np.uint8)) == 0.0)  # flat template


def _i420_frame(bgr: np.ndarray) -> SimpleNamespace:
    """A frame as the reader hands it: the luma plane and half-size U and V (4:2:0)."""
    h, w = bgr.shape[:2]
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
    planes = [yuv[h : h + h // 4], yuv[h + h // 4 :]]
    chroma = tuple(np.ascontiguousarray(p.reshape(h // 2, w // 2)) for p in planes)
    return SimpleNamespace(luma=np.ascontiguousarray(yuv[:h]), chroma=chroma)


def test_a_crowded_large_region_scores_at_full_size_only_lines_that_may_match_in_colour(
    tmp_path, monkeypatch
):
    # Five other players' grey lines and your red one in a large search region: in luma all six
    # are candidates; with colour in the candidate pass only yours is scored at full size.
    screen = Screen.full((1280, 720))
    frame = _i420_frame(render(screen, 0.55, own=[0.5], others=[0.0, 0.1, 0.2, 0.3, 0.4]))
    w, h = screen.size
    indicator = load_profile(write_reference(tmp_path, search=[0, 0, 1920, 540])).indicators[0]
    windows = []
    scores = Matcher.scores

    def counting(self, frame, geometry=None, floor=None, window=None):
        if window is not None:
            windows.append(window)
        return scores(self, frame, geometry, floor, window)

    monkeypatch.setattr(Matcher, "scores", counting)
    matcher = Matcher(indicator, (w, h))
    assert matcher.color and matcher.geometry.work_size[0] * matcher.geometry.work_size[1] >= (
        matching.LARGE_REGION
    )
    found = matcher.find(frame)
    assert len(found) == 1
    x, y, _bw, _bh = matcher.box_of(found[0])
    ox, oy, _ow, _oh = screen.line_box(5)  # yours came last: the sixth line
    assert abs(x - ox) <= 3 and abs(y - oy) <= 3
    assert 1 <= len(windows) <= 2, windows
    # The control: without colour in the candidate pass, every line is scored at full size.
    windows.clear()
    monkeypatch.setattr(matching, "CROWDED", 99)
    assert len(Matcher(indicator, (w, h)).find(frame)) == 1
    assert len(windows) >= 6, windows


def test_colour_at_the_candidates_is_the_chroma_map_read_there(tmp_path):
    # The crowded candidate pass scores chroma only at its candidates: the same numbers as the
    # whole map (``correlation.chroma_score`` over the region at the candidate pass's size) read
    # there, the best within a pixel (the candidates come from the luma pass's smaller grid).
    screen = Screen.full((1280, 720))
    frame = _i420_frame(render(screen, 0.55, own=[0.5], others=[0.0, 0.1, 0.2]))
    chroma = frame.chroma
    w, h = screen.size
    indicator = load_profile(write_reference(tmp_path, search=[0, 0, 1920, 540])).indicators[0]
    matcher = Matcher(indicator, (w, h))
    size = (200, 90)
    templates = matcher._small_template(chroma=True)
    region = correlation.chroma_region(matcher.geometry.region, frame.luma.shape, chroma[0].shape)
    total, weight = 0.0, 0.0
    for plane, tpl in zip(chroma, templates, strict=True):
        t_std = float(tpl.std())
        small = matching.region_at(plane, region, size)
        total = total + t_std * correlation.chroma_score(small, tpl, t_std)
        weight += t_std
    expected = cv2.dilate(total / weight, np.ones((3, 3), np.uint8))  # the best within a pixel
    rng = np.random.default_rng(0)
    ys = rng.integers(0, expected.shape[0], 40)
    xs = rng.integers(0, expected.shape[1], 40)
    places = [matching.Match(0.0, int(x), int(y)) for x, y in zip(xs, ys, strict=True)]
    got = matcher._small_chroma_at(frame, size, places)
    assert got is not None
    want = [float(expected[p.y, p.x]) for p in places]
    assert np.allclose(got, want, atol=2e-3), np.abs(np.array(got) - want).max()
    assert max(want) - min(want) > 0.3  # places that differ, not one flat value


def _kills(video: Path, profile: Path) -> list[float]:
    return [e.time_s for e in detect(video, load_profile(profile)).events]


def test_a_filled_colour_line_is_matched_in_colour_under_the_outline_size(tmp_path):
    # Valorant-style lines (yours a teal bar, others a grey bar of the same luma) at 360p: the
    # line is 13 px tall, under the size where a thin outline's colour holds, but a bar's colour
    # fills whole chroma pixels, so ``auto`` matches in colour and reports only your kills.
    screen = Screen.full((640, 360), filled=True)
    video = write_match(tmp_path / "bars.mp4", screen, OWN, OTHERS, duration_s=8)
    auto = write_reference(tmp_path, filled=True)
    assert screen.line_box()[3] < MIN_COLOR_HEIGHT
    assert Matcher(load_profile(auto).indicators[0], screen.size).color
    assert _kills(video, auto) == list(OWN)
    # The control: luma alone reports every line.
    assert _kills(video, write_reference(tmp_path, filled=True, color=False)) == sorted(
        OWN + OTHERS
    )


@pytest.mark.parametrize(
    ("filled", "size"),
    [(False, (854, 480)), (True, (426, 240))],
    ids=["thin outline at 480p", "colour bar at 240p"],
)
def test_colour_is_left_off_where_it_would_lose_your_kills(tmp_path, filled, size):
    # A thin outline at 480p (4:2:0 mixes it with the scene), and a bar at 240p (its text and
    # icons blur away): in colour your kills are lost (the control), so ``auto`` stays on luma
    # and finds every one of them (others' lines too: luma cannot tell them apart).
    screen = Screen.full(size, filled=filled)
    video = write_match(tmp_path / "feed.mp4", screen, OWN, OTHERS, duration_s=8)
    auto = write_reference(tmp_path, filled=filled)
    assert not Matcher(load_profile(auto).indicators[0], size).color
    assert set(OWN) <= set(_kills(video, auto))
    assert not set(OWN) <= set(_kills(video, write_reference(tmp_path, filled=filled, color=True)))


def _line_frame(video: Path, auto: Path, luma: Path) -> tuple[object, Matcher, Matcher, tuple]:
    """A frame with your own line on screen, colour and luma-only matchers, the line's cell."""
    index = own_frame_index(video)
    frame = next(f for f in SampledReader(video, index, 4, chroma=True) if f.time_s >= 1.2)
    size = (frame.luma.shape[1], frame.luma.shape[0])
    colour = Matcher(load_profile(auto).indicators[0], size)
    plain = Matcher(load_profile(luma).indicators[0], size)
    assert colour.color and not plain.color
    assert colour.geometry.region == plain.geometry.region
    full = colour.scores(frame)
    cell = np.unravel_index(full.argmax(), full.shape)
    assert full[cell] >= 0.9
    return frame, colour, plain, cell


def _altered(frame, box: tuple[int, int, int, int], mirrored: float, hue: float) -> object:
    """``frame`` with the box's luma blended with its mirror image (``mirrored`` of it) and its
    chroma's contrast scaled by ``hue``."""
    x, y, w, h = box
    luma = frame.luma.astype(np.float32)
    window = luma[y : y + h, x : x + w].copy()
    luma[y : y + h, x : x + w] = (1 - mirrored) * window + mirrored * window[:, ::-1]
    chroma = []
    for plane in frame.chroma:
        plane = plane.astype(np.float32)
        part = (slice(y // 2, (y + h) // 2 + 1), slice(x // 2, (x + w) // 2 + 1))
        plane[part] = 128 + (plane[part] - 128) * hue
        chroma.append(plane.astype(np.uint8))
    return SimpleNamespace(luma=luma.astype(np.uint8), chroma=tuple(chroma), time_s=frame.time_s)


def test_under_the_threshold_colour_does_not_make_up_for_a_shape_that_does_not_match(feed):
    # A verifier's candidates are proposed under the threshold (0.55 for 0.7). Colour may make
    # up for a line's faded colour or worn text, but a place whose luma (the text, the layout)
    # matches worse than a match at the threshold needs with perfect colour (0.4) is not one,
    # however well its colour matches: a mirrored line in your colours reads 0.58 in all.
    video, auto, luma = feed
    frame, colour, plain, cell = _line_frame(video, auto, luma)
    box = colour.box_of(matching.Match(1.0, int(cell[1]), int(cell[0])))
    mirrored = _altered(frame, box, 1.0, 1.0)
    exact = colour.scores(mirrored)[cell]  # no floor: exact everywhere
    assert plain.scores(mirrored)[cell] < 0.4 and 0.55 <= exact < 0.7, exact
    assert colour.scores(mirrored, floor=0.55).max() < 0.55
    assert not colour.find(mirrored, 0.55)
    # A line whose text matches well enough (0.5) and whose colour has faded is a candidate,
    # at its exact score.
    faded = _altered(frame, box, 0.75, 0.3)
    exact = colour.scores(faded)[cell]
    assert plain.scores(faded)[cell] >= 0.45 and 0.55 <= exact < 0.7, exact
    assert colour.scores(faded, floor=0.55)[cell] == pytest.approx(exact, abs=1e-6)
    (found,) = colour.find(faded, 0.55)
    assert 0.55 <= found.score < 0.7
    assert abs(found.x - int(cell[1])) <= 2 and abs(found.y - int(cell[0])) <= 2
