"""A spectator without a login watches a public tournament's bracket advance to its champion."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MAKE = """
from coach.models import Membership, Team
from django.contrib.auth import get_user_model
from tournaments.tournament_services import EntrantChoice, tournament_create
user = get_user_model().objects.create_user("owner", password="pw-owner-1")
team = Team.objects.create(name="Owls", slug="owls")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
bots = ["random", "cpu_easy", "cpu_medium", "cpu_hard"] * 2
t = tournament_create(team=team, created_by=user, name="Booth cup", format="double", best_of=3,
    entrants=[EntrantChoice("bot:" + b) for b in bots],
    options={"rules": {"max_rounds": 1, "round_seconds": 10}})
print(t.pk)
"""

# Records each change of the match on screen that the viewer did not ask for, and whether the
# match it left was still offered as live (it then was taken away mid-game).
WATCH_SWITCHES = """() => {
    const frame = document.getElementById('live-match');
    const state = window.__switches = { count: 0, stolen: [], picked: false, last: null };
    document.getElementById('live-others').addEventListener(
        'click', () => { state.picked = true; }, true);
    new MutationObserver(() => {
        const now = frame.dataset.key || null;
        if (now === state.last) return;
        const left = state.last;
        if (left && !state.picked
            && document.querySelector(`#live-others button[data-key="${left}"]`)) {
            state.stolen.push(left + ' -> ' + now);
        }
        state.count += 1;
        state.picked = false;
        state.last = now;
    }).observe(frame, { attributes: true, attributeFilter: ['data-key'] });
}"""


def test_a_visitor_sees_the_bracket_drawn_advance_and_crown_a_champion(live, page):
    tournament_id = int(live.manage("shell", "-c", MAKE).split()[-1])
    page.goto(live.url(f"/tournaments/{tournament_id}/"))
    assert page.locator("#bracket-waiting").is_visible()
    assert "Entrants (8)" in page.inner_text("main")
    page.wait_for_function("window.FilmRoomTournament !== undefined")
    page.evaluate(WATCH_SWITCHES)

    live.login("owner", "pw-owner-1")  # the organiser starts it from another browser
    live.request(f"/tournaments/{tournament_id}/start", b"", method="POST").read()

    page.wait_for_selector(".brackets-viewer .match", timeout=30_000)
    # The page was open before the start: its sign-up cards go.
    page.wait_for_function("() => !document.querySelector('main').innerText.includes('Entrants (')")
    # Two workers play two matches at once: the one on screen stays, the other is offered.
    # (Found and clicked in one task: the offered match may end between two calls.)
    chosen, shown = page.wait_for_function(
        """() => { const b = document.querySelector('#live-others button');
        if (!b) return null;
        b.click();
        return [b.dataset.key, document.getElementById('live-match').dataset.key]; }""",
        timeout=60_000,
    ).json_value()
    assert shown == chosen
    shot(page, "tournament-two-live")
    page.wait_for_selector(".brackets-viewer .participant.win", timeout=60_000)
    shot(page, "tournament-advancing")
    page.wait_for_selector("#champion b", timeout=180_000)
    shot(page, "tournament-champion")
    champion = page.locator("#champion b").inner_text()
    assert champion in page.locator("#standings tbody tr").first.inner_text()
    assert page.evaluate("window.FilmRoomTournament.updates") >= 14  # start + 13 or 14 results
    # The match on screen was never taken away while it was still being played.
    assert page.evaluate("window.__switches.stolen") == []
    assert page.evaluate("window.__switches.count") >= 7
    wins = page.locator(".brackets-viewer .participant.win").count()
    assert wins >= 14
    # Every played game is listed and opens; so does a click on a played match in the bracket.
    rows = page.locator("#games tbody tr")
    assert page.locator("#games-card").is_visible() and rows.count() >= 13
    assert rows.first.locator("td").first.inner_text() == "W1-1"
    for result in rows.locator("td:nth-child(3)").all_inner_texts():  # a best of 3
        assert re.fullmatch(r".+ won 2–[01]", result), result
    with page.expect_navigation():
        rows.first.locator("a").first.click()
    assert re.search(r"/matches/\d+/$", page.url)
    page.wait_for_selector("canvas")
    page.go_back()
    page.wait_for_selector(".brackets-viewer .match.has-game")
    assert page.locator(".brackets-viewer .match.has-game").count() == rows.count()
    with page.expect_navigation():
        page.locator(".brackets-viewer .match.has-game .opponents").last.click()
    assert re.search(r"/matches/\d+/$", page.url)
    page.go_back()
    page.goto(live.url("/tournaments/leaderboard/"))  # rated: a public tournament
    page.wait_for_selector("#history .main-svg")
    rows = page.locator("tbody tr")
    assert rows.count() == 4  # the four bots, each entered twice, rated as one
    assert not any("#" in name for name in page.locator("tbody td:nth-child(2)").all_inner_texts())
    shot(page, "tournament-leaderboard")
    page.goto(live.url("/tournaments/"))
    assert "Booth cup" in page.locator("table").first.inner_text()
