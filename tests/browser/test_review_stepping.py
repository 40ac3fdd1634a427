"""Stepping on the review page lands on exact frames, read back from the pixels: on the review
proxy, in fast bursts on a VFR file with B-frames, and on a file whose streams start at 0.5 s.
The page fits a 1400x900 window with the step controls and the events visible."""

from __future__ import annotations

import subprocess

import pytest

from tests.browser.conftest import shot
from tests.livesite import Site, upload
from tests.media import FFMPEG, make_vfr_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# The index a frame of tests.media.frame_code shows: 10 bars across the picture.
READ_CODE = """() => {
  const v = document.getElementById('player');
  const c = document.createElement('canvas'); c.width = 320; c.height = 8;
  const ctx = c.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(v, 0, 0, v.videoWidth, v.videoHeight, 0, 0, 320, 8);
  const d = ctx.getImageData(0, 0, 320, 8).data; let n = 0;
  for (let b = 0; b < 10; b++) { if (d[(4 * 320 + b * 32 + 16) * 4] > 127) n |= 1 << b; }
  return n;
}"""
SETTLED = "() => document.getElementById('review').dataset.settled === '1'"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One started site with demo data for the whole module; ``live.upload(path)`` -> replay id."""
    site = Site(tmp_path_factory.mktemp("site") / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    out = site.manage("demo")
    site.password = out.split("Demo login: player / ")[1].split()[0]
    site.start()
    site.login("player", site.password)
    yield site
    site.interrupt()


def add_replay(site: Site, path) -> int:
    state = upload(site, 1, path.name, path.read_bytes(), 1 << 20)
    replay_id = int(state["replay_url"].rstrip("/").split("/")[-1])
    assert site.wait_done(replay_id, timeout=180)["state"] == "done"
    return replay_id


def open_review(page, site: Site, replay_id: int, query: str = "") -> None:
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", "player")
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.goto(site.url(f"/replays/{replay_id}/{query}"))
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_function("() => document.getElementById('player').readyState >= 2")


def settle(page) -> tuple[int, int]:
    """(label, pixels) once the page says it has settled and the picture rests.

    On a starved machine a frame already on its way can reach the screen after the page
    settled, and its requestVideoFrameCallback (which moves the label onto it) later still:
    the pair is read once it is the same twice, 0.4 s apart (5 s at most), so a label that
    names another frame than the resting picture still fails.
    """
    page.wait_for_function(SETTLED)
    read = lambda: (int(page.inner_text("#frame-no")), page.evaluate(READ_CODE))  # noqa: E731
    last = read()
    for _ in range(12):
        page.wait_for_timeout(400)
        page.wait_for_function(SETTLED)
        now = read()
        if now == last:
            return now
        last = now
    return last


def test_each_step_on_the_review_proxy_lands_on_the_next_frame(live, page, tmp_path):
    video = make_vfr_video(tmp_path / "proxy steps.mp4", [17, 16, 17] * 60, size=(320, 64))
    replay_id = add_replay(live, video)
    open_review(page, live, replay_id)
    assert page.evaluate("() => window.FilmRoomReview.source") == "proxy"
    page.evaluate("() => window.FilmRoomReview.seekFrame(60)")
    assert settle(page) == (60, 60)
    for n in range(61, 76):
        page.keyboard.press(".")
        assert settle(page) == (n, n)
    for n in range(74, 54, -1):
        page.keyboard.press(",")
        assert settle(page) == (n, n)


def test_a_burst_of_ten_presses_on_a_vfr_file_ends_ten_frames_on(live, page, tmp_path):
    durations = [16, 17, 33, 17, 50, 16, 17, 100, 16, 17] * 30  # B-frames on (tests.media)
    video = make_vfr_video(tmp_path / "vfr burst.mp4", durations, size=(320, 64))
    replay_id = add_replay(live, video)
    open_review(page, live, replay_id)
    page.evaluate("() => window.FilmRoomReview.seekFrame(150)")
    assert settle(page) == (150, 150)
    for _ in range(10):
        page.keyboard.press(".")
    assert settle(page) == (160, 160)
    for _ in range(10):
        page.keyboard.press(",")
    assert settle(page) == (150, 150)


def test_one_second_on_and_back_crosses_a_gap_longer_than_a_second(live, page, tmp_path):
    """Before a 3 s gap in a VFR recording, +1 s stayed on the same frame for ever."""
    durations = [33] * 59 + [3000] + [33] * 60  # frame 59 shows for 3 s
    video = make_vfr_video(tmp_path / "gap.mp4", durations, size=(320, 64))
    replay_id = add_replay(live, video)
    open_review(page, live, replay_id)
    page.evaluate("() => window.FilmRoomReview.seekFrame(58)")
    assert settle(page) == (58, 58)
    page.keyboard.press("l")  # +1 s: frame 59 is the one on screen a second on
    assert settle(page) == (59, 59)
    page.keyboard.press("l")  # +1 s is inside the gap: the frame after it
    assert settle(page) == (60, 60)
    page.keyboard.press("j")  # -1 s is inside the gap: the frame before it
    assert settle(page) == (59, 59)


def test_on_a_vfr_original_with_b_frames_the_label_is_the_picture_and_steps_move_it(
    live, page, tmp_path
):
    """Chromium times a frame of such a file by its sample's decode-time delta, so a seek can keep
    showing an earlier frame (a seek to 150 shows 148) or skip one. The page plays forward onto
    the frame, says which frame is on screen, and a step always moves the picture its way."""
    durations = [16, 17, 33, 17, 50, 16, 17, 100, 16, 17] * 30
    video = make_vfr_video(tmp_path / "vfr original.mp4", durations, size=(320, 64))
    replay_id = add_replay(live, video)
    open_review(page, live, replay_id, "?original=1")
    page.evaluate(
        "() => { const v = window.FilmRoomReview.video; v.muted = false; v.playbackRate = 1.5; }"
    )
    landed = []
    for frame in (150, 148, 160, 200, 47, 255):
        page.evaluate(f"() => window.FilmRoomReview.seekFrame({frame})")
        label, picture = settle(page)
        assert label == picture and abs(picture - frame) <= 1, (frame, label, picture)
        landed.append(picture == frame)
    assert sum(landed) >= 4, landed  # a plain seek lands on 148 for 150 and 158 for 160
    state = (
        "() => { const v = window.FilmRoomReview.video;"
        " return [v.paused, v.muted, v.playbackRate]; }"
    )
    assert page.evaluate(state) == [True, False, 1.5]  # the page's own playing is undone
    page.evaluate("() => window.FilmRoomReview.seekFrame(165)")
    before = settle(page)[1]
    for _ in range(12):
        page.keyboard.press(",")
        label, picture = settle(page)
        assert label == picture and before - 2 <= picture < before, (before, label, picture)
        before = picture
    for _ in range(12):
        page.keyboard.press(".")
        label, picture = settle(page)
        assert label == picture and before < picture <= before + 2, (before, label, picture)
        before = picture


def test_a_file_whose_streams_start_at_half_a_second_steps_to_its_last_frame(live, page, tmp_path):
    coded = make_vfr_video(tmp_path / "coded.mp4", [33, 33, 34] * 30, size=(320, 64))
    late = tmp_path / "starts late.mp4"
    args = [FFMPEG, "-v", "error", "-y", "-i", str(coded), "-c", "copy"]
    subprocess.run([*args, "-output_ts_offset", "0.5", str(late)], check=True)
    replay_id = add_replay(live, late)
    assert live.json(f"/replays/{replay_id}/status")["frame_count"] == 90
    open_review(page, live, replay_id, "?original=1")
    for frame in (0, 30, 89):
        page.evaluate(f"() => window.FilmRoomReview.seekFrame({frame})")
        assert settle(page) == (frame, frame)
    page.keyboard.press(",")
    assert settle(page) == (88, 88)


def test_the_review_page_fits_1400_by_900_with_its_controls_and_events(live, browser):
    assert live.wait_done(1, timeout=300)["state"] == "done"
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    open_review(page, live, 1)
    page.wait_for_selector("tr.event")
    for selector in ("button[data-step='1']", "#play-toggle", "#rate", "tr.event", ".keys"):
        box = page.locator(selector).first.bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 900, (selector, box)
        # the events table scrolls sideways inside its column: its rows start on screen
        right = box["x"] + (40 if selector == "tr.event" else box["width"])
        assert right <= 1400, (selector, box)
    page.keyboard.press("+")
    zoomed = page.evaluate("() => document.getElementById('stage').style.transform")
    assert "scale(1.5)" in zoomed
    page.screenshot(path=str(shot.__globals__["SHOTS"] / "review-1400x900.png"))
    page.keyboard.press("0")
    select = page.locator("#compare-select")
    value = select.locator("option").nth(2).get_attribute("value")
    select.select_option(value)
    page.wait_for_selector("#compare[data-ready='1']")
    page.keyboard.press(".")
    page.wait_for_function(SETTLED)
    page.wait_for_function("() => document.getElementById('compare').dataset.settled === '1'")
    page.screenshot(path=str(shot.__globals__["SHOTS"] / "review-side-by-side.png"))
    context.close()


def test_space_after_a_mouse_click_on_a_step_button_plays_and_pauses(live, page, tmp_path):
    video = make_vfr_video(tmp_path / "space after click.mp4", [17, 16, 17] * 60, size=(320, 64))
    replay_id = add_replay(live, video)
    open_review(page, live, replay_id)
    page.evaluate("() => window.FilmRoomReview.seekFrame(60)")
    assert settle(page) == (60, 60)
    page.click("button[data-step='1']")
    assert settle(page) == (61, 61)
    page.keyboard.press("Space")  # plays: the clicked button did not keep the focus
    page.wait_for_function("() => !document.getElementById('player').paused")
    page.keyboard.press("Space")
    page.wait_for_function("() => document.getElementById('player').paused")
    # Reached with Tab, a button still takes Space (it steps, the video stays paused).
    here = settle(page)[0]
    page.focus("button[data-step='1']")
    page.keyboard.press("Space")
    assert settle(page)[0] == here + 1
    assert page.eval_on_selector("#player", "v => v.paused")
