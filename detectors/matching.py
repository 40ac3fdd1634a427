"""Finding an indicator in a frame: scaled, cropped, downscaled template matching.

The template is cut from the reference screenshot and scaled to the video by its height. Matching
runs on a search region only, downscaled so the template is about ``WORK_HEIGHT`` pixels tall:
small enough to be cheap, big enough to read a kill-feed line.

* Luma: normalised cross-correlation (``TM_CCOEFF_NORMED``'s scores, computed faster: see
  ``_ncc``) ignores brightness and contrast shifts.
* Colour, for indicators whose colour carries meaning (your own kill-feed line has a red
  outline, another player's the same text in grey): the two chroma planes the decoder already
  gives at half size are correlated too, and the score is the mean of the luma score and the
  chroma score. The chroma score is normalised with a floor on the frame's own chroma contrast,
  so a grey line (flat chroma, where plain normalised correlation amplifies codec noise) scores
  about 0. Chroma is scored at the chroma planes' own resolution where the work size would
  upsample them (see ``Matcher._chroma_map``). Whether an indicator is a colour one is the
  profile's ``color`` (default ``"auto"``: yes when a good share of the box's pixels is clearly
  coloured and the box is at least ``MIN_COLOR_HEIGHT`` px tall in the video: smaller, 4:2:0
  subsampling and the codec smear a thin outline's colour into its surroundings and colour would
  lose true matches; under it only solid colour, such as a filled colour bar, is matched in
  colour, and only where the reference at the video's size still scores in colour: see
  ``uses_color``).
* Scale and place: HUD-scale settings, other aspect ratios and stream insets make the HUD
  smaller, larger or elsewhere. Until an indicator is *locked*, it is matched where and at the
  size the reference says, and now and then (:meth:`Matcher.discover`) searched over the frame
  at every scale in the profile's ``scale`` range, coarse first and then confirmed at the work
  size. At each scale only where a HUD of that size can be is searched (``Matcher._plausible``:
  between anchored top-left and bottom-right on a picture that fills the frame or
  is inset in it). The first confirmed find fixes the scale and moves the search region there
  for the rest of the video.
* Frames are cut and downscaled through :mod:`detectors.downscale` (a pyramid of exact halvings
  shared by every indicator), so many large regions cost little more than one.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace

import cv2
import numpy as np

from detectors.downscale import factor_level, region_at, snap
from detectors.profile import Indicator, ProfileError
from detectors.video import SampledFrame

# Template height (px) matching works at; larger templates are downscaled to it.
WORK_HEIGHT = 24
# Template height (px, at least) of the coarse whole-frame search that discovers the scale: at
# each scale the frame is downscaled so the template is this tall (see _coarse_templates).
COARSE_HEIGHT = 10
# Scales searched are this factor apart; a find is then refined at +-half a step.
SCALE_STEP = 1.15
# A coarse candidate needs this much less than the threshold (it is confirmed at work size).
COARSE_SLACK = 0.2
# The coarse search keeps this many candidates per scale. Per scale, not overall: a template
# only a few coarse pixels tall matches scene texture about as well as the HUD does, so the best
# few overall can all come from the smallest scales and hide a true find at another one.
COARSE_CANDIDATES = 1
# ...and this many places (candidates grouped by place, see _places) are confirmed at work size,
# each at its best PLACE_SCALES scales and half a step either side.
COARSE_PLACES = 3
PLACE_SCALES = 2
# ...but half a step either side only of those scales that confirm within this much of the
# threshold. Logged on 138 searches (generated feeds at 0.85x and 1.2x, the real clips with the
# bench's profiles): every true find's place scored at least 0.62 at one of its own scales
# (threshold 0.75), while 235 of 270 places scored under 0.5 there; 58 % fewer confirmations.
EXPAND_SLACK = 0.25
# The whole-frame search skips scales at which the template is shorter than this (px in the
# video): tiny templates match anything.
MIN_SEARCH_HEIGHT = 12
# A find by the whole-frame search must beat the threshold by this much (it meets more
# look-alikes than the search region does).
SEARCH_MARGIN = 0.05
# The whole-frame search looks only where the HUD can be (see Matcher._plausible), with this
# share of the frame's size to spare.
PLAUSIBLE_SLACK = 0.05
# Default search region: the box grown by this many box heights up/down and widths left/right,
# because kill-feed lines move as entries stack.
MARGIN_H = 4.0
MARGIN_W = 0.15
# ...but never by more than this fraction of the screenshot's size.
MARGIN_CAP = 0.15
# A search region larger than this (work px) is searched coarse-to-fine (see Matcher.find)...
LARGE_REGION = 25_000
# ...its candidates found in luma with the template this tall (px, at most half the work
# size's; 8 instead of 10 is 36 % fewer pixels: on the bench's large profile, 30 s low-motion
# 1080p60, matching 0.68-0.79 -> 0.56-0.58 CPU s with the same events on every detection test)...
FIND_COARSE_HEIGHT_LUMA = 8
# ...and a colour indicator's candidates, when crowded, read in chroma with templates this tall
# (the chroma planes are half the luma's size: at 8 px a kill line's outline blurs away and
# every place scores about 0 in chroma).
FIND_COARSE_HEIGHT = 10
# ...in luma, and for colour indicators, when there are more than this many, in colour too.
CROWDED = 3
# Blur (work pixels) applied to template and frame alike before matching.
SOFTEN_SIGMA = 1.0
# ...which reaches this far (work px): a window of a region is softened with this much around it.
SOFTEN_PAD = 4
# Templates of this many sizes are kept per indicator (the scale search uses a few dozen).
KEPT_TEMPLATES = 64
# Up to this many separate matches are counted (stacked kill-feed entries)...
MAX_MATCHES = 6
# ...that are apart by more than this share of the template's height (or width). Stacked
# entries do not overlap (a kill feed's line pitch is about 1.25 line heights); one look-alike
# in a periodic texture peaked twice 0.6 heights apart (Halo's profile on the SF3 clip) and
# counted as a second, stacked kill.
DISTINCT = 0.8
# One screenshot of an indicator (no own pixels): a match is ruled out where the frame is blank
# in half or more of the parts of the box where the template has marks (see _blank_part). The
# box is cut into about square parts, at most this many a side...
PARTS_MAX = 4
# ...those with at least this share of the template's contrast carry structure (a box with
# fewer than MIN_PARTS of those is not judged)...
PART_STRUCTURE = 0.3
MIN_PARTS = 3
# ...and the frame's contrast there, relative to its whole window, must be at least this share
# of the template's. Logged on `python -m detectors.benchmarks`' matches at or over the
# threshold that are judged (one screenshot, 3 parts or more): the Valorant folds' 48 windows
# 0.45 at the least, the Halo medal's 18 0.65, the synthetic set's 121 0.79, none with a blank
# part; the built-in Shooter profile's false kill on testsrc2 at 640x360: 0.0 in 2 of 4 parts.
PART_CONTRAST = 0.25
# Colour: a pixel is clearly coloured when a chroma component is this far from grey (of 255)...
SATURATED = 24
# ...and an indicator is a colour one ("auto") when this share of its box's pixels is.
COLOR_SHARE = 0.04
# ...and its box is at least this tall in the video (px), or its colour is solid (below).
MIN_COLOR_HEIGHT = 24
# Solid colour: at least this share of the box, at the video's chroma resolution (4:2:0: half
# the box's size there), is coloured 3x3 chroma pixels around (a filled colour bar; a thin
# outline is not: 4:2:0 and the codec mix it with what lies either side)...
SOLID_COLOR_SHARE = 0.15
# ...and the reference itself, brought to the video's size through 4:2:0, still scores this much
# over the threshold in colour at its own box (a bar's text and icons, which carry its chroma
# pattern, blur away in very small videos).
SMALL_COLOR_MARGIN = 0.05
# Weight of the luma score in a colour indicator's score (the rest is chroma).
LUMA_WEIGHT = 0.5
# A frame's chroma contrast counts as at least this fraction of the template's (see above).
CHROMA_FLOOR = 0.5
# Chroma is scored at the chroma planes' own resolution when the work size is more than this
# factor finer than them (see Matcher._chroma_map); at or under it, at the work size.
NATIVE_CHROMA_RATIO = 0.9
# ...and then scored again at the work size around the best places (up to MAX_MATCHES) within
# this much of the threshold (or a higher floor), this many work px either side of each.
REFINE_MARGIN = 0.06
REFINE_PX = 1
# A chroma plane of the template flatter than this (std, of 255) carries no colour to match.
CHROMA_MIN_STD = 1.0
# A box may cover at most this share of its screenshot's area: an indicator is a HUD element,
# and a box around (nearly) the whole screenshot matches the scene, not a sign of a kill. The
# largest boxes known (measured): the arena's banner, 4.5 % of its 256x224 frame; the synthetic
# feeds' death banner 1.9 %; the benchmarks' references 0.03-0.32 %. The editor warns from a
# quarter (profile_editor.js's LARGE_BOX_SHARE).
MAX_BOX_SHARE = 0.5


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Match:
    """One place where the indicator was found: its score and top-left corner in work pixels."""

    score: float
    x: int
    y: int


@dataclass(frozen=True)
class _Geometry:
    """Where and at what size an indicator is matched in one video."""

    scale: float  # HUD size relative to the reference's scaled to the video's height
    region: tuple[int, int, int, int]  # x0, y0, x1, y1 in video pixels
    work_size: tuple[int, int]  # the region's size after downscaling
    templates: tuple[np.ndarray, ...]  # softened luma, then chroma U, V for colour indicators


def uses_color(indicator: Indicator, height_scale: float | None = None) -> bool:
    """Whether the indicator is matched in colour (the profile's ``color``, or decided here).

    Args:
        indicator: The indicator.
        height_scale: Video height / reference height; None: whether it may be, in some video.
    """
    if indicator.color is True or indicator.color is False:
        return indicator.color
    if not _looks_coloured(indicator):
        return False
    if height_scale is None or indicator.box[3] * height_scale >= MIN_COLOR_HEIGHT:
        return True
    if solid_color_share(indicator, height_scale) < SOLID_COLOR_SHARE:
        return False
    return own_color_score(indicator, height_scale) >= indicator.threshold + SMALL_COLOR_MARGIN


def check_indicators(indicators: tuple[Indicator, ...] | list[Indicator]) -> None:
    """Refuses an indicator detection could not match, as a :class:`Matcher` for a video of its
    screenshot's own size would (a box of flat colour).

    A box over ``MAX_BOX_SHARE`` of its screenshot is refused too: detection would match it, but
    what it matches is the whole scene.

    Raises:
        ProfileError: naming the indicator and what to do.
    """
    for indicator in indicators:
        _check_box_share(indicator)
        Matcher(indicator, indicator.reference_size)


def _check_box_share(indicator: Indicator) -> None:
    _, _, bw, bh = indicator.box
    ref_w, ref_h = indicator.reference_size
    share = bw * bh / (ref_w * ref_h)
    if share > MAX_BOX_SHARE:
        raise ProfileError(
            f"the {indicator.kind} box {list(indicator.box)} in {indicator.reference} covers "
            f"{round(100 * share)} % of the screenshot ({ref_w}x{ref_h}): a box over half of it "
            "matches the whole scene; draw it around the indicator alone (a kill-feed line, a "
            "banner)"
        )


def _coloured(bgr: np.ndarray) -> np.ndarray:
    """Which pixels of a BGR image are clearly coloured (a chroma component far from grey)."""
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
    return np.abs(yuv[..., 1:].astype(np.int16) - 128).max(axis=2) >= SATURATED


def _looks_coloured(indicator: Indicator) -> bool:
    """A good share of the box's pixels is clearly coloured (a red outline, a yellow medal)."""
    if indicator.image_bgr is None:
        return False
    bx, by, bw, bh = indicator.box
    return float(_coloured(indicator.image_bgr[by : by + bh, bx : bx + bw]).mean()) >= COLOR_SHARE


def solid_color_share(indicator: Indicator, height_scale: float) -> float:
    """The share of the box coloured in whole chroma pixels of a video ``height_scale`` as tall.

    The box is scaled to the video's chroma planes (half its size there), and a pixel counts
    where it and its 8 neighbours are clearly coloured: a colour bar keeps most of its area, a
    1-3 px outline none (measured on the test feed's red outline: 0 from 720p down, where colour
    lost true kills from 480p down; Valorant's teal kill line at 360p: 0.23).
    """
    if indicator.image_bgr is None:
        return 0.0
    bx, by, bw, bh = indicator.box
    size = (max(1, round(bw * height_scale / 2)), max(1, round(bh * height_scale / 2)))
    crop = indicator.image_bgr[by : by + bh, bx : bx + bw]
    mask = _coloured(cv2.resize(crop, size, interpolation=cv2.INTER_AREA)).astype(np.uint8)
    solid = cv2.erode(mask, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
    return float(solid.mean())


def own_color_score(indicator: Indicator, height_scale: float) -> float:
    """The colour score of the reference at its own box, in a video ``height_scale`` as tall.

    The reference screenshot is scaled to that size and its chroma halved (4:2:0), as a
    decoder would give it, and matched in colour at the reference's place and scale.
    """
    if indicator.image_bgr is None:
        return 0.0
    ref_w, ref_h = indicator.reference_size
    size = tuple(max(2, round(n * height_scale / 2) * 2) for n in (ref_w, ref_h))
    yuv = cv2.cvtColor(
        cv2.resize(indicator.image_bgr, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV
    )
    half = (size[0] // 2, size[1] // 2)
    chroma = tuple(cv2.resize(yuv[..., c], half, interpolation=cv2.INTER_AREA) for c in (1, 2))
    frame = SampledFrame(0, 0.0, np.ascontiguousarray(yuv[..., 0]), chroma)
    matcher = Matcher(replace(indicator, color=True, scale=(1.0, 1.0), search=None), size)
    return float(matcher.scores(frame).max())


class Matcher:
    """An indicator prepared for one video size.

    Args:
        indicator: The indicator from a profile.
        video_size: (width, height) of the video's frames.

    Raises:
        ProfileError: if the indicator's box is a flat colour (nothing to match) or too small.
    """

    def __init__(self, indicator: Indicator, video_size: tuple[int, int]) -> None:
        self.indicator = indicator
        self.video_size = video_size
        ref_w, ref_h = indicator.reference_size
        vid_w, vid_h = video_size
        # The HUD is scaled by the video's height: a 21:9 or 16:10 frame adds or removes width.
        self.base = vid_h / ref_h
        self.color = uses_color(indicator, self.base)
        bx, by, bw, bh = indicator.box
        crop = indicator.image[by : by + bh, bx : bx + bw]
        self._planes = [crop]
        if self.color:
            bgr = indicator.image_bgr[by : by + bh, bx : bx + bw]
            yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV)
            self._planes += [yuv[..., 1].copy(), yuv[..., 2].copy()]
        # Templates by size (the scale search asks for the same few sizes on every search).
        self._templates: dict[tuple[int, int], tuple[np.ndarray, ...]] = {}
        self._masks: dict[tuple[int, int], np.ndarray] = {}
        self._spreads: dict[tuple[int, int], list[tuple[tuple[slice, slice], float]]] = {}
        self._chroma_templates: dict[tuple[int, ...], tuple[np.ndarray, ...]] = {}
        low, high = indicator.scale
        self.searching = (low, high) != (1.0, 1.0)
        start = min(max(1.0, low), high)
        # Where the reference says: the search region keeps its place relative to the frame.
        sx, sy = vid_w / ref_w, vid_h / ref_h
        rx, ry, rw, rh = self._search_rect()
        region = (rx * sx, ry * sy, (rx + rw) * sx, (ry + rh) * sy)
        self.geometry = self._geometry(start, region)
        if float(self.geometry.templates[0].std()) < 2.0:
            raise ProfileError(
                f"the {indicator.kind} box {list(indicator.box)} in {indicator.reference} "
                "is a flat colour: draw it around the indicator's text or shape"
            )
        self.locked = not self.searching
        self._coarse: list[tuple[float, float, np.ndarray]] | None = None
        self._small: tuple[_Geometry, tuple[np.ndarray, ...]] | None = None

    # -- geometry ------------------------------------------------------------------------------

    def _search_rect(self) -> tuple[float, float, float, float]:
        """The search region in reference pixels (the profile's, or the box with margins)."""
        ind = self.indicator
        if ind.search is not None:
            return tuple(float(v) for v in ind.search)  # type: ignore[return-value]
        ref_w, ref_h = ind.reference_size
        bx, by, bw, bh = ind.box
        # Capped: a big banner does not move the way a small kill-feed line does, and a
        # larger region only costs time.
        mx = min(bw * MARGIN_W, ref_w * MARGIN_CAP)
        my = min(bh * MARGIN_H, ref_h * MARGIN_CAP)
        return bx - mx, by - my, bw + 2 * mx, bh + 2 * my

    def _geometry(self, scale: float, region: tuple[float, float, float, float]) -> _Geometry:
        """Templates at ``scale`` (of the base size) and the region (video px, clipped)."""
        _bx, _by, bw, bh = self.indicator.box
        size = self.base * scale
        factor = min(1.0, WORK_HEIGHT / max(bh * size, 1.0))
        tw = max(4, round(bw * size * factor))
        th = max(4, round(bh * size * factor))
        vid_w, vid_h = self.video_size
        x0, y0 = max(0, int(region[0])), max(0, int(region[1]))
        x1 = min(vid_w, max(x0 + 1, math.ceil(region[2])))
        y1 = min(vid_h, max(y0 + 1, math.ceil(region[3])))
        # On the grid of the frame's downscaled copy it is cut from (see detectors.downscale);
        # a large region's coarse pass (half the work size) is cut from the next one.
        large = (x1 - x0) * (y1 - y0) * factor * factor >= LARGE_REGION
        level = factor_level(factor / 2 if large else factor)
        x0, y0, x1, y1 = snap((x0, y0, x1, y1), level, self.video_size)
        templates = self._templates.get((tw, th))
        if templates is None:
            if len(self._templates) >= KEPT_TEMPLATES:
                self._templates.clear()
                self._masks.clear()
                self._spreads.clear()
            templates = tuple(
                _soften(cv2.resize(p, (tw, th), interpolation=cv2.INTER_AREA)) for p in self._planes
            )
            self._templates[(tw, th)] = templates
        # The downscaled region must hold the template at least once.
        work = (max(tw, round((x1 - x0) * factor)), max(th, round((y1 - y0) * factor)))
        return _Geometry(scale, (x0, y0, x1, y1), work, templates)

    def _lock(self, scale: float, box: Box) -> None:
        """Fixes the scale; the search region moves with the box found (video px)."""
        ind = self.indicator
        bx, by, _bw, _bh = ind.box
        rx, ry, rw, rh = self._search_rect()
        size = self.base * scale
        x, y = box[0] + (rx - bx) * size, box[1] + (ry - by) * size
        self.geometry = self._geometry(scale, (x, y, x + rw * size, y + rh * size))
        self.locked = True

    def lock_here(self) -> None:
        """Keeps the geometry the reference gives (it matched; the search found nothing better)."""
        self.locked = True

    # -- matching ------------------------------------------------------------------------------

    def scores(
        self,
        frame: object,
        geometry: _Geometry | None = None,
        floor: float | None = None,
        window: tuple[slice, slice] | None = None,
    ) -> np.ndarray:
        """The score map of the template over the search region of one frame.

        ``frame`` has ``luma`` (and ``chroma``, the U and V planes, for colour indicators).
        With ``floor``, only scores that can reach it are exact: chroma is scored only around
        places whose luma score is high enough for the mean to reach ``floor`` (elsewhere the
        map holds a value below ``floor``). That makes large search regions cheap in colour.
        A ``floor`` under the indicator's threshold (a verifier's candidates) lowers the bar for
        the mean, not for luma: a place counts only where its luma score is as high as a match
        at the threshold needs with perfect colour (0.4 for 0.7). Colour can make up for what
        compression or a faded overlay took from a line, not for a shape that does not match;
        and chroma over a search region is then scored where it is without a verifier (luma
        at 0.1 would take most of the region: the verifier's whole cost, measured).
        With ``window`` (rows, columns of the region in work pixels), only that part is scored.
        """
        geo = geometry or self.geometry
        luma = frame.luma  # type: ignore[attr-defined]
        roi = _work_roi(luma, geo.region, geo.work_size, window)
        result = _ncc(roi, geo.templates[0])
        if not self.color:
            return result
        chroma = _chroma_planes(frame)
        cx0, cy0, cx1, cy1 = _chroma_region(geo.region, luma.shape, chroma[0].shape)
        rows, cols = slice(0, result.shape[0]), slice(0, result.shape[1])
        luma_low = None
        if floor is not None:
            # Where even a perfect chroma score leaves the mean under the indicator's threshold
            # (or a higher ``floor``), skip chroma: under the threshold (a verifier's
            # candidates), colour may make up for what compression took, not for a shape that
            # does not match (see the docstring).
            mean_bar = max(floor, self.indicator.threshold)
            luma_low = result < (mean_bar - (1.0 - LUMA_WEIGHT)) / LUMA_WEIGHT
            if luma_low.all():
                return LUMA_WEIGHT * result - (1.0 - LUMA_WEIGHT)
            ys, xs = np.nonzero(~luma_low)
            rows, cols = slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1)
        th, tw = geo.templates[0].shape
        top, left = (0, 0) if window is None else (window[0].start, window[1].start)
        region = (cx0, cy0, cx1, cy1)

        def chroma_over(cells: tuple[slice, slice], native: bool) -> np.ndarray | None:
            part = (slice(top + cells[0].start, top + cells[0].stop + th - 1),
                    slice(left + cells[1].start, left + cells[1].stop + tw - 1))  # fmt: skip
            return self._chroma_map(chroma, region, geo, part, cells, native)

        chroma_map = chroma_over((rows, cols), True)
        if chroma_map is None:
            return result
        combined = LUMA_WEIGHT * result - (1.0 - LUMA_WEIGHT)
        combined[rows, cols] = LUMA_WEIGHT * result[rows, cols] + (1.0 - LUMA_WEIGHT) * chroma_map
        if self._native_chroma(geo, region):
            # Scored at the chroma planes' resolution, a peak reads a little low (0.90 against
            # 0.95 on the colour test feed): around the best places that may reach the
            # indicator's threshold, chroma is scored again at the work size, so the scores that
            # decide are the exact ones. (Not around every place a lower ``floor`` asks for: a
            # verifier's candidates then read a little low, and the verifier decides on them.)
            bar = (
                self.indicator.threshold if floor is None else max(floor, self.indicator.threshold)
            )
            bar -= REFINE_MARGIN
            for peak in _peaks(combined.copy(), (th, tw), bar, MAX_MATCHES):
                cells = (slice(max(0, peak.y - REFINE_PX), peak.y + REFINE_PX + 1),
                         slice(max(0, peak.x - REFINE_PX), peak.x + REFINE_PX + 1))  # fmt: skip
                cells = tuple(  # type: ignore[assignment]
                    slice(c.start, min(c.stop, n)) for c, n in zip(cells, result.shape, strict=True)
                )
                exact = chroma_over(cells, False)
                if exact is not None:
                    combined[cells] = LUMA_WEIGHT * result[cells] + (1.0 - LUMA_WEIGHT) * exact
        if luma_low is not None:
            combined[luma_low] = LUMA_WEIGHT * result[luma_low] - (1.0 - LUMA_WEIGHT)
        return combined

    def _native_chroma(self, geo: _Geometry, region: tuple[int, int, int, int]) -> bool:
        """Whether chroma over ``region`` (chroma px) is scored at the planes' own resolution."""
        cx0, cy0, cx1, cy1 = region
        work_w, work_h = geo.work_size
        return min(1.0, (cx1 - cx0) / work_w, (cy1 - cy0) / work_h) <= NATIVE_CHROMA_RATIO

    def _chroma_map(
        self,
        chroma: tuple[np.ndarray, np.ndarray],
        region: tuple[int, int, int, int],
        geo: _Geometry,
        part: tuple[slice, slice],
        cells: tuple[slice, slice],
        native: bool = True,
    ) -> np.ndarray | None:
        """The chroma score (mean of U and V, weighted by their templates' contrast) over the
        ``cells`` (rows, cols) of the luma score map, whose windows cover ``part`` of the region
        (work px); None when the template has no colour to match.

        Scored at the chroma planes' own resolution when the work size would upsample them
        (4:2:0 halves them: a 32 px tall HUD line at 720p is 16 chroma rows, and upsampling
        them to 24 only adds cost, about the square of the factor twice over), then mapped
        onto the luma map's grid bicubically (the score map of blurred planes is smooth).
        """
        cx0, cy0, cx1, cy1 = region
        work_w, work_h = geo.work_size
        th, tw = geo.templates[0].shape
        ratio = min(1.0, (cx1 - cx0) / work_w, (cy1 - cy0) / work_h)
        if not native or ratio > NATIVE_CHROMA_RATIO:
            templates, size, rx, ry = geo.templates[1:], geo.work_size, 1.0, 1.0
        else:
            size = (max(tw, round(work_w * ratio)), max(th, round(work_h * ratio)))
            rx, ry = size[0] / work_w, size[1] / work_h
            small = (max(4, round(tw * rx)), max(4, round(th * ry)))
            templates = self._small_chroma(geo, small, SOFTEN_SIGMA * ry)
        cth, ctw = templates[0].shape
        if (rx, ry) == (1.0, 1.0):
            r0, r1, c0, c1 = part[0].start, part[0].stop, part[1].start, part[1].stop
        else:
            # The part in chroma work px, holding at least one template.
            r1 = min(size[1], math.ceil(part[0].stop * ry) + 1)
            c1 = min(size[0], math.ceil(part[1].stop * rx) + 1)
            r0 = max(0, min(int(part[0].start * ry), r1 - cth))
            c0 = max(0, min(int(part[1].start * rx), c1 - ctw))
        total, weight = None, 0.0
        for plane, tpl in zip(chroma, templates, strict=True):
            t_std = float(tpl.std())
            if t_std < CHROMA_MIN_STD:
                continue
            c_roi = _work_roi(
                plane, region, size, (slice(r0, r1), slice(c0, c1)), SOFTEN_SIGMA * ry
            )
            score = t_std * _chroma_score(c_roi, tpl, t_std)
            total = score if total is None else total + score
            weight += t_std
        if total is None:
            return None
        total /= weight
        rows, cols = cells
        out = (cols.stop - cols.start, rows.stop - rows.start)
        if (rx, ry) == (1.0, 1.0) and total.shape == (out[1], out[0]):
            return total
        # Luma map cell (y, x) of the part is the template's top-left at work px part.start + y;
        # in chroma work px that is ry * (part.start + y), and the chroma map starts at r0.
        matrix = np.array(
            [[rx, 0.0, rx * part[1].start - c0], [0.0, ry, ry * part[0].start - r0]], np.float64
        )
        return cv2.warpAffine(
            total, matrix, out, flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )  # fmt: skip

    def _small_chroma(
        self, geo: _Geometry, size: tuple[int, int], sigma: float
    ) -> tuple[np.ndarray, ...]:
        """The chroma templates of ``geo`` at ``size`` (w, h), softened by ``sigma``: the same
        blur in video pixels as the work size's."""
        th, tw = geo.templates[0].shape
        key = (tw, th, *size)
        found = self._chroma_templates.get(key)
        if found is None:
            if len(self._chroma_templates) >= KEPT_TEMPLATES:
                self._chroma_templates.clear()
            found = tuple(
                _soften(cv2.resize(p, size, interpolation=cv2.INTER_AREA), sigma)
                for p in self._planes[1:]
            )
            self._chroma_templates[key] = found
        return found

    def find(self, frame: object, threshold: float | None = None) -> list[Match]:
        """Every separate place (up to MAX_MATCHES) scoring at least ``threshold``.

        ``threshold`` defaults to the indicator's.
        """
        limit = self.indicator.threshold if threshold is None else threshold
        geo = self.geometry
        if geo.work_size[0] * geo.work_size[1] < LARGE_REGION:
            scores = self.scores(frame, floor=limit)
            found = _peaks(scores, geo.templates[0].shape, limit, MAX_MATCHES)
        else:
            found = self._find_coarse_to_fine(frame, limit)
        found = [self._checked(frame, geo, m) for m in found]
        return [m for m in found if m.score >= limit]

    def _checked(self, frame: object, geo: _Geometry, match: Match) -> Match:
        """The match looked at again in its own window, before anything relies on it.

        * Without ``Indicator.own`` (one screenshot), a frame blank in half or more of the
          parts of the box where the template has marks (see ``_blank_part``) rules it out:
          its score becomes -1.
        * With ``Indicator.own``, it is scored again on the indicator's own pixels, and its
          score becomes the lower of the two: a look-alike that only shares the box's layout of
          dark and light falls under the threshold. For a colour indicator the luma part of its
          score is the one scored again (the own pixels are found in luma).
        """
        tpl = geo.templates[0]
        th, tw = tpl.shape
        spreads = self._part_spreads(tpl) if self.indicator.own is None else []
        if self.indicator.own is None and len(spreads) < MIN_PARTS:
            return match  # nothing to look at: a box with too few marked parts is not judged
        window = (slice(match.y, match.y + th), slice(match.x, match.x + tw))
        roi = _work_roi(frame.luma, geo.region, geo.work_size, window)  # type: ignore[attr-defined]
        if roi.shape != tpl.shape:
            return match
        if self.indicator.own is None:
            return replace(match, score=-1.0) if _blank_part(roi, spreads) else match
        own = _masked_ncc(roi, tpl, self._own_mask(tw, th))
        if self.color:
            whole = float(_ncc(roi, tpl)[0, 0])
            own = match.score - LUMA_WEIGHT * (whole - own)
        return replace(match, score=min(match.score, own))

    def _part_spreads(self, tpl: np.ndarray) -> list[tuple[tuple[slice, slice], float]]:
        """The parts of a template that carry its structure, each with its contrast relative to
        the whole template's (see ``_blank_part``; cached per template size)."""
        th, tw = tpl.shape
        spreads = self._spreads.get((tw, th))
        if spreads is None:
            whole = max(_std(tpl), 1e-6)
            spreads = [
                (part, _std(tpl[part]) / whole)
                for part in _parts(th, tw)
                if _std(tpl[part]) >= PART_STRUCTURE * whole
            ]
            self._spreads[(tw, th)] = spreads
        return spreads

    def _own_mask(self, tw: int, th: int) -> np.ndarray:
        """``Indicator.own`` at a template's size."""
        mask = self._masks.get((tw, th))
        if mask is None:
            own = self.indicator.own.astype(np.float32)  # type: ignore[union-attr]
            mask = cv2.resize(own, (tw, th), interpolation=cv2.INTER_AREA) >= 0.5
            self._masks[(tw, th)] = mask
        return mask

    def _find_coarse_to_fine(self, frame: object, limit: float) -> list[Match]:
        """Large regions: candidates at a smaller size, scored at full size around each.

        The candidate pass scales region and template so the template is
        ``FIND_COARSE_HEIGHT_LUMA`` px tall (8 of 24: a ninth of the pixels against a ninth of
        the template, at most half the size either way). The full score decides, so only recall can
        suffer; the candidates' bar is ``COARSE_SLACK`` under the threshold for that reason.
        (Measured on generated confuser footage at 720p and 1080p, HUD scales 0.85 to 1.2: the
        same kills found as with the half size.) The small region is not softened: downscaling
        already smooths it about as much as the template (softened, then downscaled), and the
        blur was an eighth of matching's time.

        Candidates are found in luma. For a colour indicator with more than ``CROWDED`` of them
        (scenery full of look-alikes, other players' grey lines) the chroma score at a small
        size (``FIND_COARSE_HEIGHT``) is added, and only those whose mean still reaches the bar
        are scored: on a
        Street Fighter III clip the bench's colour kill line had its 12 candidates on nearly
        every sample, all scored in colour at full size and all rejected.
        """
        geo = self.geometry
        th, tw = geo.templates[0].shape
        work_w, work_h = geo.work_size
        small_tpl = self._small_template()
        ratio = small_tpl.shape[0] / th
        small_size = (max(1, round(work_w * ratio)), max(1, round(work_h * ratio)))
        if small_size[1] < small_tpl.shape[0] or small_size[0] < small_tpl.shape[1]:
            return _peaks(self.scores(frame, floor=limit), (th, tw), limit, MAX_MATCHES)
        luma = frame.luma  # type: ignore[attr-defined]
        coarse = _ncc(region_at(luma, geo.region, small_size), small_tpl)
        bar = limit - COARSE_SLACK
        candidates = _peaks(coarse, small_tpl.shape, bar, 2 * MAX_MATCHES)
        if self.color and len(candidates) > CROWDED:
            # Many look alike in luma (scenery, other players' grey lines): colour in the
            # candidate pass too, so only those that may also match in colour are scored. The
            # chroma templates are larger than the luma one (see FIND_COARSE_HEIGHT): each
            # candidate is read at its place on their grid, a pixel either way.
            chroma_tpl = self._small_template(chroma=True)[0]
            c_ratio = chroma_tpl.shape[0] / th
            c_size = (max(1, round(work_w * c_ratio)), max(1, round(work_h * c_ratio)))
            places = [
                Match(c.score, round(c.x * c_ratio / ratio), round(c.y * c_ratio / ratio))
                for c in candidates
            ]
            hue = self._small_chroma_at(frame, c_size, places)
            if hue is not None:
                candidates = [
                    c
                    for c, h in zip(candidates, hue, strict=True)
                    if LUMA_WEIGHT * c.score + (1.0 - LUMA_WEIGHT) * h >= bar
                ]
        found: list[Match] = []
        grow = math.ceil(1.5 / ratio)  # work px: a coarse pixel and a half a side
        for cand in candidates:
            # The candidate's box at full work size, grown a side.
            x, y = round(cand.x / ratio), round(cand.y / ratio)
            wx0, wy0 = max(0, x - grow), max(0, y - grow)
            wx1, wy1 = min(work_w, x + tw + grow), min(work_h, y + th + grow)
            if wx1 - wx0 < tw or wy1 - wy0 < th:
                continue
            window = (slice(wy0, wy1), slice(wx0, wx1))
            for m in _peaks(self.scores(frame, floor=limit, window=window), (th, tw), limit, 1):
                found.append(Match(m.score, wx0 + m.x, wy0 + m.y))
        # One match per place (windows of close candidates overlap), best first.
        found.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for m in found:
            if all(abs(m.x - k.x) > tw * DISTINCT or abs(m.y - k.y) > th * DISTINCT for k in kept):
                kept.append(m)
        return kept[:MAX_MATCHES]

    def _small_chroma_at(
        self, frame: object, size: tuple[int, int], places: list[Match]
    ) -> list[float] | None:
        """The best chroma score (as ``_chroma_score``'s map would give it) within a pixel of
        each of ``places`` on the grid of the chroma templates of a large region's candidate
        pass, at ``size``; None: the template has no colour.

        Only at the candidates, not over the whole region: a dozen windows cost a fraction of
        the map (measured on the SF3 clip: 0.76 ms a sample for the map). A pixel either way,
        as the places come from the luma pass's smaller grid.
        """
        chroma = _chroma_planes(frame)
        luma = frame.luma  # type: ignore[attr-defined]
        region = _chroma_region(self.geometry.region, luma.shape, chroma[0].shape)
        tpls = self._small_template(chroma=True)
        th, tw = tpls[0].shape
        # Every place and its neighbours, clipped to where the template fits.
        max_x, max_y = max(0, size[0] - tw), max(0, size[1] - th)
        spots = [
            (min(max_y, max(0, p.y + dy)), min(max_x, max(0, p.x + dx)))
            for p in places
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        ]
        total, weight = np.zeros(len(spots)), 0.0
        for plane, tpl in zip(chroma, tpls, strict=True):
            t = tpl.astype(np.float64)
            t_std = float(t.std())
            if t_std < CHROMA_MIN_STD:
                continue
            small = region_at(plane, region, size)
            windows = np.stack([small[y : y + th, x : x + tw] for y, x in spots])
            windows = windows.reshape(len(spots), -1).astype(np.float64)
            centred = t.ravel() - t.mean()
            cov = windows @ centred
            w_std = np.maximum(windows.std(axis=1), CHROMA_FLOOR * t_std)
            total += np.clip(cov / (t.size * w_std * t_std), -1.0, 1.0) * t_std
            weight += t_std
        if weight == 0.0:
            return None
        return list((total / weight).reshape(len(places), 9).max(axis=1))

    def _small_template(self, *, chroma: bool = False) -> tuple[np.ndarray, ...] | np.ndarray:
        """The luma template for a large region's candidate pass, ``FIND_COARSE_HEIGHT_LUMA``
        px tall (with ``chroma``: its chroma templates instead, ``FIND_COARSE_HEIGHT`` tall)."""
        geo = self.geometry
        if self._small is None or self._small[0] is not geo:
            th, tw = geo.templates[0].shape

            def at(height: int, planes: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
                ratio = min(0.5, height / th)
                size = (max(4, round(tw * ratio)), max(4, round(th * ratio)))
                return tuple(cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in planes)

            small = at(FIND_COARSE_HEIGHT_LUMA, geo.templates[:1])
            small += at(FIND_COARSE_HEIGHT, geo.templates[1:])
            self._small = (geo, small)
        return self._small[1][1:] if chroma else self._small[1][0]

    def box_of(self, match: Match) -> tuple[int, int, int, int]:
        """(x, y, w, h) of a match of the current geometry in video pixels, clipped to the frame."""
        geo = self.geometry
        x0, y0, x1, y1 = geo.region
        fx, fy = geo.work_size[0] / (x1 - x0), geo.work_size[1] / (y1 - y0)
        th, tw = geo.templates[0].shape
        vid_w, vid_h = self.video_size
        left, top = int(round(x0 + match.x / fx)), int(round(y0 + match.y / fy))
        right, bottom = int(round(x0 + (match.x + tw) / fx)), int(round(y0 + (match.y + th) / fy))
        left, top = min(max(0, left), vid_w - 1), min(max(0, top), vid_h - 1)
        right, bottom = min(max(left + 1, right), vid_w), min(max(top + 1, bottom), vid_h)
        return left, top, right - left, bottom - top

    # -- scale and place -----------------------------------------------------------------------

    def discover(self, frame: object, half: int | None = None) -> tuple[float, float, Box] | None:
        """Searches the frame (where the HUD can be, see _plausible) at every scale of the range.

        Coarse first (luma; at each scale the frame downscaled so the template is
        ``COARSE_HEIGHT`` px tall) for the best place per scale; places found at several scales
        are grouped, and the best ``COARSE_PLACES`` are confirmed at the work size (with colour)
        at their best two scales, and half a step either side of those that come within
        ``EXPAND_SLACK`` of the threshold; then the best a quarter step either side. Returns
        the best confirmed (score, scale, box in video px), or None.
        A search of the frame meets more look-alikes than the search region does: check the
        find with :meth:`still_there` on the sampled frames either side before relying on it
        (``detectors.detect.ScaleLock`` asks for two), then :meth:`lock_on`.

        ``half`` (0 or 1): the coarse pass tries every other scale of the grid only, for half
        its cost. A HUD on a grid scale left out still peaks at its neighbours, a step away, and
        the confirmation (half a step, then a quarter, either side) comes back to its size; the
        next search tries the other half.
        """
        luma = frame.luma  # type: ignore[attr-defined]
        vid_w, vid_h = self.video_size
        _bx, _by, bw, bh = self.indicator.box
        threshold = self.indicator.threshold + SEARCH_MARGIN
        low, high = self.indicator.scale
        low = max(low, MIN_SEARCH_HEIGHT / max(bh * self.base, 1e-9))
        if low > high:
            return None
        # (score, scale, x, y in video px, one coarse pixel in video px)
        candidates: list[tuple[float, float, float, float, float]] = []
        grid = self._coarse_templates()
        for scale, coarse, tpl in grid if half is None else grid[half::2]:
            if scale < low / math.sqrt(SCALE_STEP):
                continue
            small = self._coarse_frame(luma, coarse)
            # Only where the HUD can be at this scale (see _plausible), in coarse px.
            px0, py0, px1, py1 = self._plausible(scale)
            cx0, cy0 = max(0, math.floor(px0 * coarse)), max(0, math.floor(py0 * coarse))
            cx1 = min(small.shape[1], math.ceil(px1 * coarse))
            cy1 = min(small.shape[0], math.ceil(py1 * coarse))
            th, tw = tpl.shape
            if th > cy1 - cy0 or tw > cx1 - cx0:
                continue
            result = _ncc(small[cy0:cy1, cx0:cx1], tpl)
            for m in _peaks(result, tpl.shape, threshold - COARSE_SLACK, COARSE_CANDIDATES):
                x, y = (cx0 + m.x) / coarse, (cy0 + m.y) / coarse
                candidates.append((m.score, scale, x, y, 1.0 / coarse))
        best: tuple[float, float, Box] | None = None
        for scales, (x, y, slop) in _places(candidates, bw * self.base, bh * self.base):

            def confirm(s: float, x: float = x, y: float = y, slop: float = slop) -> float:
                nonlocal best
                w, h = bw * self.base * s, bh * self.base * s
                pad_x, pad_y = w * 0.15 + 2 * slop, h * 0.5 + 2 * slop
                found = self._best(frame, s, (x - pad_x, y - pad_y, x + w + pad_x, y + h + pad_y))
                if found is None:
                    return -1.0
                if found[0] >= threshold and (best is None or found[0] > best[0]):
                    best = (found[0], s, found[1])
                return found[0]

            # Its best scales, then half a step either side of those that come near the
            # threshold: the best coarse scale is not always the HUD's true size (a template a
            # few pixels tall fits a little under it), but a look-alike far under it at its
            # own scales does not reach it half a step off (see EXPAND_SLACK).
            tried = [min(high, max(low, s)) for s in scales]
            near = [s for s in dict.fromkeys(tried) if confirm(s) >= threshold - EXPAND_SLACK]
            for s in _around(near, low, high):
                if all(max(s / t, t / s) > SCALE_STEP**0.25 for t in tried):
                    confirm(s)
        if best is None:
            return None
        quarter = SCALE_STEP**0.25
        score, scale, (x, y, w, h) = best
        for s in (max(low, scale / quarter), min(high, scale * quarter)):
            pad_x, pad_y = w * 0.1 + 2, h * 0.2 + 2
            found = self._best(frame, s, (x - pad_x, y - pad_y, x + w + pad_x, y + h + pad_y))
            if found is not None and found[0] > best[0]:
                best = (found[0], s, found[1])
        return best

    def _plausible(self, scale: float) -> tuple[float, float, float, float]:
        """Where the search region can lie at ``scale`` (video px, x0, y0, x1, y1).

        A HUD drawn at another size is anchored somewhere on the game picture (a corner, an edge,
        the centre), and the game picture is the frame or an inset within it: either way the
        element lies between where it would be anchored to the top-left and to the bottom-right,
        so the whole-frame search looks only there (and meets fewer look-alikes): a kill-feed
        line of a HUD at 0.7 is not in the bottom-left corner. ``PLAUSIBLE_SLACK`` of the frame
        is added for safe-zone settings that pull the HUD in from the edges.
        """
        ref_w, ref_h = self.indicator.reference_size
        vid_w, vid_h = self.video_size
        rx, ry, rw, rh = self._search_rect()
        size = self.base * scale
        # The room the game picture at this size leaves in the frame (negative: it is cut off).
        room_x, room_y = vid_w - ref_w * size, vid_h - ref_h * size
        slack_x, slack_y = PLAUSIBLE_SLACK * vid_w, PLAUSIBLE_SLACK * vid_h
        return (
            rx * size + min(0.0, room_x) - slack_x,
            ry * size + min(0.0, room_y) - slack_y,
            (rx + rw) * size + max(0.0, room_x) + slack_x,
            (ry + rh) * size + max(0.0, room_y) + slack_y,
        )

    def lock_on(self, found: tuple[float, float, Box]) -> None:
        """Locks on a :meth:`discover` find (or :meth:`still_there`'s), its scale and place."""
        self._lock(found[1], found[2])

    def still_there(
        self, frame: object, found: tuple[float, float, Box]
    ) -> tuple[float, float, Box] | None:
        """A :meth:`discover` find seen again in ``frame`` at the same place and scale, or None."""
        _score, scale, (x, y, w, h) = found
        pad = max(2.0, 0.1 * h)
        again = self._best(frame, scale, (x - pad, y - pad, x + w + pad, y + h + pad))
        if again is None or again[0] < self.indicator.threshold + SEARCH_MARGIN:
            return None
        return again[0], scale, again[1]

    def _best(
        self, frame: object, scale: float, region: tuple[float, float, float, float]
    ) -> tuple[float, Box] | None:
        """The best score at ``scale`` in ``region`` (video px) and its box (video px)."""
        geo = self._geometry(scale, region)
        # Every caller compares the best with threshold + SEARCH_MARGIN: scores that cannot
        # reach it need not be exact (no chroma far from a luma match).
        result = self.scores(frame, geo, floor=self.indicator.threshold + SEARCH_MARGIN)
        _lo, score, _lo_loc, (mx, my) = cv2.minMaxLoc(result)
        if not np.isfinite(score):
            return None
        score = self._checked(frame, geo, Match(float(score), mx, my)).score
        x0, y0, x1, y1 = geo.region
        fx, fy = geo.work_size[0] / (x1 - x0), geo.work_size[1] / (y1 - y0)
        _bx, _by, bw, bh = self.indicator.box
        size = self.base * scale
        return float(score), (x0 + mx / fx, y0 + my / fy, bw * size, bh * size)

    def _coarse_templates(self) -> list[tuple[float, float, np.ndarray]]:
        """(scale, coarse factor, luma template) for the coarse search, one per scale (cached).

        Each scale's frame is downscaled so that its template is ``COARSE_HEIGHT`` px tall: a
        template of a few pixels matches scene texture as well as the HUD, while a larger one
        only costs time (matching costs about the square of the factor times the template's area).
        """
        if self._coarse is None:
            # On a grid through 1.0 (the reference's own size is the likeliest), ends included.
            low, high = self.indicator.scale
            step = math.log(SCALE_STEP)
            first, last = math.ceil(math.log(low) / step), math.floor(math.log(high) / step)
            scales = [SCALE_STEP**k for k in range(first, last + 1)]
            if not scales or scales[0] / low > math.sqrt(SCALE_STEP):
                scales.insert(0, low)
            if scales[-1] < high / math.sqrt(SCALE_STEP):
                scales.append(high)
            _bx, _by, bw, bh = self.indicator.box
            self._coarse = []
            for k in scales:
                coarse = _coarse_factor(COARSE_HEIGHT / max(bh * self.base * k, 1.0))
                size = self.base * k * coarse
                tw, th = max(4, round(bw * size)), max(4, round(bh * size))
                tpl = cv2.resize(self._planes[0], (tw, th), interpolation=cv2.INTER_AREA)
                self._coarse.append((k, coarse, _soften(tpl)))
        return self._coarse

    def _coarse_frame(self, luma: np.ndarray, coarse: float) -> np.ndarray:
        """The whole frame downscaled by ``coarse`` and softened.

        Kept for the latest frame's scales and shared by every indicator searched in it (in this
        thread): coarse factors come in steps (``_coarse_factor``), so indicators of about the
        same height, such as several references of one indicator, search the same copies.
        """
        kept = getattr(_coarse_kept, "frame", None)
        if kept is None or kept[0] is not luma:
            kept = _coarse_kept.frame = (luma, {})
        small = kept[1].get(coarse)
        if small is None:
            vid_w, vid_h = self.video_size
            size = (max(1, round(vid_w * coarse)), max(1, round(vid_h * coarse)))
            small = kept[1][coarse] = _soften(region_at(luma, (0, 0, vid_w, vid_h), size))
        return small


# The latest frame's downscaled, softened copies for the whole-frame search (per thread; see
# Matcher._coarse_frame).
_coarse_kept = threading.local()


def _coarse_factor(wanted: float) -> float:
    """``wanted`` (a downscale factor) rounded up to a step of 2^(1/4), at most 1.

    Scales close together then share one downscaled frame.
    """
    return min(1.0, 2.0 ** (math.ceil(4 * math.log2(max(wanted, 1e-6)) - 1e-9) / 4))


def _places(
    candidates: list[tuple[float, float, float, float, float]], bw: float, bh: float
) -> list[tuple[list[float], tuple[float, float, float]]]:
    """Coarse candidates (score, scale, x, y, slop in video px) grouped by place, best first.

    Returns up to ``COARSE_PLACES`` places, each the scales it peaked at (best first, at most
    ``PLACE_SCALES``) and the top-left and slop of its best candidate. The same HUD element peaks
    at several neighbouring scales, and the best coarse score is not always at its true size.
    """
    places: list[tuple[list[float], tuple[float, float, float]]] = []
    for _score, scale, x, y, slop in sorted(candidates, reverse=True):
        for scales, (px, py, _slop) in places:
            if abs(x - px) < 0.5 * bw * min(scales) and abs(y - py) < bh * min(scales):
                if len(scales) < PLACE_SCALES:
                    scales.append(scale)
                break
        else:
            if len(places) < COARSE_PLACES:
                places.append(([scale], (x, y, slop)))
    return places


def _around(scales: list[float], low: float, high: float) -> list[float]:
    """Each scale and half a ``SCALE_STEP`` either side (within low..high), near-equal ones once."""
    half = math.sqrt(SCALE_STEP)
    out: list[float] = []
    for v in sorted(min(high, max(low, s * f)) for s in scales for f in (1 / half, 1.0, half)):
        if not out or v / out[-1] > SCALE_STEP**0.25:
            out.append(v)
    return out


def _peaks(result: np.ndarray, shape: tuple[int, ...], threshold: float, limit: int) -> list[Match]:
    """Up to ``limit`` separate maxima of a score map at or above ``threshold``."""
    th, tw = shape[:2]
    found: list[Match] = []
    for _ in range(limit):
        _lo, score, _lo_loc, (x, y) = cv2.minMaxLoc(result)
        if score < threshold or not np.isfinite(score):
            break
        found.append(Match(float(score), x, y))
        # Blank out this match's neighbourhood so the next peak is a different entry.
        result[
            max(0, y - int(th * DISTINCT)) : y + int(th * DISTINCT) + 1,
            max(0, x - int(tw * DISTINCT)) : x + int(tw * DISTINCT) + 1,
        ] = -1.0
    return found


def _chroma_planes(frame: object) -> tuple[np.ndarray, np.ndarray]:
    chroma = frame.chroma  # type: ignore[attr-defined]
    if chroma is None:
        raise ValueError("a colour indicator needs frames read with chroma=True")
    return chroma


def _chroma_region(
    region: tuple[int, int, int, int], luma_shape: tuple[int, ...], chroma_shape: tuple[int, ...]
) -> tuple[int, int, int, int]:
    """A region of the luma plane (x0, y0, x1, y1) in the chroma planes' pixels."""
    x0, y0, x1, y1 = region
    fy, fx = chroma_shape[0] / luma_shape[0], chroma_shape[1] / luma_shape[1]
    cx0, cy0 = int(x0 * fx), int(y0 * fy)
    return cx0, cy0, max(cx0 + 1, math.ceil(x1 * fx)), max(cy0 + 1, math.ceil(y1 * fy))


def _chroma_score(roi: np.ndarray, tpl: np.ndarray, t_std: float) -> np.ndarray:
    """Correlation of a chroma plane, normalised with a floor on the frame's chroma contrast.

    Plain normalised correlation divides by the frame window's own contrast, so a grey line's
    flat chroma (codec noise only) can score as high as a coloured one. Here a window's contrast
    counts as at least ``CHROMA_FLOOR`` times the template's, so flat chroma scores about 0.
    """
    root_n = math.sqrt(tpl.size)
    cov, spread = _centred(roi, tpl)
    # Per-pixel covariance / (per-pixel std, floored, x the template's std); the window's
    # sqrt(spread) is root_n x its per-pixel std.
    std = cv2.sqrt(spread)
    np.maximum(std, CHROMA_FLOOR * t_std * root_n, out=std)
    score = cv2.divide(cov, std, scale=1.0 / (root_n * t_std))
    return np.clip(score, -1.0, 1.0, out=score)


def _ncc(roi: np.ndarray, tpl: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``tpl`` over ``roi``: ``cv2.TM_CCOEFF_NORMED``'s scores.

    Computed from OpenCV's plain correlation and box sums, about twice as fast: its own
    ``TM_CCOEFF_NORMED`` does not get the optimised path plain correlation gets, and this is
    the bulk of matching. A window flatter than half a grey level (standard deviation) scores 0.
    """
    cov, spread = _centred(roi, tpl)
    _mean, t_std = cv2.meanStdDev(tpl)
    t_norm = float(t_std[0, 0]) * math.sqrt(tpl.size)
    if t_norm == 0.0:
        return np.zeros_like(cov)
    # Flat windows get a huge spread instead of ~0, so they score ~0 rather than noise over 0.
    flat = cv2.threshold(spread, 0.25 * tpl.size, 1e30, cv2.THRESH_BINARY_INV)[1]
    return cv2.divide(cov, cv2.sqrt(cv2.add(spread, flat)), scale=1.0 / t_norm)


def _parts(th: int, tw: int) -> list[tuple[slice, slice]]:
    """A template's box cut into about square parts (at most PARTS_MAX a side; 2 x 2 for a
    square box), as (rows, columns) slices."""
    cols = min(PARTS_MAX, max(1, round(tw / th)))
    rows = min(PARTS_MAX, max(1, round(th / tw)))
    if rows == cols == 1:
        rows = cols = 2
    ys = np.linspace(0, th, rows + 1).round().astype(int)
    xs = np.linspace(0, tw, cols + 1).round().astype(int)
    return [
        (slice(ys[r], ys[r + 1]), slice(xs[c], xs[c + 1]))
        for r in range(rows)
        for c in range(cols)
        if ys[r + 1] > ys[r] and xs[c + 1] > xs[c]
    ]


def _blank_part(window: np.ndarray, spreads: list[tuple[tuple[slice, slice], float]]) -> bool:
    """Whether the window is (nearly) blank in half or more of the parts where the template
    has marks.

    ``spreads``: the template's parts that carry structure, each with its contrast relative to
    the whole template's (``Matcher._part_spreads``). The window's contrast in a part, relative
    to its whole, under ``PART_CONTRAST`` times the template's there means the frame shows
    nothing where the indicator draws something. Half the parts or more: a look-alike of one
    end of the box (a bright block where a kill-feed line has its first word) over a plain
    background. Under half is allowed, as a kill-feed line naming a shorter victim than the
    reference's leaves its last part blank; and a box with fewer than ``MIN_PARTS`` parts with
    marks is not judged (one blank part would be half of two). Contrast is compared relative to
    the whole, so a faded or translucent indicator passes as a crisp one does.
    """
    whole = _std(window)
    if whole < 0.5:
        return True
    blank = sum(_std(window[p]) / whole < PART_CONTRAST * share for p, share in spreads)
    return len(spreads) >= MIN_PARTS and 2 * blank >= len(spreads)


def _std(image: np.ndarray) -> float:
    """The standard deviation of a plane's pixels (OpenCV's, several times numpy's speed on the
    small windows matched here)."""
    return float(cv2.meanStdDev(image)[1][0, 0])


def _masked_ncc(window: np.ndarray, tpl: np.ndarray, mask: np.ndarray) -> float:
    """Normalised correlation of a window and the template over the ``mask`` pixels only
    (0 where either is flat there, as ``_ncc`` scores flat windows)."""
    w = window[mask].astype(np.float64)
    t = tpl[mask].astype(np.float64)
    w -= w.mean()
    t -= t.mean()
    w_sq, t_sq = float(w @ w), float(t @ t)
    if w_sq < 0.25 * w.size or t_sq == 0.0:
        return 0.0
    return float(w @ t) / math.sqrt(w_sq * t_sq)


def _centred(roi: np.ndarray, tpl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each placement of ``tpl`` in ``roi``: the sum of window x (template - its mean), and
    the window's sum of squared deviations from its mean (float32 maps, one per placement)."""
    th, tw = tpl.shape
    n = float(th * tw)
    corr = cv2.matchTemplate(roi, tpl, cv2.TM_CCORR)
    h, w = corr.shape
    sums = cv2.boxFilter(roi, cv2.CV_32F, (tw, th), anchor=(0, 0), normalize=False,
                         borderType=cv2.BORDER_CONSTANT)[:h, :w]  # fmt: skip
    squares = cv2.sqrBoxFilter(roi, cv2.CV_32F, (tw, th), anchor=(0, 0), normalize=False,
                               borderType=cv2.BORDER_CONSTANT)[:h, :w]  # fmt: skip
    t_mean = float(cv2.mean(tpl)[0])
    cov = cv2.scaleAdd(sums, -t_mean, corr)
    spread = cv2.subtract(squares, cv2.multiply(sums, sums, scale=1.0 / n))
    return cov, cv2.threshold(spread, 0.0, 0.0, cv2.THRESH_TOZERO)[1]


def _work_roi(
    plane: np.ndarray,
    region: tuple[int, int, int, int],
    size: tuple[int, int],
    window: tuple[slice, slice] | None = None,
    sigma: float = SOFTEN_SIGMA,
) -> np.ndarray:
    """The region at work size, softened (only ``window`` of it, when given).

    A window is softened with a margin of its surroundings, so its pixels are those of the
    whole region softened (the blur would otherwise see the window's edge as the image's).
    """
    if window is None:
        return _soften(region_at(plane, region, size), sigma)
    rows, cols = window
    r0, r1, _ = rows.indices(size[1])
    c0, c1, _ = cols.indices(size[0])
    p0, p1 = max(0, r0 - SOFTEN_PAD), min(size[1], r1 + SOFTEN_PAD)
    q0, q1 = max(0, c0 - SOFTEN_PAD), min(size[0], c1 + SOFTEN_PAD)
    padded = _soften(region_at(plane, region, size, (slice(p0, p1), slice(q0, q1))), sigma)
    return padded[r0 - p0 : r1 - p0, c0 - q0 : c1 - q0]


def _soften(image: np.ndarray, sigma: float = SOFTEN_SIGMA) -> np.ndarray:
    """A light blur, so text rasterised at another size or through a codec still lines up."""
    return cv2.GaussianBlur(image, (0, 0), sigma)
