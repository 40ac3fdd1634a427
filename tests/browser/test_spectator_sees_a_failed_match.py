"""A live match that breaks mid-play: the spectator's page says it failed and why, and stops
trying to reconnect, instead of staying on "Live" (the ``failed`` message, match.js)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CREATE = (
    "from tournaments.matches import match_create; "
    "m = match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed=4, "
    "max_rounds=1, round_seconds=20, kind='exhibition'); print(m.pk)"
)
# The game is played by this script, not the site's workers, so its loop can break: at tick 90
# it raises an error naming a file under the server's media folder.
PLAY_AND_BREAK = """
import time
from tournaments.arena.runner import GameLoop
from tournaments.matches import match_run
from tournaments.models import Match
step = GameLoop.step
def breaks(self):
    if self.game.tick == 90:
        raise OSError(5, "Input/output error", "/srv/filmroom/media/agents/7/model.safetensors")
    if self.game.tick == 1:
        time.sleep(1.0)  # the spectator's page is connected before the first ticks go out
    return step(self)
GameLoop.step = breaks
try:
    match_run({match_id})
except OSError:
    pass  # raised again once the match is stored as failed
print(Match.objects.get(pk={match_id}).state)
"""


def test_a_spectator_sees_the_match_fail_and_why(live, page):
    match_id = int(live.manage("shell", "-c", CREATE).split()[-1])
    page.goto(live.url(f"/matches/{match_id}/"))
    page.wait_for_function("window.matchSpectator && window.matchSpectator.match !== null")
    assert page.inner_text("#match-when") == "Live"  # the footer, as the page was served
    state = live.manage("shell", "-c", PLAY_AND_BREAK.format(match_id=match_id)).split()[-1]
    assert state == "failed"
    page.wait_for_function("window.matchSpectator.failed !== null", timeout=30_000)
    seen = page.evaluate("window.matchSpectator")
    assert seen["failed"]["ticks"] == 90 and seen["over"] is None
    assert seen["ticks"] > 0 and seen["missing"] == 0  # it was watched live up to the error
    assert page.inner_text(".state-failed") == "Failed"
    status = page.inner_text("#match-status")
    assert status == "Stopped on an error after 90 ticks: Input/output error: 'model.safetensors'."
    # The footer follows: it said "Live" until a reload (the page's text as served).
    assert page.inner_text("#match-when") == "Played"
    assert "/srv/" not in page.content()  # the server's folders stay on the server
    shot(page, "spectator-failed-match")
    # A failed match is not reconnected to: the status stays, no "reconnecting".
    page.wait_for_timeout(2_500)
    assert page.inner_text("#match-status") == status
    assert page.evaluate("window.matchSpectator.reconnects") == 0
