"""Playing an agent in the browser: the websocket game loop and the recorded dataset."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from tournaments.agents.dataset import open_dataset
from tournaments.arena import MatchRecord, frame_state, make_bot, replay_match
from tournaments.live import LiveMatch
from tournaments.models import Dataset, Match
from tournaments.play import finish_match, start_match


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def communicator(agent_id, user):
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/play/{agent_id}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    return comm


async def started_against_random(user, patch, step):
    """A play socket against the random bot, its game loop's ``step`` replaced by ``step``
    (to break it mid-play), after the first start sent."""
    from tournaments.arena.runner import GameLoop

    comm = communicator("random", user)
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)  # ready
    patch.setattr(GameLoop, "step", step)
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    return comm


async def test_a_person_plays_an_agent_over_the_websocket(agent, users, in_memory_layer):
    comm = communicator(agent.pk, users["owner"])
    connected, _ = await comm.connect()
    assert connected
    ready = await comm.receive_json_from(timeout=5)
    assert ready["type"] == "ready" and ready["agent"] == "Rookie"
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    await comm.send_json_to({"type": "keys", "keys": {"right": True, "punch": True}})
    frames = [await comm.receive_json_from(timeout=5) for _ in range(30)]
    assert all(f["type"] == "frame" for f in frames)
    ticks = [f["state"]["tick"] for f in frames]
    assert ticks == sorted(ticks) and len(set(ticks)) == 30
    await comm.disconnect()
    await asyncio.sleep(0.2)
    dataset = await database_sync_to_async(Dataset.objects.get)()
    assert dataset.ticks >= 30 and dataset.player_id == users["owner"].pk
    recorded = open_dataset(dataset.path)
    assert len(recorded) == dataset.ticks


async def test_an_outsider_cannot_play_another_teams_agent(agent, users, in_memory_layer):
    comm = communicator(agent.pk, users["outsider"])
    connected, _ = await comm.connect()
    assert connected  # a refused handshake is a bare 403 in a browser: the page shows nothing
    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}


def test_a_whole_recorded_match_keeps_every_tick_and_its_ko_flags(agent, users):
    match = start_match(users["owner"], agent, ("kaito", "brick"), seed=5)
    bot = make_bot("cpu_hard")
    match.p1 = bot.act  # a scripted "person" on p1
    match.run(realtime=False)
    assert match.done
    dataset = finish_match(users["owner"], agent, match)
    data = open_dataset(dataset.path)
    assert len(data) == dataset.ticks == match.game.tick
    kills, deaths = int(data.kill.sum()), int(data.death.sum())
    assert (kills, deaths) == (match.game.p1.wins, match.game.p2.wins)
    played = Match.objects.get(kind="play")
    assert played.winner == match.game.winner and played.p2_agent == agent
    ko_ticks = played.record["round_end_ticks"]
    assert len(ko_ticks) == len(played.record["round_winners"]) > 0  # when each round ended
    assert (
        replay_match(MatchRecord.from_dict(played.record)).state_hash()
        == played.record["final_hash"]
    )


def test_the_frame_state_has_what_the_browser_draws():
    bot = make_bot("cpu_medium")
    match = LiveMatch(
        characters=("kaito", "brick"), seed=1, p1=bot.act, p2=bot.act, p2_frame_skip=4
    )
    seen = []
    match.run(realtime=False, on_tick=lambda game, n: seen.append(n), stop=lambda: len(seen) > 10)
    state = frame_state(match.game)
    assert state["tick"] == 10 and state["timer"] == 99 and state["phase"] == "fight"
    assert [f["health"] for f in state["fighters"]] == [1000, 1000]
    assert {"x", "feet", "facing", "height", "half_width", "state", "colors"} <= set(
        state["fighters"][0]
    )


def test_a_match_whose_web_process_died_is_marked_abandoned(agent, users):
    """The play-page match lives in its Daphne process; once that is gone it ends failed."""
    import subprocess

    from tournaments.play import ABANDONED, play_matches_abandon_orphans

    live = start_match(users["owner"], agent, ("kaito", "brick"), seed=5)
    other = start_match(users["owner"], agent, ("kaito", "brick"), seed=6)
    assert play_matches_abandon_orphans() == 0  # this process (its web process) still runs them
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process that has ended: the Daphne that played the first match
    Match.objects.filter(pk=live.match_id).update(worker_pid=gone.pid)
    assert play_matches_abandon_orphans() == 1
    dead, alive = Match.objects.get(pk=live.match_id), Match.objects.get(pk=other.match_id)
    assert (dead.state, dead.failure_reason) == (Match.FAILED, ABANDONED)
    assert dead.finished_at is not None and alive.state == Match.RUNNING


def _slow(monkeypatch, cpu_s: float) -> None:
    """Makes every agent spend ``cpu_s`` of CPU in each decision (a heavier network)."""
    import time

    from tournaments import services

    real = services.agent_policy

    def slow_policy(agent):
        act = real(agent)

        def decide(obs):
            end = time.thread_time() + cpu_s
            while time.thread_time() < end:
                pass
            return act(obs)

        return decide

    monkeypatch.setattr(services, "agent_policy", slow_policy)


def test_a_person_gets_a_whole_match_against_an_agent_over_the_tournament_budget(
    agent, users, monkeypatch
):
    """An agent charged 5 ms a decision (the tournaments' budget is 2 ms) forfeited a person's
    match within a few ticks; on the play page it plays the match out (the web process's load
    is charged to its decisions there). Tournaments keep their budget."""
    from tournaments.arena.runner import run_match
    from tournaments.matches import _agent_player

    _slow(monkeypatch, 0.005)
    match = start_match(users["owner"], agent, ("kaito", "brick"), seed=5, max_rounds=1,
                        round_seconds=5)  # fmt: skip
    match.p1 = make_bot("cpu_easy").act
    result = match.run(realtime=False)
    assert match.done and not any(g.forfeit for g in result.games)
    strict = run_match([make_bot("cpu_easy").act, _agent_player(agent, 1)], seed=5,
                       characters=("kaito", "brick"), max_rounds=1, round_seconds=5)  # fmt: skip
    assert (
        strict.games[0].forfeit["side"] == "p2"
        and "over its 2.00 ms budget" in (strict.games[0].forfeit["reason"])
    )


async def test_the_page_is_told_why_an_agent_forfeited(agent, users, in_memory_layer, monkeypatch):
    _slow(monkeypatch, 0.2)  # far over even the play page's 16 ms a decision
    comm = communicator(agent.pk, users["owner"])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)  # ready
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    while (msg := await comm.receive_json_from(timeout=30))["type"] != "over":
        pass
    assert msg["winner"] == "p1"
    assert msg["forfeit"].startswith("Rookie forfeited at tick ")
    assert "over its 16.00 ms budget" in msg["forfeit"]
    await comm.disconnect()


def test_the_recorded_play_list_names_who_won(client, users):
    for n, winner in enumerate(("p1", "p2", "draw", "")):
        Dataset.objects.create(
            team=users["team"], player=users["owner"], opponent="cpu_hard", winner=winner,
            characters=["kaito", "brick"], folder=f"datasets/w{n}",
        )  # fmt: skip
    client.force_login(users["owner"])
    page = client.get("/arena/datasets/").content.decode()
    cells = [row.split("<td>")[5].split("</td>")[0] for row in page.split("<tr>")[2:6]]
    assert sorted(cells) == ["cpu_hard", "draw", "owner", "unfinished"]


def test_a_recording_is_deleted_once_its_match_has_ended(client, users, agent, media_root):
    from coach.models import Membership

    # A teammate (another player) may not delete the owner's recording; another team sees none.
    mate = type(users["owner"]).objects.create_user("mate", password="pw-mate-1")
    Membership.objects.create(team=users["team"], user=mate, role=Membership.PLAYER)
    live = start_match(users["owner"], agent, ("kaito", "brick"), seed=5)
    dataset = Dataset.objects.get(pk=live.dataset_id)
    url = f"/arena/datasets/{dataset.pk}/delete"
    client.force_login(users["owner"])
    # Still being played: the file is being written, so it stays.
    page = client.get("/arena/datasets/").content.decode()
    assert "recording…" in page and url not in page
    response = client.post(url, follow=True)
    assert "still being played" in response.content.decode()
    assert Dataset.objects.filter(pk=dataset.pk).exists() and dataset.path.is_dir()
    live.p1 = make_bot("cpu_hard").act
    live.run(realtime=False)
    finish_match(users["owner"], agent, live)
    client.force_login(users["outsider"])
    assert client.post(url).status_code == 404
    client.force_login(mate)
    assert url not in client.get("/arena/datasets/").content.decode()
    assert client.post(url).status_code == 403
    assert client.get(url).status_code == 405
    client.force_login(users["owner"])
    assert url in client.get("/arena/datasets/").content.decode()
    response = client.post(url, follow=True)
    assert "deleted" in response.content.decode()
    assert not Dataset.objects.filter(pk=dataset.pk).exists() and not dataset.path.exists()
    assert Match.objects.get(pk=live.match_id).state == Match.DONE  # the game's result stays


def test_the_coach_deletes_a_recording_left_by_a_match_that_was_abandoned(client, users, agent):
    import subprocess

    from tournaments.play import play_matches_abandon_orphans

    live = start_match(users["owner"], agent, ("kaito", "brick"), seed=5)
    gone = subprocess.Popen(["true"])
    gone.wait()
    Match.objects.filter(pk=live.match_id).update(worker_pid=gone.pid)
    assert play_matches_abandon_orphans() == 1
    client.force_login(users["coach"])
    assert client.post(f"/arena/datasets/{live.dataset_id}/delete").status_code == 302
    assert not Dataset.objects.filter(pk=live.dataset_id).exists()


def _fails_building_the_players(monkeypatch) -> None:
    """Building the live match fails before it writes anything (its players)."""
    from tournaments import live

    def broken(*args, **kwargs):
        raise RuntimeError("the opponent could not be set up")

    monkeypatch.setattr(live, "make_player", broken)


def _fails_after_the_recording_is_begun(monkeypatch) -> None:
    """Building the live match fails once its recording's folder and header are on disk (the
    disk filled up under it)."""
    from tournaments import play

    class Broken(LiveMatch):
        def __init__(self, **kwargs) -> None:
            super().__init__(**kwargs)
            assert any(kwargs["dataset"].iterdir())  # the recording was begun
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(play, "LiveMatch", Broken)


def _the_database_fails_between_the_two_rows(monkeypatch) -> None:
    """The match row is written, and the database fails on the recording's."""
    from django.db import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(Dataset.objects, "create", broken)


