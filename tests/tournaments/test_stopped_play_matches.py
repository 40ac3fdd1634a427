"""Play-page matches their player left before the end (*stopped*): they keep a replay of what
was played up to the stop, and an agent's page lists them apart from its record."""

from __future__ import annotations

import json
import re

from django.db.models import Q

from tournaments import spectate
from tournaments.arena import MatchRecord, make_bot, replay_match
from tournaments.models import Match
from tournaments.play import Opponent, finish_match, start_match


def stopped_after(user, opponent, ticks: int, seed: int = 3):
    """A play match of ``user`` against ``opponent`` (a scripted p1), left after ``ticks``."""
    live = start_match(user, opponent, ("kaito", "brick"), seed=seed)
    live.p1 = make_bot("cpu_hard").act
    live.run(realtime=False, stop=lambda: live.ticks_played >= ticks)
    finish_match(user, opponent, live)
    return live, Match.objects.get(pk=live.match_id)


def test_a_stopped_match_replays_every_tick_played_up_to_the_stop(
    users, media_root, client, live_on_redis
):
    live, match = stopped_after(users["owner"], Opponent("random"), 90)
    assert (match.state, match.ticks, match.winner) == (Match.STOPPED, 90, "")
    client.force_login(users["coach"])  # a teammate who was watching it
    answer = client.get(f"/matches/{match.pk}/frames.json")
    assert answer.status_code == 200
    data = json.loads(answer.content)
    assert [f["tick"] for f in data["frames"]] == list(range(91))
    assert match.record == match.games[-1]  # the record up to the stop, as a finished match's
    assert replay_match(MatchRecord.from_dict(match.record)).state_hash() == live.game.state_hash()
    assert data["match"]["state"] == Match.STOPPED
    page = client.get(f"/matches/{match.pk}/").content.decode()
    assert re.search(r'<button type="button" id="replay" class="secondary" >Watch what was', page)
    # A spectator opening it later sees where it stopped, then why (no longer the opening state).
    snap, end, _attempt = spectate.snapshot(match)
    assert snap["tick"] == 90 and snap["state"] == data["frames"][-1]["state"]
    assert end == {"type": "stopped", "ticks": 90, "reason": "owner left the match"}


def test_another_teams_user_gets_404_for_a_stopped_matchs_replay(users, media_root, client):
    _, match = stopped_after(users["owner"], Opponent("random"), 30)
    client.force_login(users["outsider"])
    for path in ("/", "/frames.json"):
        assert client.get(f"/matches/{match.pk}{path}").status_code == 404
    client.logout()
    assert client.get(f"/matches/{match.pk}/frames.json").status_code == 404


def test_a_match_stopped_before_its_first_tick_says_there_is_nothing_to_replay(
    users, media_root, client
):
    _, match = stopped_after(users["owner"], Opponent("random"), 0)
    assert (match.state, match.ticks, match.games, match.record) == (Match.STOPPED, 0, [], {})
    client.force_login(users["owner"])
    answer = client.get(f"/matches/{match.pk}/frames.json")
    assert answer.status_code == 409
    assert answer.json() == {
        "error": "the match stopped before its first tick: there is nothing to replay"
    }
    page = client.get(f"/matches/{match.pk}/").content.decode()
    assert '<button type="button" id="replay" class="secondary" hidden>' in page


def _stopped_section(page: str) -> tuple[str, str]:
    """The agent page's Matches card split at its collapsed list of stopped matches."""
    main, _, rest = page.partition('<details class="stopped-matches">')
    return main, rest.partition("</details>")[0]


def test_an_agents_page_lists_stopped_matches_apart_and_out_of_its_record(agent, users, client):
    client.force_login(users["coach"])
    before = client.get(f"/arena/agents/{agent.pk}/").context["record"]
    finished = list(Match.objects.filter(Q(p1_agent=agent) | Q(p2_agent=agent)))
    assert finished  # its evaluation games
    _, stopped = stopped_after(users["owner"], agent, 60)
    _, also = stopped_after(users["owner"], agent, 0, seed=4)
    answer = client.get(f"/arena/agents/{agent.pk}/")
    assert answer.context["record"] == before
    main, apart = _stopped_section(answer.content.decode())
    assert "2 stopped by their player · not in the record" in apart
    for m in (stopped, also):
        assert f"/matches/{m.pk}/" not in main and f"/matches/{m.pk}/" in apart
    assert "stopped after 60 ticks" in apart and "owner left the match" in apart
    for m in finished:
        assert f"/matches/{m.pk}/" in main
    client.force_login(users["outsider"])
    assert client.get(f"/arena/agents/{agent.pk}/").status_code == 404


def test_an_agent_page_without_stopped_matches_has_no_stopped_list(agent, users, client):
    client.force_login(users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert "stopped-matches" not in page
