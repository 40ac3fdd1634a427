"""Indicator discovery on generated footage (exact truth) and on a real clip from ../shared/data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from detectors.discover import DiscoveryError, discover
from tests.discovery_footage import FLASH_BOX, MOMENTS, SHOWN_S, TRUE_BOX, iou, make_hud_footage

# Real footage lives beside the checkout (CI: <repo>/../shared/data); SHARED_DATA overrides it.
DATA = Path(
    os.environ.get("SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
SF2 = DATA / "sf2_zangief_vs_ehonda_round.mp4"


@pytest.fixture(scope="module")
def footage(tmp_path_factory) -> Path:
    return make_hud_footage(tmp_path_factory.mktemp("discover") / "hud.mp4")


def test_finds_the_indicator_that_appears_at_every_moment(footage: Path) -> None:
    proposal = discover(footage, MOMENTS)
    assert iou(proposal.box, TRUE_BOX) >= 0.5, proposal
    assert proposal.score > 0.1
    # The reference frame is one where the indicator is shown.
    assert any(m < proposal.reference_time_s < m + SHOWN_S for m in MOMENTS)


def test_one_moment_marked_wrong_is_left_out(footage: Path) -> None:
    # 7.5 s: nothing appears there; the two right moments still agree on the HUD line.
    proposal = discover(footage, (2.0, 5.5, 7.5))
    assert iou(proposal.box, TRUE_BOX) >= 0.5, proposal
    assert proposal.ignored_moment_s == 7.5
    assert any(m < proposal.reference_time_s < m + SHOWN_S for m in MOMENTS)


def test_the_flash_at_one_moment_wins_only_when_that_moment_is_repeated(footage: Path) -> None:
    # The control for the test above: the flash is a strong change, and it is only the other
    # moments that rule it out.
    proposal = discover(footage, (2.0, 2.0))
    boxes = [proposal.box, *(b for b, _ in proposal.candidates)]
    assert any(iou(b, FLASH_BOX) > 0.5 for b in boxes), proposal


def test_moments_without_the_indicator_give_nothing(footage: Path) -> None:
    # Nothing appears at these moments (the flash at 2.0 s is not among them): no proposal.
    with pytest.raises(DiscoveryError, match="nothing appeared"):
        discover(footage, (4.5, 7.5, 10.0))


def test_needs_two_moments_inside_the_video(footage: Path) -> None:
    with pytest.raises(DiscoveryError, match="at least 2"):
        discover(footage, (2.0,))
    with pytest.raises(DiscoveryError, match="too close to the start"):
        discover(footage, (0.05, 5.5, 9.0))


@pytest.mark.skipif(not SF2.is_file(), reason=f"real footage {SF2} is not beside the checkout")
def test_real_street_fighter_ii_hits_point_at_the_score_counter() -> None:
    # Three of Zangief's hits on E. Honda (Honda's health bar starts to drain at these times,
    # measured off the frames). The bar drains by a different stretch each time, so the region
    # that appears at all three is Player 1's score counter (top left: 500 -> 1000, 1500 -> 2000,
    # 2000 -> 4000, checked on the frames).
    proposal = discover(SF2, (6.73, 21.80, 28.80))
    x, y, w, h = proposal.box
    assert y + h <= 10 and 40 <= x and x + w <= 90, proposal  # 1UP score digits, x 40-90, y 0-9
