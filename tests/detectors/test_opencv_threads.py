"""Detection runs OpenCV on one thread and gives the process its thread count back afterwards.

The decoding thread already keeps a small machine's cores busy; OpenCV's own thread pool only
added hand-over costs (see ``detectors.detect._opencv_single_threaded``). Other OpenCV users in
the same process must get their setting back, even when a detection fails.
"""

from __future__ import annotations

import cv2
import pytest

from detectors import detect, load_profile


class _Watcher:
    """A verifier that verifies nothing and notes OpenCV's thread count when it is asked."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def candidate_threshold(self, indicator: object) -> None:
        self.seen.append(cv2.getNumThreads())

    def keep(self, indicator: object, crop_luma: object) -> bool:
        raise AssertionError("not called: no indicator is verified")


def test_matching_is_single_threaded_and_the_setting_is_restored(small_match):
    cv2.setNumThreads(3)
    watcher = _Watcher()
    try:
        result = detect(small_match.video, load_profile(small_match.profile), verifier=watcher)
        assert result.events  # the run matched frames (with the watcher's None: unverified)
        assert watcher.seen and set(watcher.seen) == {1}
        assert cv2.getNumThreads() == 3
    finally:
        cv2.setNumThreads(-1)


def test_the_setting_is_restored_when_detection_fails(small_match):
    def fail() -> bool:
        assert cv2.getNumThreads() == 1  # polled between frames, while matching
        raise RuntimeError("stopped by the caller's error")

    cv2.setNumThreads(3)
    try:
        with pytest.raises(RuntimeError, match="caller's error"):
            detect(small_match.video, load_profile(small_match.profile), should_stop=fail)
        assert cv2.getNumThreads() == 3
    finally:
        cv2.setNumThreads(-1)
