"""Deleting an agent: its owner or the team's coach, after a confirmation page; files go."""

from __future__ import annotations

import pytest

from tournaments.models import Agent, Match, Tournament, TournamentMatch


@pytest.fixture
def coach_agent(users, sync_jobs, agent_file, settings):
    from tournaments.services import agent_upload

    settings.FILMROOM_AGENT_EVALUATION_GAMES = 1
    with agent_file.open("rb") as fh:
        return agent_upload(team=users["team"], owner=users["coach"], name="Coachbot", upload=fh)


def test_a_player_may_not_delete_the_coachs_agent(client, coach_agent, users):
    client.force_login(users["owner"])
    assert client.get(f"/arena/agents/{coach_agent.pk}/delete").status_code == 403
    response = client.post(f"/arena/agents/{coach_agent.pk}/delete")
    assert response.status_code == 403 and b"owner or the team" in response.content
    assert Agent.objects.filter(pk=coach_agent.pk).exists() and coach_agent.path.exists()
    page = client.get(f"/arena/agents/{coach_agent.pk}/").content
    assert b"/delete" not in page  # no button offered


def test_deleting_asks_first(client, coach_agent, users):
    client.force_login(users["coach"])
    page = client.get(f"/arena/agents/{coach_agent.pk}/")
    assert f'href="/arena/agents/{coach_agent.pk}/delete"'.encode() in page.content
    confirm = client.get(f"/arena/agents/{coach_agent.pk}/delete")
    assert (
        confirm.status_code == 200
        and b"Delete \xe2\x80\x9cCoachbot\xe2\x80\x9d?" in confirm.content
    )
    assert b'method="post"' in confirm.content  # works without JS: a plain form
    assert Agent.objects.filter(pk=coach_agent.pk).exists()


def test_the_owner_deletes_their_agent_and_its_files(client, agent, users):
    client.force_login(users["owner"])
    response = client.post(f"/arena/agents/{agent.pk}/delete")
    assert response.status_code == 302
    assert not Agent.objects.filter(pk=agent.pk).exists() and not agent.path.exists()


def test_the_coach_deletes_a_players_agent(client, agent, users):
    client.force_login(users["coach"])
    client.post(f"/arena/agents/{agent.pk}/delete")
    assert not Agent.objects.filter(pk=agent.pk).exists() and not agent.path.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_a_404(client, agent, users, method):
    client.force_login(users["outsider"])
    assert getattr(client, method)(f"/arena/agents/{agent.pk}/delete").status_code == 404
    assert agent.path.exists()


def test_an_agent_in_an_unfinished_tournament_is_not_deleted(client, agent, users):
    """A helper deleted an agent whose game was queued in a running tournament: the game went
    with it and the bracket waited for ever, with nothing the organiser could do."""
    from tournaments.models import Tournament
    from tournaments.tournament_services import EntrantChoice, tournament_create

    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Cup", format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
    )  # fmt: skip
    Tournament.objects.filter(pk=cup.pk).update(state=Tournament.RUNNING)
    client.force_login(users["owner"])
    confirm = client.get(f"/arena/agents/{agent.pk}/delete").content.decode()
    assert "which is being played" in confirm and "Delete agent</button>" not in confirm
    refused = client.post(f"/arena/agents/{agent.pk}/delete", follow=True)
    assert "which is being played: it can be deleted once it has finished" in (
        refused.content.decode().replace("&#x27;", "'")
    )
    assert Agent.objects.filter(pk=agent.pk).exists() and agent.path.exists()
    Tournament.objects.filter(pk=cup.pk).update(state=Tournament.FINISHED)
    assert client.post(f"/arena/agents/{agent.pk}/delete").status_code == 302
    assert not Agent.objects.filter(pk=agent.pk).exists()


def test_deleting_an_agent_withdraws_it_from_a_draft(client, agent, users):
    """A helper was told the agent could be deleted "once it has finished" a draft, which never
    finishes by itself: nothing is played in a draft, so the entry simply goes."""
    from tournaments.models import Entrant
    from tournaments.tournament_services import EntrantChoice, tournament_create

    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Cup", format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random"),
                  EntrantChoice("bot:cpu_easy")],
    )  # fmt: skip
    client.force_login(users["owner"])
    confirm = client.get(f"/arena/agents/{agent.pk}/delete").content.decode()
    assert "It is withdrawn from" in confirm and "Delete agent</button>" in confirm
    assert client.post(f"/arena/agents/{agent.pk}/delete").status_code == 302
    assert not Agent.objects.filter(pk=agent.pk).exists()
    assert sorted(e.bot for e in Entrant.objects.filter(tournament=cup)) == ["cpu_easy", "random"]


