"""The organiser cancels a running tournament and deletes a draft; a spectator's open page follows
both live (its socket), and the organiser is asked first each time."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _create(page, site, name: str) -> str:
    page.goto(site.url("/tournaments/"))
    page.fill(".tournament-form input[name=name]", name)
    page.click(".tournament-form button[type=submit]")
    page.wait_for_selector(f"h1:has-text('{name}')")
    return page.url


def test_a_spectator_sees_the_cancel_and_the_delete_as_they_happen(site, page, browser):
    site.start()
    log_in(page, site, "player")
    url = _create(page, site, "Cancel me")
    page.click("#start-form button")
    page.wait_for_selector("#t-state:has-text('Running')")
    spectator = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    spectator.goto(url)  # no login: a public tournament
    spectator.wait_for_selector("#t-state:has-text('Running')")
    assert spectator.locator("#cancel-link").count() == 0  # not the spectator's to cancel
    # The embedded live match is as tall as the match page it shows (on a phone, too).
    spectator.wait_for_selector("#live-match:not([hidden])", timeout=30_000)
    spectator.wait_for_function(
        """() => { const f = document.getElementById("live-match");
                   const d = f.contentDocument; if (!d || !d.querySelector("canvas")) return false;
                   const inner = d.querySelector("main").getBoundingClientRect().bottom;
                   return inner > 200 && Math.abs(f.clientHeight - inner) < 60; }""",
        timeout=15_000,
    )
    shot(spectator, "tournament-live-phone")

    page.click("#cancel-link")
    page.wait_for_selector("h1:has-text('Cancel “Cancel me”?')")
    shot(page, "tournament-cancel-confirm")
    page.click("button.danger")
    page.wait_for_selector(".messages :text('Cancel me cancelled.')")
    assert page.inner_text("#t-state") == "Cancelled"
    assert page.locator("#cancel-link").count() == 0
    spectator.wait_for_selector("#t-state:has-text('Cancelled')", timeout=10_000)
    assert spectator.locator("#live-match").is_hidden()  # nothing is "now playing" any more
    shot(spectator, "tournament-cancelled-phone")

    url = _create(page, site, "Delete me")
    spectator.goto(url)
    spectator.wait_for_selector("#t-state:has-text('Taking entrants')")
    page.click("#delete-link")
    page.wait_for_selector("h1:has-text('Delete “Delete me”?')")
    page.click("button.danger")
    page.wait_for_selector(".messages :text('Delete me deleted.')")
    assert "Delete me" not in page.inner_text("main table")  # the list, without it
    spectator.wait_for_selector("#t-state:has-text('Deleted')", timeout=10_000)
    assert spectator.locator("#signup").count() == 0
    spectator.context.close()
