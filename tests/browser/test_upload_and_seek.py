"""A player logs in, uploads a recording with a progress bar, watches it process, and seeks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.conftest import log_in, shot
from tests.media import make_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def start_upload(page, site, video: Path) -> None:
    """Chooses ``video`` on the upload page and presses Upload."""
    page.goto(site.url("/replays/upload/"))
    page.set_input_files("input[type=file]", str(video))
    page.click("#upload-form button[type=submit]")


def start_gated_upload(page, site, video: Path, *, passed: int, stop) -> None:
    """Starts uploading ``video`` with the first ``passed`` chunks (PUTs) let through and each
    later one handed to ``stop(route)`` instead (held, or aborted as a dropped connection)."""
    puts = []

    def gate(route):
        if route.request.method == "PUT":
            puts.append(1)
            if len(puts) > passed:
                stop(route)
                return
        route.continue_()

    page.route("**/replays/uploads/*", gate)
    start_upload(page, site, video)


def test_a_player_uploads_a_replay_and_seeks_in_it(site, page, tmp_path):
    site.start()
    video = make_video(tmp_path / "scrim night.mp4", seconds=4.0, fps=30)
    page.goto(site.url("/replays/"))
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "player")
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Replays")
    shot(page, "replay-list")

    start_upload(page, site, video)
    page.wait_for_url("**/replays/*/", timeout=30_000)
    page.wait_for_selector("video#player", timeout=120_000)  # appears once the job is done
    assert page.inner_text("#job-state") == "Done"
    assert "scrim night" in page.inner_text("h1")

    seeked = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const v = document.getElementById('player');
            const go = () => { v.currentTime = 2.5; };
            v.addEventListener('seeked', () => resolve({
                t: v.currentTime, end: v.seekable.length ? v.seekable.end(0) : 0 }), {once: true});
            v.addEventListener('error', () => reject(v.error && v.error.message));
            if (v.readyState >= 1) go();
            else v.addEventListener('loadedmetadata', go, {once: true});
        })"""
    )
    assert seeked["t"] == pytest.approx(2.5, abs=0.01)
    assert seeked["end"] == pytest.approx(4.0, abs=0.1)
    shot(page, "replay-detail")


def test_a_failed_upload_shows_its_reason(site, page, tmp_path):
    site.start()
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("these are my notes, not a video\n" * 100)
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", "player")
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    start_upload(page, site, bogus)
    page.wait_for_url("**/replays/*/")
    page.wait_for_selector("text=not a video file (it looks like text)", timeout=240_000)
    assert page.inner_text("#job-state") == "Failed"
    # The file is the reason: no Process again, which would only fail again.
    page.wait_for_selector("#job-unusable")
    assert page.locator("text=Process again").count() == 0
    shot(page, "replay-failed")


def test_leaving_mid_upload_asks_first_and_the_same_file_resumes_where_it_stopped(
    site, browser, tmp_path
):
    site.env["UPLOAD_CHUNK_BYTES"] = str(16 * 1024)  # several chunks for a small test video
    site.start()
    video = make_video(tmp_path / "late scrim.mp4", seconds=4.0, fps=30)
    assert video.stat().st_size > 3 * 16 * 1024
    context = browser.new_context()
    page = context.new_page()
    log_in(page, site, "player")

    # The first two chunks arrive; then the connection stalls and the player closes the tab.
    passed = []

    def gate(route):
        if route.request.method != "PUT" or len(passed) < 2:
            passed.append(route.request.method)
            route.continue_()
        else:
            route.abort()

    page.route("**/replays/uploads/*", gate)
    start_upload(page, site, video)
    page.wait_for_function("() => document.querySelector('#upload-progress progress').value > 0")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]

    # Later, the same file again: one upload, resumed, and the replay holds the file's bytes.
    page = context.new_page()
    start_upload(page, site, video)
    page.wait_for_url(re.compile(r".*/replays/\d+/$"), timeout=30_000)
    replay_id = int(page.url.rstrip("/").split("/")[-1])
    count = "from replays.models import Upload; print(Upload.objects.count())"
    assert site.manage("shell", "-c", count).split()[-1] == "1"
    site.login("player", site.password)
    assert site.request(f"/replays/{replay_id}/video").read() == video.read_bytes()
    context.close()


def test_cancel_stops_an_upload_and_removes_what_was_sent(site, browser, tmp_path):
    site.env["UPLOAD_CHUNK_BYTES"] = str(16 * 1024)
    site.start()
    video = make_video(tmp_path / "wrong file.mp4", seconds=4.0, fps=30)
    context = browser.new_context()
    page = context.new_page()
    log_in(page, site, "player")

    # Two chunks arrive; the third hangs (a slow connection) while the player cancels.
    held = []
    start_gated_upload(page, site, video, passed=2, stop=held.append)
    page.wait_for_function("() => !document.getElementById('upload-cancel').hidden")
    for _ in range(300):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the third chunk was never sent"
    shot(page, "upload-in-progress")
    page.click("#upload-cancel")
    page.wait_for_selector("text=Upload cancelled: what was sent has been removed.")
    shot(page, "upload-cancelled")
    assert page.is_hidden("#upload-cancel") and page.is_enabled("#upload-form button[type=submit]")
    state = (
        "from replays.models import Upload, Replay; u = Upload.objects.get();"
        " print(u.state, u.part_path.exists(),"
        " Replay.objects.filter(original_name='wrong file.mp4').count())"
    )
    assert site.manage("shell", "-c", state).split()[-3:] == ["cancelled", "False", "0"]

    # The same file chosen again starts over (nothing resumes a cancelled upload) and lands.
    page.unroute("**/replays/uploads/*")
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/replays/\d+/$"), timeout=30_000)
    replay_id = int(page.url.rstrip("/").split("/")[-1])
    site.login("player", site.password)
    assert site.request(f"/replays/{replay_id}/video").read() == video.read_bytes()
    context.close()


