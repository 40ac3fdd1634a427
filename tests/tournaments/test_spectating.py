"""Spectators: /ws/matches/<id>/ sends a snapshot, every tick in order, then the end; private
matches only to their teams; /matches/<id>/ without a login for public matches."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tests.sockets import close_code
from tournaments.arena import MatchRecord, replay_match
from tournaments.matches import match_create, match_run
from tournaments.models import Match


@pytest.fixture
def live_in_memory(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "live": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "live"},
    }


def spectator(match_id, user=None):
    from django.contrib.auth.models import AnonymousUser

    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/matches/{match_id}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user or AnonymousUser()
    return comm


async def _until_over(comm, run: asyncio.Future | None = None) -> list[dict]:
    """Every message up to the match's end. ``run`` is the match playing in a thread: when it
    fails, its error is raised here (not a bare timeout waiting for an end that never comes)."""
    messages = []
    while True:
        receive = asyncio.ensure_future(comm.receive_json_from(timeout=15))
        if run is not None:
            await asyncio.wait({receive, run}, return_when=asyncio.FIRST_COMPLETED)
            if run.done() and run.exception() is not None and not receive.done():
                receive.cancel()
                raise run.exception()
        msg = await receive
        messages.append(msg)
        if msg["type"] == "over":
            return messages


async def test_a_spectator_gets_a_snapshot_then_every_tick_in_order_then_the_end(
    transactional_db, live_on_redis
):
    match = await database_sync_to_async(match_create)(
        p1="cpu_hard", p2="cpu_easy", live=True, public=True, kind="exhibition", seed=4,
        max_rounds=1, round_seconds=2, best_of=3,
    )  # fmt: skip
    early = spectator(match.pk)
    assert (await early.connect())[0]
    first = await early.receive_json_from(timeout=15)  # the snapshot, before the match starts
    # (it reads the match, and the test database, SQLite in memory with a shared cache, refuses
    # a write beside a read: "table is locked", where a file or PostgreSQL would wait)
    run = asyncio.ensure_future(sync_to_async(match_run, thread_sensitive=False)(match.pk))
    await asyncio.sleep(1.0)
    late = spectator(match.pk)  # joins mid-match
    assert (await late.connect())[0]
    early_msgs = [first, *await _until_over(early, run)]
    late_msgs = await _until_over(late, run)
    done = await run
    winners = [g["winner"] for g in done.games]
    final_score = [winners.count("p1"), winners.count("p2")]
    assert max(final_score) == 2  # a best of 3 played out
    for msgs in (early_msgs, late_msgs):
        snap = msgs[0]
        assert snap["type"] == "snapshot" and set(snap) == {"type", "tick", "t", "state", "match"}
        assert snap["match"]["p1"] == {"name": "cpu_hard", "rating": None}
        assert snap["match"]["id"] == match.pk and snap["match"]["best_of"] == 3
        assert all(m["type"] == "ticks" for m in msgs[1:-1])
        ticks = [t["tick"] for m in msgs[1:-1] for t in m["ticks"]]
        assert ticks == list(range(snap["tick"] + 1, done.ticks + 1))  # none missing, in order
        assert all(t["t"] >= snap["t"] - 1 for m in msgs[1:-1] for t in m["ticks"])
        # With the final score: the last tick's was taken before its game was counted.
        assert msgs[-1] == {"type": "over", "winner": done.winner, "ticks": done.ticks,
                            "score": final_score}  # fmt: skip
    assert early_msgs[0]["tick"] == 0 and late_msgs[0]["tick"] > 30
    after = spectator(match.pk)  # joins after the end: the worker's cached last tick
    assert (await after.connect())[0]
    snap, over = await after.receive_json_from(timeout=5), await after.receive_json_from(timeout=5)
    assert snap["state"]["score"] == over["score"] == final_score
    await after.disconnect()
    # The last state broadcast is the state the stored record replays to.
    last_state = early_msgs[-2]["ticks"][-1]["state"]
    final = replay_match(MatchRecord.from_dict(done.games[-1]))
    assert last_state["fighters"][0]["health"] == max(final.p1.health, 0)
    await early.disconnect()
    await late.disconnect()


async def test_a_finished_match_sends_its_final_snapshot_and_over(transactional_db, live_in_memory):
    match = await database_sync_to_async(match_create)(
        p1="cpu_medium", p2="random", public=True, seed=2, max_rounds=1, round_seconds=3
    )
    done = await database_sync_to_async(match_run)(match.pk)
    comm = spectator(match.pk)
    assert (await comm.connect())[0]
    snap, over = await comm.receive_json_from(timeout=5), await comm.receive_json_from(timeout=5)
    assert snap["type"] == "snapshot" and snap["tick"] == done.ticks
    assert snap["state"]["match_winner"] == done.winner
    winners = [g["winner"] for g in done.games]
    assert over == {"type": "over", "winner": done.winner, "ticks": done.ticks,
                    "score": [winners.count("p1"), winners.count("p2")]}  # fmt: skip
    await comm.disconnect()


async def test_a_private_match_is_closed_to_outsiders_and_anonymous_but_open_to_its_team(
    users, live_in_memory
):
    match = await database_sync_to_async(match_create)(
        p1="random", p2="random", team=users["team"], seed=1
    )
    for user, allowed in ((users["outsider"], False), (None, False), (users["coach"], True),
                          (users["owner"], True)):  # fmt: skip
        comm = spectator(match.pk, user)
        if allowed:
            assert (await comm.connect())[0], user
            assert (await comm.receive_json_from(timeout=5))["type"] == "snapshot"
            await comm.disconnect()
        else:
            assert await close_code(comm) == 4404, user
    for bad in ("999999", "abc"):
        assert await close_code(spectator(bad)) == 4404


def test_the_match_page_needs_no_login_for_a_public_match_but_hides_private_ones(users, client):
    public = match_create(p1="cpu_easy", p2="random", public=True, seed=1)
    private = match_create(p1="cpu_easy", p2="random", team=users["team"], seed=1)
    page = client.get(f"/matches/{public.pk}/")
    assert page.status_code == 200 and b"cpu_easy" in page.content
    assert b"/ws/matches/%d/" % public.pk in page.content
    assert client.get(f"/matches/{private.pk}/").status_code == 404
    client.force_login(users["outsider"])
    assert client.get(f"/matches/{private.pk}/").status_code == 404
    assert client.get(f"/matches/{private.pk}/frames.json").status_code == 404
    client.force_login(users["owner"])
    assert client.get(f"/matches/{private.pk}/").status_code == 200


def test_an_embedded_match_page_shows_the_match_without_the_sites_top_bar(db, client):
    public = match_create(p1="cpu_easy", p2="random", public=True, seed=1)
    assert b'class="topbar"' in client.get(f"/matches/{public.pk}/").content
    embedded = client.get(f"/matches/{public.pk}/?embed=1").content
    assert b'class="topbar"' not in embedded and b"/ws/matches/%d/" % public.pk in embedded


def test_a_finished_match_replays_every_tick_from_its_record(transactional_db, client):
    match = match_create(p1="cpu_hard", p2="cpu_medium", public=True, seed=6, best_of=3,
                         max_rounds=1, round_seconds=4)  # fmt: skip
    assert client.get(f"/matches/{match.pk}/frames.json").status_code == 409
    done = match_run(match.pk)
    data = json.loads(client.get(f"/matches/{match.pk}/frames.json").content)
    frames = data["frames"]
    assert [f["tick"] for f in frames] == list(range(done.ticks + 1))
    assert frames[-1]["state"]["match_winner"] == done.games[-1]["winner"]
    assert frames[-1]["state"]["game"] == len(done.games) - 1
    assert Match.objects.get(pk=match.pk).state == Match.DONE


def test_ticks_that_queue_up_go_out_as_one_message_in_order():
    from coach.hub import coalesce
    from tournaments.broadcast import dumps

    def batch(first, last):
        ticks = [{"tick": n, "t": 1.0, "state": {"tick": n}} for n in range(first, last + 1)]
        return {"type": "match.ticks", "first": first, "last": last,
                "text": dumps({"type": "ticks", "ticks": ticks})}  # fmt: skip

    over = {"type": "match.over", "text": "{}"}
    merged = coalesce([batch(1, 3), batch(4, 6), batch(7, 9), over])
    assert len(merged) == 2 and merged[1] is over
    assert (merged[0]["first"], merged[0]["last"]) == (1, 9)
    assert [t["tick"] for t in json.loads(merged[0]["text"])["ticks"]] == list(range(1, 10))


def test_queued_ticks_of_two_runs_of_a_match_are_never_merged():
    """A process that fell behind merged the ticks of a taken-over run and of the run that took
    it into one message, with the first one's attempt: the socket could not drop the old run's."""
    from coach.hub import coalesce
    from tournaments.broadcast import dumps

    def batch(first, last, attempt):
        ticks = [{"tick": n, "t": 1.0, "state": {"tick": n}} for n in range(first, last + 1)]
        return {"type": "match.ticks", "attempt": attempt, "first": first, "last": last,
                "text": dumps({"type": "ticks", "ticks": ticks})}  # fmt: skip

    merged = coalesce([batch(40, 42, 1), batch(1, 3, 2), batch(43, 45, 1), batch(4, 6, 2)])
    assert [(m["attempt"], m["first"], m["last"]) for m in merged] == [
        (1, 40, 42), (2, 1, 3), (1, 43, 45), (2, 4, 6)
    ]  # fmt: skip
    merged = coalesce([batch(1, 3, 2), batch(4, 6, 2)])
    assert [(m["attempt"], m["first"], m["last"]) for m in merged] == [(2, 1, 6)]


def test_a_teams_private_match_stays_hidden_from_the_team_that_owns_an_agent_in_it(
    users, client, agent
):
    # The house agent (Copycat) may be entered by every team: its owners saw, streamed and
    # rendered other teams' private tournament games (a helper's probe).
    theirs = match_create(p1=agent, p2="random", team=users["other"], seed=1)
    client.force_login(users["owner"])  # the agent's team
    for path in ("/", "/frames.json"):
        assert client.get(f"/matches/{theirs.pk}{path}").status_code == 404
    client.force_login(users["outsider"])  # the match's team
    assert client.get(f"/matches/{theirs.pk}/").status_code == 200
    # A match of no team (an exhibition) is still the business of its agents' teams.
    loose = match_create(p1=agent, p2="random", seed=1)
    assert client.get(f"/matches/{loose.pk}/").status_code == 404
    client.force_login(users["owner"])
    assert client.get(f"/matches/{loose.pk}/").status_code == 200
    # The agent's page lists only the games its viewer may open.
    listed = client.get(f"/arena/agents/{agent.pk}/").content
    assert b"/matches/%d/" % loose.pk in listed and b"/matches/%d/" % theirs.pk not in listed
    # Nor does its record count that game (Copycat's record told another team's results).
    assert match_run(theirs.pk).winner
    seen = agent.record(Match.objects.visible_to(users["owner"]))
    assert sum(agent.record().values()) == sum(seen.values()) + 1
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert f'<b class="kill">{seen["wins"]}</b> wins' in page
    assert f'<b class="death">{seen["losses"]}</b> losses' in page
    row = client.get("/arena/agents/").content.decode().split(agent.name)[1].split("</tr>")[0]
    assert f"<td>{seen['wins']}–{seen['losses']}" in row


def test_a_finished_matchs_frames_are_replayed_once_then_served_from_disk(
    transactional_db, client, monkeypatch, settings, tmp_path
):
    import threading

    from tournaments import spectate

    settings.VAR_DIR = tmp_path
    match = match_create(p1="cpu_hard", p2="cpu_easy", public=True, seed=3, max_rounds=1,
                         round_seconds=3)  # fmt: skip
    match = match_run(match.pk)
    replays = []
    real = spectate.replay_frames

    def counted(m, *args, **kwargs):
        replays.append(m.pk)
        return real(m, *args, **kwargs)

    monkeypatch.setattr(spectate, "replay_frames", counted)
    answers = []

    def fetch():
        from django.test import Client

        answers.append(Client().get(f"/matches/{match.pk}/frames.json").content)

    crowd = [threading.Thread(target=fetch) for _ in range(6)]  # a crowd presses Watch at once
    for t in crowd:
        t.start()
    for t in crowd:
        t.join()
    assert replays == [match.pk]  # one replay for all six
    assert len(set(answers)) == 1
    data = json.loads(answers[0])
    assert data["match"]["id"] == match.pk and len(data["frames"]) == match.ticks + 1
    assert json.loads(client.get(f"/matches/{match.pk}/frames.json").content) == data
    assert replays == [match.pk]
    # The same id with another record (a database made again) is not served the old file.
    Match.objects.filter(pk=match.pk).update(games=match.games[:1] + match.games[:1])
    client.get(f"/matches/{match.pk}/frames.json")
    assert replays == [match.pk, match.pk]


async def test_a_queued_match_that_breaks_mid_play_tells_its_spectators_it_failed_and_why(
    transactional_db, live_in_memory, tmp_path, monkeypatch
):
    """A spectator arriving after a live match broke got its last tick and then nothing: the
    page waited on "Live" for good. The end is ``failed``, with the ticks played and the reason
    as the bracket shows it, from the cached last tick and, once that is gone, from the row."""
    from django.core.cache import caches

    from tournaments.arena.runner import GameLoop

    step = GameLoop.step

    def breaks_at_30(self):
        if self.game.tick == 30:
            raise OSError(5, "Input/output error", f"{tmp_path}/agents/x/model.safetensors")
        return step(self)

    monkeypatch.setattr(GameLoop, "step", breaks_at_30)
    match = await database_sync_to_async(match_create)(
        p1="cpu_medium", p2="random", live=True, public=True, seed=2, max_rounds=1
    )
    with pytest.raises(OSError):
        await database_sync_to_async(match_run)(match.pk)
    failed = {"type": "failed", "ticks": 30, "reason": "Input/output error: 'model.safetensors'"}
    for cached in (True, False):
        if not cached:
            caches["live"].clear()  # its last tick expired: the row says how it ended
        comm = spectator(match.pk)
        assert (await comm.connect())[0]
        snap, end = await comm.receive_json_from(timeout=5), await comm.receive_json_from(timeout=5)
        assert (snap["type"], snap["tick"]) == ("snapshot", 30 if cached else 0)
        assert end == failed
        await comm.disconnect()


async def test_a_run_that_no_longer_owns_its_match_does_not_tell_spectators_it_failed(
    transactional_db, live_on_redis, monkeypatch
):
    """A live match's run whose row another run has taken over (a worker on another machine
    played it again, taking this one's for dead) broke at tick 30: its row was rightly left to
    the other run, but its spectators were told ``failed``, and that end was kept for late
    joiners, while the match went on. Only the run that owns the row says how it ended."""
    import os

    from django.db.models import F

    from tournaments.arena.runner import GameLoop

    step = GameLoop.step
    match = await database_sync_to_async(match_create)(
        p1="cpu_medium", p2="random", live=True, public=True, seed=2, max_rounds=1
    )

    def taken_over_then_breaks(self):
        if self.game.tick == 20:  # the other run's claim (as match_run makes it)
            Match.objects.filter(pk=match.pk).update(
                attempts=F("attempts") + 1, worker_pid=os.getppid(), ticks=0
            )
        if self.game.tick == 30:
            raise OSError(5, "Input/output error", "/srv/agents/x/model.safetensors")
        return step(self)

    monkeypatch.setattr(GameLoop, "step", taken_over_then_breaks)
    watcher = spectator(match.pk)
    assert (await watcher.connect())[0]
    seen = [await watcher.receive_json_from(timeout=15)]  # the snapshot, before the start
    with pytest.raises(OSError):
        await sync_to_async(match_run, thread_sensitive=False)(match.pk)
    while not await watcher.receive_nothing(timeout=1):
        seen.append(await watcher.receive_json_from(timeout=5))
    assert all(m["type"] == "ticks" for m in seen[1:])  # no end: the match is not over
    ticks = [t["tick"] for m in seen[1:] for t in m["ticks"]]
    assert ticks == list(range(1, ticks[-1] + 1)) and ticks[-1] >= 27  # up to the break
    late = spectator(match.pk)
    assert (await late.connect())[0]
    assert (await late.receive_json_from(timeout=5))["type"] == "snapshot"
    assert await late.receive_nothing(timeout=1)  # and no end kept for late joiners
    row = await database_sync_to_async(Match.objects.get)(pk=match.pk)
    assert (row.state, row.worker_pid, row.attempts) == (Match.RUNNING, os.getppid(), 2)
    await late.disconnect()
    await watcher.disconnect()


async def test_a_run_that_no_longer_owns_its_match_stops_publishing_and_playing(
    transactional_db, live_on_redis, monkeypatch
):
    """A live match's run whose row another run took over at tick 20 (a worker on another
    machine played it again, taking this one's for dead) went on playing to the end, sending
    its ticks to the match's spectators, where they mixed with the other run's. It asks the row
    about once a second whether it still owns it: it stops within about a second, sends no
    more ticks and no end, leaves no latest tick of its own for late joiners, and stores
    nothing."""
    import os
    import time

    from django.db.models import F

    from tournaments.arena.runner import GameLoop

    step = GameLoop.step
    match = await database_sync_to_async(match_create)(
        p1="cpu_medium", p2="random", live=True, public=True, seed=2, max_rounds=1,
        round_seconds=8,
    )  # fmt: skip

    def taken_over_at_20(self):
        if self.game.tick == 20:  # the other run's claim (as match_run makes it)
            Match.objects.filter(pk=match.pk).update(
                attempts=F("attempts") + 1, worker_pid=os.getppid(), ticks=0
            )
        return step(self)

    monkeypatch.setattr(GameLoop, "step", taken_over_at_20)
    watcher = spectator(match.pk)
    assert (await watcher.connect())[0]
    seen = [await watcher.receive_json_from(timeout=15)]  # the snapshot, before the start
    began = time.monotonic()
    returned = await sync_to_async(match_run, thread_sensitive=False)(match.pk)
    took = time.monotonic() - began
    while not await watcher.receive_nothing(timeout=1):
        seen.append(await watcher.receive_json_from(timeout=5))
    assert all(m["type"] == "ticks" for m in seen[1:])  # no end: the match is not over
    ticks = [t["tick"] for m in seen[1:] for t in m["ticks"]]
    assert ticks == list(range(1, ticks[-1] + 1))
    # About a second after the takeover (60 ticks/s), not the 8 s round played out.
    assert 20 <= ticks[-1] <= 20 + 100 and took < 4, (ticks[-1], took)
    late = spectator(match.pk)
    assert (await late.connect())[0]
    snap = await late.receive_json_from(timeout=5)
    assert (snap["type"], snap["tick"]) == ("snapshot", 0)  # not the lost run's last tick
    assert await late.receive_nothing(timeout=1)
    row = await database_sync_to_async(Match.objects.get)(pk=match.pk)
    assert (row.state, row.worker_pid, row.attempts, row.ticks) == (
        Match.RUNNING, os.getppid(), 2, 0
    )  # fmt: skip
    assert returned.state == Match.RUNNING and returned.worker_pid == os.getppid()
    await late.disconnect()
    await watcher.disconnect()


async def test_a_taken_over_runs_last_ticks_never_reach_spectators_of_the_run_that_took_it(
    transactional_db, live_on_redis
):
    """A live match taken over by a second run (played again from its seed while the first was
    thought dead): the first run goes on publishing for up to a second (it asks the row once a
    second) while the second one starts from tick 0. Its spectators got both runs' ticks mixed:
    after the restart's snapshot came the first run's ticks 21…80, and then the second run's
    ticks up to 80 were dropped as already sent. Every group message carries its run's attempt;
    a spectator's socket drops those of an older run than the newest it has seen, so after the
    restart it gets the second run's ticks only, every one in order, to its end."""
    match = await database_sync_to_async(match_create)(
        p1="cpu_medium", p2="random", live=True, public=True, seed=2, max_rounds=1,
        round_seconds=3,
    )  # fmt: skip
    watcher = spectator(match.pk)
    assert (await watcher.connect())[0]
    seen = [await watcher.receive_json_from(timeout=15)]  # the snapshot, before the start
    first = asyncio.ensure_future(sync_to_async(match_run, thread_sensitive=False)(match.pk))
    while not (seen[-1]["type"] == "ticks" and seen[-1]["ticks"][-1]["tick"] >= 20):
        seen.append(await watcher.receive_json_from(timeout=15))
    # The takeover, as a worker that took the first run's for dead makes it: a real match_run
    # (same pid: it does not ask whether the first run's worker is alive) claims the row.
    second = asyncio.ensure_future(sync_to_async(match_run, thread_sensitive=False)(match.pk))
    await asyncio.sleep(0.4)  # both runs publish now
    late = spectator(match.pk)  # joins while the first run still publishes
    assert (await late.connect())[0]
    seen += await _until_over(watcher, second)
    late_seen = await _until_over(late, second)
    done, lost = await second, await first
    assert done.state == Match.DONE and done.attempts == 2 and lost.attempts == 2
    restart = next(i for i, m in enumerate(seen) if i and m["type"] == "snapshot")
    before = [t["tick"] for m in seen[1:restart] for t in m["ticks"]]
    assert before == list(range(1, before[-1] + 1))  # the first run, up to the takeover
    for msgs in (seen[restart:], late_seen):
        snap, *ticks, over = msgs
        assert all(m["type"] == "ticks" for m in ticks) and over["type"] == "over"
        after = [t["tick"] for m in ticks for t in m["ticks"]]
        # The second run's ticks only: every one after its snapshot, in order, to its end.
        assert after == list(range(snap["tick"] + 1, done.ticks + 1)), (snap["tick"], after[:40])
    await late.disconnect()
    await watcher.disconnect()


