"""Closing group sockets on the site's real channel layer (Redis) ends their consumers at once.

A consumer with a channel-layer channel of its own had its blocked Redis read cancelled on every
close, and now and then that cancellation hung (channels_redis with redis-py): Daphne then waits
10 s, kills the application and logs "took too long to shut down and was killed". Here 160
sockets of each kind (co-review, tournament page, replay job progress; 40 play sockets
mid-match) are closed at varied moments; each consumer must end by itself.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from tests.coach.conftest import team_replay  # noqa: F401 (the fixture)
from tests.coach.test_coreview_socket import connect
from tests.replays.test_progress_socket import communicator as progress_socket
from tests.tournaments.test_play import communicator as play_socket
from tests.tournaments.test_tournament_pages import communicator, make

CLOSE_WITHIN_S = 2.0


async def _close_many(
    open_sockets: Callable[[], Awaitable[list]], rng: random.Random, rounds: int = 40
) -> list:
    hung = []
    for round_no in range(rounds):
        sockets = await open_sockets()
        await asyncio.sleep(rng.choice([0, 0.01, 0.05, 0.2, 0.6]))  # reads blocked in Redis, or not
        rng.shuffle(sockets)
        for comm in sockets:
            # disconnect() waits CLOSE_WITHIN_S for the application to end, then cancels it.
            began = asyncio.get_running_loop().time()
            await comm.disconnect(timeout=CLOSE_WITHIN_S)
            took = asyncio.get_running_loop().time() - began
            if comm.future.cancelled() or took >= CLOSE_WITHIN_S:  # cancelled, or it hung
                hung.append((round_no, round(took, 2)))
            await asyncio.sleep(rng.choice([0, 0.001, 0.02]))
    return hung


async def test_every_closed_coreview_socket_ends_its_consumer(
    live_on_redis,
    users,
    team_replay,  # noqa: F811
):
    async def open_sockets() -> list:
        sockets = [(await connect(users[who], team_replay.pk))[0]
                   for who in ("coach", "owner", "owner", "coach")]  # fmt: skip
        await sockets[0].send_json_to({"type": "start"})
        return sockets

    hung = await _close_many(open_sockets, random.Random(7))
    assert hung == [], f"consumers that did not end within {CLOSE_WITHIN_S} s of the close"


async def test_every_closed_tournament_socket_ends_its_consumer(live_on_redis, users):
    tournament = await database_sync_to_async(make)(users, public=True)

    async def open_sockets() -> list:
        sockets = []
        for user in (AnonymousUser(), users["owner"], AnonymousUser(), users["outsider"]):
            comm = communicator(tournament.pk, user)
            assert (await comm.connect())[0]
            assert (await comm.receive_json_from(timeout=5))["type"] == "bracket"
            sockets.append(comm)
        return sockets

    hung = await _close_many(open_sockets, random.Random(8))
    assert hung == [], f"consumers that did not end within {CLOSE_WITHIN_S} s of the close"


async def test_every_closed_play_socket_ends_its_consumer_mid_match(live_on_redis, users):
    async def open_sockets() -> list:
        sockets = []
        for user in (users["owner"], users["coach"]):
            comm = play_socket("cpu_easy", user)
            assert (await comm.connect())[0]
            assert (await comm.receive_json_from(timeout=5))["type"] == "ready"
            await comm.send_json_to(
                {"type": "start", "character": "kaito", "opponent_character": "brick"}
            )
            # (the first match of a process loads the win-probability model: it may take a while)
            assert (await comm.receive_json_from(timeout=20))["type"] == "frame"
            sockets.append(comm)
        return sockets

    hung = await _close_many(open_sockets, random.Random(9), rounds=20)
    assert hung == [], f"consumers that did not end within {CLOSE_WITHIN_S} s of the close"


async def test_every_closed_replay_progress_socket_ends_its_consumer(
    live_on_redis,
    users,
    team_replay,  # noqa: F811
):
    async def open_sockets() -> list:
        sockets = []
        for who in ("owner", "coach", "owner", "coach"):
            comm = progress_socket(team_replay.pk, users[who])
            assert (await comm.connect())[0]
            assert (await comm.receive_json_from(timeout=5))["type"] == "status"
            sockets.append(comm)
        return sockets

    hung = await _close_many(open_sockets, random.Random(10))
    assert hung == [], f"consumers that did not end within {CLOSE_WITHIN_S} s of the close"
