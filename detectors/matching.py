"""Finding an indicator in a frame: scaled, cropped, downscaled template matching on luma.

The template is cut from the reference screenshot and scaled to the video (same aspect, any
resolution). Matching runs on the search region only, downscaled so the template is about
``WORK_HEIGHT`` pixels tall: small enough to be cheap, big enough to read a kill-feed line.
Normalised cross-correlation (TM_CCOEFF_NORMED) ignores brightness and contrast shifts.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from detectors.profile import Indicator, ProfileError

# Template height (px) matching works at; larger templates are downscaled to it.
WORK_HEIGHT = 24
# Default search region: the box grown by this many box heights up/down and widths left/right,
# because kill-feed lines move as entries stack.
MARGIN_H = 4.0
MARGIN_W = 0.15
# ...but never by more than this fraction of the screenshot's size.
MARGIN_CAP = 0.15
# Blur (work pixels) applied to template and frame alike before matching.
SOFTEN_SIGMA = 1.0
# Up to this many separate matches are counted (stacked kill-feed entries).
MAX_MATCHES = 6


@dataclass(frozen=True)
class Match:
    """One place where the indicator was found: its score and centre in work pixels."""

    score: float
    x: int
    y: int


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
        ref_w, ref_h = indicator.reference_size
        vid_w, vid_h = video_size
        sx, sy = vid_w / ref_w, vid_h / ref_h
        bx, by, bw, bh = indicator.box
        self.factor = min(1.0, WORK_HEIGHT / max(bh * sy, 1.0))
        tw = max(4, round(bw * sx * self.factor))
        th = max(4, round(bh * sy * self.factor))
        crop = indicator.image[by : by + bh, bx : bx + bw]
        self.template = _soften(cv2.resize(crop, (tw, th), interpolation=cv2.INTER_AREA))
        if float(self.template.std()) < 2.0:
            raise ProfileError(
                f"the {indicator.kind} box {list(indicator.box)} in {indicator.reference} "
                "is a flat colour: draw it around the indicator's text or shape"
            )
        if indicator.search is not None:
            sx0, sy0, sw, sh = indicator.search
        else:
            # Capped: a big banner does not move the way a small kill-feed line does, and a
            # larger region only costs time.
            mx = min(bw * MARGIN_W, ref_w * MARGIN_CAP)
            my = min(bh * MARGIN_H, ref_h * MARGIN_CAP)
            sx0, sy0, sw, sh = bx - mx, by - my, bw + 2 * mx, bh + 2 * my
        x0, y0 = max(0, int(sx0 * sx)), max(0, int(sy0 * sy))
        x1, y1 = (
            min(vid_w, int(np.ceil((sx0 + sw) * sx))),
            min(vid_h, int(np.ceil((sy0 + sh) * sy))),
        )
        self.region = (x0, y0, x1, y1)
        # The downscaled region must hold the template at least once.
        self.work_size = (
            max(tw, round((x1 - x0) * self.factor)),
            max(th, round((y1 - y0) * self.factor)),
        )

    def scores(self, luma: np.ndarray) -> np.ndarray:
        """The correlation map of the template over the search region of one frame."""
        x0, y0, x1, y1 = self.region
        roi = luma[y0:y1, x0:x1]
        if roi.shape[1] != self.work_size[0] or roi.shape[0] != self.work_size[1]:
            roi = cv2.resize(roi, self.work_size, interpolation=cv2.INTER_AREA)
        return cv2.matchTemplate(_soften(roi), self.template, cv2.TM_CCOEFF_NORMED)

    def find(self, luma: np.ndarray) -> list[Match]:
        """Every separate place (up to MAX_MATCHES) scoring at least the indicator's threshold."""
        result = self.scores(luma)
        threshold = self.indicator.threshold
        th, tw = self.template.shape
        found: list[Match] = []
        for _ in range(MAX_MATCHES):
            _lo, score, _lo_loc, (x, y) = cv2.minMaxLoc(result)
            if score < threshold or not np.isfinite(score):
                break
            found.append(Match(float(score), x, y))
            # Blank out this match's neighbourhood so the next peak is a different entry.
            result[
                max(0, y - int(th * 0.6)) : y + int(th * 0.6) + 1,
                max(0, x - int(tw * 0.6)) : x + int(tw * 0.6) + 1,
            ] = -1.0
        return found


def _soften(image: np.ndarray) -> np.ndarray:
    """A light blur, so text rasterised at another size or through a codec still lines up."""
    return cv2.GaussianBlur(image, (0, 0), SOFTEN_SIGMA)
