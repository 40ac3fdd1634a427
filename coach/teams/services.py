"""What the team pages do; each function checks the rule it keeps and raises TeamError."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify

from coach.models import (
    Invite,
    Membership,
    Removal,
    Team,
    team_name_clean,
    team_name_taken,
    team_name_taken_message,
)
from coach.params import plain_name


class TeamError(Exception):
    """A team change that is refused; the message says why, for the person who asked."""


def team_create(*, name: str, user) -> Team:
    """A new team with ``user`` as its first coach; its slug is made unique.

    Raises:
        TeamError: no name, one too long (see _team_name), or another team's name reads the same
            (``team_name_key``).
    """
    name = _team_name(name)
    taken = team_name_taken(name)
    if taken is not None:
        raise TeamError(team_name_taken_message(taken))
    base = slugify(name)[:90] or "team"
    with transaction.atomic():
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base}-{n}"
            if _slug_free(slug):
                try:
                    with transaction.atomic():
                        team = Team.objects.create(name=name, slug=slug)
                except IntegrityError:  # the slug or the name taken meanwhile
                    if (taken := team_name_taken(name)) is not None:
                        raise TeamError(team_name_taken_message(taken)) from None
                    continue
                Membership.objects.create(team=team, user=user, role=Membership.COACH)
                return team
    raise TeamError("no free address for that name: choose another")


def _slug_free(slug: str) -> bool:
    """Whether no team has ``slug`` yet; another request may still take it before this one
    writes (the unique key refuses the second write, and ``team_create`` tries the next slug)."""
    return not Team.objects.filter(slug=slug).exists()


def team_rename(*, team: Team, name: str) -> Team:
    """Gives ``team`` a new name; its slug (so its addresses) stays.

    Its own name in another case, spacing or width is allowed: it is still that team's name.

    Raises:
        TeamError: no name, one longer than ``Team.name`` holds, or another team's name reads the
            same (``team_name_key``), also when that team took it meanwhile.
    """
    name = _team_name(name)
    taken = team_name_taken(name, exclude_pk=team.pk)
    if taken is not None:
        raise TeamError(team_name_taken_message(taken))
    old = (team.name, team.name_key)
    team.name = name
    try:
        with transaction.atomic():
            team.save(update_fields=["name"])
    except IntegrityError:  # another team renamed or started with that name meanwhile
        team.name, team.name_key = old
        if (taken := team_name_taken(name, exclude_pk=team.pk)) is not None:
            raise TeamError(team_name_taken_message(taken)) from None
        raise
    return team


def _team_name(typed: str) -> str:
    """A new or changed team name as it is stored (``team_name_clean``), refused when there is
    none or when it is longer than ``Team.name`` holds (never cut short: the name would not be
    the one the person chose)."""
    longest = Team._meta.get_field("name").max_length
    words = " ".join(plain_name(typed).split())  # as team_name_clean, before it cuts the name
    if not words:
        raise TeamError("give the team a name")
    if len(words) > longest:
        raise TeamError(f"a team's name is at most {longest} characters; this one has {len(words)}")
    return team_name_clean(words)


def invite_create(*, team: Team, role: str, by) -> Invite:
    if role not in dict(Membership.ROLES):
        raise TeamError("choose the role the invite gives: player or coach")
    expires = timezone.now() + timedelta(days=settings.FILMROOM_INVITE_DAYS)
    return Invite.objects.create(
        team=team, role=role, created_by=by, token=secrets.token_urlsafe(24), expires_at=expires
    )


REMOVED = "you were removed from this team after this link was made: ask its coach for a new one"


def invite_removed(invite: Invite, user) -> bool:
    """Whether ``user`` (not in the team now) was removed from it after the link was made: links
    made before a removal do not bring that person back."""
    removed = Removal.objects.filter(team=invite.team, user=user, removed_at__gte=invite.created_at)
    return removed.exists() and not invite.team.memberships.filter(user=user).exists()


def invite_accept(*, invite: Invite, user) -> tuple[Membership, bool]:
    """Joins ``user`` to the invite's team; returns (membership, whether it is new).

    Someone already in the team keeps the role they have (an invite never changes a role).
    """
    if not invite.usable:
        raise TeamError(_unusable(invite))
    if invite_removed(invite, user):
        raise TeamError(REMOVED)
    membership, created = Membership.objects.get_or_create(
        team=invite.team, user=user, defaults={"role": invite.role}
    )
    if created:
        Invite.objects.filter(pk=invite.pk).update(joined=F("joined") + 1)
    return membership, created


def _unusable(invite: Invite) -> str:
    if invite.revoked:
        return "this invite link was withdrawn by the team's coach: ask them for a new one"
    return "this invite link has expired: ask the team's coach for a new one"


def member_set_role(*, team: Team, user, role: str) -> Membership:
    if role not in dict(Membership.ROLES):
        raise TeamError("the role must be player or coach")
    with transaction.atomic():
        members = _lock_members(team)
        membership = _member(members, user)
        if membership.role == Membership.COACH and role != Membership.COACH:
            _keep_a_coach(members, membership, "made a player")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def member_remove(*, team: Team, user, leaving: bool = False) -> None:
    """Takes ``user`` out of the team (a coach's removal, or ``leaving``); their uploads, notes
    and agents stay the team's. A removal also closes the invite links made so far to them."""
    with transaction.atomic():
        members = _lock_members(team)
        membership = _member(members, user)
        _keep_a_coach(members, membership, "leave it" if leaving else "removed")
        membership.delete()
        if not leaving:
            Removal.objects.create(team=team, user=user)


def _lock_members(team: Team) -> list[Membership]:
    # The team's row locked first: two coaches demoting each other at once cannot both pass.
    Team.objects.select_for_update().filter(pk=team.pk).first()
    return list(team.memberships.select_related("user"))


def _member(members: list[Membership], user) -> Membership:
    for membership in members:
        if membership.user_id == user.pk:
            return membership
    raise TeamError(f"{user.get_username()} is not in this team")


def _keep_a_coach(members: list[Membership], membership: Membership, done: str) -> None:
    if membership.role != Membership.COACH:
        return
    if not any(m.role == Membership.COACH and m.pk != membership.pk for m in members):
        cannot = "cannot leave it" if done == "leave it" else f"cannot be {done}"
        raise TeamError(
            f"{membership.user.get_username()} is the team's only coach and {cannot}:"
            " make someone else a coach first"
        )


def team_delete(*, team: Team) -> None:
    """Deletes a team with all it owns (staff only: the admin's delete), and, once that commits,
    its replays' files: their clips, and each stored recording no other team's replay uses.

    A replay job running at that moment stops at its next write (its replay is gone) and
    removes what it wrote since (``replays.services.replay_run_claimed``).
    """
    from replays.services import replay_files_remove  # the replays app owns its files

    with transaction.atomic():
        replays = list(team.replays.values_list("pk", "sha256"))
        team.delete()
        transaction.on_commit(lambda: replay_files_remove(replays))
