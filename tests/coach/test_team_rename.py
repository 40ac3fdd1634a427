"""A team's coach renames it on its page (``/teams/<slug>/``): the rules of a new team's name
hold (not empty, at most 100 characters, no other team's name as read), its own name in another
case or spacing is allowed, and only whoever manages the team may do it."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import escape

from coach.models import Membership, Team
from coach.teams import services
from tests.conftest import client_for

TAKEN = "there is a team called &#x27;Rivals&#x27; already"


def rename(client, team: Team, name: str, **kwargs):
    return client.post(f"/teams/{team.slug}/rename", {"name": name}, **kwargs)


def names() -> dict[int, tuple[str, str]]:
    return {t.pk: (t.name, t.name_key) for t in Team.objects.all()}


def test_a_coach_renames_the_team_and_every_page_shows_the_new_name(client, users):
    from tournaments.models import Tournament

    team = users["team"]
    Tournament.objects.create(team=team, created_by=users["coach"], name="Cup", public=True)
    client_for(client, users["coach"])
    page = client.get(f"/teams/{team.slug}/").content.decode()
    assert f'action="/teams/{team.slug}/rename"' in page and 'value="Owls"' in page
    done = rename(client, team, "  Barn   Hunters\u202e ", follow=True)
    assert done.redirect_chain[-1][0] == "/teams/owls/"  # its address stays
    assert "The team is now called Barn Hunters." in done.content.decode()
    team.refresh_from_db()
    assert (team.name, team.name_key, team.slug) == ("Barn Hunters", "barn hunters", "owls")
    for url in ("/", "/teams/", "/teams/owls/", "/replays/teams/owls/", "/tournaments/"):
        shown = client.get(url).content.decode()
        assert "Barn Hunters" in shown and ">Owls<" not in shown, url
    client_for(client, users["owner"])  # a player of the team sees it too
    assert "<h1>Barn Hunters</h1>" in client.get("/teams/owls/").content.decode()
    # The old name is free again: another team may be started with it.
    client_for(client, users["outsider"])
    made = client.post("/teams/new", {"name": "owls"}, follow=True).content.decode()
    assert "owls is yours" in made


@pytest.mark.parametrize(
    "typed, says",
    [
        ("", "give the team a name"),
        ("   \t  ", "give the team a name"),
        ("\u202e\u200f", "give the team a name"),  # only bidirectional controls: nothing left
        ("\u200b\u200b\u2060\ufeff", "give the team a name"),  # only zero width characters
        ("\u200d\u3164\u2028", "give the team a name"),  # a joiner, a filler, a line separator
        ("x" * 101, "a team&#x27;s name is at most 100 characters; this one has 101"),
        ("Rivals", TAKEN),
        ("  RIVALS ", TAKEN),
        ("Ｒｉｖａｌｓ", TAKEN),  # full-width
    ],
)
def test_a_refused_name_says_why_keeps_the_old_name_and_what_was_typed(client, users, typed, says):
    team, before = users["team"], names()
    client_for(client, users["coach"])
    refused = rename(client, team, typed)
    page = refused.content.decode()
    assert refused.status_code == 400
    assert f'id="rename-refused" role="alert">Not renamed: {says}' in page  # by the field
    assert f'name="name" value="{escape(typed)}"' in page  # what was typed, to correct
    assert "<h1>Owls</h1>" in page
    assert names() == before


def test_a_name_of_exactly_the_longest_length_is_taken(client, users):
    client_for(client, users["coach"])
    assert rename(client, users["team"], "y" * 100).status_code == 302
    assert Team.objects.get(pk=users["team"].pk).name == "y" * 100


@pytest.mark.parametrize(
    "typed, stored", [("Owls", "Owls"), ("  OWLS ", "OWLS"), ("ｏｗｌｓ", "ｏｗｌｓ")]
)
def test_its_own_name_in_another_case_spacing_or_width_is_allowed(client, users, typed, stored):
    client_for(client, users["coach"])
    done = rename(client, users["team"], typed, follow=True)
    assert "The team is now called" in done.content.decode()
    team = Team.objects.get(pk=users["team"].pk)
    assert (team.name, team.name_key) == (stored, "owls")


@pytest.fixture
def crowd(users, django_user_model):
    """Everyone the rename answers: the team's coach, staff, a player of the team, a player and a
    coach of another team, and an anonymous visitor."""
    staff = django_user_model.objects.create_user("staff", password="pw-staff-1", is_staff=True)
    rival_coach = django_user_model.objects.create_user("rc", password="pw-rc-1")
    Membership.objects.create(team=users["other"], user=rival_coach, role=Membership.COACH)
    return {**users, "staff": staff, "rival_coach": rival_coach}


# How the rename answers each user: as the team's other coach-only actions (invite, set a role,
# remove) do: a player of the team 403, anyone outside it 404, an anonymous visitor the login page.
ANSWERS = {
    "coach": "ok",
    "staff": "ok",
    "owner": 403,  # a player of the team
    "outsider": 404,  # a player of another team
    "rival_coach": 404,  # another team's coach
    "anonymous": "login",
}


@pytest.mark.parametrize("method", ["get", "post"])
def test_only_whoever_manages_the_team_may_rename_it(client, crowd, method):
    team, url = crowd["team"], f"/teams/{crowd['team'].slug}/rename"
    for who, want in ANSWERS.items():
        client.logout()
        if who != "anonymous":
            client_for(client, crowd[who])
        before, name = names(), f"Owls of {who}"
        response = getattr(client, method)(url, {"name": name})
        if want == "login":
            assert response.status_code == 302, who
            assert response["Location"].startswith(f"/accounts/login/?next={url}"), who
        elif want == "ok":
            assert response.status_code == 302, who
        else:
            assert response.status_code == want, who
        if want == "ok" and method == "post":
            assert Team.objects.get(pk=team.pk).name == name, who
        else:  # a GET (its form is on the team's page) or a refusal changes nothing
            assert names() == before, who
        if want == "ok" and method == "get":
            assert response["Location"] == "/teams/owls/#rename"
    for who, shown in (("coach", True), ("staff", True), ("owner", False)):
        client_for(client, crowd[who])
        page = client.get(f"/teams/{team.slug}/").content.decode()
        assert (f'action="{url}"' in page) is shown, who


def test_a_rename_needs_the_forms_csrf_token(users):
    team = users["team"]
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(users["coach"])
    page = browser.get(f"/teams/{team.slug}/").content.decode()
    assert rename(browser, team, "Forged").status_code == 403
    assert Team.objects.get(pk=team.pk).name == "Owls"
    token = re.search(
        r'action="/teams/owls/rename">\s*<input type="hidden" name="csrfmiddlewaretoken" '
        r'value="([^"]+)"',
        page,
    ).group(1)
    done = browser.post(
        f"/teams/{team.slug}/rename", {"name": "Sent", "csrfmiddlewaretoken": token}
    )
    assert done.status_code == 302 and Team.objects.get(pk=team.pk).name == "Sent"


def test_two_teams_renamed_to_one_name_at_once_end_with_one_refused(client, users, monkeypatch):
    """Rivals take the name between the Owls' check and their write: the database's unique key
    refuses the Owls' write, and they are told the name is taken (not a 500)."""
    owls, rivals = users["team"], users["other"]
    check, meanwhile = services.team_name_taken, []

    def rivals_rename_meanwhile(name, **kwargs):
        found = check(name, **kwargs)  # the Owls' check: nobody has the name yet
        if not meanwhile:  # once: the Rivals' own rename checks the name too
            meanwhile.append("Rivals renamed")
            services.team_rename(team=rivals, name="hawks")
        return found

    monkeypatch.setattr(services, "team_name_taken", rivals_rename_meanwhile)
    client_for(client, users["coach"])
    refused = rename(client, owls, "Hawks")
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Not renamed: there is a team called &#x27;hawks&#x27; already" in page
    assert 'name="name" value="Hawks"' in page and "<h1>Owls</h1>" in page
    assert meanwhile == ["Rivals renamed"]
    assert names() == {owls.pk: ("Owls", "owls"), rivals.pk: ("hawks", "hawks")}
