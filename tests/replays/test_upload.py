"""Chunked browser uploads: streamed to disk, resumable, limited, and never losing what was sent."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from replays.models import Replay, Upload


def start(client, team, name: str, size: int, **extra):
    body = {"team": team.pk, "filename": name, "size": size, **extra}
    return client.post("/replays/uploads/", json.dumps(body), content_type="application/json")


def put(client, upload_id: str, offset: int, data: bytes):
    return client.put(
        f"/replays/uploads/{upload_id}",
        data,
        content_type="application/offset+octet-stream",
        headers={"Upload-Offset": str(offset)},
    )


def upload_bytes(client, team, name: str, data: bytes, chunk: int) -> dict:
    created = start(client, team, name, len(data)).json()
    state = created
    for offset in range(0, len(data), chunk):
        response = put(client, created["id"], offset, data[offset : offset + chunk])
        assert response.status_code == 200, response.content
        state = response.json()
    return state


def test_it_turns_a_chunked_upload_into_a_processed_replay(client, users, sync_jobs, sample_mp4):
    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    state = upload_bytes(client, users["team"], "my match.mp4", data, chunk=7000)
    assert state["state"] == "complete"
    replay = Replay.objects.get()
    assert state["replay_url"] == f"/replays/{replay.pk}/"
    assert replay.sha256 == hashlib.sha256(data).hexdigest()
    assert replay.path.read_bytes() == data
    assert (replay.state, replay.frame_count, replay.codec) == ("done", 60, "h264")
    assert replay.thumbnail_path.exists()
    assert replay.title == "my match"


def test_it_resumes_after_a_chunk_at_the_wrong_offset(client, users, sync_jobs, sample_mp4):
    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    up = start(client, users["team"], "m.mp4", len(data)).json()
    assert put(client, up["id"], 0, data[:5000]).json()["offset"] == 5000
    conflict = put(client, up["id"], 9000, data[9000:12000])
    assert conflict.status_code == 409
    assert conflict.json()["offset"] == 5000
    assert client.get(f"/replays/uploads/{up['id']}").json()["offset"] == 5000
    assert put(client, up["id"], 5000, data[5000:]).json()["state"] == "complete"
    assert Replay.objects.get().path.read_bytes() == data


def test_it_rejects_a_file_over_the_size_limit(client, users, settings):
    settings.FILMROOM_UPLOAD_MAX_BYTES = 1000
    client.force_login(users["owner"])
    response = start(client, users["team"], "huge.mp4", 5_000_000_000)
    assert response.status_code == 413
    assert response.json()["error"] == (
        "the file is 4.66 GB (5,000,000,000 bytes); the limit is 0.00 GB (1,000 bytes)"
    )
    assert not Upload.objects.exists()


def test_an_empty_file_becomes_a_replay_that_says_so(client, users, sync_jobs):
    client.force_login(users["owner"])
    response = start(client, users["team"], "empty.mp4", 0)
    assert response.status_code == 201
    replay = Replay.objects.get()
    assert response.json()["replay_url"] == replay.get_absolute_url()
    assert (replay.state, replay.failure_reason) == ("failed", "empty file (0 bytes)")
    assert replay.path.exists() and replay.size_bytes == 0


def test_it_refuses_a_chunk_past_the_declared_size(client, users, media_root):
    client.force_login(users["owner"])
    up = start(client, users["team"], "m.mp4", 10).json()
    response = put(client, up["id"], 0, b"x" * 11)
    assert response.status_code == 400
    assert "past the declared file size" in response.json()["error"]


def test_it_keeps_a_non_video_as_a_failed_replay(client, users, sync_jobs):
    client.force_login(users["owner"])
    data = b"\x89PNG\r\n\x1a\n" + bytes(3000)
    upload_bytes(client, users["team"], "screenshot.mp4", data, chunk=1000)
    replay = Replay.objects.get()
    assert replay.state == "failed"
    assert replay.failure_reason == "not a video file (it looks like a PNG image)"
    assert replay.path.read_bytes() == data
    page = client.get(replay.get_absolute_url())
    assert page.status_code == 200
    assert b"not a video file (it looks like a PNG image)" in page.content
    # The file itself is the reason: running the job again would only fail again.
    assert replay.unusable
    assert b"Process again" not in page.content and b'id="job-unusable"' in page.content
    assert b"Detect with this profile" not in page.content
    again = client.post(f"/replays/{replay.pk}/reprocess", follow=True).content.decode()
    assert "This file cannot be used (not a video file" in again
    replay.refresh_from_db()
    assert (replay.state, replay.attempts) == ("failed", 1)


def test_a_replay_failed_for_the_machine_not_the_file_offers_process_again(
    client, users, sync_jobs, sample_mp4, monkeypatch
):
    from replays import services

    def broken(*args, **kwargs):
        raise services.sandbox.DecodeFailed("decoding took longer than 40 s")

    client.force_login(users["owner"])
    monkeypatch.setattr(services.sandbox, "probe", broken)
    upload_bytes(client, users["team"], "a.mp4", sample_mp4.read_bytes(), chunk=1 << 20)
    replay = Replay.objects.get()
    assert (replay.state, replay.unusable) == ("failed", False)
    assert b"Process again" in client.get(replay.get_absolute_url()).content
    monkeypatch.undo()
    client.post(f"/replays/{replay.pk}/reprocess")
    replay.refresh_from_db()
    assert (replay.state, replay.attempts) == ("done", 2)


def test_a_recording_this_machine_cannot_read_keeps_process_again(client, users, replay):
    """A missing (or unreadable) file is the storage's trouble, not the file's: the probe's
    "cannot read the file" marked it unusable, and once the file was back nothing could run it."""
    client.force_login(users["owner"])
    away = replay.path.with_name("away")
    replay.path.rename(away)
    client.post(f"/replays/{replay.pk}/reprocess")
    replay.refresh_from_db()
    assert (replay.state, replay.failure_reason, replay.unusable) == (
        "failed",
        "cannot read the file (No such file or directory)",
        False,
    )
    page = client.get(replay.get_absolute_url()).content
    assert b"Process again" in page and b'id="job-unusable"' not in page
    away.rename(replay.path)
    client.post(f"/replays/{replay.pk}/reprocess")
    replay.refresh_from_db()
    assert (replay.state, replay.attempts) == ("done", 3)


def test_the_same_bytes_twice_are_one_replay(client, users, sync_jobs, sample_mp4):
    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    first = upload_bytes(client, users["team"], "a.mp4", data, chunk=len(data))
    second = upload_bytes(client, users["team"], "b.mp4", data, chunk=len(data))
    assert first["replay_url"] == second["replay_url"]
    assert Replay.objects.count() == 1
    # The second upload says what it became, and the replay page it opens says so once.
    assert (first["already_uploaded_as"], second["already_uploaded_as"]) == (None, "a")
    page = client.get(second["replay_url"]).content.decode()
    assert "These bytes were already uploaded as “a” (a.mp4)" in page
    assert "“b.mp4” was not added a second time" in page
    assert "already uploaded" not in client.get(second["replay_url"]).content.decode()
    assert not list(Path(users["team"].uploads.first().part_path.parent).glob("*.part"))


def test_it_validates_upload_ownership(client, users, media_root):
    client.force_login(users["owner"])
    up = start(client, users["team"], "m.mp4", 100).json()
    client.force_login(users["outsider"])
    assert client.get(f"/replays/uploads/{up['id']}").status_code == 404
    assert put(client, up["id"], 0, b"x" * 100).status_code == 404
    assert Upload.objects.get().received_bytes == 0


def test_it_refuses_to_upload_into_another_team(client, users, media_root):
    client.force_login(users["outsider"])
    response = start(client, users["team"], "m.mp4", 100)
    assert response.status_code == 400
    assert response.json()["error"] == "choose one of your teams"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"team": 1, "size": "lots"}',
        b'{"size": 1.5}',
        b'{"size": true}',
        '{"size": "²"}'.encode(),  # a superscript two: isdigit(), but int() refuses it (500)
        '{"size": "١٢"}'.encode(),  # Arabic-Indic digits
    ],
)
def test_it_answers_a_malformed_start_with_a_message(client, users, body):
    client.force_login(users["owner"])
    body = body.replace(b"{", b'{"team": %d, "filename": "m.mp4", ' % users["team"].pk, 1)
    response = client.post("/replays/uploads/", body, content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json()
    assert not Upload.objects.exists()  # 1.5 and true were read as a 1-byte file


@pytest.mark.parametrize(
    ("size", "status", "error"),
    [
        ("-5", 400, "size must be the file's size in bytes, a whole number (0 or more), not '-5'"),
        (
            '"-5"',
            400,
            "size must be the file's size in bytes, a whole number (0 or more), not '-5'",
        ),
        (
            "1.0",
            400,
            "size must be the file's size in bytes, a whole number (0 or more), not '1.0'",
        ),
        (
            "true",
            400,
            "size must be the file's size in bytes, a whole number (0 or more), not 'True'",
        ),
        ("null", 400, "the file size is missing"),
        ('"' + "9" * 5000 + '"', 413, "the file size has 5,000 digits; the limit is 8.00 GB"),
    ],
)
def test_a_size_that_is_no_file_size_is_refused_saying_why(
    client, users, settings, size, status, error
):
    """-5 was told "the file size is missing"; 5,000 digits were a 500 (int() refuses them)."""
    settings.FILMROOM_UPLOAD_MAX_BYTES = 8 * 1024**3
    client.force_login(users["owner"])
    body = f'{{"team": {users["team"].pk}, "filename": "m.mp4", "size": {size}}}'
    response = client.post("/replays/uploads/", body, content_type="application/json")
    assert (response.status_code, response.json()) == (status, {"error": error})
    assert not Upload.objects.exists()


def test_the_limit_message_tells_sizes_apart(client, users, settings):
    settings.FILMROOM_UPLOAD_MAX_BYTES = 8 * 1024**3
    client.force_login(users["owner"])
    response = start(client, users["team"], "huge.mp4", 8 * 1024**3 + 1)
    assert response.json()["error"] == (
        "the file is 8.00 GB (8,589,934,593 bytes); the limit is 8.00 GB"
    )


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'{"team": "abc", "size": 10}', b'{"team": 1, "size": 10, "profile": "abc"}'],
)
def test_odd_start_requests_get_a_message_not_a_500(client, users, body):
    client.force_login(users["owner"])
    response = client.post("/replays/uploads/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]


def test_control_and_bidi_characters_are_taken_out_of_names(client, users, sample_mp4):
    """A right-to-left override showed "\u202egpm.exe" as "exe.mpg"; a newline split the title."""
    from replays.services import replay_ingest_file

    client.force_login(users["owner"])
    assert start(client, users["team"], "clip\u202egpm.exe\n.mp4", 100).status_code == 201
    assert Upload.objects.get().filename == "clipgpm.exe.mp4"
    replay, _ = replay_ingest_file(
        team=users["team"], uploader=users["owner"], source=sample_mp4,
        original_name="\u2067round\u2069 one\r.mp4", move=False,
    )  # fmt: skip
    assert (replay.title, replay.original_name) == ("round one", "round one.mp4")
    client.post(f"/replays/{replay.pk}/edit", {"title": "\u202efinal\u202c\tcut", "map": "x\x07"})
    replay.refresh_from_db()
    assert (replay.title, replay.map) == ("finalcut", "x")
    from replays.profiles.services import _profile_name  # a game profile's name (typed or file)

    assert _profile_name("Shooter2\u2066\n") == "Shooter2"


def test_the_replay_list_shows_an_uploaded_name_without_its_bidi_and_control_characters(
    client, users, sync_jobs
):
    """A name like clip\u202egnp.mp4 would show as "clip4pm.png"; every bidi control goes."""
    bidi = "\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    client.force_login(users["owner"])
    done = upload_bytes(client, users["team"], f"clip\u202egnp{bidi}\x1b\x7f\x85.mp4", b"x", 1)
    replay = Replay.objects.get()
    assert done["replay_url"] == replay.get_absolute_url()
    assert (replay.title, replay.original_name) == ("clipgnp", "clipgnp.mp4")
    listing = client.get("/replays/").content.decode()
    assert f'<a href="{replay.get_absolute_url()}">clipgnp</a>' in listing
    page = client.get(replay.get_absolute_url()).content.decode()
    assert "<h1>clipgnp</h1>" in page and "<dd>clipgnp.mp4 (1\xa0byte)</dd>" in page
    for char in f"\u202e{bidi}\x1b\x7f\x85":
        assert char not in listing and char not in page


def test_a_member_removed_from_the_team_mid_upload_cannot_finish_it(client, users, sample_mp4):
    from coach.models import Membership

    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    up = start(client, users["team"], "m.mp4", len(data)).json()
    assert put(client, up["id"], 0, data[:5000]).status_code == 200
    Membership.objects.filter(user=users["owner"], team=users["team"]).delete()
    refused = put(client, up["id"], 5000, data[5000:])
    assert refused.status_code == 403 and "no longer a member" in refused.json()["error"]
    assert Upload.objects.get().received_bytes == 5000 and not Replay.objects.exists()


def test_a_member_removed_while_the_last_chunk_arrives_gets_no_replay(
    users, media_root, sample_mp4
):
    """The check before a chunk is not enough: a chunk takes a while, and a coach may remove the
    member meanwhile. The finish checks again; the bytes wait for the cleanup, as abandoned ones."""
    import os
    import time

    from coach.models import Membership
    from replays import services
    from replays.upload_cleanup import uploads_remove_abandoned

    data = sample_mp4.read_bytes()
    upload = services.upload_start(
        team=users["team"], uploader=users["owner"], filename="m.mp4", size_bytes=len(data)
    )

    def body():  # the request's body, arriving while the member is removed
        yield data[:5000]
        Membership.objects.filter(user=users["owner"], team=users["team"]).delete()
        yield data[5000:]

    with pytest.raises(services.UploadError) as refused:
        services.upload_append(upload=upload, offset=0, chunks=body())
    assert refused.value.status == 403 and str(refused.value) == services.NOT_A_MEMBER
    assert not Replay.objects.exists()
    upload.refresh_from_db()
    assert (upload.state, upload.received_bytes, upload.writing_since) == ("open", len(data), None)
    assert upload.part_path.read_bytes() == data
    assert uploads_remove_abandoned().files == 0  # not removed at once
    day_ago = time.time() - 25 * 3600
    os.utime(upload.part_path, (day_ago, day_ago))
    assert uploads_remove_abandoned().files == 1  # but as an abandoned upload's are
    upload.refresh_from_db()
    assert upload.state == Upload.EXPIRED and not upload.part_path.exists()
    assert not Replay.objects.exists()


def test_a_member_removed_mid_upload_cannot_read_its_state_either(client, users, sync_jobs):
    """An upload's state names the team's replay it became (its title, its page)."""
    from coach.models import Membership

    client.force_login(users["owner"])
    done = upload_bytes(client, users["team"], "m.mp4", b"not a video", chunk=100)
    assert done["replay_url"] and client.get(f"/replays/uploads/{done['id']}").status_code == 200
    Membership.objects.filter(user=users["owner"], team=users["team"]).delete()
    refused = client.get(f"/replays/uploads/{done['id']}")
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "you are no longer a member of this upload's team, so it cannot go on"
    }


def delete(client, upload_id: str):
    return client.delete(f"/replays/uploads/{upload_id}")


def test_cancel_removes_what_was_sent_and_the_upload_cannot_go_on(client, users, sample_mp4):
    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    up = start(client, users["team"], "m.mp4", len(data)).json()
    assert put(client, up["id"], 0, data[:5000]).status_code == 200
    upload = Upload.objects.get()
    assert upload.part_path.exists()
    # Another user cannot cancel it (nor learn that it exists).
    client.force_login(users["outsider"])
    assert delete(client, up["id"]).status_code == 404
    assert Upload.objects.get().state == "open" and upload.part_path.exists()

    client.force_login(users["owner"])
    response = delete(client, up["id"])
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert not upload.part_path.exists()
    late = put(client, up["id"], 5000, data[5000:])
    assert late.status_code == 410 and "cancelled" in late.json()["error"]
    assert delete(client, up["id"]).status_code == 200  # a second cancel changes nothing
    assert not Replay.objects.exists()


def test_cancel_waits_for_a_chunk_being_written_and_refuses_a_finished_upload(
    client, users, sync_jobs, sample_mp4
):
    from django.utils import timezone

    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    up = start(client, users["team"], "m.mp4", len(data)).json()
    assert put(client, up["id"], 0, data[:5000]).status_code == 200
    Upload.objects.update(writing_since=timezone.now())  # another request is writing a chunk
    busy = delete(client, up["id"])
    assert busy.status_code == 409 and "being written" in busy.json()["error"]
    assert Upload.objects.get().state == "open" and Upload.objects.get().part_path.exists()

    Upload.objects.update(writing_since=None)
    assert put(client, up["id"], 5000, data[5000:]).json()["state"] == "complete"
    late = delete(client, up["id"])
    assert late.status_code == 409 and "delete the replay instead" in late.json()["error"]
    assert late.json()["replay_url"] == Replay.objects.get().get_absolute_url()  # to open it
    assert Replay.objects.get().path.read_bytes() == data
