"""The replay job: probe, frame index, thumbnail; idempotent and never crashing on bad input."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from replays.models import Replay
from replays.services import replay_ingest_file, replay_process


def snapshot(replay: Replay) -> dict:
    replay.refresh_from_db()
    return {
        "state": replay.state,
        "frames": replay.frame_count,
        "fps": replay.fps,
        "duration": replay.duration_s,
        "index": replay.frame_times().tolist(),
        "thumb": replay.thumbnail_path.read_bytes(),
        "attempts": replay.attempts,
    }


def test_running_the_job_twice_leaves_the_same_result(replay):
    once = snapshot(replay)
    replay_process(replay_id=replay.pk)
    twice = snapshot(replay)
    assert once.pop("attempts") + 1 == twice.pop("attempts")
    assert once == twice
    assert sorted(p.name for p in replay.folder.iterdir()) == [
        "frames.npy",
        "review.json",
        "review.mp4",
        "source.mp4",
        "thumb.jpg",
    ]


def test_a_job_retried_after_its_worker_died_finishes(replay):
    Replay.objects.filter(pk=replay.pk).update(state="running", progress=40, stage="probing")
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert (replay.state, replay.progress, replay.stage) == ("done", 100, "")


def test_the_frame_index_is_stored_with_the_replay(replay):
    times = replay.frame_times()
    assert times.shape == (60,)
    np.testing.assert_allclose(np.diff(times), 1 / 30, atol=1e-3)


def test_a_recording_cut_short_is_processed_up_to_the_cut_and_says_so(
    users, sync_jobs, tmp_path, client
):
    from tests.media import make_video

    whole = make_video(tmp_path / "w.mp4", seconds=6.0)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    replay, created = replay_ingest_file(
        team=users["team"], uploader=users["owner"], source=cut, original_name="cut.mp4", move=True
    )
    replay.refresh_from_db()
    assert created and replay.state == "done", replay.failure_reason
    assert replay.warning.startswith("The recording stops after ")
    assert 0.5 < replay.duration_s < 5.5 and replay.frame_count == int(
        np.load(replay.frame_index_path).size
    )
    assert replay.path.stat().st_size == whole.stat().st_size // 2
    client.force_login(users["owner"])
    page = client.get(f"/replays/{replay.pk}/").content.decode()
    assert 'id="job-warning"' in page and "the part that is there was processed" in page


def test_an_unexpected_error_marks_the_replay_failed_instead_of_crashing(replay):
    replay.frame_index_path.unlink()
    replay.path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))  # header only: no frames
    replay_process(replay_id=replay.pk)
    replay.refresh_from_db()
    assert replay.state == "failed"
    assert replay.failure_reason


def test_a_replay_stays_queued_when_the_queue_is_down(
    users, media_root, sample_mp4, monkeypatch, tmp_path
):
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "REDIS", f"unix://{tmp_path}/no-redis-here.sock")
    replay, created = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=sample_mp4,
        original_name="s.mp4",
        move=False,
    )
    replay.refresh_from_db()
    assert created and replay.state == "queued"
    from replays.services import replays_requeue_pending

    assert replays_requeue_pending() == 1  # handed out again once the workers are there


@pytest.fixture
def renamed(monkeypatch) -> list[str]:
    """The source of every ``os.replace`` (a file written under a temporary name, renamed)."""
    sources: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        sources.append(os.fspath(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return sources


def test_jobs_on_replays_sharing_a_folder_write_their_files_through_their_own_temporary_names(
    replay, renamed
):
    # Replays of the same bytes share a folder: two jobs at once collided on one fixed
    # temporary name ("thumb.tmp.jpg -> thumb.jpg: No such file"; a helper's probe).
    from replays import services

    services._thumbnail_step(replay)
    services._thumbnail_step(replay)
    assert len(renamed) == 2 and renamed[0] != renamed[1]
    assert replay.thumbnail_path.is_file()
    assert not [p for p in replay.thumbnail_path.parent.iterdir() if ".tmp" in p.name]


def test_the_proxy_goes_through_its_own_temporary_name_and_a_killed_jobs_leftovers_go(
    replay, renamed
):
    """Two jobs on the same bytes shared "review.part.mp4"; a job killed mid-proxy left its
    part-written copy (the size of the recording) in the folder for good."""
    from replays import services

    folder = replay.proxy_path.parent
    dead = folder / ".review.999999999.0badf00d.tmp.mp4"  # a pid no process has
    alive = folder / f".review.{os.getpid()}.0badf00d.tmp.mp4"  # a job still writing
    fresh = folder / ".review.999999998.0badf00d.tmp.mp4"  # touched a moment ago
    for path in (dead, alive, fresh):
        path.write_bytes(b"part")
    long_ago = time.time() - services.LEFTOVER_AGE_S - 60
    for path in (dead, alive):
        os.utime(path, (long_ago, long_ago))
    replay.proxy_info_path.unlink()  # so the step makes the proxy again
    services._proxy_step(replay)
    assert replay.proxy_info() is not None and replay.proxy_path.is_file()
    written = [s for s in renamed if s.endswith(".mp4")]  # FFmpeg's copy, then the step's
    assert written and all(f".{os.getpid()}." in s for s in written)
    assert not any(s.endswith("review.part.mp4") for s in written)
    assert not dead.exists() and alive.exists() and fresh.exists()
