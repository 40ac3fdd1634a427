"""Chromium on the replay page: a clip nobody has opened says "Cutting the clip…" while it is cut,
then plays; a clip whose cut fails shows the server's reason instead of a dead player.

pytest-django's live server runs the site in this process, so the real cut is wrapped (as in
``tests/replays/test_lazy_clips.py``) to take a second longer: long enough to see the message.
"""

from __future__ import annotations

import pytest

from replays.detection import replay_cut_clips
from replays.models import Clip, Event
from replays.services import replay_ingest_file
from tests.detectors.test_clips_smartcut import coded_h264
from tests.replays.test_lazy_clips import cuts  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the ORM calls here stay sync."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_the_first_open_says_cutting_then_plays_and_a_failed_cut_says_why(
    live_server,
    page,
    client,
    users,
    sync_jobs,
    cuts,  # noqa: F811
    tmp_path,
):
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
    good, bad = Clip.objects.filter(event__replay=replay).order_by("event__frame")
    Clip.objects.filter(pk=bad.pk).update(start_s=2.0, end_s=2.0)  # no frames: the cut fails
    client.force_login(users["owner"])
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.goto(f"{live_server.url}/replays/{replay.pk}/")

    page.click(f'tr.event[data-id="{good.event_id}"] button[data-clip]')
    page.wait_for_selector("#clip-status:has-text('Cutting the clip')")
    page.wait_for_function(
        "() => { const v = document.getElementById('clip-player');"
        " return v.currentSrc.endsWith('/clip.mp4') && v.readyState >= 2; }"
    )
    assert page.is_hidden("#clip-status") and len(cuts) == 1

    page.click(f'tr.event[data-id="{bad.event_id}"] button[data-clip]')
    page.wait_for_selector("#clip-status.error")
    reason = page.inner_text("#clip-status")
    assert reason.startswith("This clip could not be cut: ") and "tries again" in reason
    assert not page.evaluate("() => document.getElementById('clip-player').getAttribute('src')")
