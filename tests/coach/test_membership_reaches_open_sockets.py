"""A member removed from the team (or a coach made a player) loses what their open sockets gave
them, not only what a new connection would (helper-34: a removed player's co-review socket kept
receiving the coach's drawings and could still send its own)."""

from __future__ import annotations

from channels.db import database_sync_to_async

from coach.models import LiveSession, Membership
from coach.teams.services import member_remove, member_set_role
from tests.coach.test_coreview_socket import coach_leads_owner_follows, connect, session_of
from tests.replays.test_progress_socket import communicator as progress_socket


async def closed_with(comm) -> int | None:
    """The close code of a socket the server closes now (None if it stays open)."""
    while True:
        try:
            out = await comm.receive_output(timeout=5)
        except TimeoutError:
            return None
        if out.get("type") == "websocket.close":
            return out.get("code")


async def test_a_removed_member_s_open_sockets_close(live_on_redis, users, team_replay):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    progress = progress_socket(team_replay.pk, users["owner"])
    assert (await progress.connect())[0]
    assert (await progress.receive_json_from(timeout=5))["type"] == "status"
    watcher, _ = await connect(users["coach"], team_replay.pk)  # the coach's own socket stays

    await database_sync_to_async(member_remove)(team=users["team"], user=users["owner"])
    assert await closed_with(owner) == 4404
    assert await closed_with(progress) == 4404
    for comm in (owner, progress):  # the browser's side of the close (Daphne then disconnects)
        await comm.disconnect()
    # The coach's session goes on without them; nothing of theirs reaches it any more.
    assert [p["name"] for p in (await session_of(coach))["participants"]] == ["coach"]
    await coach.send_json_to({"type": "drawing", "shape": {"kind": "arrow"}})
    await coach.send_json_to({"type": "frame", "frame": 42})
    assert await coach.receive_nothing(timeout=0.3)
    assert await watcher.receive_json_from(timeout=5)  # (its session message)
    for comm in (coach, watcher):
        await comm.disconnect()


async def test_a_coach_made_a_player_while_leading_ends_the_session(
    live_on_redis, users, team_replay, django_user_model
):
    second = await database_sync_to_async(django_user_model.objects.create_user)("second")
    await database_sync_to_async(Membership.objects.create)(
        team=users["team"], user=second, role=Membership.COACH
    )
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    await database_sync_to_async(member_set_role)(
        team=users["team"], user=users["coach"], role=Membership.PLAYER
    )
    told = [await coach.receive_json_from(timeout=5) for _ in range(2)]
    assert {"type": "session", "session": None} in told
    assert {
        "type": "error",
        "message": "you are no longer a coach of this team: the live session ended",
    } in told
    assert await session_of(owner) is None
    await coach.send_json_to({"type": "start"})  # nor may it start another
    assert (await coach.receive_json_from(timeout=5))["type"] == "error"
    assert not await database_sync_to_async(
        LiveSession.objects.filter(replay=team_replay, ended_at__isnull=True).exists
    )()
    for comm in (coach, owner):
        await comm.disconnect()
