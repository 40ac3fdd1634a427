"""A game that stops on an error: spectators see why, and the organiser moves the bracket on."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The games are not queued ("caller" driver), so nothing plays them but this script: its first
# game really fails, on a bot the site no longer has (as after an upgrade that retired one).
MAKE = """
from coach.models import Membership, Team
from django.contrib.auth import get_user_model
from tournaments.models import Match
from tournaments.tournament_services import (
    EntrantChoice, tournament_create, tournament_game_play, tournament_start)
user = get_user_model().objects.create_user("owner", password="pw-owner-1")
team = Team.objects.create(name="Owls", slug="owls")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
t = tournament_create(team=team, created_by=user, name="Booth cup", format="single",
    entrants=[EntrantChoice("bot:" + b) for b in ["random", "cpu_easy", "cpu_medium", "cpu_hard"]],
    options={"driver": "caller", "rules": {"max_rounds": 1, "round_seconds": 10}})
tournament_start(tournament=t)
tm = t.matches.order_by("key").first()
Match.objects.filter(pk=tm.match_id).update(p1_label="retired_bot")
try:
    tournament_game_play(match_id=tm.match_id)
except ValueError:
    pass
print(t.pk, tm.key)
"""


def test_a_stopped_game_shows_its_reason_and_the_organiser_awards_the_match(live, page):
    tournament_id, key = live.manage("shell", "-c", MAKE).split()[-2:]
    page.goto(live.url(f"/tournaments/{tournament_id}/"))  # a visitor: the reason, no buttons
    card = page.locator("#failed-card")
    card.wait_for(state="visible")
    assert f"{key}: retired_bot" not in card.inner_text()  # names are the entrants', not labels
    assert "stopped: unknown bot 'retired_bot'" in card.inner_text()
    assert card.locator("button").count() == 0
    shot(page, "tournament-failed-visitor")

    page.goto(live.url("/accounts/login/"))
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", "pw-owner-1")
    page.click("button[type=submit]")
    page.goto(live.url(f"/tournaments/{tournament_id}/"))
    assert card.locator("button").all_inner_texts()[0] == "Play it again"
    shot(page, "tournament-failed-organiser")
    award = card.locator("button", has_text="Award to").first
    winner = award.inner_text().removeprefix("Award to ")
    award.click()
    page.wait_for_selector(".messages", timeout=10_000)
    assert f"{key}: awarded to {winner} (a walk-over, unrated)" in page.content()
    assert page.locator("#failed-card").is_hidden()
    page.wait_for_selector(".brackets-viewer .participant.win")
    shot(page, "tournament-failed-awarded")
