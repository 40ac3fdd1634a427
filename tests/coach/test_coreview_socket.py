"""Live co-review over ws/coreview/<replay_id>/: who may connect, lead, follow, draw."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from coach.models import LiveSession, LiveSessionMember
from tests.sockets import close_code


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


async def connect(user, replay_id: int) -> tuple[WebsocketCommunicator, dict]:
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/coreview/{replay_id}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    connected, code = await comm.connect()
    assert connected, code
    hello = await comm.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    return comm, hello


async def session_of(comm) -> dict | None:
    message = await comm.receive_json_from(timeout=5)
    assert message["type"] == "session", message
    return message["session"]


async def coach_leads_owner_follows(users, replay_id):
    coach, hello = await connect(users["coach"], replay_id)
    assert hello["you"]["can_lead"] and hello["session"] is None
    owner, hello = await connect(users["owner"], replay_id)
    assert not hello["you"]["can_lead"]
    await coach.send_json_to({"type": "start"})
    started = await session_of(coach)
    assert started["leader"]["name"] == "coach"
    assert await session_of(owner) == started  # a teammate hears it and may join
    await owner.send_json_to({"type": "join"})
    joined = await session_of(owner)
    assert [p["name"] for p in joined["participants"]] == ["coach", "owner"]
    assert await session_of(coach) == joined
    return coach, owner


async def test_it_closes_an_outsiders_socket(in_memory_layer, users, team_replay):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/coreview/{team_replay.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = users["outsider"]
    assert await close_code(comm) == 4404


async def test_it_closes_the_socket_of_a_replay_that_does_not_exist(in_memory_layer, users):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, "/ws/coreview/404/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = users["coach"]
    assert await close_code(comm) == 4404


async def test_a_player_cannot_start_a_session(in_memory_layer, users, team_replay):
    owner, _ = await connect(users["owner"], team_replay.pk)
    await owner.send_json_to({"type": "start"})
    reply = await owner.receive_json_from(timeout=5)
    assert reply == {"type": "error", "message": "only the team's coach can start a live session"}
    assert not await database_sync_to_async(LiveSession.objects.exists)()
    await owner.disconnect()


async def test_a_follower_gets_the_leaders_playback_in_order_and_the_leader_no_echo(
    in_memory_layer, users, team_replay
):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    sent = [{"type": "play", "frame": 10, "time": 0.35}]
    sent += [{"type": "frame", "frame": n} for n in range(40, 60)]
    sent += [{"type": "frame", "frame": 7}, {"type": "pause", "frame": 7, "time": 0.25}]
    for message in sent:
        await coach.send_json_to(message)
    got = [await owner.receive_json_from(timeout=5) for _ in sent]
    assert got == [{**m, "from": users["coach"].pk} for m in sent]
    assert await coach.receive_nothing(timeout=0.2)
    await coach.disconnect()
    await owner.disconnect()


async def test_a_follower_cannot_steer_the_playback(in_memory_layer, users, team_replay):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    await owner.send_json_to({"type": "frame", "frame": 3})
    reply = await owner.receive_json_from(timeout=5)
    assert reply == {"type": "error", "message": "only the session's leader steers playback"}
    assert await coach.receive_nothing(timeout=0.2)
    await coach.disconnect()
    await owner.disconnect()


async def test_a_teammate_who_did_not_join_does_not_get_the_playback(
    in_memory_layer, users, team_replay
):
    coach, _ = await connect(users["coach"], team_replay.pk)
    owner, _ = await connect(users["owner"], team_replay.pk)
    await coach.send_json_to({"type": "start"})
    await session_of(coach)
    await session_of(owner)
    await coach.send_json_to({"type": "frame", "frame": 5})
    assert await owner.receive_nothing(timeout=0.3)
    await owner.send_json_to({"type": "drawing", "shape": {"kind": "line"}, "done": False})
    assert (await owner.receive_json_from(timeout=5))["message"] == "join the live session first"
    await coach.disconnect()
    await owner.disconnect()


async def test_drawings_and_note_changes_reach_the_others_in_the_session(
    in_memory_layer, users, team_replay
):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    shape = {"kind": "arrow", "color": "#ff5c6c", "points": [[0.1, 0.2], [0.4, 0.5]]}
    await owner.send_json_to({"type": "drawing", "shape": shape, "done": False})
    await owner.send_json_to({"type": "drawing", "shape": None, "done": True})
    await owner.send_json_to({"type": "notes-changed"})
    got = [await coach.receive_json_from(timeout=5) for _ in range(3)]
    pk = users["owner"].pk
    assert got == [
        {"type": "drawing", "shape": shape, "done": False, "from": pk},
        {"type": "drawing", "shape": None, "done": True, "from": pk},
        {"type": "notes-changed", "from": pk},
    ]
    await coach.send_json_to({"type": "drawing", "shape": {"points": "x" * 20_000}})
    assert (await coach.receive_json_from(timeout=5))["message"] == "the drawing is too large"
    assert await owner.receive_nothing(timeout=0.2)
    await coach.disconnect()
    await owner.disconnect()


@pytest.mark.parametrize(
    "message, error",
    [
        ("not json", 'messages are JSON objects with a "type"'),
        ({"frame": 1}, 'messages are JSON objects with a "type"'),
        ({"type": "frame", "frame": -1}, "frame must be a frame number"),
        ({"type": "frame", "frame": "12"}, "frame must be a frame number"),
        ({"type": "play", "frame": 1, "time": "soon"}, "time must be the media time in seconds"),
        ({"type": "dance"}, "unknown message type 'dance'"),
    ],
)
async def test_it_answers_a_bad_message_with_a_clear_error(
    message, error, in_memory_layer, users, team_replay
):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    if isinstance(message, str):
        await coach.send_to(text_data=message)
    else:
        await coach.send_json_to(message)
    assert await coach.receive_json_from(timeout=5) == {"type": "error", "message": error}
    await coach.send_json_to({"type": "frame", "frame": 2})  # the session goes on
    assert (await owner.receive_json_from(timeout=5))["frame"] == 2
    await coach.disconnect()
    await owner.disconnect()


async def test_the_session_ends_when_its_leader_leaves(in_memory_layer, users, team_replay):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    await coach.disconnect()
    assert await session_of(owner) is None
    session = await database_sync_to_async(LiveSession.objects.get)()
    assert session.ended_at is not None
    await owner.disconnect()
    assert not await database_sync_to_async(LiveSessionMember.objects.exists)()


async def test_a_follower_leaving_stays_out_of_the_participants(
    in_memory_layer, users, team_replay
):
    coach, owner = await coach_leads_owner_follows(users, team_replay.pk)
    await owner.send_json_to({"type": "leave"})
    left = await session_of(coach)
    assert [p["name"] for p in left["participants"]] == ["coach"]
    await session_of(owner)
    await coach.send_json_to({"type": "frame", "frame": 9})
    assert await owner.receive_nothing(timeout=0.3)
    await coach.send_json_to({"type": "end"})
    assert await session_of(owner) is None
    await coach.disconnect()
    await owner.disconnect()


async def test_it_closes_a_logged_out_socket(in_memory_layer, users, team_replay):
    from django.contrib.auth.models import AnonymousUser

    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/coreview/{team_replay.pk}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = AnonymousUser()
    assert await close_code(comm) == 4404
