"""Tournaments through their services: create, start, games in django-q2's sync mode, ratings."""

from __future__ import annotations

import pytest

from tournaments.brackets import Bracket
from tournaments.models import Match, Rating, RatingChange, Tournament, TournamentMatch
from tournaments.tournament_services import (
    EntrantChoice,
    TournamentError,
    entrant_add,
    tournament_create,
    tournament_record_result,
    tournament_start,
)

FAST = {"rules": {"max_rounds": 1, "round_seconds": 10}}
BOTS = ["random", "cpu_easy", "cpu_medium", "cpu_hard"]


def create(users, **kw) -> Tournament:
    args = dict(
        team=users["team"],
        created_by=users["owner"],
        name="Booth cup",
        format="single",
        entrants=[EntrantChoice(f"bot:{b}") for b in BOTS],
        options=FAST,
    )
    return tournament_create(**{**args, **kw})


def test_a_tournament_of_house_bots_runs_to_a_champion_and_rates_them(
    users, sync_jobs, memory_layer
):
    tournament = create(users, options={**FAST, "third_place": True}, best_of=3)
    tournament_start(tournament=tournament)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.FINISHED
    bracket = Bracket.from_dict(tournament.bracket)
    assert str(tournament.champion_id) == bracket.champion
    slots = TournamentMatch.objects.filter(tournament=tournament)
    assert sorted(slots.values_list("key", flat=True)) == ["3P-1", "W1-1", "W1-2", "W2-1"]
    for tm in slots:  # each slot: one best-of-3 match played by the runner (again if drawn)
        assert tm.games[-1]["winner"] in ("p1", "p2")
        match = Match.objects.get(pk=tm.games[-1]["match"], kind="tournament", best_of=3)
        wins = [g["winner"] for g in match.games]
        assert match.state == Match.DONE and 2 <= len(wins) <= 3 or "draw" in wins
    from tournaments.tournament_selectors import tournament_payload

    payload = tournament_payload(tournament)
    for tm in slots:  # the bracket shows games won in the series (2-0 or 2-1), not series won
        shown = payload["matches"][tm.key]
        games = [g["winner"] for g in Match.objects.get(pk=tm.games[-1]["match"]).games]
        assert shown["score"] == [games.count("p1"), games.count("p2")]
        won, lost = shown["score"] if tm.winner_id == tm.entrant1_id else shown["score"][::-1]
        assert won > lost and shown["watch"] == [g["match"] for g in tm.games]
        (box,) = [m for m in payload["viewer"]["matches"] if m["key"] == tm.key]
        assert [box["opponent1"]["score"], box["opponent2"]["score"]] == shown["score"]
    assert Rating.objects.count() == 4
    assert RatingChange.objects.count() == 2 * 4
    champion = Rating.objects.get(identity=tournament.champion.identity)
    assert champion.wins >= 2 and champion.losses == 0


def test_a_finished_game_is_taken_into_the_bracket_once(users, memory_layer):
    # No workers run here: the games wait in their rows, and we finish one by hand.
    tournament = create(users)
    tournament_start(tournament=tournament)
    assert TournamentMatch.objects.filter(tournament=tournament).count() == 2
    tm = TournamentMatch.objects.filter(tournament=tournament).first()
    game = tm.match
    game.winner, game.record = "p1", {}
    game.save()
    tournament_record_result(match=game)
    tournament_record_result(match=game)  # a replayed worker reports it again
    tm.refresh_from_db()
    tournament.refresh_from_db()
    assert tm.games == [{"match": game.pk, "winner": "p1"}]
    assert tournament.bracket["results"] == {tm.key: str(tm.entrant1_id)}
    assert RatingChange.objects.count() == 2


def test_it_rejects_a_banned_character_and_gives_an_allowed_one(users, memory_layer):
    tournament = create(users, entrants=[], banned_characters=["kaito"])
    with pytest.raises(TournamentError, match="kaito is banned"):
        entrant_add(
            tournament=tournament, team=users["team"], choice=EntrantChoice("bot:random", "kaito")
        )
    for bot in BOTS:
        entrant = entrant_add(
            tournament=tournament, team=users["team"], choice=EntrantChoice(f"bot:{bot}")
        )
        assert entrant.character != "kaito"


