"""A coach draws on a frame and writes a note; it is there after a reload on that frame only, and
it sits on the timeline's notes lane. The recording shows each frame's index in its pixels."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot
from tests.livesite import Site, upload
from tests.media import make_vfr_video

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAME = 50
# The picture's frame number, read from the pixels of the video (10 blocks spell it in binary).
READ_PICTURE = """() => {
  const v = document.getElementById('player');
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0);
  const block = Math.floor(c.width / 10);
  let n = 0;
  for (let bit = 0; bit < 10; bit++) {
    const d = g.getImageData(bit * block + block / 4, 0, block / 2, c.height / 2).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
    if (sum / (d.length / 4) / 3 > 127) n |= 1 << bit;
  }
  return n;
}"""
# How red the overlay is along the top edge of the box drawn from (0.3, 0.6) to (0.7, 0.9).
OVERLAY = """() => {
  const c = document.getElementById('notes-overlay');
  const d = c.getContext('2d').getImageData(
    Math.round(c.width * 0.4), Math.round(c.height * 0.6) - 1, Math.round(c.width * 0.2), 3).data;
  let red = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] < 80 && d[i + 3] > 200) red++;
  const state = {frame: Number(c.dataset.frame), shapes: Number(c.dataset.shapes)};
  return {red: red / (d.length / 4), ...state};
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One started site with demo data for this module's tests (starting one takes minutes)."""
    site = Site(tmp_path_factory.mktemp("notes-site") / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.password = site.manage("demo").split("Demo login: player / ")[1].split()[0]
    site.start()
    yield site
    site.stop()


def log_in(page, site, user: str) -> None:
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")


def go_to_frame(page, n: int) -> None:
    page.evaluate(f"() => window.FilmRoomReview.seekFrame({n})")
    page.wait_for_function(
        f"""() => document.getElementById('frame-no').textContent == '{n}'
            && !document.getElementById('player').seeking
            && document.getElementById('notes-overlay').dataset.frame == '{n}'"""
    )


def click_when_still(page, locator) -> None:
    """Clicks a Plotly point once it stays put: after a resize Plotly lays a chart out again a
    moment later, and a click at the old place (a forced click does not wait) hits nothing."""
    before = None
    for _ in range(50):
        box = locator.bounding_box()
        if box is not None and box == before:
            break
        before = box
        page.wait_for_timeout(100)
    assert before is not None, "the point is not on the page"
    locator.click(force=True)  # Plotly's drag layer lies over its points


def test_a_drawing_on_frame_n_is_there_after_a_reload_and_gone_at_n_plus_1(site, page, tmp_path):
    site.login("player", site.password)
    video = make_vfr_video(tmp_path / "coded.mp4", [33] * 120, size=(320, 240))
    state = upload(site, 1, "coded.mp4", video.read_bytes(), 1 << 20)
    replay_id = int(re.search(r"/replays/(\d+)/", state["replay_url"]).group(1))
    assert site.wait_done(replay_id, timeout=240)["state"] == "done"

    log_in(page, site, "coach")
    page.goto(site.url(f"/replays/{replay_id}/"))
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_selector("#notes[data-loaded]")
    go_to_frame(page, FRAME)
    page.evaluate(
        """() => { window.seen = [];
        for (const name of ['filmroom:drawing', 'filmroom:notes-changed'])
          document.addEventListener(name, e => window.seen.push({name, ...e.detail})); }"""
    )
    page.click("button[data-tool=rect]")
    canvas = page.locator("#notes-overlay").bounding_box()
    # The overlay covers the picture only: a 4:3 picture in a wider player is pillarboxed.
    player = page.locator("#player").bounding_box()
    assert canvas["width"] / canvas["height"] == pytest.approx(320 / 240, abs=0.02)
    assert canvas["width"] < player["width"] - 50
    assert canvas["x"] - player["x"] == pytest.approx(
        player["x"] + player["width"] - canvas["x"] - canvas["width"], abs=2
    )
    page.mouse.move(canvas["x"] + canvas["width"] * 0.3, canvas["y"] + canvas["height"] * 0.6)
    page.mouse.down()
    page.mouse.move(canvas["x"] + canvas["width"] * 0.5, canvas["y"] + canvas["height"] * 0.8)
    page.mouse.move(canvas["x"] + canvas["width"] * 0.7, canvas["y"] + canvas["height"] * 0.9)
    page.mouse.up()
    assert page.inner_text("#note-drawn") == "1 drawing"
    page.fill("#note-text", "Hold this angle @player #peek")
    page.fill("#note-tags", "peek, fundamentals")
    page.click("#note-save")
    page.wait_for_selector("#note-list li.note")
    assert "frame 50" in page.inner_text("#note-list li.note")
    # The tags field's tag shows on the card (#peek, in the text, shows there once).
    assert page.inner_text("#note-list li.note .note-tags") == "#fundamentals"
    # What live co-review relays: the shape while it is drawn, when it is done, and the save.
    seen = page.evaluate("() => window.seen")
    done = [e for e in seen if e["name"] == "filmroom:drawing" and e["done"]]
    assert [e["shape"]["type"] for e in done] == ["rect"]
    assert done[0]["shape"]["points"] == [
        [pytest.approx(0.3, abs=0.01), pytest.approx(0.6, abs=0.01)],
        [pytest.approx(0.7, abs=0.01), pytest.approx(0.9, abs=0.01)],
    ]
    assert any(e["name"] == "filmroom:drawing" and not e["done"] for e in seen)
    assert seen[-1]["name"] == "filmroom:notes-changed"
    shot(page, "notes-drawn")

    page.reload()
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_selector("#notes[data-loaded]")
    go_to_frame(page, FRAME)
    assert page.evaluate(READ_PICTURE) == FRAME
    on = page.evaluate(OVERLAY)
    assert on["shapes"] == 1 and on["red"] > 0.8, on
    shot(page, "notes-after-reload")

    go_to_frame(page, FRAME + 1)
    assert page.evaluate(READ_PICTURE) == FRAME + 1
    off = page.evaluate(OVERLAY)
    assert off["shapes"] == 0 and off["red"] == 0, off
    # Someone else's shape in progress (live co-review) is drawn until it is cleared.
    remote = "{type: 'line', color: '#ff0000', width: 0.02, points: [[0.3, 0.6], [0.7, 0.6]]}"
    page.evaluate(
        f"""() => document.dispatchEvent(new CustomEvent('filmroom:remote-drawing',
            {{detail: {{shape: {remote}}}}}))"""
    )
    assert page.evaluate(OVERLAY)["shapes"] == 1
    # A finished shape stays while the next one is drawn; null clears that person's drawings.
    for detail in (f"{{shape: {remote}, done: true}}", f"{{shape: {remote}}}"):
        page.evaluate(
            f"""() => document.dispatchEvent(new CustomEvent('filmroom:remote-drawing',
                {{detail: {detail}}}))"""
        )
    assert page.evaluate(OVERLAY)["shapes"] == 2
    page.evaluate(
        """() => document.dispatchEvent(new CustomEvent('filmroom:remote-drawing',
            {detail: {shape: null, done: true}}))"""
    )
    assert page.evaluate(OVERLAY)["shapes"] == 0

    # At another player size the drawing is still over the same spot of the picture.
    page.set_viewport_size({"width": 760, "height": 800})
    go_to_frame(page, FRAME)
    page.wait_for_function("() => document.getElementById('notes-overlay').width < 700")
    assert page.evaluate(OVERLAY)["red"] > 0.8

    # Clicking the note in the list seeks to its frame.
    go_to_frame(page, 5)
    page.click("#note-list li.note .note-text")
    page.wait_for_function(f"() => document.getElementById('frame-no').textContent == '{FRAME}'")
    # No detection ran on this replay, so no timeline: the notes get a lane of their own.
    page.wait_for_function("() => document.getElementById('notes-lane').dataset.notesLane == '1'")
    go_to_frame(page, 5)
    click_when_still(page, page.locator("#notes-lane .scatterlayer .trace").last.locator(".point"))
    page.wait_for_function(f"() => document.getElementById('frame-no').textContent == '{FRAME}'")


def test_notes_sit_on_the_timeline_lane_and_clicking_one_seeks(site, page):
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=240)["state"] == "done"
    log_in(page, site, "coach")
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_selector("#timeline .scatterlayer .point", state="attached")
    page.wait_for_selector("#notes[data-loaded]")
    saved = page.evaluate(
        "() => window.FilmRoomNotes.addNote({frame: 200, frame_end: 230, text: 'lane #lane'})"
    )
    assert saved["frame"] == 200
    page.wait_for_function("() => document.getElementById('timeline').dataset.notesLane == '1'")
    lane = page.evaluate(
        "() => document.getElementById('timeline').data.find(t => t.meta === 'notes')"
    )
    times = site.json("/replays/1/frames.json")["times"]
    assert lane["x"] == [pytest.approx(times[200], abs=1e-3)]
    assert lane["customdata"][0][0] == 200
    go_to_frame(page, 3)
    # Plotly's drag layer lies over the points: click at the point, as a person's mouse does.
    click_when_still(page, page.locator("#timeline .scatterlayer .trace").last.locator(".point"))
    page.wait_for_function("() => document.getElementById('frame-no').textContent == '200'")
    assert "current" in page.get_attribute("#note-list li.note", "class")
    shot(page, "notes-lane")
    # A link to a note that is gone says so (it opened at frame 0 without a word).
    page.goto(site.url("/replays/1/?note=999999"))
    page.wait_for_selector("#notes[data-loaded]")
    gone = page.locator("#note-error", has_text="The note this link points to is gone")
    gone.wait_for()
    assert page.locator(".note-reply-form input").first.get_attribute("aria-label")


