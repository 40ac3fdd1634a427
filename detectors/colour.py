"""Colour: whether an indicator is matched in colour, and how its chroma is scored.

* :func:`uses_color` decides from the profile's ``color`` (default ``"auto"``: yes when a good
  share of the box's pixels is clearly coloured and the box is at least ``MIN_COLOR_HEIGHT`` px
  tall in the video; under it only solid colour that still scores in colour at the video's size,
  see :func:`solid_color_share` and :func:`own_color_score`).
* :class:`ChromaScoring`, mixed into :class:`detectors.matching.Matcher`: the chroma score map of
  a colour indicator (scored at the chroma planes' own resolution where the work size would
  upsample them, see ``NATIVE_CHROMA_RATIO``), and the chroma score at a large region's crowded
  candidates.

The correlation itself (:func:`detectors.correlation.chroma_score`) is in
:mod:`detectors.correlation`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

import cv2
import numpy as np

from detectors.correlation import (
    CHROMA_FLOOR,
    SOFTEN_SIGMA,
    Match,
    chroma_planes,
    chroma_region,
    chroma_score,
    work_roi,
)
from detectors.downscale import region_at
from detectors.profile import Indicator
from detectors.video import SampledFrame

if TYPE_CHECKING:
    from detectors.matching import Geometry

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
# Chroma is scored at the chroma planes' own resolution when the work size is more than this
# factor finer than them (see ChromaScoring._chroma_map); at or under it, at the work size.
NATIVE_CHROMA_RATIO = 0.9
# A chroma plane of the template flatter than this (std, of 255) carries no colour to match.
CHROMA_MIN_STD = 1.0


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
    from detectors.matching import Matcher  # not at the top: matching imports this module

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


class ChromaScoring:
    """A :class:`detectors.matching.Matcher`'s chroma scoring (mixed into it; uses its
    geometry, templates and ``_small_template``/``_small_chroma`` caches)."""

    def _native_chroma(self, geo: Geometry, region: tuple[int, int, int, int]) -> bool:
        """Whether chroma over ``region`` (chroma px) is scored at the planes' own resolution."""
        cx0, cy0, cx1, cy1 = region
        work_w, work_h = geo.work_size
        return min(1.0, (cx1 - cx0) / work_w, (cy1 - cy0) / work_h) <= NATIVE_CHROMA_RATIO

    def _chroma_map(
        self,
        chroma: tuple[np.ndarray, np.ndarray],
        region: tuple[int, int, int, int],
        geo: Geometry,
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
            c_roi = work_roi(plane, region, size, (slice(r0, r1), slice(c0, c1)), SOFTEN_SIGMA * ry)
            score = t_std * chroma_score(c_roi, tpl, t_std)
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

    def _small_chroma_at(
        self, frame: object, size: tuple[int, int], places: list[Match]
    ) -> list[float] | None:
        """The best chroma score (as ``chroma_score``'s map would give it) within a pixel of
        each of ``places`` on the grid of the chroma templates of a large region's candidate
        pass, at ``size``; None: the template has no colour.

        Only at the candidates, not over the whole region: a dozen windows cost a fraction of
        the map (measured on the SF3 clip: 0.76 ms a sample for the map). A pixel either way,
        as the places come from the luma pass's smaller grid.
        """
        chroma = chroma_planes(frame)
        luma = frame.luma  # type: ignore[attr-defined]
        region = chroma_region(self.geometry.region, luma.shape, chroma[0].shape)
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
