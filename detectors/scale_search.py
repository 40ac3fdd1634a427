"""The whole-frame multi-scale search that discovers an indicator's scale and place.

HUD-scale settings, other aspect ratios and stream insets make the HUD smaller, larger or
elsewhere. Until an indicator is *locked*, :meth:`ScaleSearch.discover` now and then searches
the frame at every scale in the profile's ``scale`` range, coarse first (luma, the frame
downscaled so the template is ``COARSE_HEIGHT`` px tall, shared by every indicator searched in
it) and then confirmed at the work size. At each scale only where a HUD of that size can be is
searched (``ScaleSearch._plausible``). :meth:`ScaleSearch.still_there` sees a find again on
another frame, :meth:`ScaleSearch.lock_on` fixes its scale and place.

:class:`ScaleSearch` is mixed into :class:`detectors.matching.Matcher` and uses its geometry,
scores and checks.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from detectors.correlation import Match, ncc, peaks, soften
from detectors.downscale import region_at

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
COARSE_CANDIDATES = 2
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
# The whole-frame search looks only where the HUD can be (see ScaleSearch._plausible), with this
# share of the frame's size to spare.
PLAUSIBLE_SLACK = 0.05


# A box in video px (x, y, w, h).
Box = tuple[float, float, float, float]


class ScaleSearch:
    """A :class:`detectors.matching.Matcher`'s whole-frame search for its scale and place
    (mixed into it)."""

    def discover(self, frame: object, half: int | None = None) -> tuple[float, float, Box] | None:
        """The best of :meth:`finds` (score, scale, box in video px), or None."""
        found = self.finds(frame, half)
        return found[0] if found else None

    def finds(self, frame: object, half: int | None = None) -> list[tuple[float, float, Box]]:
        """Searches the frame (where the HUD can be, see _plausible) at every scale of the range.

        Coarse first (luma; at each scale the frame downscaled so the template is
        ``COARSE_HEIGHT`` px tall) for the best place per scale; places found at several scales
        are grouped, and the best ``COARSE_PLACES`` are confirmed at the work size (with colour)
        at their best two scales, and half a step either side of those that come within
        ``EXPAND_SLACK`` of the threshold; then each place's best a quarter step either side.
        Returns every place confirmed, as (score, scale, box in video px), best first.
        A search of the frame meets more look-alikes than the search region does: check a find
        with :meth:`still_there` on the sampled frames either side before relying on it
        (``detectors.detect.ScaleLock`` asks for two), then :meth:`lock_on`. Every place is
        returned, not only the best: a look-alike in the scene can outscore the HUD on one
        frame (a kill-feed line that has just come in, a texture at a small scale) and then be
        gone on the next, while the HUD entry it hid stays.

        ``half`` (0 or 1): the coarse pass tries every other scale of the grid only, for half
        its cost. A HUD on a grid scale left out still peaks at its neighbours, a step away, and
        the confirmation (half a step, then a quarter, either side) comes back to its size; the
        next search tries the other half.
        """
        luma = frame.luma  # type: ignore[attr-defined]
        _bx, _by, bw, bh = self.indicator.box
        threshold = self.indicator.threshold + SEARCH_MARGIN
        low, high = self.indicator.scale
        low = max(low, MIN_SEARCH_HEIGHT / max(bh * self.base, 1e-9))
        if low > high:
            return []
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
            result = ncc(small[cy0:cy1, cx0:cx1], tpl)
            for m in peaks(result, tpl.shape, threshold - COARSE_SLACK, COARSE_CANDIDATES):
                x, y = (cx0 + m.x) / coarse, (cy0 + m.y) / coarse
                candidates.append((m.score, scale, x, y, 1.0 / coarse))
        confirmed: list[tuple[float, float, Box]] = []
        for scales, (x, y, slop) in _places(candidates, bw * self.base, bh * self.base):
            best: tuple[float, float, Box] | None = None

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
            if best is not None:
                confirmed.append(self._refined(frame, best, low, high))
        return sorted(confirmed, key=lambda find: -find[0])

    def _refined(
        self, frame: object, find: tuple[float, float, Box], low: float, high: float
    ) -> tuple[float, float, Box]:
        """A confirmed find, or a better one a quarter step either side of its scale."""
        quarter = SCALE_STEP**0.25
        best = find
        _score, scale, (x, y, w, h) = find
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
                self._coarse.append((k, coarse, soften(tpl)))
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
            small = kept[1][coarse] = soften(region_at(luma, (0, 0, vid_w, vid_h), size))
        return small


# The latest frame's downscaled, softened copies for the whole-frame search (per thread; see
# ScaleSearch._coarse_frame).
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
