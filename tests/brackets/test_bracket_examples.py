"""Worked examples of each format: the layouts a person would draw by hand."""

from __future__ import annotations

import pytest

from tournaments.brackets import Bracket, BracketError, Options, seed_entrants, series_winner
from tournaments.brackets.elimination import seed_positions

EIGHT = [f"s{i}" for i in range(1, 9)]


def pairs(bracket: Bracket, stage: str, rnd: int) -> list[tuple]:
    return [(s.p1, s.p2) for s in bracket.slots() if s.stage == stage and s.round == rnd]


def test_eight_entrants_meet_one_v_eight_four_v_five_two_v_seven_three_v_six() -> None:
    bracket = Bracket("single", EIGHT)
    assert seed_positions(8) == [1, 8, 4, 5, 2, 7, 3, 6]
    assert pairs(bracket, "W", 1) == [("s1", "s8"), ("s4", "s5"), ("s2", "s7"), ("s3", "s6")]
    for slot in bracket.ready_matches():  # the higher seed wins every match
        bracket.record(slot.key, slot.p1)
    assert pairs(bracket, "W", 2) == [("s1", "s4"), ("s2", "s3")]
    for slot in bracket.ready_matches():
        bracket.record(slot.key, slot.p1)
    assert pairs(bracket, "W", 3) == [("s1", "s2")]
    bracket.record("W3-1", "s2")
    assert bracket.champion == "s2"
    assert [row["entrant"] for row in bracket.standings()][:2] == ["s2", "s1"]


def test_five_entrants_give_byes_to_the_top_three_seeds() -> None:
    bracket = Bracket("single", ["s1", "s2", "s3", "s4", "s5"])
    first = {s.key: s for s in bracket.slots() if s.round == 1}
    assert [(s.p1, s.p2, s.p2_bye) for s in first.values()] == [
        ("s1", None, True),
        ("s4", "s5", False),
        ("s2", None, True),
        ("s3", None, True),
    ]
    assert [s.key for s in bracket.ready_matches()] == ["W1-2", "W2-2"]
    assert pairs(bracket, "W", 2) == [("s1", None), ("s2", "s3")]
    bracket.record("W1-2", "s5")
    assert pairs(bracket, "W", 2) == [("s1", "s5"), ("s2", "s3")]


def test_a_third_place_match_is_played_by_the_semi_final_losers() -> None:
    bracket = Bracket("single", EIGHT[:4], Options(third_place=True))
    bracket.record("W1-1", "s1")
    bracket.record("W1-2", "s3")
    assert [(s.key, s.p1, s.p2) for s in bracket.ready_matches()] == [
        ("W2-1", "s1", "s3"),
        ("3P-1", "s4", "s2"),
    ]
    bracket.record("W2-1", "s3")
    assert bracket.champion is None, "the third-place match is still to play"
    bracket.record("3P-1", "s2")
    assert [row["entrant"] for row in bracket.standings()] == ["s3", "s1", "s2", "s4"]


def test_the_grand_final_is_reset_when_the_losers_bracket_champion_wins_it() -> None:
    bracket = Bracket("double", EIGHT[:4], Options(grand_final_reset=True))
    for key, winner in (("W1-1", "s1"), ("W1-2", "s2"), ("W2-1", "s1"), ("L1-1", "s4")):
        bracket.record(key, winner)
    assert [(s.key, s.p1, s.p2) for s in bracket.ready_matches()] == [("L2-1", "s4", "s2")]
    bracket.record("L2-1", "s2")
    bracket.record("GF-1", "s2")
    assert bracket.champion is None
    assert [(s.key, s.p1, s.p2) for s in bracket.ready_matches()] == [("GF-2", "s1", "s2")]
    bracket.record("GF-2", "s2")
    assert bracket.champion == "s2"
    assert [row["entrant"] for row in bracket.standings()][:2] == ["s2", "s1"]


def test_no_reset_is_played_when_the_winners_bracket_champion_wins_the_grand_final() -> None:
    bracket = Bracket("double", EIGHT[:2])
    bracket.record("W1-1", "s1")
    bracket.record("GF-1", "s1")
    assert bracket.champion == "s1"
    assert next(s for s in bracket.slots() if s.key == "GF-2").skipped


def test_it_rejects_a_result_for_a_match_not_ready_or_a_stranger_as_winner() -> None:
    bracket = Bracket("single", EIGHT)
    with pytest.raises(BracketError, match="not a match that can be played now"):
        bracket.record("W2-1", "s1")
    with pytest.raises(BracketError, match="does not play"):
        bracket.record("W1-1", "s2")
    bracket.record("W1-1", "s1")
    with pytest.raises(BracketError, match="already has a result"):
        bracket.record("W1-1", "s8")


def test_it_rejects_bad_set_ups_with_a_clear_message() -> None:
    with pytest.raises(BracketError, match="at least two"):
        Bracket("single", ["alone"])
    with pytest.raises(BracketError, match="entered twice"):
        Bracket("single", ["a", "a"])
    with pytest.raises(BracketError, match="unknown format"):
        Bracket("ladder", ["a", "b"])
    with pytest.raises(BracketError, match="at most 2 Swiss rounds"):
        Bracket("swiss", ["a", "b", "c", "d"], Options(rounds=3))
    with pytest.raises(BracketError, match="odd"):
        Options(best_of=2)


def test_round_robin_of_four_plays_three_rounds_in_order() -> None:
    bracket = Bracket("round_robin", EIGHT[:4])
    assert {s.round for s in bracket.ready_matches()} == {1}
    assert len(bracket.slots()) == 6
    with pytest.raises(BracketError):
        bracket.record("R2-1", bracket.slots()[2].p1)


def test_swiss_pairs_winners_with_winners_after_the_first_round() -> None:
    bracket = Bracket("swiss", EIGHT, Options(rounds=3))
    assert pairs(bracket, "S", 1) == [("s1", "s5"), ("s2", "s6"), ("s3", "s7"), ("s4", "s8")]
    for slot in bracket.ready_matches():
        bracket.record(slot.key, slot.p1)
    second = pairs(bracket, "S", 2)
    assert second[:2] == [("s1", "s2"), ("s3", "s4")]


def test_seeding_is_by_rating_or_by_hand() -> None:
    assert seed_entrants(["a", "b", "c"], ratings={"a": 10, "b": 30, "c": 20}) == ["b", "c", "a"]
    assert seed_entrants(["a", "b", "c"], manual=["c"]) == ["c", "a", "b"]
    with pytest.raises(ValueError, match="not entered"):
        seed_entrants(["a"], manual=["z"])


@pytest.mark.parametrize(
    ("games", "best_of", "winner"),
    [
        ([], 3, None),
        (["p1"], 1, "p1"),
        (["p1", "p2"], 3, None),
        (["p2", "draw", "p2"], 3, "p2"),
        (["draw"], 1, None),
        (["draw", "draw", "draw"], 1, "p1"),
        (["draw", "draw", "p2"], 1, "p2"),
    ],
)
def test_a_series_goes_to_the_first_to_win_a_majority(games, best_of, winner) -> None:
    assert series_winner(games, best_of) == winner


def test_swiss_plays_as_many_rounds_as_half_the_field_without_a_rematch() -> None:
    bracket = Bracket("swiss", [f"s{i}" for i in range(1, 17)], Options(rounds=8))
    while not bracket.done:
        for slot in bracket.ready_matches():
            bracket.record(slot.key, slot.p2)  # the lower seed always wins: scores scramble
    met = [frozenset((s.p1, s.p2)) for s in bracket.slots() if s.playable]
    assert len(met) == 8 * 8 == len(set(met))
