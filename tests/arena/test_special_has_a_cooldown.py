from tournaments.arena.characters import SPECIAL

from .helpers import new_game, place, run


def test_holding_special_fires_only_once_per_cooldown() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 40, 200)
    starts = []
    for tick in range(400):
        run(game, "special", "up")  # p2 jumps, so projectiles often miss and the round goes on
        if game.p1.move == SPECIAL and game.p1.move_t == 0:
            starts.append(tick)
    cooldown = game.p1.char.projectile.cooldown
    assert len(starts) >= 2
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert min(gaps) >= cooldown


def test_the_special_spawns_a_projectile_that_travels_forward() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 40, 220)
    run(game, "special", "noop", game.p1.char.moves[SPECIAL].startup + 1)
    assert len(game.projectiles) == 1
    x0 = game.projectiles[0][1]
    run(game, "noop", "noop", 5)
    assert game.projectiles[0][1] > x0


def test_a_projectile_hit_hurts_the_opponent() -> None:
    game = new_game(("kaito", "kaito"))
    place(game, 40, 220)
    run(game, "special", "noop")
    run(game, "noop", "noop", 80)
    assert game.p2.health < 1000
    assert not game.projectiles
