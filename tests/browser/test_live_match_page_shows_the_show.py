"""A spectator without an account watches a live bot match on /matches/<id>/ (real serve: Daphne,
the django-q2 workers, Redis): the fighters' poses, a hit spark, names and the win bar."""

from __future__ import annotations

import numpy as np
import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Every state ArenaView draws is kept in window.drawn (the page's view shares the prototype).
RECORD_DRAWS = """() => {
  window.drawn = [];
  const draw = window.ArenaView.prototype.draw;
  window.ArenaView.prototype.draw = function (s) {
    window.drawn.push(s);
    return draw.call(this, s);
  };
}"""
HIT_ON_SCREEN = """() => window.drawn.length && window.drawn[window.drawn.length - 1].effects
  .some(e => e.kind === 'hit' && e.age <= 3)"""


def _canvas(page) -> np.ndarray:
    data = page.evaluate(
        """() => { const c = document.getElementById('screen');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }"""
    )
    return np.array(data, dtype=np.uint8).reshape(672, 768, 4)[:, :, :3]


def test_a_spectator_sees_the_fighters_a_hit_and_the_win_probability_bar(site, page):
    site.env["Q_WORKERS"] = "4"  # the demo's replay jobs keep two workers busy for minutes
    site.start()
    out = site.manage("exhibition", "cpu_hard", "cpu_medium", "--live", "--rounds", "1",
                      "--round-seconds", "30", "--seed", "7", "--port", str(site.port))  # fmt: skip
    match_id = int(out.split()[1])
    page.goto(site.url(f"/matches/{match_id}/"))  # no login
    page.evaluate(RECORD_DRAWS)
    page.wait_for_function("() => window.matchSpectator.ticks > 60", timeout=120_000)
    page.wait_for_function(HIT_ON_SCREEN, timeout=40_000, polling=16)
    page.evaluate("() => { window.ArenaView.prototype.draw = function () {}; }")  # hold the frame
    state = page.evaluate("() => window.drawn[window.drawn.length - 1]")
    frame = _canvas(page)
    shot(page, "match_live_hit")
    assert "win_p1" in state and 0 <= state["win_p1"] <= 1
    assert {f["pose"] for f in state["fighters"]} - {"idle"}  # someone is doing something
    # The bar at the bottom of the canvas (scale 3): blue share matches win_p1.
    row = frame[217 * 3, 30:738].astype(int)
    blue = (np.abs(row - (40, 90, 255)).max(axis=1) < 30).sum()
    red = (np.abs(row - (255, 50, 50)).max(axis=1) < 30).sum()
    assert abs(blue / (blue + red) - state["win_p1"]) < 0.05
    # The names are on the canvas (white text on the ground strip).
    assert (frame[203 * 3 : 211 * 3, 30:300] > 240).all(axis=2).sum() > 50
    # The hit spark is drawn where the state says.
    spark = next(e for e in state["effects"] if e["kind"] == "hit" and e["age"] <= 3)
    x, y = spark["x"] * 3, spark["y"] * 3
    assert (frame[y - 30 : y + 30, x - 30 : x + 30] > 235).all(axis=2).sum() > 20
