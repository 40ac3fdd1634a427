"""Deleting a draft tournament and cancelling a running one: its team only, asked first, the
games played kept, the queued ones never played, a game ending after the cancel changing nothing."""

from __future__ import annotations

import os
import re

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser

from tests.conftest import client_for
from tests.tournaments.test_tournament_pages import communicator, make
from tournaments.matches import match_run
from tournaments.models import Agent, Match, Rating, Tournament, TournamentMatch
from tournaments.tournament_services import (
    CANCELLED_REASON,
    tournament_delete,
    tournament_game_play,
    tournament_record_result,
    tournament_start,
)


def test_the_organiser_deletes_a_draft_after_being_asked(client, users, memory_layer):
    cup = make(users, public=True)
    client_for(client, users["coach"])
    page = client.get(f"/tournaments/{cup.pk}/").content.decode()
    assert f'href="/tournaments/{cup.pk}/delete"' in page and "/cancel" not in page
    confirm = client.get(f"/tournaments/{cup.pk}/delete").content.decode()
    assert "Delete “Cup”?" in confirm and "its 4 entries are removed" in confirm
    assert Tournament.objects.filter(pk=cup.pk).exists()  # asking deletes nothing
    response = client.post(f"/tournaments/{cup.pk}/delete", follow=True)
    assert response.redirect_chain[-1][0] == "/tournaments/"
    assert "Cup deleted." in response.content.decode()
    assert not Tournament.objects.filter(pk=cup.pk).exists()


