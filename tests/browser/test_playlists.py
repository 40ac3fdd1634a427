"""A coach builds a playlist for a player; the player finds it on their dashboard, plays it back
to back, marks a clip reviewed, and follows a share link to the replay at that frame."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TEXT = "((id) => document.getElementById(id).textContent)"


def test_a_coach_builds_a_playlist_and_the_player_reviews_it(site, page, browser):
    site.start()
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=300)["events"] >= 2

    # The coach builds it: two clips, in an order of their choosing, with notes.
    log_in(page, site, "coach")
    page.click("text=New playlist")
    page.fill("input[name=title]", "Your deaths this week")
    page.select_option("select[name=assignee]", label="player")
    page.click("#new-playlist button[type=submit]")
    page.wait_for_url("**/playlists/*/edit")
    boxes = page.locator("#add-form input[name=event]")
    first_event = boxes.nth(0).get_attribute("value")
    second_event = boxes.nth(1).get_attribute("value")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.fill("#add-form input[name=note]", "Watch your left")
    page.click("#add-form button[type=submit]")
    page.wait_for_selector("text=2 clips added.")
    rows = page.locator("tr.item")
    assert rows.count() == 2
    rows.nth(1).locator("textarea[name=note]").fill("Trade earlier here")
    rows.nth(1).locator("button[value=save]").click()
    page.wait_for_selector("text=Note saved.")
    page.locator("tr.item").nth(1).locator("button[value=up]").click()
    page.wait_for_load_state()
    order = page.eval_on_selector_all("tr.item", "rows => rows.map(r => r.dataset.event)")
    assert order == [second_event, first_event]
    shot(page, "playlist-edit")

    # A note typed and not saved is not lost to another button without asking.
    page.locator("tr.item").nth(0).locator("textarea[name=note]").fill("Trade earlier, not saved")
    asked = []
    page.once("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.locator("tr.item").nth(1).locator("button[value=up]").click()
    page.wait_for_timeout(500)
    assert asked == ["beforeunload"]
    # Stayed: the button pressed works again at once (not after the 8 s a sent form waits).
    assert page.locator("tr.item").nth(1).locator("button[value=up]").is_enabled()
    box = page.locator("tr.item").nth(0).locator("textarea[name=note]")
    assert box.input_value() == "Trade earlier, not saved"  # stayed, with the text
    box.fill("Trade earlier here")
    page.locator("tr.item").nth(0).locator("button[value=save]").click()  # its own Save: no ask
    page.wait_for_selector("text=Note saved.")
    assert asked == ["beforeunload"]
    # On a phone each clip is a block: its buttons and note box on screen, nothing wider.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    right = page.eval_on_selector_all(
        "tr.item button, tr.item textarea",
        "els => Math.max(...els.map(e => e.getBoundingClientRect().right))",
    )
    assert right <= 390
    shot(page, "playlist-edit-phone")
    page.set_viewport_size({"width": 1280, "height": 800})

    # The player sees it on their dashboard.
    player = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    player.set_default_timeout(30_000)
    log_in(player, site, "player")
    card = player.locator("#my-playlists li", has_text="Your deaths this week")
    assert "for you" in card.inner_text() and "0 / 2" in card.inner_text()
    shot(player, "dashboard-playlist")
    card.locator("a").click()
    player.wait_for_selector("#pl-video")
    assert player.inner_text("#pl-note") == "Trade earlier here"
    assert player.inner_text("#pl-index") == "1"
    assert not player.is_visible("#pl-rejected")  # a kept event is not called rejected

    # Plays back to back: the end of a clip starts the next one, with its note.
    player.click("#pl-review")  # a click, so the page may play with sound from now on
    player.wait_for_function("() => text('pl-reviewed-count') == '1'".replace("text", TEXT))
    assert player.inner_text("#pl-review") == "✓ Reviewed (undo)"
    player.evaluate(
        """() => new Promise((resolve) => {
            const v = document.getElementById('pl-video');
            const go = () => {
                v.currentTime = Math.max(0, v.duration - 0.3); v.play(); resolve(); };
            if (v.readyState >= 1) go();
            else v.addEventListener('loadedmetadata', go, {once: true});
        })"""
    )
    player.wait_for_function("() => document.getElementById('pl-index').textContent == '2'")
    assert player.inner_text("#pl-note") == "Watch your left"
    player.wait_for_function(
        "() => { const v = document.getElementById('pl-video');"
        " return v.currentSrc.includes('/events/"
        + first_event
        + "/clip.mp4') && v.currentTime > 0; }"  # fmt: skip
    )
    assert player.inner_text("#pl-review") == "Mark reviewed"
    shot(player, "playlist-player")
    player.click("#pl-prev")
    player.wait_for_function("() => document.getElementById('pl-index').textContent == '1'")
    assert player.inner_text("#pl-review") == "✓ Reviewed (undo)"

    # The mark is kept (per user) and the dashboard counts it.
    player.reload()
    assert player.inner_text("#pl-reviewed-count") == "1"
    player.goto(site.url("/"))
    card = player.locator("#my-playlists li", has_text="Your deaths this week")
    assert "1 / 2" in card.inner_text()
    page.goto(site.url("/"))
    assert "Your deaths this week" not in page.inner_text("#my-playlists")  # not the coach's

    # A share link opens the replay at the clip's frame.
    player.goto(site.url("/playlists/1/?at=1"))
    share = player.get_attribute("#pl-share", "href")
    frame = share.split("frame=")[1]
    player.goto(site.url(share))
    player.wait_for_selector("#review[data-ready='1']")
    player.wait_for_function(f"() => {TEXT}('frame-no') == '{frame}'")
    assert player.input_value("#share-link").endswith(f"?frame={frame}")  # at once, not 0
    # A late picture of the first frame (a loaded machine composites one while the seek is in
    # flight) does not rewrite the link: it follows the readout, which shows the seek's target.
    player.evaluate(
        "() => document.dispatchEvent(new CustomEvent('filmroom:frame',"
        " {detail: {frame: 0, time: 0}}))"
    )
    assert player.input_value("#share-link").endswith(f"?frame={frame}")
    player.wait_for_selector("#review[data-settled='1']")
    assert player.evaluate("() => window.FilmRoomReview.currentFrame()") == int(frame)
    assert player.input_value("#share-link").endswith(f"?frame={frame}")
    # The link follows the readout: a step moves it on at once, and it stays on the new frame.
    player.locator("#player").focus()
    player.keyboard.press(".")
    nxt = int(frame) + 1
    assert player.input_value("#share-link").endswith(f"?frame={nxt}")
    player.wait_for_selector("#review[data-settled='1']")
    assert player.evaluate("() => window.FilmRoomReview.currentFrame()") == nxt
    assert player.input_value("#share-link").endswith(f"?frame={nxt}")
    shot(player, "share-link")
    player.context.close()