@pytest.mark.parametrize(
    "fault",
    [
        _fails_building_the_players,
        _fails_after_the_recording_is_begun,
        _the_database_fails_between_the_two_rows,
    ],
)
async def test_a_match_that_cannot_be_built_leaves_nothing_and_says_so(
    fault, users, in_memory_layer, media_root, monkeypatch
):
    comm = communicator("random", users["owner"])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)
    with monkeypatch.context() as patch:
        fault(patch)
        await comm.send_json_to(
            {"type": "start", "character": "kaito", "opponent_character": "brick"}
        )
        answer = await comm.receive_json_from(timeout=5)
    assert answer == {
        "type": "error",
        "message": "the match could not be started (the server could not set it up): start again",
    }
    assert await database_sync_to_async(Match.objects.count)() == 0  # no running match
    assert await database_sync_to_async(Dataset.objects.count)() == 0  # no "recording…" row
    assert list(media_root.rglob("*")) in ([], [media_root / "datasets"])  # no file
    # The socket is still open: once the server can, the next start plays.
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
    await comm.disconnect()


def test_a_play_match_is_listed_as_starting_until_its_game_is_built(
    client, agent, users, monkeypatch
):
    """The row is made before the game (the recording needs it): until the game exists the
    agent's page and the match's page say "starting", never that it is being played."""
    from tournaments import play

    seen = {}

    class Watched(LiveMatch):
        def __init__(self, **kwargs) -> None:
            match = Match.objects.get(kind="play")
            seen["state"] = match.state
            seen["agent_page"] = client.get(f"/arena/agents/{agent.pk}/").content.decode()
            seen["match_page"] = client.get(f"/matches/{match.pk}/").content.decode()
            seen["recording"] = Dataset.objects.get(match=match).recording
            super().__init__(**kwargs)

    monkeypatch.setattr(play, "LiveMatch", Watched)
    client.force_login(users["owner"])
    live = start_match(users["owner"], agent, ("kaito", "brick"), seed=5)
    assert seen["state"] == "starting"
    assert '<td class="length">starting</td>' in seen["agent_page"]
    assert "playing" not in seen["agent_page"]
    assert ">Starting</span>" in seen["match_page"] and "state-running" not in seen["match_page"]
    assert seen["recording"]  # its recording may not be deleted while the game is built
    assert play.live_play_matches(users["owner"]) == 1  # and it counts against the limit
    match = Match.objects.get(pk=live.match_id)
    assert match.state == Match.RUNNING
    assert (
        '<td class="length">playing</td>'
        in client.get(f"/arena/agents/{agent.pk}/").content.decode()
    )
    live.close()