# Every status the upload page shows is printed (console) as it changes.
STATUS_LOG = """
document.addEventListener("DOMContentLoaded", () => {
  const status = document.querySelector("#upload-progress .status");
  if (!status) return;
  new MutationObserver(() => console.log("status: " + status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
});
"""
# ...and the page's clock, frozen: performance.now() moves 10 ms each time a chunk is sent, so
# the speed the page shows is a known number.
FROZEN_CLOCK = (
    """
window.__clock = 0;
performance.now = () => window.__clock;
const send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function (body) {
  window.__clock += 10;
  return send.call(this, body);
};
"""
    + STATUS_LOG
)


def logged_statuses(page) -> list[str]:
    """The statuses the page shows from now on, as they change (see STATUS_LOG)."""
    statuses: list[str] = []
    page.on("console", lambda m: statuses.append(m.text.removeprefix("status: ")))
    return statuses


def test_a_refused_chunk_ends_the_upload_at_once_with_the_servers_reason(site, browser, tmp_path):
    """A player removed from the team mid-upload is refused (403) on the next chunk: the page
    says why at once. It used to retry a refusal as "Connection trouble" (for 15 s when the
    upload had expired), though no retry can change it."""
    site.env["UPLOAD_CHUNK_BYTES"] = str(16 * 1024)
    site.start()
    video = make_video(tmp_path / "scrim.mp4", seconds=4.0, fps=30)
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(STATUS_LOG)
    statuses = logged_statuses(page)
    log_in(page, site, "player")

    # Two chunks arrive; the third waits while a coach removes the player from the team.
    held = []
    start_gated_upload(page, site, video, passed=2, stop=held.append)
    for _ in range(300):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the third chunk was never sent"
    remove = (
        "from coach.models import Membership; from replays.models import Upload;"
        " u = Upload.objects.get();"
        " print(Membership.objects.filter(user=u.uploader, team=u.team).delete()[0])"
    )
    assert site.manage("shell", "-c", remove).split()[-1] == "1"
    requests = []  # (a retry would be seen here, even if the gate held it)
    page.on("request", lambda r: "/replays/uploads/" in r.url and requests.append(r.method))
    held[0].continue_()

    refused = "Upload failed: you are no longer a member of this upload's team, so it cannot go on"
    page.wait_for_selector(f"text={refused}", timeout=5_000)
    assert not [s for s in statuses if s.startswith("Connection trouble")], statuses
    shot(page, "upload-refused")
    asked = len(requests)
    page.wait_for_timeout(2_000)  # no retry comes later either
    assert len(requests) == asked, requests[asked:]
    context.close()


def test_the_speed_shown_after_a_resume_counts_only_the_bytes_this_page_sent(
    site, browser, tmp_path
):
    """After a resume the speed divided every byte stored, the earlier page's too, by this page's
    time: a resumed upload said it ran many times faster than it did (f332516)."""
    chunk = 16 * 1024
    site.env["UPLOAD_CHUNK_BYTES"] = str(chunk)
    site.start()
    video = make_video(tmp_path / "long scrim.mp4", seconds=4.0, fps=30)
    size = video.stat().st_size
    chunks = -(-size // chunk)
    assert chunks >= 4
    context = browser.new_context()
    page = context.new_page()
    log_in(page, site, "player")

    # Every chunk but the last arrives; then the connection drops and the player leaves.
    start_gated_upload(page, site, video, passed=chunks - 1, stop=lambda route: route.abort())
    page.wait_for_selector("text=Connection trouble, resuming…")
    page.close()

    # The same file again, on a clock that moves 10 ms per chunk sent: one chunk is left to send.
    page = context.new_page()
    page.add_init_script(FROZEN_CLOCK)
    statuses = logged_statuses(page)
    start_upload(page, site, video)
    page.wait_for_url(re.compile(r".*/replays/\d+/$"), timeout=30_000)
    resumed = (chunks - 1) * chunk
    assert f"Resuming the earlier upload of this file from {100 * resumed // size}%…" in statuses
    sent = [s for s in statuses if s.startswith("Uploading… ")]
    assert sent, statuses
    mbps = page.evaluate(f"(({size} - {resumed}) / 1e6 / 0.01).toFixed(1)")  # 10 ms, one chunk
    assert sent[-1] == f"Uploading… 100% ({mbps} MB/s)", statuses
    context.close()
