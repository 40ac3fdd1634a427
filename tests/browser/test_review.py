"""A coach reviews a processed replay: timeline, jumping between deaths, stepping frame by frame."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_coach_steps_through_deaths_frame_by_frame(site, page):
    site.start()
    site.login("coach", site.password)
    status = site.wait_done(1, timeout=300)  # the demo jobs share 2 workers with the agent
    assert status["state"] == "done" and status["events"] == 4
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", "coach")
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_selector("#timeline .scatterlayer .point", state="attached")  # Plotly drew
    times = site.json("/replays/1/frames.json")["times"]
    deaths = [
        int(f)
        for f in page.eval_on_selector_all(
            "tr.event[data-kind=death]", "rows => rows.map(r => r.dataset.frame)"
        )
    ]
    assert deaths

    def frame() -> int:
        page.wait_for_function("() => !document.getElementById('player').seeking")
        return int(page.inner_text("#frame-no"))

    page.click("button[data-jump=death][data-dir='1']")
    page.wait_for_function(
        f"() => document.getElementById('frame-no').textContent == '{deaths[0]}'"
    )
    assert frame() == deaths[0]
    page.keyboard.press(".")
    page.wait_for_function(
        f"() => document.getElementById('frame-no').textContent == '{deaths[0] + 1}'"
    )
    page.click("button[data-step='-1']")
    page.click("button[data-step='-1']")
    page.wait_for_function(
        f"() => document.getElementById('frame-no').textContent == '{deaths[0] - 1}'"
    )
    current = page.evaluate("() => document.getElementById('player').currentTime")
    assert times[deaths[0] - 1] <= current < times[deaths[0]]
    assert page.inner_text("#frame-time") == f"{times[deaths[0] - 1]:.3f}"
    shot(page, "review")