async def test_a_match_that_breaks_mid_play_ends_failed_with_its_reason_and_ticks(
    users, in_memory_layer, media_root, monkeypatch
):
    """A play-page game that raised mid-play told the player, and its match stayed "playing"
    (its web process lives on, so the orphan sweep never clears it) with its recording "being
    written" until the site restarted. It ends failed, with its reason and the ticks it played;
    its recording is kept and closed, as a match stopped mid-play keeps what was played."""
    from tournaments.arena.runner import GameLoop
    from tournaments.models import readable_reason
    from tournaments.play import dataset_delete, live_play_matches

    step = GameLoop.step

    def breaks_at_30(self):
        if self.game.tick == 30:
            raise OSError(5, "Input/output error", f"{media_root}/datasets/x/shard-00000.npz")
        return step(self)

    with monkeypatch.context() as patch:
        comm = await started_against_random(users["owner"], patch, breaks_at_30)
        while (msg := await comm.receive_json_from(timeout=5))["type"] == "frame":
            pass
    reason = "Input/output error: 'shard-00000.npz'"  # why, without the path or the class
    assert msg == {"type": "error", "message": f"the match stopped on an error ({reason}); "
                   "start again", "reason": reason, "ticks": 30}  # fmt: skip
    match = await database_sync_to_async(Match.objects.get)(kind="play")
    assert (match.state, match.ticks) == (Match.FAILED, 30) and match.finished_at
    assert match.failure_reason.startswith("OSError: [Errno 5] Input/output error")
    assert str(media_root) in match.failure_reason  # the stored reason is whole, for staff
    assert readable_reason(match.failure_reason) == "Input/output error: 'shard-00000.npz'"
    assert await database_sync_to_async(live_play_matches)(users["owner"]) == 0
    dataset = await database_sync_to_async(Dataset.objects.select_related("match").get)()
    assert not dataset.recording and dataset.ticks == 30 and dataset.winner == ""
    assert len(open_dataset(dataset.path)) == 30  # closed: what was played can be read
    # The socket stays open and the next start plays.
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
    await comm.disconnect()
    await database_sync_to_async(dataset_delete)(dataset)  # no longer "still being played"
    assert not await database_sync_to_async(Dataset.objects.filter(pk=dataset.pk).exists)()


