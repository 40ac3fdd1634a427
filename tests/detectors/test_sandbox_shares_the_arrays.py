"""The decoding sandbox's child gets a profile's decoded reference screenshots through shared
memory (``detectors.sandbox.pack_request``), not pickled through its stdin: the same pixels, the
same detection."""

from __future__ import annotations

import dataclasses
import os
import zlib

import numpy as np
import pytest

from detectors import sandbox
from detectors.detect import detect
from detectors.profile import load_profile
from detectors.synth import make_match

LIMITS = sandbox.Limits(timeout_s=120)


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    """A short small clip whose profile has two 1080p reference screenshots."""
    return make_match(
        tmp_path_factory.mktemp("shared"),
        duration_s=2,
        fps=15,
        size=(320, 180),
        kills=(0.5,),
        deaths=(1.3,),
        allies=(),
        reference_size=(1920, 1080),
    )


def test_the_screenshots_go_in_shared_memory_not_on_stdin(match):
    profile = load_profile(match.profile)
    assert [ind.image_bgr.shape for ind in profile.indicators] == [(1080, 1920, 3)] * 2
    raw, fd = sandbox.pack_request(("detectors.detect:detect", (match.video, profile), {}))
    assert fd is not None
    try:
        assert len(raw) < 16 * 1024  # was the whole 16.6 MB
        assert os.fstat(fd).st_size >= 2 * (1920 * 1080 * 4)  # gray + BGR of each
        _, (_, got), _ = sandbox.unpack_request(raw, os.dup(fd))
    finally:
        os.close(fd)
    for sent, received in zip(profile.indicators, got.indicators, strict=True):
        for field in dataclasses.fields(sent):  # every field, pixels included
            a, b = getattr(received, field.name), getattr(sent, field.name)
            assert np.array_equal(a, b) if isinstance(b, np.ndarray) else a == b, field.name
        received.image_bgr[0, 0] = 255 - sent.image_bgr[0, 0]  # writable, as unpickled ones were
        assert not np.array_equal(received.image_bgr[0, 0], sent.image_bgr[0, 0])


@pytest.mark.parametrize(
    "request_",
    [
        ("builtins:id", (None,), {}),
        ("builtins:id", (np.zeros((0, 3), np.uint8),), {}),
        ("builtins:id", (np.arange(12, dtype=np.float64).reshape(3, 4).T,), {}),  # not C order
    ],
    ids=["no-arrays", "empty-array", "fortran-order"],
)
def test_requests_without_big_arrays_come_back_the_same(request_):
    raw, fd = sandbox.pack_request(request_)
    got = sandbox.unpack_request(raw, fd)
    assert got[0] == request_[0]
    sent, received = request_[1][0], got[1][0]
    if sent is None:
        assert received is None and fd is None
    else:
        assert received.dtype == sent.dtype and np.array_equal(received, sent)


def test_the_child_sees_the_same_pixels_and_detects_the_same(match):
    profile = load_profile(match.profile)
    for ind in profile.indicators:
        for pixels in (ind.image, ind.image_bgr):
            assert sandbox.run("zlib:crc32", pixels, limits=LIMITS) == zlib.crc32(pixels)
    here = detect(match.video, profile)
    there = sandbox.detect(match.video, profile, limits=LIMITS)
    assert there.events == here.events and here.events
    assert (there.frames_decoded, there.complete) == (here.frames_decoded, here.complete)
