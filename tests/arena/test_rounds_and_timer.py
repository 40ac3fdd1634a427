from tournaments.arena.game import DRAW, MATCH_OVER, P1_WON, P2_WON, ROUND_OVER

from .helpers import new_game, place, run


def test_the_round_ends_when_the_timer_runs_out() -> None:
    game = new_game(round_seconds=2)
    run(game, "back", "back", 119)
    assert game.round_results == []
    run(game, "back", "back")
    assert game.round_results == [DRAW]
    assert game.round_end_ticks == [120]


def test_at_time_out_the_healthier_fighter_wins_the_round() -> None:
    game = new_game(round_seconds=2)
    place(game, 100, 125)
    run(game, "punch", "noop")
    run(game, "back", "noop", 119)
    assert game.round_results == [P1_WON]


def test_a_ko_ends_the_round_and_shows_banners_for_two_seconds() -> None:
    game = new_game(banner_ticks=120)
    game.p2.health = 1
    place(game, 100, 125)
    run(game, "punch", "noop", 10)
    assert game.round_results == [P1_WON]
    assert game.phase == ROUND_OVER
    end = game.round_end_ticks[0]
    run(game, "noop", "noop", end + 119 - game.tick)
    assert game.phase == ROUND_OVER
    run(game, "noop", "noop")
    assert game.round == 1 and game.p1.health == game.p2.health == 1000


def _win_round(game, winner: int) -> None:  # type: ignore[no-untyped-def]
    loser = game.p2 if winner == P1_WON else game.p1
    loser.health = 0
    run(game, "noop", "noop")


def test_two_round_wins_take_a_best_of_three() -> None:
    game = new_game(max_rounds=3)
    _win_round(game, P1_WON)
    assert not game.done and game.winner is None
    _win_round(game, P1_WON)
    assert game.done and game.phase == MATCH_OVER
    assert game.winner == "p1"
    assert game.round_results == [P1_WON, P1_WON]


def test_a_one_all_match_goes_to_a_third_round() -> None:
    game = new_game(max_rounds=3)
    _win_round(game, P1_WON)
    _win_round(game, P2_WON)
    assert not game.done
    _win_round(game, P2_WON)
    assert game.done and game.winner == "p2"
    assert len(game.round_results) == 3


def test_after_the_match_stepping_changes_nothing() -> None:
    game = new_game(max_rounds=1)
    _win_round(game, P2_WON)
    before = game.state_hash()
    run(game, "punch", "kick", 10)
    assert game.state_hash() == before
