from tournaments.arena.characters import SUB
from tournaments.arena.game import STAGE_LEFT, STAGE_RIGHT

from .helpers import new_game, place, run


def test_walking_back_stops_at_the_walls() -> None:
    game = new_game(("kaito", "vixen"))
    run(game, "back", "back", 400)
    assert game.p1.x == (STAGE_LEFT + game.p1.char.half_width) * SUB
    assert game.p2.x == (STAGE_RIGHT - game.p2.char.half_width) * SUB


def test_jumping_back_into_a_wall_stays_on_stage() -> None:
    game = new_game()
    place(game, 30, 200)
    run(game, "up_back", "noop", 60)
    assert game.p1.x >= (STAGE_LEFT + game.p1.char.half_width) * SUB


def test_a_fighter_pinned_to_the_wall_cannot_be_pushed_through_it() -> None:
    game = new_game(("kaito", "brick"))
    place(game, 30, 60)
    run(game, "back", "forward", 200)
    left_limit = (STAGE_LEFT + game.p1.char.half_width) * SUB
    assert game.p1.x == left_limit
    assert game.p2.x - game.p1.x >= (game.p1.hw + game.p2.hw) - SUB