@pytest.mark.parametrize("layer", ["live_on_redis", "live_in_memory"])
def test_a_taken_over_runs_ticks_never_replace_the_latest_tick_of_the_run_that_took_it(
    layer, request
):
    """Late joiners start from the live cache's latest tick. The run whose match was taken over
    overwrote the other run's latest tick with its own until it noticed (about a second). Each
    run now keeps its latest tick under a key of its own attempt and the cache names the newest
    attempt (only ever raised), so the lost run's ticks are never read."""
    from tournaments import broadcast
    from tournaments.arena import Game

    request.getfixturevalue(layer)
    match_id = 987_000 + (layer == "live_in_memory")
    game = Game(("kaito", "brick"), seed=1)
    lost, taker = (broadcast.Broadcaster(match_id, attempt=a, batch=1) for a in (1, 2))
    try:
        lost.start()
        lost(game, 30)
        taker.start()  # played again from its seed: not a tick of its own yet
        assert broadcast.latest(match_id) is None  # late joiners start from the row
        taker(game, 5)
        lost(game, 31)  # the lost run has not noticed yet
        now = broadcast.latest(match_id)
        assert (now["tick"], now["attempt"]) == (5, 2)
        # A run that starts late (a stale claim's) never lowers the newest attempt.
        stale = broadcast.Broadcaster(match_id, attempt=1, batch=1)
        stale.start()
        stale.close()
        assert broadcast.latest(match_id)["attempt"] == 2
    finally:
        lost.close()
        taker.close()


