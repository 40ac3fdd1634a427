"""Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="module")  # gone before async tests run: its event loop would block theirs
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Chromium is not installed: `apt-get install chromium` to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Printed (and so shown by pytest when a test fails): what the page said and what broke in it.
    page.on("console", lambda m: print(f"[console.{m.type}] {m.text}"))
    page.on("pageerror", lambda e: print(f"[pageerror] {e}"))
    page.on("requestfailed", lambda r: print(f"[requestfailed] {r.url} {r.failure}"))
    yield page
    context.close()


def shot(page, name: str) -> None:
    """Keeps a screenshot under var/screenshots for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page, site, username: str) -> None:
    """Logs ``username`` in through the login form (the demo's password) and waits for the site."""
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.wait_for_selector(".topbar .who")


def open_review(browser, site, username: str):
    """The demo's first replay in a browser of its own, ``username`` logged in."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(site.url("/accounts/login/"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", site.password)
    page.click("button[type=submit]")
    page.goto(site.url("/replays/1/"))
    page.wait_for_selector("#review[data-ready='1']")
    page.wait_for_selector("#coreview[data-state=idle], #coreview[data-state=open]")
    return context, page


@pytest.fixture
def coreview(site, browser):
    """The started site's first replay, processed, open on the coach's page and on the
    player's, each in a browser of its own (no live session yet): ``(coach, player)``."""
    site.start()
    site.login("coach", site.password)
    assert site.wait_done(1, timeout=400)["state"] == "done"
    coach_ctx, coach = open_review(browser, site, "coach")
    player_ctx, player = open_review(browser, site, "player")
    yield coach, player
    coach_ctx.close()
    player_ctx.close()
