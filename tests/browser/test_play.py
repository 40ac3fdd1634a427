"""A person plays an agent in the browser with the keyboard; the server records every tick."""

from __future__ import annotations

import time

import pytest

from tests.browser.conftest import SHOTS, log_in, shot
from tests.tournaments.conftest import agent_zip

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UPLOAD = """
from coach.models import Team
from django.contrib.auth import get_user_model
from tournaments.services import agent_upload
with open({path!r}, 'rb') as fh:
    agent = agent_upload(team=Team.objects.get(slug='demo'),
                         owner=get_user_model().objects.get(username='player'),
                         name='Sparring bot', upload=fh)
print(agent.pk)
"""


def test_a_player_fights_an_agent_with_the_keyboard(site, page, tmp_path):
    zipped = agent_zip(tmp_path)
    site.env["Q_SYNC"] = "1"
    site.env["AGENT_EVALUATION_GAMES"] = "1"
    agent_id = site.manage("shell", "-c", UPLOAD.format(path=str(zipped))).strip().splitlines()[-1]
    site.start()
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", "player")
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.goto(site.url(f"/arena/agents/{agent_id}/"))
    assert "Ready" in page.inner_text(".state")
    page.click("text=Play against it")
    page.wait_for_selector("#start:not([disabled])")
    page.click("#start")
    page.keyboard.down("ArrowRight")
    page.wait_for_function("() => window.arenaFrames > 90")
    page.keyboard.down("j")
    time.sleep(1.0)
    page.keyboard.up("j")
    page.keyboard.up("ArrowRight")
    # Longer than the channel layer's 5 s blocking read: the connection must hold.
    page.wait_for_function("() => window.arenaFrames > 480", timeout=20_000)
    assert "Disconnected" not in page.inner_text("#arena-status")
    state = page.evaluate("() => window.arenaState")
    assert state["tick"] > 90
    shot(page, "play")
    page.goto(site.url("/arena/datasets/"))  # leaving the page ends the match: ticks are kept
    time.sleep(1.0)
    page.reload()
    row = page.inner_text("table tbody tr")
    ticks = int(row.split("\t")[3])
    assert ticks > 90, row
    shot(page, "datasets")
    recorded = site.manage("shell", "-c", COUNT_RIGHT).strip().splitlines()[-1]
    held, total = map(int, recorded.split())
    assert total == ticks and 60 < held < total  # the keys the browser sent, tick by tick


COUNT_RIGHT = """
from tournaments.agents.dataset import open_dataset
from tournaments.models import Dataset
data = open_dataset(Dataset.objects.get().path)
print(int(data.keys[:, data.key_names.index("right")].sum()), len(data))
"""


def test_a_refused_fight_gives_the_button_back(site, browser):
    """A helper's third tab got "you already play 2 matches at once", and its Fight! button
    stayed disabled even after another tab was closed: only a reload helped."""
    site.start()
    context = browser.new_context()
    first = context.new_page()
    log_in(first, site, "player")
    tabs = [first, context.new_page(), context.new_page()]
    for tab, bot in zip(tabs, ("cpu_easy", "cpu_hard", "random"), strict=True):
        tab.goto(site.url(f"/arena/play/{bot}/"))
        tab.wait_for_selector("#start:not([disabled])")
        tab.click("#start")
    for tab in tabs[:2]:
        tab.wait_for_function("() => window.arenaFrames > 5")
    third = tabs[2]
    third.wait_for_function(
        "() => /at once/.test(document.getElementById('arena-status').textContent)"
    )
    third.wait_for_selector("#start:not([disabled])")  # the button is back
    tabs[1].close()
    third.wait_for_timeout(500)  # the closed tab's match is stored and ended
    third.click("#start")
    third.wait_for_function("() => window.arenaFrames > 5", timeout=15_000)
    context.close()


COUNT_HELD = """
from tournaments.agents.dataset import open_dataset
import time
from tournaments.models import Dataset
# The newest recording (ids are random UUIDs), once the match has closed it (a busy machine may
# take more than the page's second to get there).
for _ in range(100):
    newest = Dataset.objects.order_by('-created_at').first()
    if newest.ticks:
        break
    time.sleep(0.1)
data = open_dataset(newest.path)
column = lambda name: data.keys[:, data.key_names.index(name)]
print(len(data), int(column('right').sum()), int(column('punch').sum()),
      int((column('right') & column('punch')).sum()), int(column('left').sum()))
"""