def test_a_deleted_agents_games_in_a_finished_tournament_stay_under_its_name(
    client, agent, users, memory_layer
):
    """A helper deleted an agent after its tournament: its games went with it and the bracket
    pointed at matches that no longer existed. Its evaluation still goes."""
    from tournaments.tournament_selectors import tournament_payload
    from tournaments.tournament_services import EntrantChoice, tournament_create, tournament_start

    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Cup", format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
        options={"rules": {"max_rounds": 1, "round_seconds": 5}},
    )  # fmt: skip
    tournament_start(tournament=cup)  # django-q2's sync mode plays it to the end here
    cup.refresh_from_db()
    assert cup.state == Tournament.FINISHED
    (slot,) = TournamentMatch.objects.filter(tournament=cup)
    games = [g["match"] for g in slot.games]
    assert games and tournament_payload(cup)["matches"][slot.key]["watch"] == games
    evaluation = list(Match.objects.filter(kind="evaluation", p1_agent=agent).values("pk"))
    assert evaluation

    client.force_login(users["owner"])
    assert client.post(f"/arena/agents/{agent.pk}/delete").status_code == 302
    assert not Match.objects.filter(pk__in=[m["pk"] for m in evaluation]).exists()
    kept = Match.objects.get(pk=games[-1])
    assert kept.state == Match.DONE and "Rookie" in (kept.p1_label, kept.p2_label)
    assert tournament_payload(cup)["matches"][slot.key]["watch"] == games
    page = client.get(f"/matches/{kept.pk}/")
    assert page.status_code == 200 and "Rookie" in page.content.decode()
    frames = client.get(f"/matches/{kept.pk}/frames.json").json()["frames"]
    assert frames[-1]["tick"] == kept.ticks  # it replays from its record, no agent needed


def test_a_game_deleted_before_games_were_kept_is_not_offered(agent, users, memory_layer):
    from tournaments.tournament_selectors import tournament_payload
    from tournaments.tournament_services import EntrantChoice, tournament_create, tournament_start

    cup = tournament_create(
        team=users["team"], created_by=users["owner"], name="Cup", format="single",
        entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
        options={"rules": {"max_rounds": 1, "round_seconds": 5}},
    )  # fmt: skip
    tournament_start(tournament=cup)
    (slot,) = TournamentMatch.objects.filter(tournament=cup)
    Match.objects.filter(pk__in=[g["match"] for g in slot.games]).delete()
    assert tournament_payload(cup)["matches"][slot.key]["watch"] == []


def test_a_deleted_agents_games_still_show_the_rating_it_had(client, agent, users, memory_layer):
    """Its entries' identity became "bot:" (shared by every deleted agent), so its games lost
    the rating it played them with."""
    from tournaments.models import Entrant
    from tournaments.tournament_selectors import tournament_match_info
    from tournaments.tournament_services import EntrantChoice, tournament_create, tournament_start

    def play(name: str) -> TournamentMatch:
        cup = tournament_create(
            team=users["team"], created_by=users["owner"], name=name, format="single",
            entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")],
            options={"rules": {"max_rounds": 1, "round_seconds": 5}},
        )  # fmt: skip
        tournament_start(tournament=cup)  # public: rated
        return TournamentMatch.objects.get(tournament=cup)

    play("First cup")  # rates it
    slot = play("Second cup")  # drawn with that rating
    match = Match.objects.get(pk=slot.games[-1]["match"])
    side = "p1" if slot.entrant1.agent_id == agent.pk else "p2"
    before: dict = {}
    tournament_match_info(match, before)
    assert before[side]["name"] == "Rookie" and before[side]["rating"] is not None
    client.force_login(users["owner"])
    assert client.post(f"/arena/agents/{agent.pk}/delete").status_code == 302
    assert Entrant.objects.get(
        pk=slot.entrant1_id if side == "p1" else slot.entrant2_id
    ).identity == (f"agent:{agent.pk}")
    after: dict = {}
    tournament_match_info(match, after)
    assert after[side] == before[side]
