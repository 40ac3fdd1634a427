import pytest
from gymnasium.utils.env_checker import check_env

from tournaments.arena.bots import RandomBot
from tournaments.arena.single import make_single_env


@pytest.mark.parametrize("side", ["p1", "p2"])
def test_it_passes_gymnasiums_env_checker(side: str) -> None:
    env = make_single_env(opponent="cpu_medium", side=side, characters=("vixen", "brick"))
    check_env(env, skip_render_check=True)


def test_it_accepts_a_callable_opponent_and_plays_a_whole_match() -> None:
    env = make_single_env(opponent=RandomBot(3), round_seconds=5, max_rounds=1)
    env.reset(seed=4)
    terminated, steps, info = False, 0, {}
    while not terminated:
        _, _, terminated, _, info = env.step(env.action_space.sample())
        steps += 1
    assert info["winner"] in ("p1", "p2", "draw")
    assert steps <= 5 * 60 // 4 + 1


def test_it_rejects_an_unknown_bot_name() -> None:
    with pytest.raises(ValueError, match="unknown bot 'cpu_insane'"):
        make_single_env(opponent="cpu_insane")
