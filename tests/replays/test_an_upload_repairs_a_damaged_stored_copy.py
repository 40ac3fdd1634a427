"""An upload of bytes already stored checks the stored copy (size, then SHA-256) and replaces one
that no longer matches them (cut short, removed, changed on disk) instead of trusting it."""

from __future__ import annotations

import pytest

from replays.models import Replay
from tests.replays.test_upload import upload_bytes

DAMAGES = {
    "cut short": lambda path: path.write_bytes(path.read_bytes()[:2000]),
    "removed": lambda path: path.unlink(),
    "changed, same size": lambda path: path.write_bytes(b"\0" * path.stat().st_size),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_the_same_team_uploading_the_bytes_again_repairs_its_replay(
    client, users, replay, sample_mp4, damage
):
    data = sample_mp4.read_bytes()
    DAMAGES[damage](replay.path)
    client.force_login(users["owner"])
    assert client.post(f"/replays/{replay.pk}/reprocess").status_code == 302
    replay.refresh_from_db()
    assert replay.state == "failed"  # it noticed the damage, and says what it was
    state = upload_bytes(client, users["team"], "again.mp4", data, chunk=len(data))
    assert state["replay_url"] == f"/replays/{replay.pk}/"  # the same replay, not a second one
    assert state["already_uploaded_as"] == "sample"
    assert replay.path.read_bytes() == data
    replay.refresh_from_db()  # it failed on the damaged copy: it was processed again
    assert (replay.state, replay.failure_reason, replay.attempts) == ("done", "", 3)
    assert Replay.objects.count() == 1


@pytest.mark.parametrize("damage", DAMAGES)
def test_another_team_uploading_the_same_bytes_stores_them_whole(
    client, users, replay, sample_mp4, damage
):
    data = sample_mp4.read_bytes()
    DAMAGES[damage](replay.path)
    client.force_login(users["outsider"])
    state = upload_bytes(client, users["other"], "theirs.mp4", data, chunk=len(data))
    theirs = Replay.objects.get(team=users["other"])
    assert state["replay_url"] == f"/replays/{theirs.pk}/"
    assert theirs.path == replay.path and theirs.path.read_bytes() == data
    assert (theirs.state, theirs.frame_count) == ("done", 60)
    # The team whose replay shares the stored copy never sees the other team's replay.
    client.force_login(users["owner"])
    assert client.get(f"/replays/{theirs.pk}/").status_code == 404


def test_an_intact_stored_copy_is_kept_and_the_upload_discarded(client, users, replay, sample_mp4):
    data = sample_mp4.read_bytes()
    before = replay.path.stat()
    client.force_login(users["outsider"])
    upload_bytes(client, users["other"], "theirs.mp4", data, chunk=len(data))
    after = replay.path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert not list((replay.path.parent.parent.parent.parent / "uploads").glob("*.part"))
