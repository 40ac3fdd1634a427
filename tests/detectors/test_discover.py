"""Indicator discovery on generated footage (exact truth) and on a real clip from ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.discover import DiscoveryError, discover
from detectors.synth import frame_times, write_video

SIZE = (640, 360)
TRUE_BOX = (452, 40, 150, 26)  # the HUD line: [x, y, w, h]
MOMENTS = (2.0, 5.5, 9.0)
SHOWN_S = 1.5
# Real footage lives beside the checkout (CI: <repo>/../shared/data); SHARED_DATA overrides it.
DATA = Path(
    os.environ.get("SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)


def iou(a, b) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _draw(t: float, scene: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    w, h = SIZE
    shift = int(t * 90) % w  # the camera pans 90 px/s
    img = scene[:, shift : shift + w].copy()
    # A fighter that walks about, and a one-off flash at the first moment only.
    cx = int(320 + 200 * np.sin(t * 1.3))
    cv2.circle(img, (cx, 250), 40, (40, 200, 240), -1)
    if 2.0 <= t < 3.0:
        cv2.rectangle(img, (150, 120), (330, 200), (255, 255, 255), -1)
    if any(m <= t < m + SHOWN_S for m in MOMENTS):
        x, y, bw, bh = TRUE_BOX
        cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (20, 20, 30), -1)
        cv2.rectangle(img, (x, y), (x + bw - 1, y + bh - 1), (0, 0, 230), 2)
        cv2.putText(img, "YOU > enemy", (x + 8, y + 19), cv2.FONT_HERSHEY_SIMPLEX, 0.55,
                    (240, 240, 240), 1, cv2.LINE_AA)  # fmt: skip
    noise = rng.integers(0, 12, size=img.shape, dtype=np.uint8)
    return cv2.add(img, noise)


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("discover") / "hud.mp4"
    rng = np.random.default_rng(7)
    small = rng.integers(30, 220, size=(12, 40, 3), dtype=np.uint8)
    scene = cv2.resize(small, (SIZE[0] * 2, SIZE[1]), interpolation=cv2.INTER_NEAREST)
    write_video(path, frame_times(11.0, 20, vfr=False), SIZE, lambda t: _draw(t, scene, rng))
    return path


def test_finds_the_indicator_that_appears_at_every_moment(footage: Path) -> None:
    proposal = discover(footage, MOMENTS)
    assert iou(proposal.box, TRUE_BOX) >= 0.5, proposal
    assert proposal.score > 0.1
    # The reference frame is one where the indicator is shown.
    assert any(m < proposal.reference_time_s < m + SHOWN_S for m in MOMENTS)


def test_the_flash_at_one_moment_wins_only_when_that_moment_is_repeated(footage: Path) -> None:
    # The control for the test above: the flash (150-330 x 120-200) is a strong change, and it is
    # only the other moments that rule it out.
    proposal = discover(footage, (2.0, 2.0))
    assert iou(proposal.box, (150, 120, 180, 80)) > 0.5 or any(
        iou(b, (150, 120, 180, 80)) > 0.5 for b, _ in proposal.candidates
    ), proposal


def test_moments_without_the_indicator_give_nothing(footage: Path) -> None:
    # Nothing appears at these moments (the flash at 2.0 s is not among them): no proposal.
    with pytest.raises(DiscoveryError, match="nothing appeared"):
        discover(footage, (4.5, 7.5, 10.0))


def test_needs_two_moments_inside_the_video(footage: Path) -> None:
    with pytest.raises(DiscoveryError, match="at least 2"):
        discover(footage, (2.0,))
    with pytest.raises(DiscoveryError, match="too close to the start"):
        discover(footage, (0.05, 5.5, 9.0))


@pytest.mark.skipif(not (DATA / "sf2_zangief_vs_ehonda_round.mp4").is_file(),
                    reason="../shared/data (real footage) is not beside the checkout")  # fmt: skip
def test_real_street_fighter_ii_hits_point_at_the_score_counter() -> None:
    # Three of Zangief's hits on E. Honda (Honda's health bar starts to drain at these times,
    # measured off the frames). The health bar drains by a different stretch each time, so the
    # region that appears at all three is Player 1's score counter (top left, "500" -> "1000").
    proposal = discover(DATA / "sf2_zangief_vs_ehonda_round.mp4", (6.73, 21.80, 28.80))
    x, y, w, h = proposal.box
    assert y + h <= 10 and 40 <= x and x + w <= 90, proposal  # 1UP score digits, x 40-90, y 0-9
