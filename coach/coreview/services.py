"""Live sessions: start, join, leave, end, and the state every participant's page shows."""

from __future__ import annotations

from django.db import transaction

from coach.models import LiveSession, LiveSessionMember


class SessionError(Exception):
    """A live-session action the user may not take now; the message says why."""


def replay_for(user, replay_id: int):
    """The replay if the user may review it (a member of its team, or staff), else None."""
    from replays.models import Replay

    return Replay.objects.visible_to(user).select_related("team").filter(pk=replay_id).first()


def open_session(replay_id: int) -> LiveSession | None:
    return (
        LiveSession.objects.select_related("leader")
        .filter(replay_id=replay_id, ended_at__isnull=True)
        .first()
    )


@transaction.atomic
def live_session_start(*, replay, leader, channel_name: str) -> LiveSession:
    """Opens a live session on the replay led by a coach of its team (ends any open one).

    Raises:
        SessionError: the user does not coach the replay's team.
    """
    if not replay.team.is_coached_by(leader):
        raise SessionError("only the team's coach can start a live session")
    for old in LiveSession.objects.select_for_update().filter(replay=replay, ended_at__isnull=True):
        old.end()
    session = LiveSession.objects.create(replay=replay, leader=leader)
    LiveSessionMember.objects.update_or_create(
        channel_name=channel_name, defaults={"session": session, "user": leader}
    )
    return session


def live_session_join(*, replay_id: int, user, channel_name: str) -> LiveSession:
    """Adds one socket of the user to the replay's open session.

    Raises:
        SessionError: no session is open on the replay.
    """
    session = open_session(replay_id)
    if session is None:
        raise SessionError("no live session is running on this replay")
    LiveSessionMember.objects.update_or_create(
        channel_name=channel_name, defaults={"session": session, "user": user}
    )
    return session


@transaction.atomic
def live_session_leave(*, channel_name: str) -> LiveSession | None:
    """Takes a socket out of its session; the session ends when its leader's last socket leaves.

    Returns:
        The session the socket was in (None if it was in none).
    """
    member = LiveSessionMember.objects.select_related("session").filter(channel_name=channel_name)
    member = member.first()
    if member is None:
        return None
    session = member.session
    member.delete()
    if session.ended_at is None and not session.members.filter(user_id=session.leader_id).exists():
        session.end()
    return session


def live_session_end(*, replay_id: int, user) -> LiveSession:
    """Ends the replay's open session.

    Raises:
        SessionError: no session is open, or the user does not lead it.
    """
    session = open_session(replay_id)
    if session is None or session.leader_id != user.pk:
        raise SessionError("only the session's leader can end it")
    session.end()
    return session


def person(user) -> dict:
    return {"id": user.pk, "name": user.get_username()}


def session_state(replay_id: int) -> dict | None:
    """What every page shows: the open session, its leader and who is in it (None if none)."""
    session = open_session(replay_id)
    if session is None:
        return None
    people: dict[int, dict] = {}
    for member in session.members.select_related("user").order_by("joined_at", "pk"):
        people.setdefault(
            member.user_id, {**person(member.user), "leader": member.user_id == session.leader_id}
        )
    return {
        "id": session.pk,
        "leader": person(session.leader),
        "started_at": session.started_at.isoformat(),
        "participants": list(people.values()),
    }


def live_sessions_end_all() -> int:
    """Ends the sessions a stop left open (their sockets did not outlive the server).

    Called by ``manage.py serve`` when it starts; returns how many were open.
    """
    from django.utils import timezone

    LiveSessionMember.objects.all().delete()
    return LiveSession.objects.filter(ended_at__isnull=True).update(ended_at=timezone.now())
