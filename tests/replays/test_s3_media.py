"""Media on S3-compatible storage, against a real S3 server (moto's server mode) on loopback.

Three "machines" share one bucket and one database, each with its own empty MEDIA_ROOT working
copy: the web node that receives the chunked upload, the worker that runs the job, and a second
web node that serves the review page. Only the bucket carries bytes between them.
"""

from __future__ import annotations

import socket
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from coach.settings import _s3_storage
from detectors.synth import make_match
from replays.models import Clip, Replay
from replays.services import replay_delete, replay_process
from tests.replays.test_detection_job import import_synth_profile
from tests.replays.test_upload import put, start

BUCKET, PREFIX = "film-room", "media"


@pytest.fixture(scope="module")
def match(tmp_path_factory):
    """Six seconds with one kill and one death: two clips."""
    return make_match(
        tmp_path_factory.mktemp("synth"),
        duration_s=6,
        fps=30,
        size=(640, 360),
        kills=(1.5,),
        deaths=(4.0,),
        allies=(),
        noise=False,
        name="feed",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def moto_server():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(moto_server, settings, monkeypatch):
    """A fresh bucket as Django's default storage; returns a boto3 client on it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    name = f"{BUCKET}-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    use_bucket(settings, f"s3://{name}/{PREFIX}?endpoint_url={moto_server}&region=us-east-1")
    s3.name, s3.endpoint = name, moto_server
    return s3


def use_bucket(settings, url: str) -> None:
    settings.STORAGES = {
        "default": _s3_storage(url),
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def keys(s3) -> list[str]:
    listed = s3.list_objects_v2(Bucket=s3.name).get("Contents", [])
    return sorted(o["Key"].removeprefix(f"{PREFIX}/") for o in listed)


def machine(settings, tmp_path: Path, name: str) -> Path:
    """Switches this process to another machine's (empty) working copy."""
    settings.MEDIA_ROOT = tmp_path / name
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def ranged(client, url: str, header: str):
    """GETs a media URL as the browser does: follow the redirect, send the Range header."""
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    assert response["Cache-Control"] == "private, no-store"
    location = response["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=3600" in location
    request = urllib.request.Request(location, headers={"Range": header})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, answer.headers, answer.read()


@pytest.fixture
def processed(client, users, settings, bucket, match, tmp_path, monkeypatch):
    """A replay uploaded on web node A, processed on worker B; returns (replay, bucket)."""
    from django_q.conf import Conf

    # No queue: the job waits as queued, and runs below on the "worker" with its own media.
    monkeypatch.setattr(Conf, "REDIS", f"unix://{tmp_path}/no-redis-here.sock")
    web = machine(settings, tmp_path, "web-a")
    version = import_synth_profile(users["team"], match)
    client.force_login(users["owner"])
    data = match.video.read_bytes()
    created = start(client, users["team"], "feed.mp4", len(data), profile=version.profile.pk)
    upload_id, chunk = created.json()["id"], 128 * 1024
    for offset in range(0, len(data), chunk):
        state = put(client, upload_id, offset, data[offset : offset + chunk]).json()
    assert state["state"] == "complete"
    replay = Replay.objects.get()
    assert replay.state == "queued"
    assert not list((web / "uploads").iterdir())  # the part file became the stored original
    machine(settings, tmp_path, "worker-b")
    settings.FILMROOM_MEDIA_CACHE_BYTES = 0  # the worker keeps nothing once the job is done
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert replay.state == "done", replay.failure_reason
    return replay, bucket


def test_an_upload_is_processed_from_the_bucket_and_its_clips_land_there(
    processed, settings, match
):
    replay, s3 = processed
    stored = keys(s3)
    folder = f"replays/{replay.sha256[:2]}/{replay.sha256}"
    for name in ("source.mp4", "frames.npy", "thumb.jpg", "review.mp4", "review.json"):
        assert f"{folder}/{name}" in stored
    clips = Clip.objects.filter(event__replay=replay)
    assert clips.count() == replay.events.count() == 2
    for clip in clips:  # the job stores thumbnails; a clip is cut when first opened
        assert clip.file not in stored and clip.thumbnail in stored
    assert [k for k in stored if k.startswith("profiles/")]  # the worker read the references there
    source = s3.get_object(Bucket=s3.name, Key=f"{PREFIX}/{folder}/source.mp4")["Body"].read()
    assert source == match.video.read_bytes()
    worker = Path(settings.MEDIA_ROOT)
    assert not [p for p in (worker / "replays").rglob("*") if p.is_file()]  # trimmed to budget
    assert not [p for p in (worker / "clips").rglob("*") if p.is_file()]
    replay_delete(replay=replay)  # its objects go with it
    assert [k for k in keys(s3) if k.startswith(("replays/", "clips/"))] == []


def test_another_web_node_serves_ranged_video_from_the_bucket(
    processed, client, users, settings, tmp_path
):
    replay, s3 = processed
    machine(settings, tmp_path, "web-c")
    client.force_login(users["coach"])
    folder = f"{PREFIX}/replays/{replay.sha256[:2]}/{replay.sha256}"
    review = s3.get_object(Bucket=s3.name, Key=f"{folder}/review.mp4")["Body"].read()
    status, headers, body = ranged(client, f"/replays/{replay.pk}/review.mp4", "bytes=100-1099")
    assert (status, body) == (206, review[100:1100])
    assert headers["Content-Range"] == f"bytes 100-1099/{len(review)}"
    assert headers["Content-Type"] == "video/mp4"
    status, headers, body = ranged(client, f"/replays/{replay.pk}/video", "bytes=-300")
    assert (status, len(body)) == (206, 300)
    assert body == s3.get_object(Bucket=s3.name, Key=f"{folder}/source.mp4")["Body"].read()[-300:]
    clip = Clip.objects.filter(event__replay=replay).first()
    url = f"/replays/{replay.pk}/events/{clip.event_id}/clip.mp4"
    status, headers, body = ranged(client, url, "bytes=0-")  # the first open cuts it here
    clip_bytes = s3.get_object(Bucket=s3.name, Key=f"{PREFIX}/{clip.file}")["Body"].read()
    assert (status, body) == (206, clip_bytes)
    assert headers["Content-Range"] == f"bytes 0-{len(clip_bytes) - 1}/{len(clip_bytes)}"
    # The page's JSON comes from the bucket too: the frame index and where the proxy is.
    frames = client.get(f"/replays/{replay.pk}/frames.json?compact=1").json()
    assert frames["proxy"]["url"] == f"/replays/{replay.pk}/review.mp4"
    assert client.get(f"/replays/{replay.pk}/thumbnail").status_code == 302
    web = Path(settings.MEDIA_ROOT)
    # The original fetched to cut the clip from is trimmed (budget 0); the clip just cut stays.
    names = sorted(p.name for p in web.rglob("*") if p.is_file())
    assert names == sorted(["frames.npy", "review.json", clip.path.name])
    # The URL's lifetime is the setting's (S3 refuses it afterwards; moto does not check).
    use_bucket(settings, f"s3://{s3.name}/{PREFIX}?endpoint_url={s3.endpoint}&expiry=30")
    assert "X-Amz-Expires=30&" in client.get(f"/replays/{replay.pk}/review.mp4")["Location"]
    # An outsider gets 404 for every file of another team's replay, and no URL at all.
    client.force_login(users["outsider"])
    for url in (
        f"/replays/{replay.pk}/video",
        f"/replays/{replay.pk}/review.mp4",
        f"/replays/{replay.pk}/thumbnail",
        f"/replays/{replay.pk}/events/{clip.event_id}/clip.mp4",
        f"/replays/{replay.pk}/events/{clip.event_id}/clip.jpg",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert not response.has_header("Location")


def test_a_bad_storage_url_is_refused_at_start_up():
    from django.core.exceptions import ImproperlyConfigured

    for url in ("http://bucket/x", "s3://", "s3://b/p?expiry=soon", "s3://b/p?regoin=x"):
        with pytest.raises(ImproperlyConfigured):
            _s3_storage(url)


def test_an_agent_uploaded_on_one_node_plays_on_a_worker_from_the_bucket(
    users, settings, bucket, tmp_path, monkeypatch
):
    import numpy as np
    from django_q.conf import Conf

    from tests.tournaments.conftest import agent_zip
    from tournaments.arena import N_ACTIONS, OBS_SIZE
    from tournaments.services import agent_delete, agent_policy, agent_upload

    monkeypatch.setattr(Conf, "REDIS", f"unix://{tmp_path}/no-redis-here.sock")
    machine(settings, tmp_path, "web-a")
    with agent_zip(tmp_path).open("rb") as fh:
        agent = agent_upload(team=users["team"], owner=users["owner"], name="Rookie", upload=fh)
    stored = keys(bucket)
    assert {f"agents/{agent.pk}/{n}" for n in ("config.json", "model.safetensors")} <= set(stored)
    machine(settings, tmp_path, "worker-b")
    act = agent_policy(agent)  # loads the files the worker fetched from the bucket
    assert 0 <= int(act(np.zeros(OBS_SIZE, np.float32))) < N_ACTIONS
    agent_delete(agent)
    assert [k for k in keys(bucket) if k.startswith("agents/")] == []


def test_the_working_copy_is_trimmed_but_never_under_a_running_job(
    users, settings, bucket, media_root, sample_mp4
):
    from coach import storage
    from replays.services import replay_ingest_file, trim_working_copy

    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=sample_mp4,
        original_name="s.mp4",
        move=False,
        enqueue=False,
    )
    settings.FILMROOM_MEDIA_CACHE_BYTES = 0
    Replay.objects.filter(pk=replay.pk).update(state=Replay.RUNNING)
    trim_working_copy()
    assert replay.path.exists()  # its job still reads it
    Replay.objects.filter(pk=replay.pk).update(state=Replay.DONE)
    trim_working_copy()
    assert not replay.path.exists()
    assert storage.fetch(replay.path).read_bytes() == sample_mp4.read_bytes()  # back on demand


def test_an_upload_the_storage_refuses_says_so_and_finishes_on_retry(
    client, users, settings, bucket, media_root, sample_mp4, monkeypatch, tmp_path
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "REDIS", f"unix://{tmp_path}/no-redis-here.sock")
    s3 = bucket
    s3.delete_bucket(Bucket=s3.name)  # the storage is gone while the upload arrives
    client.force_login(users["owner"])
    data = sample_mp4.read_bytes()
    upload_id = start(client, users["team"], "s.mp4", len(data)).json()["id"]
    refused = put(client, upload_id, 0, data)
    assert refused.status_code == 503
    assert refused.json() == {
        "error": "the file arrived whole but could not be stored; try again shortly",
        "offset": len(data),
    }
    assert not Replay.objects.exists()
    assert (media_root / "uploads" / f"{upload_id}.part").read_bytes() == data  # nothing lost
    s3.create_bucket(Bucket=s3.name)
    assert put(client, upload_id, len(data), b"").json()["state"] == "complete"
    replay = Replay.objects.get()
    assert f"{replay.file}" in keys(s3)


def test_a_storage_outage_gives_a_503_with_the_reason_and_the_pages_work_again_after(
    processed, client, users, settings, tmp_path
):
    replay, s3 = processed
    machine(settings, tmp_path, "web-d")  # a web node with nothing in its working copy
    client.force_login(users["coach"])
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connections are refused
    use_bucket(settings, f"s3://{s3.name}/{PREFIX}?endpoint_url={dead}&region=us-east-1")
    for url in (f"/replays/{replay.pk}/thumbnail", f"/replays/{replay.pk}/frames.json?compact=1"):
        response = client.get(url)
        assert response.status_code == 503, (url, response.status_code)
        assert response["Retry-After"] == "30"
        assert "media storage cannot be reached" in response.content.decode()
    assert client.get(f"/replays/{replay.pk}/frames.json").json()["error"].startswith("The media")
    use_bucket(settings, f"s3://{s3.name}/{PREFIX}?endpoint_url={s3.endpoint}&region=us-east-1")
    assert client.get(f"/replays/{replay.pk}/thumbnail").status_code == 302  # back: served again
    assert client.get(f"/replays/{replay.pk}/frames.json?compact=1").status_code == 200
