"""Regions of a frame's planes downscaled through the shared pyramid, or on their own."""

from __future__ import annotations

import numpy as np

from detectors import downscale


def test_a_small_region_is_halved_on_its_own_with_the_pyramids_pixels():
    # A kill-feed line's region is a twentieth of the frame: while no other indicator has
    # halved the whole plane, the region is halved alone, and gives exactly the pyramid's pixels.
    rng = np.random.default_rng(3)
    size = {1: (84, 70), 2: (42, 35)}
    for k in (1, 2):
        plane = rng.integers(0, 256, (1080, 1920), np.uint8)
        region = downscale.snap((1301, 2, 1639, 279), k, (1920, 1080))
        assert (region[2] - region[0]) * (region[3] - region[1]) < (
            downscale.OWN_RESIZE_SHARE * 1920 * 1080
        )
        alone = downscale.region_at(plane, region, size[k]).copy()
        assert not downscale._built(plane, k)  # the whole plane was not halved
        downscale._level(plane, k)
        assert downscale._built(plane, k)
        shared = downscale.region_at(plane, region, size[k])
        assert np.array_equal(alone, shared), k


def test_a_large_region_is_cut_from_the_pyramid():
    plane = np.random.default_rng(4).integers(0, 256, (1080, 1920), np.uint8)
    downscale.region_at(plane, (960, 0, 1920, 540), (240, 135))
    assert downscale._built(plane, 2)
