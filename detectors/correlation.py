"""Numeric primitives of template matching: normalised correlation and what goes with it.

* :func:`ncc`: ``cv2.TM_CCOEFF_NORMED``'s scores, computed faster from plain correlation and box
  sums (:func:`centred`); :func:`masked_ncc` over some pixels only; :func:`chroma_score`, a
  chroma plane's correlation normalised with a floor on the frame's chroma contrast.
* :func:`soften` and :func:`work_roi`: the light blur applied to template and frame alike, and a
  region (or a window of it) cut at the work size and softened.
* :func:`peaks`: separate maxima of a score map, each a :class:`Match`.
* :func:`chroma_planes`, :func:`chroma_region`: a frame's U and V planes, and a luma region in
  their pixels.
* :func:`parts`, :func:`blank_part`: the blank-part rule that rules out a match of a
  one-screenshot indicator where the frame is blank where the template has marks.

Used by :mod:`detectors.matching`, :mod:`detectors.colour` and :mod:`detectors.scale_search`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from detectors.downscale import region_at

# Blur (work pixels) applied to template and frame alike before matching.
SOFTEN_SIGMA = 1.0
# ...which reaches this far (work px): a window of a region is softened with this much around it.
SOFTEN_PAD = 4
# Separate matches (stacked kill-feed entries, up to matching.MAX_MATCHES) are apart by more than
# this share of the template's height (or width). Stacked entries do not overlap (a kill feed's
# line pitch is about 1.25 line heights); one look-alike in a periodic texture peaked twice 0.6
# heights apart (Halo's profile on the SF3 clip) and counted as a second, stacked kill.
DISTINCT = 0.8
# One screenshot of an indicator (no own pixels): a match is ruled out where the frame is blank
# in half or more of the parts of the box where the template has marks (see blank_part). The
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
# A frame's chroma contrast counts as at least this fraction of the template's (see chroma_score).
CHROMA_FLOOR = 0.5


@dataclass(frozen=True)
class Match:
    """One place where the indicator was found: its score and top-left corner in work pixels."""

    score: float
    x: int
    y: int


def peaks(result: np.ndarray, shape: tuple[int, ...], threshold: float, limit: int) -> list[Match]:
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


def chroma_planes(frame: object) -> tuple[np.ndarray, np.ndarray]:
    """A frame's U and V planes (read with ``chroma=True``), which a colour indicator needs."""
    chroma = frame.chroma  # type: ignore[attr-defined]
    if chroma is None:
        raise ValueError("a colour indicator needs frames read with chroma=True")
    return chroma


def chroma_region(
    region: tuple[int, int, int, int], luma_shape: tuple[int, ...], chroma_shape: tuple[int, ...]
) -> tuple[int, int, int, int]:
    """A region of the luma plane (x0, y0, x1, y1) in the chroma planes' pixels."""
    x0, y0, x1, y1 = region
    fy, fx = chroma_shape[0] / luma_shape[0], chroma_shape[1] / luma_shape[1]
    cx0, cy0 = int(x0 * fx), int(y0 * fy)
    return cx0, cy0, max(cx0 + 1, math.ceil(x1 * fx)), max(cy0 + 1, math.ceil(y1 * fy))


def chroma_score(roi: np.ndarray, tpl: np.ndarray, t_std: float) -> np.ndarray:
    """Correlation of a chroma plane, normalised with a floor on the frame's chroma contrast.

    Plain normalised correlation divides by the frame window's own contrast, so a grey line's
    flat chroma (codec noise only) can score as high as a coloured one. Here a window's contrast
    counts as at least ``CHROMA_FLOOR`` times the template's, so flat chroma scores about 0.
    """
    root_n = math.sqrt(tpl.size)
    cov, spread = centred(roi, tpl)
    # Per-pixel covariance / (per-pixel std, floored, x the template's std); the window's
    # sqrt(spread) is root_n x its per-pixel std.
    std = cv2.sqrt(spread)
    np.maximum(std, CHROMA_FLOOR * t_std * root_n, out=std)
    score = cv2.divide(cov, std, scale=1.0 / (root_n * t_std))
    return np.clip(score, -1.0, 1.0, out=score)


def ncc(roi: np.ndarray, tpl: np.ndarray) -> np.ndarray:
    """Normalised cross-correlation of ``tpl`` over ``roi``: ``cv2.TM_CCOEFF_NORMED``'s scores.

    Computed from OpenCV's plain correlation and box sums, about twice as fast: its own
    ``TM_CCOEFF_NORMED`` does not get the optimised path plain correlation gets, and this is
    the bulk of matching. A window flatter than half a grey level (standard deviation) scores 0.
    """
    cov, spread = centred(roi, tpl)
    _mean, t_std = cv2.meanStdDev(tpl)
    t_norm = float(t_std[0, 0]) * math.sqrt(tpl.size)
    if t_norm == 0.0:
        return np.zeros_like(cov)
    # Flat windows get a huge spread instead of ~0, so they score ~0 rather than noise over 0.
    flat = cv2.threshold(spread, 0.25 * tpl.size, 1e30, cv2.THRESH_BINARY_INV)[1]
    return cv2.divide(cov, cv2.sqrt(cv2.add(spread, flat)), scale=1.0 / t_norm)


def parts(th: int, tw: int) -> list[tuple[slice, slice]]:
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


def blank_part(window: np.ndarray, spreads: list[tuple[tuple[slice, slice], float]]) -> bool:
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
    whole = pixel_std(window)
    if whole < 0.5:
        return True
    blank = sum(pixel_std(window[p]) / whole < PART_CONTRAST * share for p, share in spreads)
    return len(spreads) >= MIN_PARTS and 2 * blank >= len(spreads)


def pixel_std(image: np.ndarray) -> float:
    """The standard deviation of a plane's pixels (OpenCV's, several times numpy's speed on the
    small windows matched here)."""
    return float(cv2.meanStdDev(image)[1][0, 0])


def masked_ncc(window: np.ndarray, tpl: np.ndarray, mask: np.ndarray) -> float:
    """Normalised correlation of a window and the template over the ``mask`` pixels only
    (0 where either is flat there, as ``ncc`` scores flat windows)."""
    w = window[mask].astype(np.float64)
    t = tpl[mask].astype(np.float64)
    w -= w.mean()
    t -= t.mean()
    w_sq, t_sq = float(w @ w), float(t @ t)
    if w_sq < 0.25 * w.size or t_sq == 0.0:
        return 0.0
    return float(w @ t) / math.sqrt(w_sq * t_sq)


def centred(roi: np.ndarray, tpl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def work_roi(
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
        return soften(region_at(plane, region, size), sigma)
    rows, cols = window
    r0, r1, _ = rows.indices(size[1])
    c0, c1, _ = cols.indices(size[0])
    p0, p1 = max(0, r0 - SOFTEN_PAD), min(size[1], r1 + SOFTEN_PAD)
    q0, q1 = max(0, c0 - SOFTEN_PAD), min(size[0], c1 + SOFTEN_PAD)
    padded = soften(region_at(plane, region, size, (slice(p0, p1), slice(q0, q1))), sigma)
    return padded[r0 - p0 : r1 - p0, c0 - q0 : c1 - q0]


def soften(image: np.ndarray, sigma: float = SOFTEN_SIGMA) -> np.ndarray:
    """A light blur, so text rasterised at another size or through a codec still lines up."""
    return cv2.GaussianBlur(image, (0, 0), sigma)
