"""The 403 page says why a team member without the role was refused, and shows nothing else's
message: only a ``coach.refusals.Refused`` (written for users) reaches the page."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from coach.refusals import Refused

GENERIC = "This needs a role you don't have on this team"


def _raises(exc: Exception):
    def view(request):
        raise exc

    return view


# A URLconf of the site's own plus views raising what the handler must not show (the test below
# that needs them uses it with ``pytest.mark.urls``).
urlpatterns = [
    path("", include("coach.urls")),
    path("t/plain", _raises(PermissionDenied("/srv/filmroom/coach/x.py: KeyError 'team_id'"))),
    path("t/refused-bare", _raises(Refused())),
    path("t/refused", _raises(Refused("Only the team's coaches start a co-review."))),
]
handler403 = "coach.refusals.permission_denied"


def test_it_tells_a_player_why_only_coaches_manage_members(client, users):
    slug = users["team"].slug
    client.force_login(users["owner"])  # a player of the team
    refused = client.post(f"/teams/{slug}/members/{users['coach'].pk}/role", {"role": "player"})
    page = refused.content.decode()
    assert refused.status_code == 403
    assert "Only the team&#x27;s coaches manage its members." in page
    assert GENERIC not in page
    # An outsider still learns nothing of the team: 404, not the reason.
    client.force_login(users["outsider"])
    assert client.post(f"/teams/{slug}/invites", {"role": "player"}).status_code == 404


def test_the_coach_is_not_refused(client, users):
    client.force_login(users["coach"])
    made = client.post(f"/teams/{users['team'].slug}/invites", {"role": "player"})
    assert made.status_code == 302


def test_djangos_own_refusal_shows_the_generic_text(client, users, settings):
    # CommonMiddleware raises PermissionDenied("Forbidden user agent"): not written for the page.
    settings.DISALLOWED_USER_AGENTS = [re.compile("evilbot")]
    client.force_login(users["owner"])
    refused = client.get(f"/teams/{users['team'].slug}/", headers={"user-agent": "evilbot/1"})
    page = refused.content.decode()
    assert refused.status_code == 403
    assert GENERIC in page and "Forbidden user agent" not in page


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "shown", "hidden"),
    [
        ("/t/plain", GENERIC, "/srv/filmroom"),
        ("/t/refused-bare", GENERIC, "None"),
        ("/t/refused", "Only the team&#x27;s coaches start a co-review.", GENERIC),
    ],
)
def test_only_a_refusal_written_for_users_reaches_the_page(client, users, url, shown, hidden):
    client.force_login(users["owner"])
    refused = client.get(url)
    page = refused.content.decode()
    assert refused.status_code == 403
    assert shown in page and hidden not in page
    assert "KeyError" not in page and "PermissionDenied" not in page