@pytest.fixture
def live_in_memory(in_memory_layer, settings):
    """The latest-tick cache in memory too: a spectator joining late reads it."""
    settings.CACHES = {
        **settings.CACHES,
        "live": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "play"},
    }


async def test_spectators_of_a_match_that_breaks_mid_play_are_told_it_failed_and_why(
    users, live_in_memory, media_root, monkeypatch
):
    """A teammate watching a play-page game at /matches/<id>/ got its ticks up to the error and
    then nothing: no end came, and the page stalled on "Live". They get ``failed`` with the
    ticks played and the reason as the bracket shows it (no server path, no exception class);
    so does a spectator who joins after the end, and the player's message says why too."""
    import threading

    from tests.tournaments.test_spectating import spectator
    from tournaments.arena.runner import GameLoop

    step = GameLoop.step
    watched = threading.Event()

    def breaks_once_watched(self):
        if watched.is_set() and self.game.tick >= 30:
            raise OSError(5, "Input/output error", f"{media_root}/datasets/x/shard-00000.npz")
        return step(self)

    with monkeypatch.context() as patch:
        comm = await started_against_random(users["owner"], patch, breaks_once_watched)
        assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
        match = await database_sync_to_async(Match.objects.get)(kind="play")
        watcher = spectator(match.pk, users["coach"])
        assert (await watcher.connect())[0]
        seen = [await watcher.receive_json_from(timeout=5)]
        assert seen[0]["type"] == "snapshot"
        watched.set()
        while seen[-1]["type"] in ("snapshot", "ticks"):
            seen.append(await watcher.receive_json_from(timeout=5))
        while (msg := await comm.receive_json_from(timeout=5))["type"] == "frame":
            pass
    await match.arefresh_from_db()
    assert match.state == Match.FAILED and match.ticks >= 30
    reason = "Input/output error: 'shard-00000.npz'"
    assert seen[-1] == {"type": "failed", "ticks": match.ticks, "reason": reason}
    assert seen[-2]["ticks"][-1]["tick"] == match.ticks  # every tick played, then the end
    assert msg == {
        "type": "error",
        "message": f"the match stopped on an error ({reason}); start again",
        "reason": reason,
        "ticks": match.ticks,
    }
    late = spectator(match.pk, users["coach"])  # joins after the end: the cached last tick
    assert (await late.connect())[0]
    snap, end = await late.receive_json_from(timeout=5), await late.receive_json_from(timeout=5)
    assert (snap["type"], snap["tick"]) == ("snapshot", match.ticks) and end == seen[-1]
    for socket in (late, watcher, comm):
        await socket.disconnect()


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (  # an exception without a message: what failed, not its class
            RuntimeError(),
            "the match stopped on an error (the game stopped on an unexplained error); start again",
        ),
        (ValueError("bad action 99"), "the match stopped on an error (bad action 99); start again"),
        (
            FileNotFoundError(2, "No such file or directory", "/srv/media/agents/7/model.pt"),
            "the match stopped on an error (No such file or directory: 'model.pt'); start again",
        ),
    ],
)
def test_the_player_is_told_why_without_the_exception_class_or_a_server_path(exc, message):
    from tournaments.models import error_reason, readable_reason
    from tournaments.play import stopped_message

    told = stopped_message(readable_reason(error_reason(exc)), 12)
    assert told["message"] == message and told["ticks"] == 12
    assert told["reason"] in told["message"]


