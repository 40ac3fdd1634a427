import numpy as np

from tournaments.arena import OBS_INDEX, OBS_SIZE, observe
from tournaments.arena.game import Game

from .helpers import place, run


def test_a_mirrored_position_gives_the_same_observation_to_either_side() -> None:
    game = Game(("kaito", "kaito"), seed=0)
    place(game, 70, 186)  # symmetric about the stage centre (128)
    run(game, "noop", "noop")
    o1, o2 = observe(game, 0), observe(game, 1)
    assert o1.shape == (OBS_SIZE,) and o1.dtype == np.float32
    np.testing.assert_allclose(o1, o2, atol=1e-6)


def test_self_comes_first_and_the_opponent_is_in_front() -> None:
    game = Game(("kaito", "brick"), seed=0)
    game.p2.health = 400
    o1, o2 = observe(game, 0), observe(game, 1)
    assert o1[OBS_INDEX["self_health"]] == 1.0 and o1[OBS_INDEX["opp_health"]] == 0.4
    assert o2[OBS_INDEX["self_health"]] == 0.4
    assert o1[OBS_INDEX["dx"]] > 0 and o2[OBS_INDEX["dx"]] > 0
    assert o1[OBS_INDEX["self_char_kaito"]] == 1.0 and o2[OBS_INDEX["self_char_brick"]] == 1.0


def test_values_stay_about_in_unit_range_during_play() -> None:
    rng = np.random.default_rng(0)
    game = Game(("volt", "vixen"), seed=1)
    worst = 0.0
    for _ in range(3000):
        game.step(int(rng.integers(13)), int(rng.integers(13)))
        worst = max(worst, float(np.abs(observe(game, 0)).max()))
    assert worst <= 1.5
