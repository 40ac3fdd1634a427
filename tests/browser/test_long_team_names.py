"""A team name of 100 characters without a space (the most a name may have) wraps on every page
that shows it: a tester found one making the new-playlist page wider than the window."""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FIRST, SECOND = "W" * 100, "M" * 99 + "2"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"

SETUP = """
import json
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
from coach.playlists.services import playlist_create
from tournaments.models import Agent
from tournaments.tournament_services import EntrantChoice, tournament_create

coach = get_user_model().objects.get(username="coach")
demo = Team.objects.get(memberships__user=coach)
demo.name = {first!r}
demo.save()
other = Team.objects.create(name={second!r}, slug="second")
Membership.objects.create(team=other, user=coach, role=Membership.COACH)
playlist = playlist_create(team=demo, created_by=coach, title="Deaths")
agent = Agent.objects.filter(team=demo).first()
cup = tournament_create(
    team=demo, created_by=coach, name="Cup", format="single",
    entrants=[EntrantChoice("bot:cpu_easy"), EntrantChoice("bot:random")],
)
print(json.dumps({{"slug": demo.slug, "playlist": playlist.pk, "agent": str(agent.pk),
                  "cup": cup.pk}}))
"""


def test_a_100_character_team_name_never_widens_a_page(site, browser):
    out = site.manage("shell", "-c", SETUP.format(first=FIRST, second=SECOND))
    made = json.loads(out.strip().splitlines()[-1])
    site.start()
    pages = [
        "/",
        "/playlists/",
        "/playlists/new",
        f"/playlists/{made['playlist']}/",
        f"/playlists/{made['playlist']}/edit",
        "/teams/",
        f"/teams/{made['slug']}/",
        f"/replays/teams/{made['slug']}/",
        "/replays/",
        "/replays/1/",
        "/profiles/",
        "/arena/agents/",
        f"/arena/agents/{made['agent']}/",
        "/tournaments/",
        f"/tournaments/{made['cup']}/",
    ]
    for name, viewport in (("desk", (1280, 800)), ("phone", (390, 844))):
        context = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, is_mobile=name == "phone"
        )
        page = context.new_page()
        log_in(page, site, "coach")
        wide = []
        for path in pages:
            page.goto(site.url(path))
            page.wait_for_load_state("load")
            assert FIRST in page.content() or path in ("/profiles/",), path
            if page.evaluate(OVERFLOW) > 0:
                wide.append((path, page.evaluate(OVERFLOW)))
                shot(page, f"long-team-{name}-{path.strip('/').replace('/', '-') or 'home'}")
        assert wide == [], f"pages wider than {viewport[0]} px: {wide}"
        for path in ("/", "/playlists/new", f"/tournaments/{made['cup']}/"):
            page.goto(site.url(path))
            shot(page, f"long-team-{name}-{path.strip('/').replace('/', '-') or 'home'}")
        context.close()