def test_it_rejects_another_teams_entrant_in_a_private_tournament(users, memory_layer):
    tournament = create(users, public=False)
    with pytest.raises(TournamentError, match="private"):
        entrant_add(tournament=tournament, team=users["other"], choice=EntrantChoice("bot:random"))


def test_a_house_bot_may_enter_twice_under_a_numbered_name(users, memory_layer):
    tournament = create(users)
    again = entrant_add(
        tournament=tournament, team=users["team"], choice=EntrantChoice("bot:random")
    )
    assert again.name == "random #2"
    with pytest.raises(TournamentError, match="unknown entrant"):
        entrant_add(tournament=tournament, team=users["team"], choice=EntrantChoice("bot:god"))


def test_a_private_tournament_is_not_rated(users, sync_jobs, memory_layer):
    tournament = create(users, public=False)
    tournament_start(tournament=tournament)
    tournament.refresh_from_db()
    assert tournament.state == Tournament.FINISHED
    assert Rating.objects.count() == 0


def test_spectators_of_a_tournament_match_see_its_slot_names_and_ratings(
    users, sync_jobs, memory_layer
):
    from tournaments.matches import match_info

    tournament = create(users)
    tournament_start(tournament=tournament)
    tm = TournamentMatch.objects.filter(tournament=tournament, key="W2-1").get()
    info = match_info(tm.match)
    assert info["tournament"]["id"] == tournament.pk and info["tournament"]["key"] == "W2-1"
    assert info["p1"]["name"] == tm.entrant1.name
    # The ratings the final was drawn with: after the first round, not after the final itself.
    for side, entrant in (("p1", tm.entrant1), ("p2", tm.entrant2)):
        rating = Rating.objects.get(identity=entrant.identity)
        after_round_1 = rating.history.exclude(match=tm).get()
        assert info[side]["rating"] == round(after_round_1.ordinal, 1)
        assert round(rating.ordinal, 1) != info[side]["rating"]  # the final moved it since
    first = TournamentMatch.objects.filter(tournament=tournament, key="W1-1").get()
    assert match_info(first.match)["p1"]["rating"] is None  # nobody was rated before it


def _failed_slot(users) -> tuple[Tournament, TournamentMatch]:
    """A started tournament whose first game really fails: its p1 is a bot the site no longer
    has (as after an upgrade that retired one), so the runner raises while playing it."""
    from tournaments.tournament_services import tournament_game_play

    tournament = create(users)
    tournament_start(tournament=tournament)
    tm = TournamentMatch.objects.filter(tournament=tournament).order_by("key").first()
    Match.objects.filter(pk=tm.match_id).update(p1_label="retired_bot")
    with pytest.raises(ValueError, match="unknown bot"):
        tournament_game_play(match_id=tm.match_id)
    tm.refresh_from_db()
    tournament.refresh_from_db()
    return tournament, tm


def test_a_failed_game_stops_its_slot_with_the_reason_instead_of_playing_for_ever(
    users, memory_layer
):
    from tournaments.tournament_selectors import tournament_payload

    tournament, tm = _failed_slot(users)
    assert tm.state == TournamentMatch.FAILED
    shown = tournament_payload(tournament)["matches"][tm.key]
    assert shown["state"] == "failed" and "unknown bot 'retired_bot'" in shown["failure"]
    # Spectators read the reason, not the exception's class the record starts with.
    assert tm.match.failure_reason.startswith(("ValueError: ", "KeyError: ", "RuntimeError: "))
    assert not shown["failure"].startswith(tm.match.failure_reason.split(":")[0])
    assert tm.key not in tournament_payload(tournament)["bracket"]["results"]


def test_a_game_that_failed_mid_play_says_on_its_slot_how_many_ticks_it_played(
    users, memory_layer, monkeypatch
):
    """The Stopped games card said why a game stopped but not how far it got, where the agent
    page says "failed after N ticks": the slot carries the ticks (0: before its first)."""
    from tournaments.arena.game import Game
    from tournaments.tournament_selectors import tournament_payload
    from tournaments.tournament_services import tournament_game_play

    tournament = create(users)
    tournament_start(tournament=tournament)
    tm = TournamentMatch.objects.filter(tournament=tournament).order_by("key").first()
    step = Game.step

    def breaks_at_200(self, *actions):
        if self.tick == 200:
            raise RuntimeError("the stage went out of bounds at /srv/filmroom/arena/game.py")
        return step(self, *actions)

    with monkeypatch.context() as patch:
        patch.setattr(Game, "step", breaks_at_200)
        with pytest.raises(RuntimeError, match="out of bounds"):
            tournament_game_play(match_id=tm.match_id)
    shown = tournament_payload(tournament)["matches"][tm.key]
    assert shown["state"] == "failed" and shown["failure_ticks"] == 200
    assert shown["failure"] == "the stage went out of bounds at game.py"
    other = TournamentMatch.objects.filter(tournament=tournament).exclude(pk=tm.pk).first()
    assert tournament_payload(tournament)["matches"][other.key]["failure_ticks"] is None
    _, before_its_first = _failed_slot(users)  # a side it could not build: no tick played
    shown = tournament_payload(before_its_first.tournament)["matches"][before_its_first.key]
    assert shown["state"] == "failed" and shown["failure_ticks"] == 0


