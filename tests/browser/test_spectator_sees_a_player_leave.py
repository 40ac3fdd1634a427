"""A play-page match its player leaves mid-game: the teammate watching it sees *Stopped*, after
how many ticks and why, instead of a page left on "Live" (the ``stopped`` message, match.js);
a reload says the same (the match is kept, not deleted: no 404), and *Watch what was played*
replays every tick up to the stop, then says again why it stopped."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RUNNING = (
    "from tournaments.models import Match; "
    "print(Match.objects.get(kind='play', state='running').pk)"
)
STATE = (
    "from tournaments.models import Match; m = Match.objects.get(pk={pk}); print(m.state, m.ticks)"
)


def test_a_spectator_sees_the_player_leave(site, browser, page):
    site.start()
    player_ctx = browser.new_context(viewport={"width": 1280, "height": 800})
    player = player_ctx.new_page()
    player.set_default_timeout(30_000)
    log_in(player, site, "player")
    player.goto(site.url("/arena/play/random/"))
    player.wait_for_selector("#start:not([disabled])")
    player.click("#start")
    player.wait_for_function("() => window.arenaFrames > 30")
    match_id = int(site.manage("shell", "-c", RUNNING).split()[-1])
    log_in(page, site, "coach")  # a teammate watches it
    page.goto(site.url(f"/matches/{match_id}/"))
    page.wait_for_function("window.matchSpectator && window.matchSpectator.ticks > 30")
    assert page.inner_text("#match-state") == "Live"
    player.goto(site.url("/arena/datasets/"))  # the player leaves mid-match
    page.wait_for_function("!!window.matchSpectator.stopped", timeout=30_000)
    seen = page.evaluate("window.matchSpectator")
    state, ticks = site.manage("shell", "-c", STATE.format(pk=match_id)).split()[-2:]
    assert (state, int(ticks)) == ("stopped", seen["stopped"]["ticks"])
    assert seen["over"] is None and seen["failed"] is None and seen["missing"] == 0
    assert seen["last"] == seen["stopped"]["ticks"]  # every tick up to the end, then the end
    assert page.inner_text(".state-stopped") == "Stopped"
    status = f"Stopped after {ticks} ticks: player left the match."
    assert page.inner_text("#match-status") == status
    assert page.is_visible("#replay")  # what was played is stored before "stopped" is sent
    assert page.inner_text("#replay") == "Watch what was played"
    shot(page, "spectator-player-left")
    page.wait_for_timeout(2_500)  # not reconnected to: the end stays
    assert page.inner_text("#match-status") == status
    assert page.evaluate("window.matchSpectator.reconnects") == 0
    page.reload()  # the match is still there: the page and a late joiner say how it ended
    page.wait_for_function("window.matchSpectator && !!window.matchSpectator.stopped")
    assert page.inner_text("#match-status") == status
    assert page.inner_text("#match-state") == "Stopped"
    page.click("#replay")  # watch it again, up to where its player left, labelled so
    page.wait_for_function(
        "document.getElementById('match-status').textContent.endsWith(' · stopped at tick "
        f"{ticks}')"
    )
    shot(page, "spectator-player-left-replay")
    page.wait_for_function(f"window.matchReplayed === {int(ticks) + 1}", timeout=60_000)
    assert page.inner_text("#match-status") == status  # then, again, why it stopped
    assert page.inner_text("#match-state") == "Stopped"
    shot(page, "spectator-player-left-replayed")
    player_ctx.close()
