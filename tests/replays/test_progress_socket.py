"""The replay job's progress over ws/replays/<id>/: team members only, stage and time left."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from replays import progress
from replays.models import Replay
from tests.sockets import close_code


@pytest.fixture
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def communicator(replay_id, user) -> WebsocketCommunicator:
    from coach.asgi import application

    comm = WebsocketCommunicator(
        application, f"/ws/replays/{replay_id}/", headers=[(b"origin", b"http://localhost")]
    )
    comm.scope["user"] = user
    return comm


@pytest.mark.parametrize("who", ["owner", "coach"])
async def test_a_team_member_gets_the_current_status_on_connect(
    who, in_memory_layer, users, replay
):
    comm = communicator(replay.pk, users[who])
    connected, _ = await comm.connect()
    assert connected
    first = await comm.receive_json_from(timeout=5)
    assert first["type"] == "status" and first["id"] == replay.pk
    assert first["state"] == "done" and first["progress"] == 100
    await comm.disconnect()


async def test_it_closes_an_outsiders_socket(in_memory_layer, users, replay):
    assert await close_code(communicator(replay.pk, users["outsider"])) == 4404


async def test_it_closes_the_socket_of_a_replay_that_does_not_exist(in_memory_layer, users):
    assert await close_code(communicator(999, users["owner"])) == 4404


async def test_the_job_s_progress_reaches_the_socket_with_stage_and_time_left(
    in_memory_layer, users, replay
):
    comm = communicator(replay.pk, users["owner"])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)  # the state on connect

    @database_sync_to_async
    def run_a_job() -> None:
        row = Replay.objects.get(pk=replay.pk)
        row.mark_running()
        progress._runs[row.pk].started -= 10  # as if it had been running for 10 s
        progress._runs[row.pk].last_sent = 0
        row.set_progress(0.25, "finding kills and deaths")
        row.mark_failed("the disk is full")

    await run_a_job()
    got = [await comm.receive_json_from(timeout=5) for _ in range(3)]
    assert [(m["state"], m["stage"]) for m in got] == [
        ("running", "probing"),
        ("running", "finding kills and deaths"),
        ("failed", ""),
    ]
    assert got[1]["progress"] == 25 and 25 <= got[1]["eta_s"] <= 35  # 10 s for a quarter
    assert got[2]["failure_reason"] == "the disk is full"
    await comm.disconnect()


async def test_it_throttles_progress_within_a_stage_but_sends_every_stage_change(
    in_memory_layer, users, replay
):
    comm = communicator(replay.pk, users["coach"])
    assert (await comm.connect())[0]
    await comm.receive_json_from(timeout=5)

    @database_sync_to_async
    def run_a_job() -> None:
        row = Replay.objects.get(pk=replay.pk)
        row.mark_running()
        for n in range(50):  # far faster than MAX_PER_S
            row.set_progress(n / 100, "finding kills and deaths")
        row.set_progress(0.9, "cutting clips")
        row.mark_done()

    await run_a_job()
    got = []
    while not got or got[-1]["state"] != "done":
        got.append(await comm.receive_json_from(timeout=5))
    stages = [m["stage"] for m in got]
    assert stages.count("finding kills and deaths") == 1
    assert stages == ["probing", "finding kills and deaths", "cutting clips", ""]
    assert got[-1]["progress"] == 100 and got[-1]["eta_s"] == 0
    assert await comm.receive_nothing(timeout=0.2)
    await comm.disconnect()


@pytest.mark.parametrize(
    "done, elapsed, left",
    [
        (0, 5, None),
        (1, 5, None),
        (50, 0.1, None),
        (50, 0.5, 0.5),
        (50, 10, 10.0),
        (20, 4, 16.0),
        (100, 9, 0.0),
    ],
)
def test_the_time_left_is_the_rest_at_the_pace_so_far(done, elapsed, left):
    assert progress.eta_seconds(done, elapsed) == left
