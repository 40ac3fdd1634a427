"""A replay whose job failed on one of its files: its team reads the file's name, never where
the server keeps its media (the stored reason keeps the whole path, for staff and the logs)."""

from __future__ import annotations

import html
import re

import pytest
from channels.db import database_sync_to_async

from replays.models import Replay
from tests.conftest import ingest_replay

SHOWN = re.compile(
    r"^processing stopped unexpectedly: \[Errno 21\] Is a directory: "
    r"'\.frames\.[\w.]+\.tmp\.npy' -> 'frames\.npy'$"
)


@pytest.fixture
def failed(users, sync_jobs, sample_mp4, media_root) -> Replay:
    """A replay processed again while a folder stands where its frame index goes: the job fails
    with the OS error, which names both paths under the media root."""
    from replays.services import replay_process

    replay = ingest_replay(sample_mp4, team=users["team"], uploader=users["owner"])
    (replay.folder / "frames.npy").unlink()
    (replay.folder / "frames.npy").mkdir()
    (replay.folder / "frames.npy" / "x").write_text("x")
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert replay.state == Replay.FAILED
    assert f"'{replay.folder / 'frames.npy'}'" in replay.failure_reason  # stored whole
    return replay


@pytest.mark.parametrize("who", ["owner", "coach"])
def test_the_list_detail_and_status_give_the_reason_without_the_media_path(
    client, users, failed, media_root, who
):
    client.force_login(users[who])
    listed = client.get("/replays/").content.decode()
    title = re.search(r'<span class="state state-failed" title="([^"]*)">', listed)[1]
    assert SHOWN.match(html.unescape(title))
    detail = client.get(f"/replays/{failed.pk}/").content.decode()
    reason = re.search(r'<p id="job-reason" class="error" >([^<]*)</p>', detail)[1]
    assert SHOWN.match(html.unescape(reason))
    status = client.get(f"/replays/{failed.pk}/status").json()
    assert status["state"] == "failed" and SHOWN.match(status["failure_reason"])
    for text in (listed, detail, str(status)):
        assert str(media_root) not in text


def test_an_outsider_still_gets_neither_the_replay_nor_its_reason(client, users, failed):
    client.force_login(users["outsider"])
    assert client.get(f"/replays/{failed.pk}/").status_code == 404
    assert client.get(f"/replays/{failed.pk}/status").status_code == 404
    assert "frames.npy" not in client.get("/replays/").content.decode()


async def test_the_progress_socket_gives_the_reason_without_the_media_path(
    users, failed, media_root, settings
):
    from tests.replays.test_progress_socket import communicator

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    comm = communicator(failed.pk, users["owner"])
    assert (await comm.connect())[0]
    first = await comm.receive_json_from(timeout=5)
    assert first["state"] == "failed" and SHOWN.match(first["failure_reason"])
    await comm.disconnect()
    stored = await database_sync_to_async(Replay.objects.get)(pk=failed.pk)
    assert str(media_root) in stored.failure_reason