@pytest.mark.parametrize("action", ["delete", "cancel"])
def test_only_the_organisers_team_may_delete_or_cancel(client, users, memory_layer, action):
    cup = make(users, public=True)
    if action == "cancel":
        tournament_start(tournament=cup)
    url = f"/tournaments/{cup.pk}/{action}"
    anonymous = client.post(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client_for(client, users["outsider"])  # may watch this public one, not end it
    assert client.get(f"/tournaments/{cup.pk}/").status_code == 200
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    page = client.get(f"/tournaments/{cup.pk}/").content.decode()
    assert f"/tournaments/{cup.pk}/{action}" not in page  # nothing offered
    cup.refresh_from_db()
    assert cup.state == (Tournament.RUNNING if action == "cancel" else Tournament.DRAFT)


def test_a_started_tournament_is_not_deleted_and_a_draft_is_not_cancelled(
    client, users, memory_layer
):
    draft, started = make(users, public=True, name="Draft"), make(users, public=True)
    tournament_start(tournament=started)
    client_for(client, users["owner"])
    shown = client.post(f"/tournaments/{started.pk}/delete", follow=True).content.decode()
    assert "Not deleted: it has started: cancel it instead" in shown
    confirm = client.get(f"/tournaments/{started.pk}/delete").content.decode()
    assert "Delete the tournament" not in confirm and f"/tournaments/{started.pk}/cancel" in confirm
    shown = client.post(f"/tournaments/{draft.pk}/cancel", follow=True).content.decode()
    assert "Not cancelled: only a running tournament can be cancelled" in shown
    assert Tournament.objects.filter(pk=started.pk, state=Tournament.RUNNING).exists()
    assert Tournament.objects.filter(pk=draft.pk, state=Tournament.DRAFT).exists()
    assert client.put(f"/tournaments/{draft.pk}/delete").status_code == 405


def test_cancelling_keeps_what_was_played_and_plays_nothing_more(client, users, memory_layer):
    cup = make(users, public=True)
    tournament_start(tournament=cup)
    first, second = TournamentMatch.objects.filter(tournament=cup).order_by("key")
    tournament_game_play(match_id=first.match_id)  # one game played and rated before the cancel
    first.refresh_from_db()
    assert first.state == TournamentMatch.DONE
    rated = {r.identity: (r.mu, r.sigma) for r in Rating.objects.all()}
    assert len(rated) == 2
    client_for(client, users["owner"])
    page = client.get(f"/tournaments/{cup.pk}/").content.decode()
    assert f'href="/tournaments/{cup.pk}/cancel"' in page and "/delete" not in page
    confirm = client.get(f"/tournaments/{cup.pk}/cancel").content.decode()
    assert "The 1 game played so far keeps its result" in confirm
    shown = client.post(f"/tournaments/{cup.pk}/cancel", follow=True).content.decode()
    assert "Cup cancelled." in shown and "Cancelled" in shown
    assert f"/tournaments/{cup.pk}/cancel" not in shown  # not offered twice
    cup.refresh_from_db()
    assert cup.state == Tournament.CANCELLED and cup.finished_at is not None
    queued = Match.objects.get(pk=second.match_id)
    assert queued.state == Match.FAILED and queued.failure_reason == CANCELLED_REASON
    tournament_game_play(match_id=second.match_id)  # the worker takes the queued task anyway
    queued.refresh_from_db()
    assert queued.state == Match.FAILED and queued.ticks in (0, None)  # not played
    assert Match.objects.get(pk=first.match_id).state == Match.DONE  # the result stays
    assert {r.identity: (r.mu, r.sigma) for r in Rating.objects.all()} == rated
    settle = client.post(
        f"/tournaments/{cup.pk}/matches/{second.key}/settle", {"action": "p1"}, follow=True
    ).content.decode()
    assert "Nothing changed" in settle  # a cancelled tournament waits for nobody
    second.refresh_from_db()
    assert second.state != TournamentMatch.DONE


def test_a_game_ending_after_the_cancel_changes_nothing_in_the_bracket(users, memory_layer):
    from tournaments.tournament_services import tournament_cancel

    cup = make(users, public=True)
    tournament_start(tournament=cup)
    tm = TournamentMatch.objects.filter(tournament=cup).order_by("key").first()
    # A worker has claimed the game when the organiser cancels.
    Match.objects.filter(pk=tm.match_id).update(state=Match.RUNNING, worker_pid=os.getpid())
    TournamentMatch.objects.filter(pk=tm.pk).update(state=TournamentMatch.PLAYING)
    tournament_cancel(tournament=cup)
    assert Match.objects.get(pk=tm.match_id).state == Match.RUNNING  # left to end on its own
    done = match_run(tm.match_id, on_finish=lambda m: tournament_record_result(match=m))
    assert done.state == Match.DONE and done.winner
    cup.refresh_from_db()
    tm.refresh_from_db()
    assert cup.state == Tournament.CANCELLED and cup.bracket["results"] == {}
    assert tm.state == TournamentMatch.PLAYING and tm.games == [] and not Rating.objects.exists()
    # Spectators are told every unfinished slot is over, not "playing" for ever.
    from tournaments.tournament_selectors import tournament_payload

    payload = tournament_payload(cup)
    assert {m["state"] for m in payload["matches"].values()} == {"cancelled"}
    assert payload["live"] == []


def test_a_cancel_between_the_workers_look_and_its_claim_leaves_the_game_unplayed(
    users, memory_layer
):
    from tournaments.tournament_services import play_game, tournament_cancel

    cup = make(users, public=True)
    tournament_start(tournament=cup)
    tm = TournamentMatch.objects.filter(tournament=cup).order_by("key").first()
    # The worker saw the tournament running (tournament_game_play's look); the cancel lands
    # before it claims the game.
    tournament_cancel(tournament=cup)
    game = play_game(tm.match_id, on_finish=lambda m: tournament_record_result(match=m))
    assert (game.state, game.failure_reason, game.attempts) == (Match.FAILED, CANCELLED_REASON, 0)
    assert not game.winner and not Rating.objects.exists()


@pytest.fixture
def agent_cup(client, users, agent, memory_layer, settings):
    """A started tournament of the agent and a bot whose game waits in the queue; the client is
    the team's owner."""
    from tournaments.tournament_services import EntrantChoice, tournament_create

    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # the games wait in the queue
    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Agent cup", format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
    )  # fmt: skip
    tournament_start(tournament=cup)
    client_for(client, users["owner"])
    return cup


def test_an_agent_of_a_cancelled_tournament_may_be_deleted(client, agent, agent_cup):
    from tournaments.tournament_services import tournament_cancel

    cup = agent_cup
    refused = client.post(f"/arena/agents/{agent.pk}/delete", follow=True).content.decode()
    assert "Agent cup" in refused and Agent.objects.filter(pk=agent.pk).exists()
    tournament_cancel(tournament=cup)
    done = client.post(f"/arena/agents/{agent.pk}/delete", follow=True).content.decode()
    assert "Rookie deleted." in done and not Agent.objects.filter(pk=agent.pk).exists()


def test_the_agents_page_says_a_game_the_cancel_took_from_the_queue_was_not_played(
    client, agent, agent_cup
):
    from tournaments.tournament_services import tournament_cancel

    cup = agent_cup
    queued = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    game = TournamentMatch.objects.get(tournament=cup).match_id
    row = re.search(rf"<tr>(?:(?!</tr>).)*/matches/{game}/(?:(?!</tr>).)*</tr>", queued, re.S)
    assert row and '<td class="length">queued</td>' in row[0]
    tournament_cancel(tournament=cup)
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    row = re.search(rf"<tr>(?:(?!</tr>).)*/matches/{game}/(?:(?!</tr>).)*</tr>", page, re.S)
    assert row and '<td class="length">not played · cancelled</td>' in row[0], row
    assert "0 ticks" not in row[0]
    # The agent's evaluation games, played, still give their length in ticks.
    assert re.search(r'<td class="length">[1-9]\d* ticks</td>', page)


