"""A match deleted while a spectator's page watches it: the socket's next connection is closed
with 4404 (the match is no longer there), and the page says so and stops reconnecting, instead
of retrying ten times and saying "Disconnected." (match.js's 4404 branch)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CREATE = (
    "from tournaments.matches import match_create; "
    "print(match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed=4, "
    "max_rounds=1, round_seconds=8, kind='exhibition').pk)"
)
DELETE = "from tournaments.models import Match; print(Match.objects.filter(pk={pk}).delete()[0])"


def test_a_spectator_of_a_deleted_match_is_told_it_is_no_longer_there(live, page):
    match_id = int(live.manage("shell", "-c", CREATE).split()[-1])
    page.goto(live.url(f"/matches/{match_id}/"))  # no login: a public match
    page.wait_for_function("window.matchSpectator && window.matchSpectator.match !== null")
    assert page.inner_text("#match-status") == "Waiting for the fight…"
    assert int(live.manage("shell", "-c", DELETE.format(pk=match_id)).split()[-1]) >= 1
    # The page's socket drops (its web process dies; `serve` starts another) and reconnects.
    web = next(p for p in live.family() if "daphne" in " ".join(p.cmdline()))
    web.kill()
    page.wait_for_function("window.matchSpectator.reconnects >= 1", timeout=30_000)
    page.wait_for_function(
        "document.getElementById('match-state').textContent === 'Unavailable'", timeout=30_000
    )
    assert page.inner_text("#match-status") == (
        "This match is no longer there, or no longer open to you."
    )
    assert page.evaluate("document.getElementById('match-state').className") == (
        "state state-failed"
    )
    # The footer's "Live at 60 ticks a second" goes with it.
    assert not page.is_visible("#match-when")
    shot(page, "spectator-deleted-match")
    tries = page.evaluate("window.matchSpectator.reconnects")  # (refused while Daphne restarted)
    # It does not try again: the text stays, no "reconnecting in …".
    page.wait_for_timeout(2_500)
    assert page.inner_text("#match-status") == (
        "This match is no longer there, or no longer open to you."
    )
    assert page.evaluate("window.matchSpectator.reconnects") == tries
    # Opened afresh, the page of the missing match is the site's 404, not a page that waits.
    assert page.goto(live.url(f"/matches/{match_id}/")).status == 404