def test_the_organiser_awards_a_failed_match_and_the_bracket_goes_on_unrated(users, memory_layer):
    from tournaments.tournament_services import tournament_match_settle

    tournament, tm = _failed_slot(users)
    with pytest.raises(TournamentError, match="choose"):
        tournament_match_settle(tournament=tournament, key=tm.key, action="p3")
    other = TournamentMatch.objects.filter(tournament=tournament).exclude(pk=tm.pk).first()
    with pytest.raises(TournamentError, match="has not failed"):
        tournament_match_settle(tournament=tournament, key=other.key, action="p1")
    tournament_match_settle(tournament=tournament, key=tm.key, action="p2")
    tm.refresh_from_db()
    tournament.refresh_from_db()
    assert tm.state == TournamentMatch.DONE and tm.winner_id == tm.entrant2_id
    assert tm.games[-1] == {"match": tm.match_id, "winner": "p2", "walkover": True}
    from tournaments.tournament_selectors import tournament_payload

    payload = tournament_payload(tournament)
    shown = payload["matches"][tm.key]  # no link to the failed game, no 0-0 score
    assert shown["walkover"] is True and shown["watch"] == []
    (box,) = [m for m in payload["viewer"]["matches"] if m["key"] == tm.key]
    assert "score" not in box["opponent1"] and box["opponent2"]["result"] == "win"
    assert tournament.bracket["results"][tm.key] == str(tm.entrant2_id)
    assert RatingChange.objects.count() == 0  # a walk-over says nothing about skill
    with pytest.raises(TournamentError, match="has not failed"):  # settled once only
        tournament_match_settle(tournament=tournament, key=tm.key, action="p1")


def test_the_organiser_plays_a_failed_game_again_and_it_counts(users, memory_layer):
    from tournaments.tournament_services import tournament_game_play, tournament_match_settle

    tournament, tm = _failed_slot(users)
    Match.objects.filter(pk=tm.match_id).update(p1_label="cpu_easy")  # the cause is gone
    tournament_match_settle(tournament=tournament, key=tm.key, action="replay")
    tm.refresh_from_db()
    assert tm.state == TournamentMatch.WAITING
    assert Match.objects.get(pk=tm.match_id).state == Match.SCHEDULED
    tournament_game_play(match_id=tm.match_id)  # what the queued task runs
    tm.refresh_from_db()
    tournament.refresh_from_db()
    assert tm.state == TournamentMatch.DONE and tm.games[-1]["winner"] in ("p1", "p2")
    assert tm.key in tournament.bracket["results"]


def test_bidi_controls_are_taken_out_of_a_tournament_name(users):
    assert create(users, name="\u202eCup\u202c \u2066one\u2069\n").name == "Cup one"


def test_a_tournament_game_whose_agent_cannot_load_fails_for_the_organiser(
    users, agent, memory_layer
):
    """It forfeited: a storage hiccup cost the agent its series and rating, with no way back."""
    import shutil

    tournament = create(
        users, entrants=[EntrantChoice(f"agent:{agent.pk}"), EntrantChoice("bot:random")]
    )
    shutil.rmtree(agent.path)
    with pytest.raises(RuntimeError, match="could not be loaded"):  # (sync mode re-raises)
        tournament_start(tournament=tournament)  # django-q2's sync mode plays the game here
    tm = TournamentMatch.objects.get(tournament=tournament)
    assert tm.state == TournamentMatch.FAILED and tm.games == []
    assert "Rookie could not be loaded" in Match.objects.get(pk=tm.match_id).failure_reason
    assert not RatingChange.objects.exists()