async def test_spectators_of_a_match_its_player_leaves_are_told_it_stopped(
    users, live_in_memory, client
):
    """A teammate watching a play-page game at /matches/<id>/ when its player closed the page
    got its ticks and then nothing: the match row was deleted and no end was sent, so the page
    stalled on "Live" (and a reload was a 404). The match is kept as *stopped* with the ticks
    played and why, its spectators get ``stopped``, and so does anyone who joins later, from the
    cached last tick and, once that is gone, from the row; its pages say so to its team only."""
    from django.core.cache import caches

    from tests.tournaments.test_spectating import spectator
    from tournaments.play import dataset_delete, live_play_matches

    comm = communicator("random", users["owner"])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)  # ready
    await comm.send_json_to({"type": "start", "character": "kaito", "opponent_character": "brick"})
    assert (await comm.receive_json_from(timeout=5))["type"] == "frame"
    match = await database_sync_to_async(Match.objects.get)(kind="play")
    watcher = spectator(match.pk, users["coach"])
    assert (await watcher.connect())[0]
    seen = [await watcher.receive_json_from(timeout=5)]
    assert seen[0]["type"] == "snapshot"
    seen.append(await watcher.receive_json_from(timeout=5))
    assert seen[-1]["type"] == "ticks"  # watching it live
    await comm.disconnect()  # the player closes the play page mid-match
    while seen[-1]["type"] in ("snapshot", "ticks"):
        seen.append(await watcher.receive_json_from(timeout=5))
    match = await database_sync_to_async(Match.objects.get)(pk=match.pk)  # kept, not deleted
    assert match.state == Match.STOPPED and match.ticks > 0 and match.finished_at
    assert match.winner == "" and match.failure_reason == "owner left the match"
    stopped = {"type": "stopped", "ticks": match.ticks, "reason": "owner left the match"}
    assert seen[-1] == stopped
    assert seen[-2]["ticks"][-1]["tick"] == match.ticks  # every tick played, then the end
    for cached in (True, False):
        if not cached:
            await database_sync_to_async(caches["live"].clear)()  # the row says how it ended
        late = spectator(match.pk, users["coach"])
        assert (await late.connect())[0]
        snap, end = await late.receive_json_from(timeout=5), await late.receive_json_from(timeout=5)
        # Where it stopped: from the cached last tick, else replayed from its stored games.
        assert (snap["type"], snap["tick"]) == ("snapshot", match.ticks)
        assert snap["match"]["state"] == Match.STOPPED and end == stopped
        await late.disconnect()
    outsider = spectator(match.pk, users["outsider"])  # still its team's alone
    assert (await outsider.connect())[0]
    assert await outsider.receive_output(timeout=5) == {"type": "websocket.close", "code": 4404}
    await watcher.disconnect()
    assert await database_sync_to_async(live_play_matches)(users["owner"]) == 0
    dataset = await database_sync_to_async(Dataset.objects.select_related("match").get)()
    assert dataset.match_id == match.pk and not dataset.recording
    assert dataset.ticks == match.ticks  # the recording keeps what was played

    def pages():
        client.force_login(users["coach"])
        page = client.get(f"/matches/{match.pk}/").content.decode()
        assert 'class="state state-stopped" id="match-state">Stopped<' in page
        client.force_login(users["outsider"])
        assert client.get(f"/matches/{match.pk}/").status_code == 404
        dataset_delete(dataset)  # no longer "still being played"

    await database_sync_to_async(pages)()
