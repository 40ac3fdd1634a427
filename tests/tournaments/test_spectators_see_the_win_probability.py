"""Spectators get each tick's win probability (``state["win_p1"]``) and the show's extras."""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async

from tests.tournaments.test_spectating import _until_over, spectator
from tournaments.matches import match_create, match_run


async def test_every_broadcast_tick_carries_the_win_probability_and_the_pose(
    transactional_db, live_on_redis
):
    match = await database_sync_to_async(match_create)(
        p1="cpu_hard", p2="random", live=True, public=True, kind="exhibition", seed=3,
        max_rounds=1, round_seconds=2,
    )  # fmt: skip
    comm = spectator(match.pk)
    assert (await comm.connect())[0]
    # The snapshot first: it reads the match while the test database (SQLite in memory, shared
    # cache) refuses a write beside a read ("table is locked") where a file or PostgreSQL waits.
    snapshot = await comm.receive_json_from(timeout=15)
    run = asyncio.ensure_future(sync_to_async(match_run, thread_sensitive=False)(match.pk))
    msgs = [snapshot, *await _until_over(comm, run)]
    done = await run
    assert 0.2 < msgs[0]["state"]["win_p1"] < 0.8  # the snapshot: an even start
    states = [t["state"] for m in msgs[1:-1] for t in m["ticks"]]
    assert states and all(0 <= s["win_p1"] <= 1 for s in states)
    assert all(f["pose"] and f["limbs"] for s in states for f in s["fighters"])
    final = states[-1]["win_p1"]
    assert final == {"p1": 1.0, "p2": 0.0, "draw": 0.5}[done.winner]
    await comm.disconnect()


def test_replayed_frames_carry_the_win_probability_too(transactional_db, client):
    import json

    match = match_create(p1="cpu_medium", p2="cpu_easy", public=True, seed=2, max_rounds=1,
                         round_seconds=3)  # fmt: skip
    match_run(match.pk)
    frames = json.loads(client.get(f"/matches/{match.pk}/frames.json").content)["frames"]
    values = [f["state"]["win_p1"] for f in frames]
    assert len(set(values)) > 5  # it moves with the fight
