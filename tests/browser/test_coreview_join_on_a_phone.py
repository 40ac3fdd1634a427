"""On a phone, Join in a live review brings the video into view: the panel with the button is
far below it, and a tester who joined was left looking at buttons while the coach's playhead
moved a picture scrolled off the screen. A wide screen, where the video is beside the panel,
stays where it is."""

from __future__ import annotations

import pytest

from tests.browser.conftest import SHOTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

VIDEO = "() => FilmRoomReview.video.getBoundingClientRect().toJSON()"
IN_VIEW = """() => {
  const r = FilmRoomReview.video.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}"""


def test_joining_on_a_phone_scrolls_the_video_into_view(coreview):
    coach, player = coreview
    coach.click("#coreview-start")
    coach.wait_for_selector("#coreview[data-state=leading]")

    # 1400 px wide: joining does not move the page.
    player.locator("#coreview-join").scroll_into_view_if_needed()
    scrolled = player.evaluate("() => window.scrollY")
    player.click("#coreview-join")
    player.wait_for_selector("#coreview[data-state=following]")
    player.wait_for_timeout(500)
    assert player.evaluate("() => window.scrollY") == scrolled
    player.click("#coreview-leave")
    player.wait_for_selector("#coreview[data-state=open]")

    # A phone: the button is far below the video; joining brings the video on screen.
    player.set_viewport_size({"width": 390, "height": 844})
    player.locator("#coreview-join").scroll_into_view_if_needed()
    before = player.evaluate(VIDEO)
    assert before["bottom"] <= 0, before  # the video is off screen where Join is
    player.click("#coreview-join")
    player.wait_for_selector("#coreview[data-state=following]")
    player.wait_for_function(IN_VIEW, timeout=5_000)
    player.screenshot(path=str(SHOTS / "coreview-joined-phone.png"))  # what the phone shows
