from tournaments.arena.game import HITSTUN

from .helpers import new_game, place, run


def test_two_punches_landing_on_the_same_tick_both_do_full_damage() -> None:
    game = new_game()
    place(game, 100, 125)
    run(game, "punch", "punch")
    run(game, "noop", "noop", 10)
    assert 1000 - game.p1.health >= 40 and 1000 - game.p2.health >= 40
    assert game.p1.state == game.p2.state == HITSTUN