def _touch_play(site, browser, width: int, height: int):
    """A phone of that size, logged in as the player, on the play page with the touch pad shown
    (any touch shows it, where the device does not say so first): (context, page)."""
    site.start()
    context = browser.new_context(
        viewport={"width": width, "height": height}, has_touch=True, is_mobile=True
    )
    page = context.new_page()
    log_in(page, site, "player")
    page.goto(site.url("/arena/play/cpu_easy/"))
    page.wait_for_selector("#start:not([disabled])")
    page.tap("#screen")
    page.wait_for_selector("#touchpad button[data-key=right]", state="visible")
    return context, page


def test_a_player_on_a_touch_screen_fights_with_the_touch_controls(site, browser):
    context, page = _touch_play(site, browser, 390, 844)
    page.tap("#start")
    page.wait_for_function("() => window.arenaFrames > 5")
    touch = context.new_cdp_session(page)

    def centre(key: str, finger: int) -> dict:
        box = page.locator(f"#touchpad button[data-key={key}]").bounding_box()
        return {"x": box["x"] + box["width"] / 2, "y": box["y"] + box["height"] / 2, "id": finger}

    def fingers(kind: str, *points: dict) -> None:
        touch.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": list(points)})

    # A thumb holds ▶ for about 90 ticks; a second finger holds Punch for part of it.
    right, punch = centre("right", 1), centre("punch", 2)
    fingers("touchStart", right)
    start = page.evaluate("() => window.arenaFrames")
    page.wait_for_function(f"() => window.arenaFrames > {start + 30}")
    assert "held" in page.get_attribute("#touchpad button[data-key=right]", "class")
    fingers("touchStart", right, punch)
    page.wait_for_function(f"() => window.arenaFrames > {start + 60}")
    shot(page, "play-touch")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # fits a phone
    fingers("touchEnd", punch)  # the finger lifted: punch let go, right still held
    assert "held" not in page.get_attribute("#touchpad button[data-key=punch]", "class")
    page.wait_for_function(f"() => window.arenaFrames > {start + 90}")
    left = centre("left", 1)
    fingers("touchMove", left)  # the thumb slides from ▶ to ◀: one let go, the other held
    page.wait_for_function(f"() => window.arenaFrames > {start + 120}")
    assert "held" not in page.get_attribute("#touchpad button[data-key=right]", "class")
    assert "held" in page.get_attribute("#touchpad button[data-key=left]", "class")
    fingers("touchEnd", left)
    page.wait_for_function(f"() => window.arenaFrames > {start + 150}")
    assert "held" not in page.get_attribute("#touchpad button[data-key=left]", "class")
    page.goto(site.url("/arena/datasets/"))  # leaving ends the match; the ticks are kept
    page.wait_for_timeout(1000)
    ticks, right_n, punch_n, both, left_n = map(
        int, site.manage("shell", "-c", COUNT_HELD).split()[-5:]
    )
    assert ticks > 150
    assert 60 < right_n < ticks and 15 < punch_n < right_n and both == punch_n
    assert 15 < left_n < ticks - right_n
    context.close()


ON_SCREEN = """() => {
  const box = e => { const r = e.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
  return {scrollY: window.scrollY, width: window.innerWidth, height: window.innerHeight,
          canvas: box(document.getElementById("screen")),
          buttons: [...document.querySelectorAll("#touchpad button[data-key]")]
            .map(b => ({key: b.dataset.key, ...box(b)}))};
}"""


def _inside(rect: dict, width: float, height: float) -> bool:
    return (
        0 <= rect["left"] <= rect["right"] <= width and 0 <= rect["top"] <= rect["bottom"] <= height
    )


