"""A coach invites a new player by link; the player makes an account on the link's page and
joins; the coach makes them a coach, then removes them (asked first)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_coach_invites_a_new_player_by_link(site, browser):
    site.start()
    coach = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    log_in(coach, site, "coach")
    coach.click("nav >> text=Teams")
    coach.click("#teams >> text=Demo Team")
    coach.select_option("#invites select[name=role]", "player")
    coach.click("text=Make an invite link")
    coach.wait_for_selector("text=Invite link made")
    link = coach.input_value(".invite-url")
    assert "/join/" in link
    shot(coach, "team-members-coach")

    newcomer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    newcomer.goto(link)
    assert "You are invited to join as a player" in newcomer.inner_text("#join")
    newcomer.fill("input[name=username]", "riley")
    newcomer.fill("input[name=password1]", "riley")
    newcomer.fill("input[name=password2]", "riley")
    newcomer.click("#signup-form button[type=submit]")
    newcomer.wait_for_selector("text=The password is too similar to the username.")
    assert newcomer.input_value("input[name=username]") == "riley"  # kept
    newcomer.fill("input[name=password1]", "quiet-meadow-72")
    newcomer.fill("input[name=password2]", "quiet-meadow-72")
    newcomer.click("#signup-form button[type=submit]")
    newcomer.wait_for_selector("text=Welcome to Demo Team: you joined as a player.")
    shot(newcomer, "team-joined-phone")
    assert newcomer.evaluate("() => document.documentElement.scrollWidth") <= 390
    newcomer.click("text=Replays and trends")
    assert "Demo Team" in newcomer.inner_text("h1")

    coach.reload()
    row = "#members tr[data-user=riley]"
    assert coach.inner_text(f"{row} .role") == "Player"
    assert "1 joined" in coach.inner_text("#invites")
    coach.select_option(f"{row} select[name=role]", "coach")
    coach.click(f"{row} >> text=Set")
    coach.wait_for_selector("text=riley is now a coach of Demo Team.")
    assert coach.inner_text(f"{row} .role") == "Coach"
    answers = []
    coach.once("dialog", lambda d: (answers.append(d.message), d.dismiss()))
    coach.click(f"{row} >> text=Remove")
    coach.wait_for_timeout(300)
    assert answers and "Remove riley from Demo Team?" in answers[0]
    assert coach.locator(row).count() == 1  # dismissed: nothing happened
    coach.once("dialog", lambda d: d.accept())
    coach.click(f"{row} >> text=Remove")
    coach.wait_for_selector("text=riley was removed from Demo Team")
    assert coach.locator(row).count() == 0
    newcomer.goto(site.url("/teams/"))
    assert "You are not in a team yet" in newcomer.inner_text("main")
