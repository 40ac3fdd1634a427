"""A spectator without an account watches a live exhibition to its end, then its replay."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot
from tests.livesite import Site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CREATE = (
    "from tournaments.matches import match_create; "
    "print(match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed=4, "
    "max_rounds=1, round_seconds=8, kind='exhibition').pk)"
)
START = (
    "from tournaments.matches import match_enqueue; from tournaments.models import Match; "
    "match_enqueue(Match.objects.get(pk={pk}))"
)


def test_a_spectator_without_login_watches_a_live_match_to_its_end(page, tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    try:
        match_id = int(site.manage("shell", "-c", CREATE).split()[-1])
        page.goto(site.url(f"/matches/{match_id}/"))  # no login
        assert page.inner_text("#p1-name") == "cpu_hard"
        badge = "() => document.getElementById('match-state').className"
        assert page.evaluate(badge) == "state state-queued"  # not played yet: not "running"
        page.wait_for_function("window.matchSpectator && window.matchSpectator.match !== null")
        site.manage("shell", "-c", START.format(pk=match_id))  # the spectator was there first
        page.wait_for_function("window.matchSpectator.ticks > 150")
        assert page.evaluate(badge) == "state state-running"
        shot(page, "match-live")
        page.wait_for_function("window.matchSpectator.over !== null", timeout=120_000)
        seen = page.evaluate("window.matchSpectator")
        assert seen["missing"] == 0 and seen["ticks"] == seen["over"]["ticks"] > 500
        assert seen["last"] == seen["over"]["ticks"]
        status = page.inner_text("#match-status")
        assert "wins" in status or "Draw" in status
        assert page.inner_text("#match-state") == "Done"
        assert page.evaluate(badge) == "state state-done"
        assert page.inner_text("#match-when") == "Played"  # the footer said "Live" until a reload
        shot(page, "match-over")
        page.click("#replay")
        page.wait_for_function("window.matchReplayed > 0", timeout=120_000)
        assert page.evaluate("window.matchReplayed") == seen["over"]["ticks"] + 1
        assert "Replay · tick" in page.inner_text("#match-status")
    finally:
        site.interrupt()
