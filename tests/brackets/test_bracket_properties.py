"""Properties every bracket keeps, for 2-128 entrants, whoever wins each match."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tournaments.brackets import Bracket, BracketError, Options

PROPERTY_SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def entrants(n: int) -> list[str]:
    return [f"e{i}" for i in range(1, n + 1)]


def play_out(bracket: Bracket, rnd: random.Random) -> list:
    """Plays a bracket to its end with random winners, checking each step; returns the rounds."""
    played = []
    for _ in range(100_000):
        if bracket.done:
            break
        ready = bracket.ready_matches()
        assert ready, "an unfinished bracket always has a match to play"
        sides = [e for s in ready for e in (s.p1, s.p2)]
        assert len(sides) == len(set(sides)), "nobody is in two matches at once"
        rnd.shuffle(ready)
        for slot in ready[: rnd.randint(1, len(ready))]:
            winner = rnd.choice([slot.p1, slot.p2])
            count = len(bracket.results)
            assert bracket.record(slot.key, winner) is True
            assert len(bracket.results) == count + 1
            assert bracket.record(slot.key, winner) is False, "the same result twice is a no-op"
            assert len(bracket.results) == count + 1
            with pytest.raises(BracketError):
                bracket.record(slot.key, slot.p2 if winner == slot.p1 else slot.p1)
            played.append(slot.key)
    assert bracket.done
    return played


def played_slots(bracket: Bracket) -> list:
    return [s for s in bracket.slots() if s.playable and s.winner is not None]


def assert_one_champion(bracket: Bracket) -> None:
    champion = bracket.champion
    assert champion in bracket.entrants
    table = bracket.standings()
    assert [row["place"] for row in table] == list(range(1, len(bracket.entrants) + 1))
    assert sorted(row["entrant"] for row in table) == sorted(bracket.entrants)
    assert table[0]["entrant"] == champion


def assert_nobody_plays_twice_in_a_round(bracket: Bracket) -> None:
    by_round: dict[tuple[str, int], list[str]] = {}
    for s in bracket.slots():
        by_round.setdefault((s.stage, s.round), []).extend(e for e in (s.p1, s.p2) if e)
    for where, names in by_round.items():
        assert len(names) == len(set(names)), f"someone plays twice in {where}"


def losses(slots, stages) -> Counter:
    return Counter(s.loser for s in slots if s.stage in stages)


@PROPERTY_SETTINGS
@given(n=st.integers(2, 128), third=st.booleans(), seed=st.integers(0, 2**32))
@example(n=128, third=True, seed=1)
@example(n=2, third=True, seed=1)
def test_single_elimination_knocks_everyone_but_the_champion_out_with_one_loss(n, third, seed):
    bracket = Bracket("single", entrants(n), Options(third_place=third))
    play_out(bracket, random.Random(seed))
    assert_one_champion(bracket)
    assert_nobody_plays_twice_in_a_round(bracket)
    slots = played_slots(bracket)
    main = losses(slots, {"W"})
    assert bracket.champion not in main
    assert all(main[e] == 1 for e in bracket.entrants if e != bracket.champion)
    assert len([s for s in slots if s.stage == "W"]) == n - 1
    pairs = [frozenset((s.p1, s.p2)) for s in slots]
    assert len(pairs) == len(set(pairs)), "no pair meets twice"
    third_games = [s for s in slots if s.stage == "3P"]
    assert len(third_games) == (1 if third and n >= 4 else 0)
    if third_games:
        assert bracket.standings()[2]["entrant"] == third_games[0].winner


@PROPERTY_SETTINGS
@given(n=st.integers(2, 128), reset=st.booleans(), seed=st.integers(0, 2**32))
@example(n=128, reset=True, seed=3)
@example(n=2, reset=True, seed=0)
@example(n=2, reset=False, seed=0)
def test_double_elimination_knocks_everyone_out_with_two_losses_but_the_reset_rule(n, reset, seed):
    bracket = Bracket("double", entrants(n), Options(grand_final_reset=reset))
    play_out(bracket, random.Random(seed))
    assert_one_champion(bracket)
    assert_nobody_plays_twice_in_a_round(bracket)
    slots = played_slots(bracket)
    lost = losses(slots, {"W", "L", "GF"})
    champion = bracket.champion
    gf1 = next(s for s in slots if s.key == "GF-1")
    winners_champion = gf1.p1
    assert lost[champion] <= 1
    for e in bracket.entrants:
        if e == champion:
            continue
        if not reset and e == winners_champion:
            assert lost[e] == 1  # without a reset one grand-final loss ends it
        else:
            assert lost[e] == 2, f"{e} lost {lost[e]} times"
    assert all(s.loser not in {x.loser for x in slots if x.stage == "W"} or True for s in slots)
    # Nobody plays on after their second loss.
    seen: Counter = Counter()
    for s in bracket.slots():
        if s.playable and s.winner is not None:
            assert seen[s.p1] < 2 and seen[s.p2] < 2
            seen[s.loser] += 1


@PROPERTY_SETTINGS
@given(n=st.integers(2, 128), seed=st.integers(0, 2**32))
@example(n=128, seed=5)
def test_round_robin_has_every_pair_meet_exactly_once(n, seed):
    bracket = Bracket("round_robin", entrants(n))
    play_out(bracket, random.Random(seed))
    assert_one_champion(bracket)
    assert_nobody_plays_twice_in_a_round(bracket)
    pairs = Counter(frozenset((s.p1, s.p2)) for s in played_slots(bracket))
    assert len(pairs) == n * (n - 1) // 2
    assert set(pairs.values()) == {1}
    table = bracket.standings()
    assert all(row["wins"] + row["losses"] == n - 1 for row in table)
    assert all(not row["eliminated"] for row in table)


@PROPERTY_SETTINGS
@given(n=st.integers(2, 128), seed=st.integers(0, 2**32), data=st.data())
@example(n=128, seed=7, data=None)
@example(n=3, seed=7, data=None)
@example(n=16, seed=2, data=None)
def test_swiss_plays_its_rounds_without_rematches_and_byes_go_low(n, seed, data):
    even = n + n % 2
    rounds = data.draw(st.integers(1, min(even // 2, 8))) if data is not None else None
    bracket = Bracket("swiss", entrants(n), Options(rounds=rounds))
    rnd = random.Random(seed)
    byes_seen: set[str] = set()
    while not bracket.done:
        ready = bracket.ready_matches()
        current = ready[0].round
        bye_slot = next((s for s in bracket.slots() if s.round == current and s.p2_bye), None)
        if bye_slot is not None:
            table = {row["entrant"]: row["points"] for row in bracket.standings()}
            table[bye_slot.p1] -= 1  # the standings already count this round's bye
            lowest = min(p for e, p in table.items() if e not in byes_seen)
            assert bye_slot.p1 not in byes_seen, "nobody gets a second bye"
            assert table[bye_slot.p1] == lowest, "the bye goes to the lowest score without one"
            byes_seen.add(bye_slot.p1)
        for slot in ready:
            bracket.record(slot.key, rnd.choice([slot.p1, slot.p2]))
    assert_one_champion(bracket)
    assert_nobody_plays_twice_in_a_round(bracket)
    slots = bracket.slots()
    n_rounds = max(s.round for s in slots)
    assert n_rounds == (rounds or n_rounds)
    pairs = Counter(frozenset((s.p1, s.p2)) for s in slots if s.playable)
    assert set(pairs.values()) == {1}, "no Swiss rematch"
    appearances = Counter(e for s in slots for e in (s.p1, s.p2) if e)
    assert all(appearances[e] == n_rounds for e in bracket.entrants)


@PROPERTY_SETTINGS
@given(
    fmt=st.sampled_from(["single", "double", "round_robin", "swiss"]),
    n=st.integers(2, 40),
    seed=st.integers(0, 2**32),
    stop=st.floats(0, 1),
)
def test_the_stored_form_rebuilds_the_same_bracket(fmt, n, seed, stop):
    bracket = Bracket(fmt, entrants(n), Options(third_place=True))
    rnd = random.Random(seed)
    keys = play_out(bracket, rnd)
    partial = Bracket(fmt, entrants(n), Options(third_place=True))
    for key in keys[: int(len(keys) * stop)]:
        partial.record(key, bracket.results[key])
    for b in (bracket, partial):
        stored = b.to_dict()
        shuffled = dict(sorted(stored["results"].items(), key=lambda kv: rnd.random()))
        again = Bracket.from_dict({**stored, "results": shuffled})
        assert again.view() == b.view()