def test_what_is_written_is_never_lost_or_cut_without_a_word(site, page, browser):
    """From a helper's pass: a half-written note was lost on leaving the page, a second tab's
    save silently undid the first's, a 10,000-character paste was cut to 5,000, an end before
    the note's frame was dropped, and an empty reply's message appeared under the new-note form
    and stayed there."""
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=240)["state"] == "done"

    def open_review(tab):
        log_in(tab, site, "coach")
        tab.goto(site.url("/replays/1/"))
        tab.wait_for_selector("#review[data-ready='1']")
        tab.wait_for_selector("#notes[data-loaded]")

    open_review(page)
    note = page.evaluate("() => window.FilmRoomNotes.addNote({frame: 30, text: 'original'})")
    page.reload()
    page.wait_for_selector("#notes[data-loaded]")
    other = browser.new_page()
    open_review(other)
    for tab, text in ((page, "Tab A version"), (other, "Tab B version")):
        tab.locator(f"#note-list li.note[data-id='{note['id']}'] button[data-action=edit]").click()
        tab.fill("#note-text", text)
    page.click("#note-save")
    page.wait_for_function("() => document.getElementById('note-save').textContent == 'Add note'")
    other.click("#note-save")
    other.wait_for_selector("#note-error:not([hidden])")
    assert "changed by someone else" in other.inner_text("#note-error")
    assert other.input_value("#note-text") == "Tab B version"  # kept, to copy from
    assert site.json(f"/coach/notes/{note['id']}")["text"] == "Tab A version"

    # A long paste is said, not cut; saving it is refused until it is shorter.
    other.click("#note-cancel")
    other.fill("#note-text", "x" * 6000)
    assert other.input_value("#note-text") == "x" * 6000
    assert "this one has 6000" in other.inner_text("#note-error")
    count = len(site.json("/coach/replays/1/notes.json")["notes"])
    other.click("#note-save")
    other.fill("#note-text", "short")
    assert other.is_hidden("#note-error")
    # An end before the note's frame is said, and nothing is saved.
    other.evaluate("() => window.FilmRoomReview.seekFrame(40)")
    other.wait_for_function("() => document.getElementById('note-frame').textContent == '40'")
    other.fill("#note-frame-end", "5")
    other.click("#note-save")
    assert "before its frame 40" in other.inner_text("#note-error")
    # "1e3" is the number box's 1000 (past the last frame), not frame 1 (parseInt's reading).
    other.fill("#note-frame-end", "1e3")
    other.click("#note-save")
    other.wait_for_function(
        "() => /frames must be between 0 and/.test(document.querySelector('#note-error').innerText)"
    )
    assert len(site.json("/coach/replays/1/notes.json")["notes"]) == count
    other.close()

    # A note being edited is moved to the frame on screen with "move to this frame".
    page.locator(f"#note-list li.note[data-id='{note['id']}'] button[data-action=edit]").click()
    assert page.is_hidden("#note-error")
    page.evaluate("() => window.FilmRoomReview.seekFrame(45)")
    page.wait_for_function("() => document.getElementById('frame-no').textContent == '45'")
    assert page.inner_text("#note-frame") == "30"  # stays where it was pinned...
    page.click("#note-move-here")
    assert page.inner_text("#note-frame") == "45"  # ...until moved
    page.click("#note-save")
    page.wait_for_function("() => document.getElementById('note-save').textContent == 'Add note'")
    moved = site.json(f"/coach/notes/{note['id']}")
    assert (moved["frame"], moved["frame_end"], moved["text"]) == (45, 45, "Tab A version")

    # An empty reply is said next to the reply, and a later success clears nothing stale.
    row = page.locator(f"#note-list li.note[data-id='{note['id']}']")
    row.locator("button[data-action=reply]").click()
    row.locator(".note-reply-form input").press("Enter")
    assert row.locator(".reply-error").inner_text() == "Write a reply first."
    assert page.is_hidden("#note-error")

    # Leaving with a note half written asks first.
    page.fill("#note-text", "half a thought")
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.accept()))
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert asked == ["beforeunload"]
