"""A full disk, for real: small tmpfs file systems mounted by the test (it runs as root; it fails,
never skips, if it cannot mount). Storing an upload, importing, the replay job's steps and clip
cutting each end with "the disk is full: ...", leave no partial file under a final name, and
never delete what the user sent."""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from detectors.clips import ClipError, cut_clip, make_review_proxy, thumbnail
from detectors.probe import frame_index
from detectors.smartcut import read_packets
from replays import detection
from replays.models import Clip, Replay, Upload
from replays.services import replay_ingest_file, replay_process
from tests.media import make_video
from tests.replays.test_detection_job import import_synth_profile, match  # noqa: F401
from tests.replays.test_upload import put, start


@contextlib.contextmanager
def small_disk(folder: Path, size: str):
    """A tmpfs of ``size`` mounted at ``folder`` (made if missing), unmounted afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.fail(
            "these tests need to mount a tmpfs (run them as root, or with CAP_SYS_ADMIN): "
            + mount.stderr.strip()
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int = 0) -> Path:
    """Fills the file system under ``folder`` until ``leave`` bytes are free."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as fh:
        with contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 4096)
    if leave:
        with filler.open("r+b") as fh:
            fh.truncate(max(0, filler.stat().st_size - leave))
    return filler


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file() and p.name != "filler.bin")


@pytest.fixture(scope="module")
def h264(tmp_path_factory) -> Path:
    return make_video(tmp_path_factory.mktemp("full") / "src.mp4", seconds=4.0, audio=True)


@pytest.mark.parametrize("way", ["stream copy", "re-encode"])
def test_a_clip_on_a_full_disk_says_so_and_leaves_no_file(h264: Path, tmp_path: Path, way):
    with small_disk(tmp_path / "disk", "256k") as disk:
        fill(disk, leave=8192)
        with pytest.raises(ClipError, match="the disk is full"):
            cut_clip(h264, disk / "clip.mp4", 0.5, 3.5, full=way == "re-encode")
        assert leftovers(disk) == []


def test_a_thumbnail_and_a_proxy_on_a_full_disk_say_so_and_leave_no_file(h264, tmp_path):
    packets = read_packets(h264)
    with small_disk(tmp_path / "disk", "256k") as disk:
        fill(disk)
        for kind in (packets, None):
            with pytest.raises(ClipError, match="the disk is full"):
                thumbnail(h264, 1.0, disk / "t.jpg", packets=kind)
        with pytest.raises(ClipError, match="the disk is full"):
            make_review_proxy(h264, disk / "review.mp4")
        assert leftovers(disk) == []


def test_an_upload_chunk_on_a_full_disk_is_refused_then_resumes(
    client, users, sync_jobs, media_root, h264
):
    client.force_login(users["owner"])
    data = h264.read_bytes() * 3  # bytes only: what matters here is storing them
    assert len(data) > 256 * 1024
    with small_disk(media_root / "uploads", "128k") as disk:
        up = start(client, users["team"], "big.mp4", len(data)).json()
        offset, answer = 0, None
        while offset < len(data):
            answer = put(client, up["id"], offset, data[offset : offset + 32768])
            if answer.status_code != 200:
                break
            offset = answer.json()["offset"]
        assert answer is not None and answer.status_code == 507
        body = answer.json()
        assert body["error"].startswith("the disk is full: ")
        assert body["offset"] == offset  # what was stored whole is kept, to resume from
        upload = Upload.objects.get(pk=up["id"])
        assert (upload.state, upload.received_bytes) == ("open", offset)
        assert upload.part_path.stat().st_size == offset  # the broken chunk's bytes were given back
        assert upload.part_path.read_bytes() == data[:offset]
        assert not Replay.objects.exists()
        subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)  # room again
        while offset < len(data):
            answer = put(client, up["id"], offset, data[offset : offset + 32768])
            assert answer.status_code == 200, answer.content
            offset = answer.json()["offset"]
    replay = Replay.objects.get()
    assert replay.path.read_bytes() == data
    assert replay.sha256 == hashlib.sha256(data).hexdigest()


