"""A form is sent once: a helper's double click on Create made two identical tournaments."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]

COUNT = (
    "from tournaments.models import Tournament; "
    "print(Tournament.objects.filter(name='Once Cup').count())"
)


def test_a_double_click_on_create_makes_one_tournament(site, page):
    site.start()
    log_in(page, site, "player")
    page.goto(site.url("/tournaments/"))
    page.fill(".tournament-form input[name=name]", "Once Cup")
    # The second click of a double click, 40 ms later: the first request is on its way.
    twice = "b => { b.click(); setTimeout(() => b.click(), 40); }"
    page.eval_on_selector(".tournament-form button[type=submit]", twice)
    page.wait_for_selector("h1:has-text('Once Cup')")  # the tournament's page
    assert site.manage("shell", "-c", COUNT).strip().splitlines()[-1] == "1"
    # Back on the list (bfcache or not), the form can be used again.
    page.go_back()
    page.wait_for_selector(".tournament-form button[type=submit]:not([disabled])")
