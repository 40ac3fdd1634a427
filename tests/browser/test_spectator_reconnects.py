"""The web process dies during a live match: `serve` starts it again, and the spectator's page
reconnects with backoff and resumes from a snapshot, to the end of the match."""

from __future__ import annotations

import pytest

from tests.livesite import Site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CREATE = (
    "from tournaments.matches import match_create, match_enqueue; "
    "m = match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed=4, "
    "max_rounds=1, round_seconds=20, kind='exhibition'); match_enqueue(m); print(m.pk)"
)


def test_a_spectator_resumes_after_the_web_process_restarts(page, tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    try:
        match_id = int(site.manage("shell", "-c", CREATE).split()[-1])
        page.goto(site.url(f"/matches/{match_id}/"))
        page.wait_for_function("window.matchSpectator && window.matchSpectator.ticks > 60")
        web = next(p for p in site.family() if "daphne" in " ".join(p.cmdline()))
        web.kill()  # the web process dies mid-match (SIGKILL)
        before = page.evaluate("window.matchSpectator.ticks")
        page.wait_for_function("window.matchSpectator.reconnects >= 1", timeout=30_000)
        page.wait_for_function("window.matchSpectator.over !== null", timeout=120_000)
        seen = page.evaluate("window.matchSpectator")
        new_web = next(p for p in site.family() if "daphne" in " ".join(p.cmdline()))
        assert new_web.pid != web.pid
        assert seen["missing"] == 0  # every tick after the resume came in order
        assert seen["last"] == seen["over"]["ticks"]
        jumps = seen["jumps"]  # the ticks missed while disconnected: one documented jump
        assert len(jumps) == 1 and jumps[0]["to"] > jumps[0]["from"], jumps
        assert seen["ticks"] > before  # ticks came again after the resume, live
        skipped = jumps[0]["to"] - jumps[0]["from"]
        assert seen["start"] + seen["ticks"] + skipped == seen["over"]["ticks"]
        status = page.inner_text("#match-status")
        assert "wins" in status or "Draw" in status
        site.interrupt()
        assert site.proc.returncode == 0
    finally:
        site.stop()