async def test_a_page_watching_a_deleted_draft_is_told(users, memory_layer):
    cup = await database_sync_to_async(make)(users, public=True)
    comm = communicator(cup.pk, AnonymousUser())
    assert (await comm.connect())[0]
    assert (await comm.receive_json_from(timeout=5))["type"] == "bracket"
    await database_sync_to_async(tournament_delete)(tournament=cup)
    assert await comm.receive_json_from(timeout=5) == {"type": "deleted"}
    await comm.disconnect()


def one_game_cup(users, agent, name: str) -> TournamentMatch:
    """A public tournament of one game, ``agent`` against the random bot, started: its slot."""
    from tournaments.tournament_services import EntrantChoice, tournament_create

    made = tournament_create(
        team=users["team"], created_by=users["owner"], name=name, format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
        options={"rules": {"max_rounds": 1, "round_seconds": 10}}, public=True,
    )  # fmt: skip
    tournament_start(tournament=made)
    return TournamentMatch.objects.get(tournament=made)


def finish_after_the_cancel(slot: TournamentMatch) -> Match:
    """The slot's game, claimed by a worker, is still being played when the organiser cancels
    the tournament; it then ends on its own: the game, done, with a winner."""
    from tournaments.tournament_services import tournament_cancel

    Match.objects.filter(pk=slot.match_id).update(state=Match.RUNNING, worker_pid=os.getpid())
    TournamentMatch.objects.filter(pk=slot.pk).update(state=TournamentMatch.PLAYING)
    tournament_cancel(tournament=slot.tournament)
    done = match_run(slot.match_id, on_finish=lambda m: tournament_record_result(match=m))
    assert done.state == Match.DONE and done.winner in ("p1", "p2", "draw")
    return done


def test_a_game_ending_after_the_cancel_is_left_out_of_the_agents_record(
    client, users, agent, memory_layer, settings
):
    """The leaderboard never took it (the ratings stay as they were), and neither does the
    agent's record, on its page and in the agents list (it was counted there as a win or a loss)."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # the games wait in the queue

    def played() -> int:
        return sum(agent.record().values())

    before = played()
    kept = one_game_cup(users, agent, "Played out")  # a game taken into its bracket counts...
    tournament_game_play(match_id=kept.match_id)
    kept.refresh_from_db()
    assert kept.state == TournamentMatch.DONE and Rating.objects.count() == 2
    assert played() == before + 1
    rated = {r.identity: (r.wins, r.losses) for r in Rating.objects.all()}

    finish_after_the_cancel(one_game_cup(users, agent, "Cut short"))  # ...a late one does not
    assert {r.identity: (r.wins, r.losses) for r in Rating.objects.all()} == rated
    record = agent.record()
    assert sum(record.values()) == before + 1
    assert sum(agent.record(Match.objects.visible_to(users["owner"])).values()) == before + 1

    client_for(client, users["owner"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    assert f'<b class="kill">{record["wins"]}</b> wins' in page
    assert f'<b class="death">{record["losses"]}</b> losses' in page
    listed = client.get("/arena/agents/").content.decode()
    assert f"<td>{record['wins']}–{record['losses']}" in listed


def test_the_agents_page_marks_a_game_its_cancelled_tournament_did_not_take(
    client, users, agent, memory_layer, settings
):
    """The page's record left it out, but its list of games showed it like any other, with its
    winner: nothing said why the record did not add up. It is marked now; a game its bracket
    took is not."""
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": False}  # the games wait in the queue
    kept = one_game_cup(users, agent, "Played out")
    tournament_game_play(match_id=kept.match_id)
    late = finish_after_the_cancel(one_game_cup(users, agent, "Cut short"))
    assert list(Match.objects.with_cut_short().filter(cut_short=True)) == [late]

    client_for(client, users["coach"])
    page = client.get(f"/arena/agents/{agent.pk}/").content.decode()
    rows = {  # the list's rows by the game each links to
        int(link.group(1)): row
        for row in page.split("</tr>")
        if (link := re.search(r'href="/matches/(\d+)/"', row))
    }
    assert {kept.match_id, late.pk} <= set(rows)  # (and the agent's evaluation game)
    assert "cut short · not counted" in rows[late.pk]
    assert "cut short" not in rows[kept.match_id]
    assert page.count("cut short · not counted") == 1
    client_for(client, users["outsider"])  # another team's agent: as if it did not exist
    assert client.get(f"/arena/agents/{agent.pk}/").status_code == 404
