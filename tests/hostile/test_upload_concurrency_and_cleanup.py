"""Chunked uploads: two PUTs at once cannot interleave, and abandoned part files go away."""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.parse

from django.core.management import call_command

from replays.models import Upload
from replays.upload_cleanup import uploads_remove_abandoned


def start(client, team, size: int) -> dict:
    body = {"team": team.pk, "filename": "a.mp4", "size": size}
    response = client.post("/replays/uploads/", json.dumps(body), content_type="application/json")
    return response.json()


def open_put(live_server, path: str, cookies: str, csrf: str, offset: int, length: int):
    """A PUT whose headers are sent; the body follows when the caller sends it."""
    url = urllib.parse.urlsplit(live_server.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    conn.putrequest("PUT", path)
    for name, value in {
        "Cookie": cookies,
        "X-CSRFToken": csrf,
        "Upload-Offset": str(offset),
        "Content-Length": str(length),
        "Content-Type": "application/offset+octet-stream",
    }.items():
        conn.putheader(name, value)
    conn.endheaders()
    return conn


def test_a_second_put_while_one_is_writing_gets_409_and_the_file_stays_whole(
    live_server, client, users, media_root
):
    client.force_login(users["owner"])
    client.get("/replays/upload/")  # sets the CSRF cookie, as the page does for its script
    csrf = client.cookies["csrftoken"].value
    cookies = f"sessionid={client.cookies['sessionid'].value}; csrftoken={csrf}"
    upload = start(client, users["team"], 2000)
    path = f"/replays/uploads/{upload['id']}"

    first = open_put(live_server, path, cookies, csrf, 0, 1000)
    first.send(b"a" * 500)  # half a chunk: the server is in the middle of writing it
    deadline = time.monotonic() + 10
    while Upload.objects.get(pk=upload["id"]).writing_since is None:
        assert time.monotonic() < deadline, "the first PUT never started writing"
        time.sleep(0.05)
    second = open_put(live_server, path, cookies, csrf, 0, 1000)
    second.send(b"b" * 1000)
    refused = second.getresponse()
    assert refused.status == 409
    assert (
        "another request is sending a chunk of this upload" in json.loads(refused.read())["error"]
    )

    first.send(b"a" * 500)
    done = first.getresponse()
    assert done.status == 200 and json.loads(done.read())["offset"] == 1000
    part = Upload.objects.get(pk=upload["id"]).part_path
    assert part.read_bytes()[:1000] == b"a" * 1000  # nothing of the loser in between
    assert Upload.objects.get(pk=upload["id"]).writing_since is None  # the next chunk may come


def test_abandoned_part_files_are_removed_and_a_late_put_is_told_to_start_again(
    client, users, media_root, capsys
):
    client.force_login(users["owner"])
    old, fresh = start(client, users["team"], 100), start(client, users["team"], 100)
    stray = media_root / "uploads" / "not-an-upload.part"
    stray.write_bytes(b"x" * 10)
    day_ago = time.time() - 25 * 3600
    for part in (Upload.objects.get(pk=old["id"]).part_path, stray):
        os.utime(part, (day_ago, day_ago))

    assert uploads_remove_abandoned(hours=48).files == 0  # not old enough yet
    call_command("cleanup_uploads")  # the default: 24 h
    assert "Removed 2 abandoned part file(s)" in capsys.readouterr().out
    assert not Upload.objects.get(pk=old["id"]).part_path.exists() and not stray.exists()
    assert Upload.objects.get(pk=fresh["id"]).part_path.exists()
    assert Upload.objects.get(pk=old["id"]).state == Upload.EXPIRED
    late = client.put(
        f"/replays/uploads/{old['id']}",
        b"z" * 10,
        content_type="application/offset+octet-stream",
        headers={"Upload-Offset": "0"},
    )
    assert late.status_code == 410 and "start it again" in late.json()["error"]


def test_the_cleanup_is_scheduled_hourly_in_the_cluster(transactional_db):
    from django_q.models import Schedule

    # The test database is flushed between tests: run the schedule's migration again, as
    # `manage.py migrate` does on a new site.
    call_command("migrate", "replays", "0005_upload_writer_and_expiry", verbosity=0)
    call_command("migrate", "replays", verbosity=0)
    schedule = Schedule.objects.get(name="remove-abandoned-uploads")
    assert schedule.func == "replays.upload_cleanup.uploads_cleanup_task"
    assert schedule.schedule_type == Schedule.HOURLY
