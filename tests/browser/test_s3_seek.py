"""Chromium seeks in a replay whose media is on S3: the site redirects, the storage serves ranges.

The site (pytest-django's live server) checks the team, then answers 302 to a presigned URL of a
local S3 server (moto's server mode, ``tests/replays/test_s3_media.py``); the video element
follows it and seeks with Range requests that the storage answers.
"""

from __future__ import annotations

import pytest

from replays.services import replay_ingest_file
from tests.media import make_video
from tests.replays.test_s3_media import bucket, moto_server  # noqa: F401

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module", autouse=True)
def sync_orm_beside_playwright():
    """Playwright's sync API runs an event loop in this thread; the ORM calls here stay sync
    (including the database flush after the test)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.mark.usefixtures("bucket")
def test_chromium_seeks_in_a_video_served_from_the_bucket(
    live_server, page, client, users, media_root, tmp_path
):
    video = make_video(tmp_path / "bucket night.mp4", seconds=6.0, fps=30, faststart=False)
    replay, _ = replay_ingest_file(
        team=users["team"],
        uploader=users["owner"],
        source=video,
        original_name="bucket night.mp4",
        move=False,
        enqueue=False,
    )
    client.force_login(users["owner"])
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    answers = []
    page.on("response", lambda r: answers.append((r.status, r.url)))
    page.goto(f"{live_server.url}/healthz")
    page.set_content(f'<video id="v" src="{live_server.url}/replays/{replay.pk}/video"></video>')
    seeked = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const v = document.getElementById('v');
            const go = () => { v.currentTime = 4.5; };
            v.addEventListener('seeked', () => resolve({src: v.currentSrc, t: v.currentTime,
                end: v.seekable.length ? v.seekable.end(0) : 0}), {once: true});
            v.addEventListener('error', () => reject(v.error && v.error.message));
            if (v.readyState >= 1) go();
            else v.addEventListener('loadedmetadata', go, {once: true});
        })"""
    )
    # The site only redirected; the bucket answered the ranges.
    assert (302, f"{live_server.url}/replays/{replay.pk}/video") in answers
    assert any(status == 206 and "X-Amz-Signature=" in url for status, url in answers), answers
    assert seeked["t"] == pytest.approx(4.5, abs=0.01)
    assert seeked["end"] == pytest.approx(6.0, abs=0.1)
    assert (
        page.evaluate("""() => document.getElementById('v').readyState""") >= 2
    )  # a frame at the new position is decoded