def test_storing_a_whole_upload_on_a_full_disk_keeps_it_to_retry(
    client, users, sync_jobs, media_root, h264
):
    client.force_login(users["owner"])
    data = h264.read_bytes()
    with small_disk(media_root / "replays", "1m") as disk:
        fill(disk)
        up = start(client, users["team"], "m.mp4", len(data)).json()
        answer = put(client, up["id"], 0, data)
        assert answer.status_code == 507
        assert answer.json()["error"].startswith("the disk is full: ")
        assert leftovers(disk) == []  # no source.mp4, no .tmp
        upload = Upload.objects.get(pk=up["id"])
        assert upload.state == "open" and upload.part_path.read_bytes() == data
        (disk / "filler.bin").unlink()
        retry = put(client, up["id"], len(data), b"")
        assert retry.status_code == 200, retry.content
    assert retry.json()["state"] == "complete"


def test_import_replays_on_a_full_disk_stops_with_the_reason(users, sync_jobs, media_root, h264):
    folder = media_root.parent / "recordings"
    folder.mkdir()
    (folder / "a.mp4").write_bytes(h264.read_bytes())
    with small_disk(media_root / "replays", "64k") as disk:
        fill(disk)
        with pytest.raises(CommandError, match="the disk is full: .* while importing a.mp4"):
            call_command("import_replays", str(folder), "--team", "owls", stdout=StringIO())
        assert leftovers(disk) == []
    assert (folder / "a.mp4").read_bytes() == h264.read_bytes()  # the original is untouched
    assert not Replay.objects.exists()


def test_the_job_on_a_full_disk_fails_with_the_reason_and_keeps_the_recording(
    users, sync_jobs, media_root, h264
):
    replay, _ = replay_ingest_file(
        team=users["team"], uploader=users["owner"], source=h264, original_name="a.mp4", move=False
    )
    folder = replay.folder
    kept = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "review.mp4").unlink()
    (folder / "review.json").unlink()
    with small_disk(folder, "4m") as disk:  # the replay's folder, on a small disk
        for name in ("source.mp4", "frames.npy", "thumb.jpg"):
            (disk / name).write_bytes(kept[name])
        fill(disk, leave=len(kept["thumb.jpg"]) + 16384)  # room for a thumbnail, not a proxy
        replay_process(replay_id=replay.pk)
        replay.refresh_from_db()
        assert replay.state == "failed"
        assert replay.failure_reason == (
            "the disk is full: No space left on device (while making the review proxy)"
        )
        assert leftovers(disk) == ["frames.npy", "source.mp4", "thumb.jpg"]
        assert (disk / "source.mp4").read_bytes() == kept["source.mp4"]


def test_cutting_clips_on_a_full_disk_fails_the_job_with_the_reason(
    users,
    sync_jobs,
    media_root,
    match,  # noqa: F811
):
    version = import_synth_profile(users["team"], match)
    with small_disk(media_root / "clips", "4m") as disk:
        fill(disk)
        replay, _ = replay_ingest_file(
            team=users["team"],
            uploader=users["owner"],
            source=match.video,
            original_name="feed.mp4",
            move=False,
            profile=version.profile,
        )
        replay.refresh_from_db()
        assert replay.state == "failed"
        assert replay.failure_reason.startswith("making clip thumbnails stopped, 0 of 3 made: ")
        assert "the disk is full: " in replay.failure_reason
        assert leftovers(disk) == [] and not Clip.objects.exists()
        assert replay.events.count() == 3  # detection's work is kept
        (disk / "filler.bin").unlink()
        assert detection.replay_cut_clips(replay) == ""  # room again: the clips are made
    assert Clip.objects.count() == 3
    assert replay.path.read_bytes() == match.video.read_bytes()
    assert frame_index(replay.path).size  # the stored recording is whole
