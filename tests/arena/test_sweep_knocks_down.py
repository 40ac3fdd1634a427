from tournaments.arena.game import IDLE, KNOCKDOWN, KNOCKDOWN_TICKS

from .helpers import new_game, place, run


def test_a_sweep_knocks_down_and_the_fallen_fighter_cannot_be_hit() -> None:
    game = new_game()
    place(game, 100, 130)
    run(game, "down_kick", "noop")
    for _ in range(15):
        run(game, "noop", "noop")
        if game.p2.state == KNOCKDOWN:
            break
    assert game.p2.state == KNOCKDOWN
    health = game.p2.health
    run(game, "punch", "noop", 20)  # invulnerable while down
    assert game.p2.health == health
    run(game, "noop", "noop", KNOCKDOWN_TICKS)
    assert game.p2.state == IDLE


def test_a_standing_punch_does_not_knock_down() -> None:
    game = new_game()
    place(game, 100, 125)
    run(game, "punch", "noop")
    states = set()
    for _ in range(20):
        run(game, "noop", "noop")
        states.add(game.p2.state)
    assert KNOCKDOWN not in states
    assert game.p2.health < 1000
