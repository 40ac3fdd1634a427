"""The replay page follows its job over ws/replays/<id>/ on the live site (Daphne, Redis, Q)."""

from __future__ import annotations

import json
import time

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def log_in(page, site, username: str) -> None:
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")


def test_the_page_shows_the_job_s_stage_and_time_left_pushed_over_the_socket(site, page):
    """And, when the socket cannot connect, it falls back to asking every 10 s."""
    site.start()
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=400)["state"] == "done"
    log_in(page, site, "coach")
    received: list[dict] = []
    polls: list[str] = []

    def on_socket(ws) -> None:
        if "/ws/replays/1/" in ws.url:
            ws.on("framereceived", lambda payload: received.append(json.loads(payload)))

    page.on("websocket", on_socket)
    page.on("request", lambda r: polls.append(r.url) if r.url.endswith("/status") else None)
    page.goto(site.url("/replays/1/"))
    page.select_option("select[name=profile]", label="arena (built-in)")
    page.click("text=Detect with this profile")  # the job runs again with another profile
    page.wait_for_selector("#job[data-channel=socket]")
    page.wait_for_function(
        "() => document.getElementById('job-stage').textContent == 'finding kills and deaths'"
    )
    shot(page, "job_progress")
    page.wait_for_selector("#job .state-done", timeout=120_000)  # reloaded when done

    states = [(m["state"], m["stage"], m["progress"]) for m in received]
    finding = [m for m in received if m["stage"] == "finding kills and deaths"]
    assert len(finding) >= 2, states
    assert [m["progress"] for m in finding] == sorted(m["progress"] for m in finding)
    # A time left is guessed once the run is past its first 2 % and 0.2 s.
    running = [m for m in received if m["state"] == "running" and m["progress"] >= 2]
    assert any(m["eta_s"] is not None and m["eta_s"] > 0 for m in running), states
    assert received[-1]["state"] == "done" and received[-1]["progress"] == 100
    assert polls == []  # nothing asked /status: it all came over the socket

    # Without websockets, the page polls /status slowly and still reloads when done.
    # On a quiet machine this short run may end before its page loads (then the page has nothing
    # to follow): that page is served once as if the job were still running, so the fallback is
    # exercised either way; everything it then learns comes from the real /status.
    page.add_init_script("delete window.WebSocket")  # a browser or proxy without websockets
    served: list[str] = []

    def as_running_once(route) -> None:
        if served or route.request.method != "GET":
            route.continue_()
            return
        response = route.fetch()
        served.append(route.request.url)
        body = response.text().replace('data-state="done"', 'data-state="running"', 1)
        route.fulfill(response=response, body=body)

    page.route("**/replays/1/", as_running_once)
    polls.clear()
    page.select_option("select[name=profile]", label="Shooter (synthetic)")
    started = time.monotonic()
    page.click("text=Detect with this profile")
    page.wait_for_selector("#job[data-channel=polling]", timeout=90_000)  # after 3 refusals
    page.wait_for_selector("#job .state-done", timeout=120_000)
    elapsed = time.monotonic() - started
    assert 1 <= len(polls) <= elapsed / 10 + 2, (len(polls), elapsed)
