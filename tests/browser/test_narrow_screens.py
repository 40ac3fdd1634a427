"""Pages fit a phone's width, and long names never widen a page (a helper's browser pass found
the menu 645 px wide at 390 px, the review's controls cut off, and a 240-character file name
making the replay list 2,700 px wide)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot
from tests.livesite import upload

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LONG = "A" * 240 + ".mp4"
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_every_menu_page_and_the_review_fit_a_phone_and_long_names_wrap(site, browser):
    site.start()
    site.login("player", site.password)
    assert site.wait_done(1, timeout=300)["state"] == "done"
    state = upload(site, 1, LONG, b"not a video at all", chunk=1 << 20)
    long_id = int(state["replay_url"].strip("/").split("/")[-1])
    assert site.wait_done(long_id)["state"] == "failed"  # listed, with its name, all the same

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    log_in(page, site, "player")
    menu = page.eval_on_selector_all(".topbar nav a", "links => links.map(a => a.pathname)")
    assert len(menu) >= 6
    # Every menu link is on screen, not scrolled off to the right.
    right = page.eval_on_selector_all(
        ".topbar a, .topbar button",
        "els => Math.max(...els.map(e => e.getBoundingClientRect().right))",
    )
    assert right <= 390
    for path in ["/", *menu, f"/replays/{long_id}/"]:
        page.goto(site.url(path))
        assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than a 390 px phone"

    # A table that scrolls sideways shows that it does (an edge glow), not only by swiping.
    page.goto(site.url("/replays/"))
    cues = page.eval_on_selector_all(
        "main table",
        "ts => ts.filter(t => t.scrollWidth > t.clientWidth)"
        ".map(t => getComputedStyle(t).backgroundImage)",
    )
    assert cues and all("radial-gradient" in c for c in cues), cues
    shot(page, "phone-replays")

    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")
    assert page.evaluate(OVERFLOW) <= 0
    video = page.eval_on_selector("#player", "v => v.getBoundingClientRect().right")
    assert video <= 390
    offscreen = page.eval_on_selector_all(
        "#review .review-bar button",
        "bs => bs.filter(b => b.getBoundingClientRect().right > window.innerWidth).length",
    )
    assert offscreen == 0
    # The share link stays readable (it shrank to 20 px beside its sentence and button).
    assert page.eval_on_selector("#share-link", "e => e.getBoundingClientRect().width") >= 200
    page.click("[data-step='1']")  # on screen, so it can be tapped
    page.wait_for_function("() => document.getElementById('frame-no').textContent == '1'")
    shot(page, "phone-review")
    phone.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    log_in(page, site, "player")
    for path in ("/", "/replays/", f"/replays/{long_id}/"):
        page.goto(site.url(path))
        assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than the window with a long name"
    shot(page, "long-name")
    # No table spills out of its card over the card beside it (the tournament list's last
    # column was hidden under the form beside it): it fits, or its card scrolls.
    for path in menu:
        page.goto(site.url(path))
        spilled = page.eval_on_selector_all(
            "main .card table",
            """ts => ts.filter(t => {
                const card = t.closest('.card');
                const right = card.getBoundingClientRect().right;
                const fits = t.getBoundingClientRect().right <= right + 1;
                return !fits && getComputedStyle(card).overflowX !== 'auto';
            }).length""",
        )
        assert spilled == 0, f"a table on {path} spills out of its card"
    page.goto(site.url("/tournaments/"))
    shot(page, "desk-tournaments")
    desk.close()


URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG&t=754s"
WORD = "W" * 300


def test_long_words_and_urls_people_write_never_widen_a_page(site, browser):
    """A helper found a note holding a URL 602 px wide on a phone, a 300-character word in a
    clip note making the playlist player 3,103 px wide, and tables widening the home page (501
    px), the replay list (513 px) and a playlist's edit page (667 px) on a 390 px phone."""
    site.start()
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=300)["events"] >= 2

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    log_in(page, site, "coach")
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")
    for text in (f"Compare with the pro VOD: {URL}", WORD):
        page.fill("#note-text", text)
        page.click("#note-save")
        page.wait_for_function(
            "t => [...document.querySelectorAll('#note-list .note-text')]"
            ".some(p => p.textContent.includes(t.slice(-20)))",
            arg=text,
        )
    page.goto(site.url("/"))
    page.click("text=New playlist")
    page.fill("input[name=title]", "Long words")
    page.select_option("select[name=assignee]", label="player")
    page.click("#new-playlist button[type=submit]")
    page.wait_for_url("**/playlists/*/edit")
    edit = page.url
    page.locator("#add-form input[name=event]").nth(0).check()
    page.fill("#add-form input[name=note]", WORD)
    page.click("#add-form button[type=submit]")
    page.wait_for_selector("text=1 clip added.")
    page.locator("tr.item").nth(0).locator("textarea[name=note]").fill(f"{URL} {WORD}")
    page.locator("tr.item").nth(0).locator("button[value=save]").click()
    page.wait_for_load_state()
    play = edit.removesuffix("edit")
    paths = ["/", "/replays/", "/replays/1/", play, edit]
    for path in paths:
        page.goto(path if path.startswith("http") else site.url(path))
        assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than the window at 1280 px"
    shot(page, "long-words-desk")
    desk.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    log_in(page, site, "coach")
    for path in paths:
        page.goto(path if path.startswith("http") else site.url(path))
        if path == "/replays/1/":
            page.wait_for_selector("#note-list .note-text")
        assert page.evaluate(OVERFLOW) <= 0, f"{path} is wider than a 390 px phone"
        if path == edit:
            shot(page, "long-words-phone-edit")
    # The notes form stays usable: its tools and text box are on the phone's screen.
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#note-list .note-text")
    right = page.eval_on_selector_all(
        "#note-form button, #note-form textarea",
        "els => Math.max(...els.map(e => e.getBoundingClientRect().right))",
    )
    assert right <= 390
    # ...and so are the events' buttons (Show, Clip, confirm, reject), without scrolling sideways.
    right = page.eval_on_selector_all(
        "#event-rows button",
        "els => Math.max(...els.map(e => e.getBoundingClientRect().right))",
    )
    assert right <= page.eval_on_selector("table.events", "t => t.getBoundingClientRect().right")
    shot(page, "long-words-phone-review")
    phone.close()