def test_a_phone_held_sideways_shows_the_game_and_every_touch_button_at_once(site, browser):
    """At 844 x 390 the canvas filled the width and the touch pad sat under it, off the screen:
    a thumb had to scroll, and scrolling hid the fight. Sideways, the pad is beside the game."""
    context, page = _touch_play(site, browser, 844, 390)
    page.tap("#start")
    page.wait_for_function("() => window.arenaFrames > 5")
    page.evaluate("() => window.scrollTo(0, 0)")  # as the page opens, not scrolled
    seen = page.evaluate(ON_SCREEN)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "play-landscape.png"))  # what the player sees, no more
    width, height = seen["width"], seen["height"]
    assert (width, height, seen["scrollY"]) == (844, 390, 0)
    assert _inside(seen["canvas"], width, height), seen["canvas"]
    canvas = seen["canvas"]
    assert canvas["bottom"] - canvas["top"] >= 200  # a game one can follow, not a stamp
    assert {b["key"] for b in seen["buttons"]} == {
        "left", "right", "up", "down", "punch", "kick", "special"
    }  # fmt: skip
    for button in seen["buttons"]:
        assert _inside(button, width, height), button
        # beside the game, not over it
        assert button["right"] <= canvas["left"] or button["left"] >= canvas["right"], button
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    # A thumb on ▶ there holds it, as upright (the pad's buttons moved, their handlers did not).
    right = next(b for b in seen["buttons"] if b["key"] == "right")
    thumb = {"x": (right["left"] + right["right"]) / 2, "y": (right["top"] + right["bottom"]) / 2}
    touch = context.new_cdp_session(page)
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [thumb]})
    page.wait_for_function("() => document.querySelector('[data-key=right]').matches('.held')")
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function("() => !document.querySelector('[data-key=right]').matches('.held')")
    context.close()

    upright = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    page = upright.new_page()
    log_in(page, site, "player")
    page.goto(site.url("/arena/play/cpu_easy/"))
    page.wait_for_selector("#touchpad button[data-key=right]", state="visible")
    seen = page.evaluate(ON_SCREEN)
    page.screenshot(path=str(SHOTS / "play-portrait.png"))
    # Upright stays as it was: the pad under the game, as wide as the page allows.
    canvas = seen["canvas"]
    assert all(b["top"] >= canvas["bottom"] for b in seen["buttons"])
    assert canvas["right"] - canvas["left"] >= 300
    upright.close()


LAYOUT = """() => ({display: getComputedStyle(document.getElementById("arena")).display,
  canvas: document.getElementById("screen").getBoundingClientRect().toJSON(),
  pad: document.querySelector("#touchpad button[data-key=right]").getBoundingClientRect().width})"""


def test_a_short_desktop_window_keeps_the_desktop_layout(site, browser):
    """The sideways-phone layout (the game as tall as the screen, the pad either side) took any
    window 500 px tall or less: a desktop browser at 1200 x 480 got a game a third of its width
    and a grid laid out for thumbs. It is for touch screens only now."""
    site.start()
    SHOTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    for name, device in {
        "phone": {"viewport": {"width": 844, "height": 390}, "has_touch": True, "is_mobile": True},
        "desktop": {"viewport": {"width": 1200, "height": 480}},
        "tall desktop": {"viewport": {"width": 1200, "height": 800}},
    }.items():
        context = browser.new_context(**device)
        page = context.new_page()
        log_in(page, site, "player")
        page.goto(site.url("/arena/play/cpu_easy/"))
        page.wait_for_selector("#start:not([disabled])")
        seen[name] = page.evaluate(LAYOUT)
        page.screenshot(path=str(SHOTS / f"play-{name.replace(' ', '-')}.png"))
        context.close()
    phone, desktop, tall = seen["phone"], seen["desktop"], seen["tall desktop"]
    assert phone["display"] == "grid" and phone["canvas"]["bottom"] <= 390, phone
    assert phone["pad"] > 0  # the pad beside the game
    # The short desktop window lays the page out as a tall one does: the game full width (the
    # page scrolls to it), no touch pad.
    assert desktop["display"] != "grid", desktop
    assert desktop["canvas"]["width"] == tall["canvas"]["width"] >= 700, (desktop, tall)
    assert desktop["pad"] == 0 == tall["pad"]
