"""Finding an indicator in a frame: scaled, cropped, downscaled template matching.

The template is cut from the reference screenshot and scaled to the video by its height. Matching
runs on a search region only, downscaled so the template is about ``WORK_HEIGHT`` pixels tall:
small enough to be cheap, big enough to read a kill-feed line.

* Luma: normalised cross-correlation (``TM_CCOEFF_NORMED``'s scores, computed faster: see
  :func:`detectors.correlation.ncc`) ignores brightness and contrast shifts.
* Colour, for indicators whose colour carries meaning (your own kill-feed line has a red
  outline, another player's the same text in grey): the two chroma planes the decoder already
  gives at half size are correlated too, and the score is the mean of the luma score and the
  chroma score. The chroma score is normalised with a floor on the frame's own chroma contrast,
  so a grey line (flat chroma, where plain normalised correlation amplifies codec noise) scores
  about 0. Chroma is scored at the chroma planes' own resolution where the work size would
  upsample them (see ``ChromaScoring._chroma_map``). Whether an indicator is a colour one is the
  profile's ``color`` (default ``"auto"``: yes when a good share of the box's pixels is clearly
  coloured and the box is at least ``MIN_COLOR_HEIGHT`` px tall in the video: smaller, 4:2:0
  subsampling and the codec smear a thin outline's colour into its surroundings and colour would
  lose true matches; under it only solid colour, such as a filled colour bar, is matched in
  colour, and only where the reference at the video's size still scores in colour: see
  :func:`detectors.colour.uses_color`).
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

This module holds :class:`Matcher` (an indicator's geometry in one video, its score map over the
search region, the matches found there and the checks on them) and :func:`check_indicators`.
The rest is beside it, and :class:`Matcher` mixes two of them in:

* :mod:`detectors.correlation`: the numeric primitives (fast normalised correlation, the blur,
  peaks of a score map, the chroma plane helpers, the blank-part rule);
* :mod:`detectors.colour`: whether an indicator is matched in colour (:func:`uses_color`), and
  its chroma scoring (:class:`detectors.colour.ChromaScoring`);
* :mod:`detectors.scale_search`: the whole-frame multi-scale search
  (:class:`detectors.scale_search.ScaleSearch`: :meth:`Matcher.discover`,
  :meth:`Matcher.still_there`, :meth:`Matcher.lock_on`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from detectors.colour import ChromaScoring, uses_color
from detectors.correlation import (
    DISTINCT,
    MIN_PARTS,
    PART_STRUCTURE,
    Match,
    blank_part,
    chroma_planes,
    chroma_region,
    masked_ncc,
    ncc,
    parts,
    peaks,
    pixel_std,
    soften,
    work_roi,
)
from detectors.downscale import factor_level, region_at, snap
from detectors.profile import Indicator, ProfileError
from detectors.scale_search import COARSE_SLACK, Box, ScaleSearch

# Template height (px) matching works at; larger templates are downscaled to it.
WORK_HEIGHT = 24
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
# Templates of this many sizes are kept per indicator (the scale search uses a few dozen).
KEPT_TEMPLATES = 64
# Up to this many separate matches are counted (stacked kill-feed entries, apart by more than
# correlation.DISTINCT).
MAX_MATCHES = 6
# Weight of the luma score in a colour indicator's score (the rest is chroma).
LUMA_WEIGHT = 0.5
# Chroma scored at the planes' own resolution (see colour.NATIVE_CHROMA_RATIO) is scored again
# at the work size around the best places (up to MAX_MATCHES) within this much of the
# threshold (or a higher floor), this many work px either side of each.
REFINE_MARGIN = 0.06
REFINE_PX = 1
# A box may cover at most this share of its screenshot's area: an indicator is a HUD element,
# and a box around (nearly) the whole screenshot matches the scene, not a sign of a kill. The
# largest boxes known (measured): the arena's banner, 4.5 % of its 256x224 frame; the synthetic
# feeds' death banner 1.9 %; the benchmarks' references 0.03-0.32 %. The editor
# (profile_editor.js) and the command line warn from a quarter.
MAX_BOX_SHARE = 0.5
LARGE_BOX_SHARE = 0.25


@dataclass(frozen=True)
class Geometry:
    """Where and at what size an indicator is matched in one video."""

    scale: float  # HUD size relative to the reference's scaled to the video's height
    region: tuple[int, int, int, int]  # x0, y0, x1, y1 in video pixels
    work_size: tuple[int, int]  # the region's size after downscaling
    templates: tuple[np.ndarray, ...]  # softened luma, then chroma U, V for colour indicators


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
    ref_w, ref_h = indicator.reference_size
    share = indicator.box_share
    if share > MAX_BOX_SHARE:
        raise ProfileError(
            f"the {indicator.kind} box {list(indicator.box)} in {indicator.reference} covers "
            f"{round(100 * share)} % of the screenshot ({ref_w}x{ref_h}): a box over half of it "
            "matches the whole scene; draw it around the indicator alone (a kill-feed line, a "
            "banner)"
        )


class Matcher(ChromaScoring, ScaleSearch):
    """An indicator prepared for one video size.

    Its chroma scoring comes from :class:`detectors.colour.ChromaScoring`, its whole-frame scale
    search (:meth:`discover`, :meth:`still_there`, :meth:`lock_on`) from
    :class:`detectors.scale_search.ScaleSearch`.

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
        self._small: tuple[Geometry, tuple[np.ndarray, ...]] | None = None

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

    def _geometry(self, scale: float, region: tuple[float, float, float, float]) -> Geometry:
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
                soften(cv2.resize(p, (tw, th), interpolation=cv2.INTER_AREA)) for p in self._planes
            )
            self._templates[(tw, th)] = templates
        # The downscaled region must hold the template at least once.
        work = (max(tw, round((x1 - x0) * factor)), max(th, round((y1 - y0) * factor)))
        return Geometry(scale, (x0, y0, x1, y1), work, templates)

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
        geometry: Geometry | None = None,
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
        roi = work_roi(luma, geo.region, geo.work_size, window)
        result = ncc(roi, geo.templates[0])
        if not self.color:
            return result
        chroma = chroma_planes(frame)
        cx0, cy0, cx1, cy1 = chroma_region(geo.region, luma.shape, chroma[0].shape)
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
            for peak in peaks(combined.copy(), (th, tw), bar, MAX_MATCHES):
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

    def _small_chroma(
        self, geo: Geometry, size: tuple[int, int], sigma: float
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
                soften(cv2.resize(p, size, interpolation=cv2.INTER_AREA), sigma)
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
            found = peaks(scores, geo.templates[0].shape, limit, MAX_MATCHES)
        else:
            found = self._find_coarse_to_fine(frame, limit)
        found = [self._checked(frame, geo, m) for m in found]
        return [m for m in found if m.score >= limit]

    def _checked(self, frame: object, geo: Geometry, match: Match) -> Match:
        """The match looked at again in its own window, before anything relies on it.

        * Without ``Indicator.own`` (one screenshot), a frame blank in half or more of the
          parts of the box where the template has marks (see ``blank_part``) rules it out:
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
        roi = work_roi(frame.luma, geo.region, geo.work_size, window)  # type: ignore[attr-defined]
        if roi.shape != tpl.shape:
            return match
        if self.indicator.own is None:
            return replace(match, score=-1.0) if blank_part(roi, spreads) else match
        own = masked_ncc(roi, tpl, self._own_mask(tw, th))
        if self.color:
            whole = float(ncc(roi, tpl)[0, 0])
            own = match.score - LUMA_WEIGHT * (whole - own)
        return replace(match, score=min(match.score, own))

    def _part_spreads(self, tpl: np.ndarray) -> list[tuple[tuple[slice, slice], float]]:
        """The parts of a template that carry its structure, each with its contrast relative to
        the whole template's (see ``blank_part``; cached per template size)."""
        th, tw = tpl.shape
        spreads = self._spreads.get((tw, th))
        if spreads is None:
            whole = max(pixel_std(tpl), 1e-6)
            spreads = [
                (part, pixel_std(tpl[part]) / whole)
                for part in parts(th, tw)
                if pixel_std(tpl[part]) >= PART_STRUCTURE * whole
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
            return peaks(self.scores(frame, floor=limit), (th, tw), limit, MAX_MATCHES)
        luma = frame.luma  # type: ignore[attr-defined]
        coarse = ncc(region_at(luma, geo.region, small_size), small_tpl)
        bar = limit - COARSE_SLACK
        candidates = peaks(coarse, small_tpl.shape, bar, 2 * MAX_MATCHES)
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
            for m in peaks(self.scores(frame, floor=limit, window=window), (th, tw), limit, 1):
                found.append(Match(m.score, wx0 + m.x, wy0 + m.y))
        # One match per place (windows of close candidates overlap), best first.
        found.sort(key=lambda m: -m.score)
        kept: list[Match] = []
        for m in found:
            if all(abs(m.x - k.x) > tw * DISTINCT or abs(m.y - k.y) > th * DISTINCT for k in kept):
                kept.append(m)
        return kept[:MAX_MATCHES]

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
