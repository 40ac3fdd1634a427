from tournaments.arena import ACTIONS, action_from_keys
from tournaments.arena.game import Game

from .helpers import A, place, run


def test_the_same_keys_mean_back_or_forward_depending_on_facing() -> None:
    assert ACTIONS[action_from_keys(left=True, facing_right=True)] == "back"
    assert ACTIONS[action_from_keys(left=True, facing_right=False)] == "forward"
    assert ACTIONS[action_from_keys(down=True, right=True, facing_right=False)] == "down_back"
    assert ACTIONS[action_from_keys(up=True, right=True, facing_right=True)] == "up_forward"


def test_attack_keys_take_priority_and_down_makes_them_low() -> None:
    assert ACTIONS[action_from_keys(punch=True, left=True)] == "punch"
    assert ACTIONS[action_from_keys(kick=True, down=True)] == "down_kick"
    assert ACTIONS[action_from_keys(special=True, punch=True)] == "special"
    assert ACTIONS[action_from_keys(left=True, right=True)] == "noop"


def test_forward_moves_each_fighter_toward_the_other() -> None:
    game = Game()
    place(game, 60, 200)
    x1, x2 = game.p1.x, game.p2.x
    run(game, "forward", "forward", 10)
    assert game.p1.x > x1 and game.p2.x < x2
    assert A["forward"] == 1
