"""The play page: house opponents for every team, rematches, the game loop off the event loop."""

from __future__ import annotations

import threading

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tournaments.arena.runner import GameLoop
from tournaments.consumers import PlayConsumer
from tournaments.models import Dataset, Match


@pytest.fixture
def short_play(settings, monkeypatch):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "live": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p"},
    }
    monkeypatch.setattr(PlayConsumer, "rules", {"round_seconds": 2, "max_rounds": 1})


def communicator(opponent, user):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/play/{opponent}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    return comm


async def _play_to_the_end(comm) -> tuple[list[dict], dict]:
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    frames = []
    while True:
        msg = await comm.receive_json_from(timeout=10)
        if msg["type"] == "over":
            return frames, msg
        assert msg["type"] == "frame"
        frames.append(msg)


async def test_a_new_team_plays_a_house_bot_then_a_rematch_off_the_event_loop(
    users, short_play, media_root, monkeypatch
):
    stepped_in: set[str] = set()
    step = GameLoop.step

    def spy(self):
        stepped_in.add(threading.current_thread().name)
        return step(self)

    monkeypatch.setattr(GameLoop, "step", spy)
    comm = communicator("cpu_easy", users["outsider"])  # a team with no agent at all
    connected, _ = await comm.connect()
    assert connected
    ready = await comm.receive_json_from(timeout=5)
    assert ready == {"type": "ready", "agent": "cpu_easy", "characters": ready["characters"]}
    frames, over = await _play_to_the_end(comm)
    ticks = [f["state"]["tick"] for f in frames]
    assert ticks == list(range(1, over["ticks"] + 1))
    assert over["winner"] in ("p1", "p2", "draw") and over["match"]
    frames2, over2 = await _play_to_the_end(comm)  # the rematch on the same socket
    assert over2["match"] != over["match"] and len(frames2) == over2["ticks"]
    await comm.disconnect()
    assert stepped_in and all(name.startswith("play-match-") for name in stepped_in)
    assert threading.main_thread().name not in stepped_in
    matches = await database_sync_to_async(list)(Match.objects.filter(kind="play"))
    assert len(matches) == 2 and all(m.state == Match.DONE for m in matches)
    assert all(m.team_id == users["other"].pk and m.p2_label == "cpu_easy" for m in matches)
    datasets = await database_sync_to_async(list)(Dataset.objects.all())
    assert sorted(d.ticks for d in datasets) == sorted([over["ticks"], over2["ticks"]])


async def test_an_unknown_house_opponent_is_refused(users, short_play):
    comm = communicator("cpu_impossible", users["owner"])
    connected, _ = await comm.connect()  # accepted, then closed: the page can read the code
    assert connected
    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}


def test_the_agents_page_lists_the_house_opponents_and_their_play_pages_open(users, client):
    client.force_login(users["outsider"])
    page = client.get("/arena/agents/").content.decode()
    for bot in ("random", "cpu_easy", "cpu_medium", "cpu_hard"):
        assert f"/arena/play/{bot}/" in page
    play = client.get("/arena/play/cpu_hard/")
    assert play.status_code == 200 and b'data-ws="/ws/play/cpu_hard/"' in play.content
    assert client.get("/arena/play/copycat/").status_code == 404  # no demo data here
    assert client.get("/arena/play/nobody/").status_code == 404
