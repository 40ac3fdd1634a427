"""Teams from the browser: start one, invite by link (with or without an account), roles,
removing and leaving, and the rule that a team always keeps a coach."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coach.models import Invite, Membership, Team


def role(team, user) -> str | None:
    membership = Membership.objects.filter(team=team, user=user).first()
    return membership.role if membership else None


def test_a_new_user_signs_up_starts_a_team_and_is_its_coach(client, users):
    page = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in page
    refused = client.post(
        "/accounts/signup/", {"username": "sam", "password1": "123", "password2": "123"}
    )
    assert refused.status_code == 400 and "This password is too short" in refused.content.decode()
    assert 'value="sam"' in refused.content.decode()  # what was typed stays
    made = client.post(
        "/accounts/signup/",
        {"username": "sam", "password1": "violet-harbour-9", "password2": "violet-harbour-9"},
        follow=True,
    )
    assert made.redirect_chain[-1][0] == "/teams/" and "Welcome, sam" in made.content.decode()
    assert "You are not in a team yet" in made.content.decode()
    first = client.post("/teams/new", {"name": "  Owls!\u202e  "}, follow=True)
    assert "Owls! is yours" in first.content.decode()
    teams = Team.objects.filter(name__startswith="Owls").order_by("pk")
    assert [t.slug for t in teams] == ["owls", "owls-2"]  # another user's Owls came first
    sam = teams[1].memberships.get().user
    assert role(teams[1], sam) == Membership.COACH
    assert first.redirect_chain[-1][0] == "/teams/owls-2/"
    # No two teams share a name (tests/coach/test_team_names.py).
    second = client.post("/teams/new", {"name": "owls"}, follow=True).content.decode()
    assert "there is a team called &#x27;Owls&#x27; already" in second
    assert Team.objects.filter(name__iexact="owls").count() == 1
    listed = client.get("/teams/").content.decode()
    assert "<td>coach</td><td>1</td>" in listed
    blank = client.post("/teams/new", {"name": "  "}, follow=True).content.decode()
    assert "No team made: give the team a name." in blank


@pytest.mark.parametrize("setting", [True, False])
def test_signup_can_be_closed_but_an_invite_still_makes_an_account(
    client, users, settings, setting
):
    from coach.teams.services import invite_create

    settings.FILMROOM_OPEN_SIGNUP = setting
    assert client.get("/accounts/signup/").status_code == (200 if setting else 404)
    assert (
        'href="/accounts/signup/"' in client.get("/accounts/login/").content.decode()
    ) is setting
    invite = invite_create(team=users["team"], role="player", by=users["coach"])
    page = client.get(f"/join/{invite.token}")
    assert page.status_code == 200 and "Join Owls" in page.content.decode()
    joined = client.post(
        f"/join/{invite.token}",
        {"username": "kim", "password1": "amber-lantern-4", "password2": "amber-lantern-4"},
        follow=True,
    )
    assert joined.redirect_chain[-1][0] == f"/teams/{users['team'].slug}/"
    assert "Welcome to Owls: you joined as a player" in joined.content.decode()
    kim = Membership.objects.get(team=users["team"], user__username="kim")
    assert kim.role == Membership.PLAYER
    assert Invite.objects.get(pk=invite.pk).joined == 1


def test_a_coach_invites_and_someone_logged_in_joins_with_one_click(client, users):
    client.force_login(users["coach"])
    page = client.get(f"/teams/{users['team'].slug}/").content.decode()
    assert "Make an invite link" in page
    client.post(f"/teams/{users['team'].slug}/invites", {"role": "coach"})
    invite = Invite.objects.get()
    assert invite.role == "coach" and invite.usable
    page = client.get(f"/teams/{users['team'].slug}/").content.decode()
    assert f"http://testserver/join/{invite.token}" in page

    client.force_login(users["outsider"])  # of another team: may join this one too
    ask = client.get(f"/join/{invite.token}").content.decode()
    assert "You are invited to join as a <strong>coach</strong>, as outsider" in ask
    assert role(users["team"], users["outsider"]) is None  # opening the link joins nothing
    client.post(f"/join/{invite.token}")
    assert role(users["team"], users["outsider"]) == Membership.COACH
    assert role(users["other"], users["outsider"]) == Membership.PLAYER  # still there too

    client.force_login(users["owner"])  # already in: the invite does not change the role
    again = client.post(f"/join/{invite.token}", follow=True).content.decode()
    assert "You are already in Owls, as a player." in again
    assert role(users["team"], users["owner"]) == Membership.PLAYER


def test_a_withdrawn_or_expired_invite_lets_nobody_in(client, users):
    from coach.teams.services import invite_create

    withdrawn = invite_create(team=users["team"], role="player", by=users["coach"])
    expired = invite_create(team=users["team"], role="player", by=users["coach"])
    Invite.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client.force_login(users["coach"])
    client.post(f"/teams/{users['team'].slug}/invites/{withdrawn.pk}/revoke")
    client.force_login(users["outsider"])
    for invite, says in ((withdrawn, "withdrawn"), (expired, "expired")):
        page = client.get(f"/join/{invite.token}")
        assert page.status_code == 410 and says in page.content.decode()
        refused = client.post(f"/join/{invite.token}")
        assert refused.status_code == 410
    assert role(users["team"], users["outsider"]) is None
    assert client.get("/join/not-a-token").status_code == 404
    # Another team's coach cannot withdraw this team's invites (nor learn they exist).
    fresh = invite_create(team=users["team"], role="player", by=users["coach"])
    Membership.objects.filter(user=users["outsider"]).update(role=Membership.COACH)
    assert client.post(f"/teams/{users['other'].slug}/invites/{fresh.pk}/revoke").status_code == 404
    assert Invite.objects.get(pk=fresh.pk).usable


def test_roles_change_and_members_leave_but_a_team_keeps_a_coach(client, users):
    team, slug = users["team"], users["team"].slug
    client.force_login(users["owner"])  # a player: sees the members, changes nothing
    page = client.get(f"/teams/{slug}/").content.decode()
    assert "coach" in page and "Make an invite link" not in page and "Remove" not in page
    assert (
        client.post(
            f"/teams/{slug}/members/{users['coach'].pk}/role", {"role": "player"}
        ).status_code
        == 403
    )

    client.force_login(users["coach"])
    only = client.post(
        f"/teams/{slug}/members/{users['coach'].pk}/role", {"role": "player"}, follow=True
    ).content.decode()
    assert "coach is the team&#x27;s only coach and cannot be made a player" in only
    left = client.post(f"/teams/{slug}/leave", follow=True).content.decode()
    assert "You are still in the team" in left and role(team, users["coach"]) == "coach"
    client.post(f"/teams/{slug}/members/{users['owner'].pk}/role", {"role": "coach"})
    assert role(team, users["owner"]) == Membership.COACH
    bad = client.post(
        f"/teams/{slug}/members/{users['owner'].pk}/role", {"role": "admin"}, follow=True
    ).content.decode()
    assert "the role must be player or coach" in bad and role(team, users["owner"]) == "coach"
    # Now two coaches: one may step down or leave.
    client.post(f"/teams/{slug}/members/{users['coach'].pk}/role", {"role": "player"})
    assert role(team, users["coach"]) == Membership.PLAYER
    client.force_login(users["owner"])
    assert client.post(f"/teams/{slug}/members/{users['outsider'].pk}/remove").status_code == 404
    gone = client.post(f"/teams/{slug}/members/{users['coach'].pk}/remove", follow=True)
    assert "coach was removed from Owls" in gone.content.decode()
    assert role(team, users["coach"]) is None
    client.force_login(users["coach"])  # removed: the team is no longer theirs to see
    assert client.get(f"/teams/{slug}/").status_code == 404
    assert client.get(f"/replays/teams/{slug}/").status_code == 404


def test_a_removed_member_cannot_come_back_through_an_old_link(client, users):
    from coach.teams.services import invite_create

    team, slug = users["team"], users["team"].slug
    old = invite_create(team=team, role="player", by=users["coach"])
    client.force_login(users["coach"])
    listed = client.get("/teams/").content.decode()
    assert "<td>coach</td><td>2</td>" in listed  # every member counted, not only the viewer
    gone = client.post(f"/teams/{slug}/members/{users['owner'].pk}/remove", follow=True)
    assert "no longer let them back in" in gone.content.decode()
    client.force_login(users["owner"])
    # The link's page says so before any click, with no Join button.
    page = client.get(f"/join/{old.token}")
    assert page.status_code == 403 and "were removed from this team" in page.content.decode()
    assert '<button type="submit">Join Owls</button>' not in page.content.decode()
    back = client.post(f"/join/{old.token}", follow=True).content.decode()
    assert "you were removed from this team after this link was made" in back
    assert role(team, users["owner"]) is None
    new = invite_create(team=team, role="player", by=users["coach"])  # the coach asks them back
    client.post(f"/join/{new.token}")
    assert role(team, users["owner"]) == Membership.PLAYER


def test_the_only_coach_is_told_they_cannot_leave(client, users):
    client.force_login(users["coach"])
    left = client.post(f"/teams/{users['team'].slug}/leave", follow=True).content.decode()
    assert "coach is the team&#x27;s only coach and cannot leave it" in left


def test_what_a_removed_member_made_stays_the_teams(client, users, replay):
    client.force_login(users["coach"])
    client.post(f"/teams/{users['team'].slug}/members/{users['owner'].pk}/remove")
    client.force_login(users["coach"])
    assert client.get(f"/replays/{replay.pk}/").status_code == 200
    client.force_login(users["owner"])
    assert client.get(f"/replays/{replay.pk}/").status_code == 404
