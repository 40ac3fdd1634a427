"""The play websocket against hostile clients: junk messages, many matches, racing finishes."""

from __future__ import annotations

import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tournaments.models import Dataset, Match
from tournaments.play import Opponent, finish_match, start_match


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def communicator(opponent, user):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/play/{opponent}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    return comm


JUNK = ["[1, 2]", '"start"', "null", "5", "NaN", "[" * 100_000 + "]" * 100_000, "{", " "]


async def test_non_object_json_gets_an_error_and_the_socket_stays_usable(
    users, in_memory_layer, media_root
):
    comm = communicator("random", users["owner"])
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
    for junk in JUNK:
        await comm.send_to(text_data=junk)
        reply = await comm.receive_json_from(timeout=5)
        assert reply == {"type": "error", "message": "messages must be JSON objects"}, junk
    for bad in ({"type": "keys", "keys": "zzz"}, {"type": "keys", "keys": {"left": "yes"}},
                {"type": "keys", "keys": {"jump": True}}):  # fmt: skip
        await comm.send_json_to(bad)
        reply = await comm.receive_json_from(timeout=5)
        assert reply["message"].startswith("keys must map left, right, up"), bad
    await comm.send_json_to({"type": "nope"})
    reply = await comm.receive_json_from(timeout=5)
    assert reply["message"] == "unknown message type 'nope': send start or keys"
    await comm.send_json_to({"type": "keys", "keys": {"left": True, "punch": False}})
    assert await comm.receive_nothing(timeout=0.3)  # good keys before a match: nothing to say
    await comm.send_json_to({"type": "start", "character": ["kaito"], "opponent_character": {}})
    assert (await comm.receive_json_from(timeout=5))["message"] == "unknown character"
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
    await comm.disconnect()


async def test_one_person_cannot_open_unbounded_play_matches(
    users, in_memory_layer, settings, media_root
):
    settings.FILMROOM_PLAY_MATCHES_PER_USER = 2
    socks = []
    for _ in range(3):
        comm = communicator("random", users["owner"])
        assert (await comm.connect())[0]
        await comm.receive_json_from(timeout=5)
        await comm.send_json_to(
            {"type": "start", "character": "kaito", "opponent_character": "brick"}
        )
        socks.append(comm)
    first = [await comm.receive_json_from(timeout=5) for comm in socks]
    assert [m["type"] for m in first] == ["frame", "frame", "error"]
    assert "2 matches at once" in first[2]["message"]
    assert await database_sync_to_async(Dataset.objects.count)() == 2
    for comm in socks:
        await comm.disconnect()
    # the others ended: the player may start again
    comm = communicator("random", users["owner"])
    await comm.connect()
    await comm.receive_json_from(timeout=5)
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
    await comm.disconnect()


def test_a_finish_racing_a_disconnect_records_the_match_once(users, media_root):
    live = start_match(
        users["owner"], Opponent("cpu_easy"), ("kaito", "brick"), seed=3, round_seconds=3
    )
    live.p1 = "cpu_hard"
    live.run(realtime=False)
    assert live.done
    barrier = threading.Barrier(2)
    results = []

    def finish():
        barrier.wait()
        results.append(finish_match(users["owner"], None, live).pk)

    threads = [threading.Thread(target=finish) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(results) == 2 and len(set(results)) == 1
    match = Match.objects.get(kind="play")
    assert match.state == Match.DONE and match.winner == live.result.winner
    assert Dataset.objects.get().ticks == live.game.tick
