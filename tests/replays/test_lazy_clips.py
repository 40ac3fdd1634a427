"""Clips are cut the first time somebody opens one (issue #9), once, and kept.

The replay's source is H.264 whose frame i shows the number i (``coded_h264``), so a served
clip is checked frame by frame. The cut itself is the real one (FFmpeg, PyAV); the only thing
wrapped is ``cut_clip``, to count the cuts and hold the first one long enough for the second
request to arrive while it runs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from django.test import Client

from replays import clips as lazy
from replays.corrections.services import event_move
from replays.detection import replay_cut_clips
from replays.models import Clip, Event
from replays.services import replay_ingest_file
from tests.detectors.test_clips_smartcut import coded_h264, decoded
from tests.replays.test_media_range import body

FIRST, STOP = 40, 100  # the first clip's frames, with a window of 0.5 s before, 1.5 s after


@pytest.fixture(scope="module")
def numbered(tmp_path_factory) -> Path:
    return coded_h264(tmp_path_factory.mktemp("lazy") / "numbered.mp4")


@pytest.fixture
def clipped(users, sync_jobs, numbered):
    """A processed replay with two events, after the clip step: rows and thumbnails only."""
    team = users["team"]
    team.clip_before_s, team.clip_after_s = 0.5, 1.5
    team.save()
    replay, _ = replay_ingest_file(
        team=team, uploader=users["owner"], source=numbered, original_name="n.mp4", move=False
    )
    replay.refresh_from_db()
    times = replay.frame_times()
    for frame in (55, 120):
        Event.objects.create(replay=replay, kind="death", frame=frame, time_s=float(times[frame]))
    assert replay_cut_clips(replay) == ""
    return replay, list(Clip.objects.filter(event__replay=replay).order_by("event__frame"))


# Each counted cut waits this long first (a module setting, so other tests can wait longer).
CUT_WAIT_S = 0.5


@pytest.fixture
def cuts(monkeypatch) -> list[float]:
    """Counts the real cuts; each waits CUT_WAIT_S first, so a concurrent open overlaps it."""
    made: list[float] = []
    real = lazy.cut_clip

    def counted(*args, **kwargs):
        made.append(time.monotonic())
        time.sleep(CUT_WAIT_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(lazy, "cut_clip", counted)
    return made


def url(clip: Clip, what: str = "mp4") -> str:
    return f"/replays/{clip.event.replay_id}/events/{clip.event_id}/clip.{what}"


def test_the_clip_step_leaves_rows_and_thumbnails_and_no_clip_files(clipped):
    replay, clips = clipped
    assert len(clips) == replay.events.count() == 2
    folder = clips[0].path.parent
    assert sorted(p.suffix for p in folder.iterdir()) == [".jpg", ".jpg"]  # no video, no lock
    for clip in clips:
        assert clip.thumbnail_path.stat().st_size > 0 and not clip.path.exists()
    assert replay_cut_clips(replay, eager=True) == ""  # the eager option cuts them all
    assert all(clip.path.stat().st_size > 0 for clip in clips)


def test_cutting_every_clip_in_the_job_reads_the_packet_index_once(clipped, monkeypatch):
    replay, clips = clipped
    reads: list[object] = []
    real = lazy.read_packets

    def counted(source):
        reads.append(source)
        return real(source)

    monkeypatch.setattr(lazy, "read_packets", counted)
    monkeypatch.setattr("replays.detection.read_packets", counted)
    assert replay_cut_clips(replay, eager=True) == ""
    assert all(clip.path.stat().st_size > 0 for clip in clips)
    assert len(reads) == 1  # once per replay, not once per clip


def test_the_first_open_cuts_a_frame_exact_clip_and_the_second_reuses_it(
    client, clipped, users, cuts, tmp_path
):
    _, (clip, _) = clipped
    client.force_login(users["owner"])
    response = client.get(url(clip))
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    served = tmp_path / "served.mp4"
    served.write_bytes(body(response))
    codes, _ = decoded(served)
    assert codes == list(range(FIRST, STOP))  # 0.5 s before frame 55 to 1.5 s after, exactly
    assert len(cuts) == 1
    stamp = clip.path.stat().st_mtime_ns
    ranged = client.get(url(clip), headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206 and body(ranged) == served.read_bytes()[100:200]
    assert len(cuts) == 1 and clip.path.stat().st_mtime_ns == stamp  # not cut again
    assert not list(clip.path.parent.glob(".*"))  # no lock or temporary file left


def test_two_concurrent_first_opens_cut_once(clipped, users, cuts):
    _, (clip, _) = clipped
    start = threading.Barrier(2, timeout=30)
    answers: list[tuple[int, bytes]] = []
    browsers = [Client(), Client()]
    for browser in browsers:  # logged in first: SQLite's shared test database takes one writer
        browser.force_login(users["owner"])

    def open_clip(browser: Client) -> None:
        start.wait()
        response = browser.get(url(clip))
        answers.append((response.status_code, body(response)))

    threads = [threading.Thread(target=open_clip, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(cuts) == 1
    assert [status for status, _ in answers] == [200, 200]
    assert answers[0][1] == answers[1][1] == clip.path.read_bytes()


def test_a_failed_cut_says_why_without_a_500_and_the_next_open_tries_again(
    client, clipped, users, cuts
):
    replay, (clip, _) = clipped
    Clip.objects.filter(pk=clip.pk).update(start_s=2.0, end_s=2.0)  # an empty window: no frames
    client.force_login(users["owner"])
    response = client.get(url(clip))
    assert response.status_code == 503
    text = response.content.decode()
    assert text.startswith("This clip could not be cut: ") and "tries again" in text
    assert not clip.path.exists()
    assert Clip.objects.get(pk=clip.pk).error == text
    assert b"(failed: open to retry)" in client.get(f"/replays/{replay.pk}/").content
    Clip.objects.filter(pk=clip.pk).update(start_s=clip.start_s, end_s=clip.end_s)
    assert client.get(url(clip)).status_code == 200  # tried again, and cut this time
    assert len(cuts) == 2 and Clip.objects.get(pk=clip.pk).error == ""
    assert b"(failed: open to retry)" not in client.get(f"/replays/{replay.pk}/").content


def test_a_replay_whose_video_is_gone_says_so(client, clipped, users, cuts):
    replay, (clip, _) = clipped
    replay.path.unlink()
    client.force_login(users["coach"])
    response = client.get(url(clip))
    assert response.status_code == 410
    assert response.content == b"The replay's video is gone, so this clip cannot be cut."
    assert cuts == []
    assert client.get(url(clip, "jpg")).status_code == 200  # the thumbnail is still there


def test_another_teams_user_gets_a_404_and_cuts_nothing(client, clipped, users, cuts):
    _, (clip, _) = clipped
    client.force_login(users["outsider"])
    assert client.get(url(clip)).status_code == 404
    assert client.get(url(clip, "jpg")).status_code == 404
    assert cuts == [] and not clip.path.exists()


def test_a_new_clip_window_removes_the_cut_file_and_the_next_open_cuts_the_new_one(
    client, clipped, users
):
    replay, (clip, _) = clipped
    old = lazy.clip_file(clip)
    team = replay.team
    team.clip_before_s = 1.0
    team.save()
    assert replay_cut_clips(replay) == ""
    assert not old.exists()
    fresh = Clip.objects.get(pk=clip.pk)
    assert fresh.path != old and not fresh.path.exists()
    client.force_login(users["owner"])
    assert client.get(url(fresh)).status_code == 200 and fresh.path.exists()


def test_an_event_moved_while_its_clip_is_cut_leaves_no_file_and_says_to_open_it_again(
    client, clipped, users, monkeypatch
):
    replay, (clip, _) = clipped
    real = lazy.cut_clip

    def moved_meanwhile(*args, **kwargs):
        event_move(event=clip.event, frame=clip.event.frame + 10, user=users["coach"])
        return real(*args, **kwargs)

    monkeypatch.setattr(lazy, "cut_clip", moved_meanwhile)
    client.force_login(users["owner"])
    response = client.get(url(clip))
    assert response.status_code == 409
    assert response.content.decode() == (
        "The event moved while this clip was being cut: open its clip again."
    )
    assert not clip.path.exists()  # not left behind under the old name
    assert not list(clip.path.parent.glob(".*"))  # nor its lock file
    monkeypatch.setattr(lazy, "cut_clip", real)
    assert replay_cut_clips(replay) == ""  # the clip task the move queues: the new row
    fresh = Clip.objects.get(event=clip.event)
    assert fresh.path != clip.path
    assert client.get(url(fresh)).status_code == 200 and fresh.path.exists()
    assert not clip.path.exists()