@pytest.mark.parametrize("layer", ["live_on_redis", "live_in_memory"])
def test_a_taken_over_runs_clean_up_never_deletes_the_latest_tick_of_the_run_that_took_it(
    layer, request
):
    """The lost run's clean-up (``Broadcaster.abandon``) read the latest tick, then deleted it
    if it was its own: when the other run stored its tick between the two, that tick was
    deleted, and late joiners started from the row. It now deletes its own attempt's key only,
    in one step."""
    from django.core.cache import caches

    from tournaments import broadcast
    from tournaments.arena import Game

    request.getfixturevalue(layer)
    match_id = 988_000 + (layer == "live_in_memory")
    game = Game(("kaito", "brick"), seed=1)
    lost, taker = (broadcast.Broadcaster(match_id, attempt=a, batch=1) for a in (1, 2))

    class StoresBeforeTheDelete:
        """The real cache; the taking run stores its next tick right before the lost run's
        delete (after anything the clean-up read first)."""

        def __getattr__(self, name):
            return getattr(caches["live"], name)

        def delete(self, *args, **kwargs):
            taker(game, 6)
            return caches["live"].delete(*args, **kwargs)

    try:
        lost.start()
        taker.start()
        lost(game, 31)  # the lost run has not noticed yet: its tick is the newest stored
        lost.cache = StoresBeforeTheDelete()
        lost.abandon()
        now = broadcast.latest(match_id)
        assert now is not None and (now["tick"], now["attempt"]) == (6, 2)
    finally:
        lost.close()
        taker.close()
