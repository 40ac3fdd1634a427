"""The one match loop: forfeits (exception, bad action, time budget), best-of-N, exact replays."""

from __future__ import annotations

import time

import pytest

from tournaments.arena import make_bot
from tournaments.arena.runner import (
    Keys,
    MatchResult,
    Player,
    make_player,
    replay_result,
    run_match,
)


def _raises_at(tick_to_fail: int):
    calls = {"n": 0}
    bot = make_bot("cpu_medium", seed=3)

    def policy(obs):
        calls["n"] += 1
        if calls["n"] > tick_to_fail:
            raise RuntimeError("boom")
        return bot.act(obs)

    return policy


def _burns_cpu(ms: float):
    def policy(obs):
        end = time.thread_time() + ms / 1000
        while time.thread_time() < end:
            pass
        return 0

    return policy


def test_an_agent_that_raises_forfeits_the_game_and_the_reason_is_kept(caplog):
    result = run_match(
        [Player("crashy", policy=_raises_at(10)), "cpu_easy"], seed=4, round_seconds=5
    )
    game = result.games[0]
    assert game.forfeit["side"] == "p1"
    assert "RuntimeError: boom" in game.forfeit["reason"]
    assert game.winner == "p2" and result.winner == "p2"
    assert game.ticks == game.forfeit["tick"] == 40  # 10 decisions every 4 ticks
    assert "forfeits" in caplog.text and "boom" in caplog.text


def test_an_agent_over_its_cpu_budget_forfeits_but_a_fast_one_does_not():
    slow = Player("slow", policy=_burns_cpu(5.0), budget_s=0.002, overage_s=0.0)
    result = run_match(["cpu_hard", slow], seed=1, round_seconds=5)
    assert result.winner == "p1"
    forfeit = result.games[0].forfeit
    assert forfeit["side"] == "p2" and "over its 2.00 ms budget" in forfeit["reason"]
    assert forfeit["tick"] == 0
    fast = Player("fast", policy=_burns_cpu(0.2), budget_s=0.002)
    result = run_match(["cpu_easy", fast], seed=1, round_seconds=3, max_rounds=1)
    assert result.games[0].forfeit is None and result.games[0].ticks > 100


def test_a_built_in_bot_is_never_timed_out_but_an_agent_is():
    assert make_player("cpu_hard").budget_s is None
    assert make_player(_burns_cpu(0.1)).budget_s == pytest.approx(0.002)


def _slow_once(ms: float, at_call: int):
    calls = {"n": 0}

    def policy(obs):
        calls["n"] += 1
        if calls["n"] == at_call:
            _burns_cpu(ms)(obs)
        return 0

    return policy


def test_one_slow_decision_draws_on_the_reserve_but_a_slow_agent_spends_it_and_forfeits():
    spike = Player("spike", policy=_slow_once(6.0, at_call=5), budget_s=0.002)
    result = run_match([spike, "random"], seed=1, round_seconds=3, max_rounds=1)
    assert result.games[0].forfeit is None and result.games[0].ticks > 100
    # 5 ms a decision is 3 ms over: the 20 ms reserve lasts six decisions, the seventh forfeits.
    slow = Player("slow", policy=_burns_cpu(5.0), budget_s=0.002)
    forfeit = run_match([slow, "random"], seed=1, round_seconds=3).games[0].forfeit
    assert forfeit["side"] == "p1" and "20 ms reserve for the game spent" in forfeit["reason"]
    assert forfeit["tick"] == 6 * 4


def test_an_invalid_action_is_a_forfeit():
    result = run_match([Player("bad", policy=lambda obs: 99), "random"], seed=2, round_seconds=3)
    assert result.winner == "p2" and "outside" in result.games[0].forfeit["reason"]


def test_best_of_five_stops_at_three_wins_and_each_game_has_its_own_seed():
    result = run_match(["cpu_hard", "random"], seed=10, best_of=5, round_seconds=10)
    assert result.winner == "p1"
    assert result.score() == (3, 0) and len(result.games) == 3
    assert [g.seed for g in result.games] == [10, 11, 12]
    assert result.ticks == sum(g.ticks for g in result.games)


def test_best_of_must_be_odd():
    with pytest.raises(ValueError, match="odd"):
        run_match(["random", "random"], seed=1, best_of=2)


def test_a_finished_match_replays_exactly_from_its_stored_record():
    ticks_seen: list[int] = []
    result = run_match(
        ["cpu_medium", Player("crashy", policy=_raises_at(300))],
        seed=7,
        best_of=3,
        round_seconds=8,
        on_tick=lambda game, n: ticks_seen.append(n),
    )
    stored = MatchResult.from_dict(result.to_dict())  # through JSON-ready form
    replayed_ticks: list[int] = []
    games = replay_result(stored, on_tick=lambda game, n: replayed_ticks.append(n))
    assert [g.state_hash() for g in games] == [r.final_hash for r in result.games]
    assert stored.winner == result.winner and stored.forfeits == result.forfeits
    assert max(replayed_ticks) == max(ticks_seen) == result.ticks


def test_realtime_pacing_runs_at_sixty_ticks_a_second():
    t0 = time.monotonic()
    stop_at = 60
    seen: list[int] = []
    result = run_match(
        ["random", "random"],
        seed=1,
        realtime=True,
        on_tick=lambda game, n: seen.append(n),
        stop=lambda: len(seen) > stop_at,
    )
    elapsed = time.monotonic() - t0
    assert result.winner is None and result.ticks == stop_at
    assert 0.9 <= elapsed <= 1.6


def test_a_person_plays_with_keys_set_from_another_thread():
    keys = Keys()
    keys.set({"right": True})
    result = run_match(
        [make_player(keys, name="ann"), "random"], seed=5, round_seconds=2, max_rounds=1
    )
    assert result.players == ("ann", "random") and result.games[0].forfeit is None
    assert replay_result(result)[0].state_hash() == result.games[0].final_hash
