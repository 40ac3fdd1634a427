"""Downscaling regions of a frame's planes cheaply, shared by every indicator that matches them.

OpenCV's area (box) resize is fast only for whole-number factors: halving a 1080p plane takes
well under a millisecond, while shrinking it by 4.1 takes several, and a profile with large
search regions did that for every indicator on every sampled frame. So each plane gets a small
pyramid of exact halvings (made when first asked for, kept for the last few planes seen, and
shared by all indicators and by the whole-frame scale search), and a region is taken from the
coarsest level that still has at least the resolution asked for, then resized bilinearly by
the rest (a factor under 2, where bilinear is close to a box filter).

A region whose edges do not fall on that level's pixel grid is taken from a finer level (exact,
slower): :func:`snap` grows a region onto the grid first. A small region (under
``OWN_RESIZE_SHARE`` of the plane) of a plane nobody has halved yet is halved on its own: the
same pixels, without reading the whole plane.

Planes are treated as read-only: a plane is recognised by identity, so writing new pixels into
an array that was matched already would match the old ones.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

# At most this many halvings (a 1080p plane to 67 rows).
MAX_LEVEL = 4
# A region under this share of its plane is halved on its own while no other indicator has
# halved the whole plane: halving a 1080p luma plane fresh from the decoder costs about 0.27 ms
# (its 2 MB are read from memory), and a kill-feed line's region is a twentieth of it.
OWN_RESIZE_SHARE = 0.15
# Pyramids are kept for this many planes (luma and two chroma planes of the last two frames).
KEPT_PLANES = 6

Region = tuple[int, int, int, int]  # x0, y0, x1, y1 in the plane's pixels

_kept = threading.local()


def level_for(width: int, height: int, size: tuple[int, int]) -> int:
    """The coarsest level with at least ``size``'s resolution for a ``width`` x ``height`` area."""
    k = 0
    while k < MAX_LEVEL and width >= 2 ** (k + 1) * size[0] and height >= 2 ** (k + 1) * size[1]:
        k += 1
    return k


def snap(region: Region, level: int, plane_size: tuple[int, int]) -> Region:
    """``region`` grown onto the pixel grid of ``level`` (clipped to the plane)."""
    step = 2**level
    x0, y0, x1, y1 = region
    width, height = plane_size
    return (
        x0 // step * step,
        y0 // step * step,
        min(width, -(-x1 // step) * step),
        min(height, -(-y1 // step) * step),
    )


def region_at(
    plane: np.ndarray,
    region: Region,
    size: tuple[int, int],
    window: tuple[slice, slice] | None = None,
) -> np.ndarray:
    """``plane[y0:y1, x0:x1]`` resized to ``size`` (w, h), or only its ``window`` (rows, cols).

    A window is computed on its own, sampled as the whole resize would be there: a large region
    scored only around a few candidates does not pay for resizing all of it.
    """
    x0, y0, x1, y1 = region
    k = _usable_level(plane, region, size)
    step = 2**k
    height, width = plane.shape[:2]
    if k and not _built(plane, k) and (x1 - x0) * (y1 - y0) < OWN_RESIZE_SHARE * width * height:
        # A small region, and no other indicator has halved this plane yet: halve the region
        # alone. It lies on the level's grid, so its pixels are exactly the level's there.
        src = plane[y0:y1, x0:x1]
        for _ in range(k):
            src = _halve(src)
    else:
        src = _level(plane, k)[y0 // step : -(-y1 // step), x0 // step : -(-x1 // step)]
    sh, sw = src.shape[:2]
    if (sw, sh) == tuple(size):
        return src if window is None else src[window]
    if sw > 2 * size[0] or sh > 2 * size[1]:
        # Not on a coarser level's grid: a box filter, as a plain resize would.
        whole = cv2.resize(src, tuple(size), interpolation=cv2.INTER_AREA)
        return whole if window is None else whole[window]
    if window is None:
        return cv2.resize(src, tuple(size), interpolation=cv2.INTER_LINEAR)
    rows, cols = window
    r0, r1, _ = rows.indices(size[1])
    c0, c1, _ = cols.indices(size[0])
    sx, sy = sw / size[0], sh / size[1]
    # cv2.resize's bilinear sampling, src = (dst + 0.5) * s - 0.5, shifted to the window.
    matrix = np.array(
        [[sx, 0.0, (c0 + 0.5) * sx - 0.5], [0.0, sy, (r0 + 0.5) * sy - 0.5]], np.float64
    )
    return cv2.warpAffine(
        src,
        matrix,
        (c1 - c0, r1 - r0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _usable_level(plane: np.ndarray, region: Region, size: tuple[int, int]) -> int:
    """The coarsest level with enough resolution on whose grid ``region`` lies."""
    x0, y0, x1, y1 = region
    height, width = plane.shape[:2]
    k = level_for(x1 - x0, y1 - y0, size)
    while k > 0:
        step = 2**k
        covered = x1 <= width // step * step and y1 <= height // step * step
        if covered and not (x0 % step or y0 % step or x1 % step or y1 % step):
            break
        k -= 1
    return k


def _level(plane: np.ndarray, k: int) -> np.ndarray:
    """Level ``k`` of the plane's pyramid (level 0 is the plane)."""
    if k == 0:
        return plane
    kept: list[tuple[np.ndarray, list[np.ndarray]]] | None = getattr(_kept, "planes", None)
    if kept is None:
        kept = _kept.planes = []
    found = next((i for i, (held, _levels) in enumerate(kept) if held is plane), None)
    if found is None:
        kept.insert(0, (plane, [plane]))
        del kept[KEPT_PLANES:]
    elif found:
        kept.insert(0, kept.pop(found))
    levels = kept[0][1]
    while len(levels) <= k:
        levels.append(_halve(levels[-1]))
    return levels[k]


def _built(plane: np.ndarray, k: int) -> bool:
    """Whether level ``k`` of the plane's pyramid is made already."""
    kept: list[tuple[np.ndarray, list[np.ndarray]]] = getattr(_kept, "planes", None) or []
    return any(held is plane and len(levels) > k for held, levels in kept)


def _halve(src: np.ndarray) -> np.ndarray:
    """Each 2x2 block averaged (an odd last row or column is dropped)."""
    h, w = src.shape[0] // 2, src.shape[1] // 2
    return cv2.resize(src[: 2 * h, : 2 * w], (max(1, w), max(1, h)), interpolation=cv2.INTER_AREA)


def factor_level(factor: float) -> int:
    """The level whose resolution is the nearest at or above ``factor`` of the plane's."""
    if factor >= 1.0:
        return 0
    return min(MAX_LEVEL, int(math.floor(math.log2(1.0 / factor) + 1e-9)))
