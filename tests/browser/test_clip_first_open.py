"""Chromium on the replay page: a clip nobody has opened says "Cutting the clip…" while it is cut,
then plays; a clip whose cut fails shows the server's reason instead of a dead player; the
playlist player has the next clip cut while one plays.

pytest-django's live server runs the site in this process, so the real cut is wrapped (as in
``tests/replays/test_lazy_clips.py``) to take 2.5 s longer: long enough to see the message.
"""

from __future__ import annotations

import time

import pytest

from replays.detection import replay_cut_clips
from replays.models import Clip, Event
from replays.services import replay_ingest_file
from tests.detectors.test_clips_smartcut import coded_h264
from tests.replays import test_lazy_clips as lazy_clip_tests
from tests.replays.test_lazy_clips import cuts  # noqa: F401
from tests.replays.test_s3_media import bucket, moto_server  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the ORM calls here stay sync."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def _replay_page(page, client, users, live_server, tmp_path):
    """The replay page of a replay with two clips not cut yet; returns the two Clip rows."""
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=coded_h264(tmp_path / "numbered.mp4"),
        original_name="numbered.mp4",
        move=False,
    )
    replay.refresh_from_db()
    times = replay.frame_times()
    for frame in (55, 120):
        Event.objects.create(replay=replay, kind="death", frame=frame, time_s=float(times[frame]))
    assert replay_cut_clips(replay) == ""
    client.force_login(users["owner"])
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/replays/{replay.pk}/")
    return list(Clip.objects.filter(event__replay=replay).order_by("event__frame"))


PLAYS = (
    "() => { const v = document.getElementById('clip-player');"
    " return v.currentSrc.includes('/clip.mp4') && v.readyState >= 2; }"
)


@pytest.fixture
def slow_cuts(monkeypatch, cuts):  # noqa: F811
    """The counted cuts, each 2.5 s late. The message shows 0.3 s after the request and goes
    when the answer comes; with the 0.5 s of the other clip tests, one full CI run (the machine
    loaded by the suite) never saw it, so it now stays on screen for seconds."""
    monkeypatch.setattr(lazy_clip_tests, "CUT_WAIT_S", 2.5)
    return cuts


def test_the_first_open_says_cutting_then_plays_and_a_failed_cut_says_why(
    live_server,
    page,
    client,
    users,
    sync_jobs,
    slow_cuts,
    tmp_path,
):
    good, bad = _replay_page(page, client, users, live_server, tmp_path)
    Clip.objects.filter(pk=bad.pk).update(start_s=2.0, end_s=2.0)  # no frames: the cut fails

    page.click(f'tr.event[data-id="{good.event_id}"] button[data-clip]')
    page.wait_for_selector("#clip-status:has-text('Cutting the clip')")
    page.wait_for_function(PLAYS)
    assert page.is_hidden("#clip-status") and len(slow_cuts) == 1

    page.click(f'tr.event[data-id="{bad.event_id}"] button[data-clip]')
    page.wait_for_selector("#clip-status.error")
    reason = page.inner_text("#clip-status")
    assert reason.startswith("This clip could not be cut: ") and "tries again" in reason
    assert not page.evaluate("() => document.getElementById('clip-player').getAttribute('src')")


@pytest.mark.usefixtures("bucket")
def test_with_media_on_s3_the_first_open_plays_from_the_bucket(
    live_server, page, client, users, sync_jobs, tmp_path
):
    clip, _ = _replay_page(page, client, users, live_server, tmp_path)
    answers = []
    page.on("response", lambda r: answers.append((r.status, r.url)))
    page.click(f'tr.event[data-id="{clip.event_id}"] button[data-clip]')
    page.wait_for_function(PLAYS)
    assert any(status == 206 and "X-Amz-Signature=" in url for status, url in answers), answers
    assert page.is_hidden("#clip-status")


def test_the_playlist_player_cuts_the_next_clip_while_one_plays(
    live_server, page, client, users, sync_jobs, tmp_path
):
    from coach.playlists.services import playlist_add_events, playlist_create

    first, second = _replay_page(page, client, users, live_server, tmp_path)
    playlist = playlist_create(
        team=users["team"], created_by=users["coach"], title="Both", assignee_id=None
    )
    playlist_add_events(playlist=playlist, event_ids=[first.event_id, second.event_id], note="")
    assert not first.path.exists() and not second.path.exists()
    page.goto(f"{live_server.url}/playlists/{playlist.pk}/")
    page.wait_for_function(
        "() => { const v = document.getElementById('pl-video');"
        " return v.currentSrc.includes('/clip.mp4') && v.readyState >= 2; }"
    )
    deadline = time.monotonic() + 30
    while not second.path.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert second.path.exists()  # cut before anyone asked for it: "next" will not wait
    assert page.inner_text("#pl-index") == "1"
