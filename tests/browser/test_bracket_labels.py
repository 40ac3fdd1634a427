"""The bracket view's labels: a double-elimination tournament's grand-final reset is not called a
"Consolation Final" (a helper saw that: the viewer reads a final-group match numbered 2 as the
consolation final, and ours numbered the reset GF-2)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_double_elimination_shows_grand_final_rounds_and_no_consolation_final(site, page):
    site.start()
    log_in(page, site, "player")
    page.goto(site.url("/tournaments/"))
    page.fill(".tournament-form input[name=name]", "Labels")
    page.select_option(".tournament-form select[name=format]", "double")
    page.check(".tournament-form input[name=third_place]")  # ticked by mistake: single only
    page.uncheck(".tournament-form input[name=live]")
    page.click(".tournament-form button[type=submit]")
    page.wait_for_selector("h1:has-text('Labels')")
    page.click("#start-form button")
    page.wait_for_selector(".brackets-viewer .match", timeout=30_000)
    text = page.inner_text(".brackets-viewer")
    assert "Consolation Final" not in text
    assert "GF Round 2" in text or "Grand Final" in text, text[-400:]
