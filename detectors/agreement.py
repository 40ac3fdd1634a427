"""The indicator's own pixels: where several references of the same indicator agree.

A reference's box holds the indicator and whatever the game drew behind it. When a profile has
two or more references of the same indicator (two kills' medals, two kill-feed lines), the
pixels on which they agree are the indicator (its glyphs, its frame), the ones on which they
differ are scene or the names in the line. ``detectors.matching`` then scores every match it is
about to report again on those pixels only: a patch of scenery that matches the box's coarse
layout of dark and light (Halo's "100" medal on a Street Fighter III stage scored 0.81) scores
far lower once the medal's digits alone are compared (0.62 there; real medals 0.91-0.96).

Each reference is compared with the others of the same kind whose box has about the same size
(relative to its screenshot's height) and whose content matches it (normalised correlation at
least ``SAME_INDICATOR``, at the best shift of up to ``MAX_SHIFT`` px): a profile may also list
different indicators for one kind (a medal and a feed line), which have no common pixels.
With no such other reference, nothing changes.
"""

from __future__ import annotations

import cv2
import numpy as np

# Two references' boxes are about the same size when width and height (as shares of their
# screenshots' heights) differ by at most this factor.
SIZE_TOLERANCE = 1.1
# ...and they show the same indicator when their boxes correlate at least this much...
SAME_INDICATOR = 0.5
# ...at the best shift of up to this many pixels (a box drawn a little off).
MAX_SHIFT = 2
# A pixel is the indicator's where the references, softened, differ by less than this (of 255).
AGREE = 16
SOFTEN_SIGMA = 1.0
# The agreed pixels must be at least this share of the box, with at least this much contrast
# (std, of 255) between them: else there is nothing of the indicator's own to compare.
MIN_SHARE = 0.1
MIN_CONTRAST = 8.0


def own_pixels(crop: np.ndarray, others: list[np.ndarray]) -> np.ndarray | None:
    """The pixels of ``crop`` (a reference's box, grey) that every matching other agrees on.

    Args:
        crop: The box of one reference, grayscale.
        others: The boxes of the other references of the same indicator kind, grayscale, each
            already resized to ``crop``'s size.

    Returns:
        A bool mask of ``crop``'s shape, or None when no other reference shows the same
        indicator or too little of the box is agreed on.
    """
    mine = cv2.GaussianBlur(crop.astype(np.float32), (0, 0), SOFTEN_SIGMA)
    agreed = np.ones(crop.shape, bool)
    paired = False
    for other in others:
        theirs = _aligned(mine, cv2.GaussianBlur(other.astype(np.float32), (0, 0), SOFTEN_SIGMA))
        if theirs is None:
            continue
        paired = True
        agreed &= np.abs(mine - theirs) < AGREE
    if not paired or agreed.mean() < MIN_SHARE or float(mine[agreed].std()) < MIN_CONTRAST:
        return None
    return agreed


def same_size(a: tuple[int, int, int, int], a_height: int, b: tuple[int, int, int, int],
              b_height: int) -> bool:  # fmt: skip
    """Whether boxes ``a`` and ``b`` (of screenshots ``a_height`` and ``b_height`` tall) have
    about the same size relative to their screenshots."""
    for sa, sb in ((a[2], b[2]), (a[3], b[3])):
        ra, rb = sa / a_height, sb / b_height
        if max(ra, rb) > SIZE_TOLERANCE * min(ra, rb):
            return False
    return True


def _aligned(mine: np.ndarray, theirs: np.ndarray) -> np.ndarray | None:
    """``theirs`` shifted (edges repeated) to where it best matches ``mine``; None if it never
    matches it well enough to be the same indicator."""
    pad = MAX_SHIFT
    padded = cv2.copyMakeBorder(theirs, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    scores = cv2.matchTemplate(padded, mine, cv2.TM_CCOEFF_NORMED)
    _lo, best, _lo_loc, (x, y) = cv2.minMaxLoc(scores)
    if not np.isfinite(best) or best < SAME_INDICATOR:
        return None
    h, w = mine.shape
    return padded[y : y + h, x : x + w]
