"""``manage.py demo`` (run by every ``make run``) changes only the accounts it created itself.

``demo_accounts`` is the part of ``demo_setup`` that decides about accounts; the replays and
the agent that follow on a first run are exercised by every live-site test (``site`` fixture).
"""

from __future__ import annotations

import pytest

from coach.demo import demo_accounts, demo_login_file
from coach.models import Membership, Team


@pytest.fixture
def var(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def teams_of(user) -> list[tuple[str, str]]:
    return sorted((m.team.slug, m.role) for m in user.memberships.all())


def test_demo_never_touches_a_same_named_account_it_did_not_create(
    transactional_db, django_user_model, var
):
    mine = Team.objects.create(name="Demo Team", slug="demo")  # even the demo's name and slug
    own = {}
    for name in ("player", "coach"):
        own[name] = django_user_model.objects.create_user(name, password=f"own-{name}")
        Membership.objects.create(team=mine, user=own[name], role="player")

    login, team = demo_accounts()
    assert login.created and team != mine and team.slug == "demo-2"
    assert login.usernames == {"player": "demo-player", "coach": "demo-coach"}
    assert len(login.notes) == 2 and "'player' already exists and was not made by" in login.notes[1]
    for name, user in own.items():
        user.refresh_from_db()
        assert user.check_password(f"own-{name}") and teams_of(user) == [("demo", "player")]
    demo_player = django_user_model.objects.get(username="demo-player")
    assert demo_player.check_password(login.password)
    assert teams_of(demo_player) == [("demo-2", "player")]

    again, _ = demo_accounts()  # every `make run`: the same login, nothing made
    assert (again.password, again.created, again.notes) == (login.password, False, [])
    demo_login_file().unlink()  # lost: a new password, for the demo's own accounts only
    third, same_team = demo_accounts()
    assert not third.created and same_team == team and third.password != login.password
    demo_player.refresh_from_db()
    assert demo_player.check_password(third.password)
    assert django_user_model.objects.get(username="player").check_password("own-player")
    assert Team.objects.count() == 2


def test_a_fresh_site_gets_player_and_coach(transactional_db, django_user_model, var):
    login, team = demo_accounts()
    assert login.usernames == {"player": "player", "coach": "coach"} and not login.notes
    assert team.slug == "demo"
    assert teams_of(django_user_model.objects.get(username="coach")) == [("demo", "coach")]


def test_only_the_demos_own_copycat_is_a_house_opponent(transactional_db, var):
    from tournaments.matches import house_agent
    from tournaments.models import Agent

    mine = Team.objects.create(name="Demo Team", slug="demo")
    fields = dict(architecture="mlp_q", obs_type="state", frame_skip=4, config={}, folder="x")
    Agent.objects.create(team=mine, name="Copycat", state=Agent.READY, **fields)
    assert house_agent() is None  # a user's own team called "demo" shares nothing
    _, team = demo_accounts()
    theirs = Agent.objects.create(team=team, name="Copycat", state=Agent.READY, **fields)
    assert house_agent() == theirs


def test_the_house_copycat_is_offered_once_to_the_demo_team(
    transactional_db, var, client, django_user_model
):
    """A helper saw "Copycat (house)" and "Copycat (Demo Team)" on the form, the same agent twice;
    ticking both was refused as "already entered"."""
    from tournaments.models import Agent

    _, team = demo_accounts()
    fields = dict(architecture="mlp_q", obs_type="state", frame_skip=4, config={}, folder="x")
    copycat = Agent.objects.create(team=team, name="Copycat", state=Agent.READY, **fields)
    client.force_login(django_user_model.objects.get(username="coach"))
    page = client.get("/tournaments/").content.decode()
    assert page.count(f'value="agent:{copycat.pk}"') == 1 and "Copycat (house)" in page
