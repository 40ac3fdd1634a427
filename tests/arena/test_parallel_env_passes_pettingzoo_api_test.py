import pytest
from pettingzoo.test import parallel_api_test

from tournaments.arena import PIXEL_SHAPE, make_env


@pytest.mark.parametrize("obs", ["state", "pixels"])
def test_it_passes_the_parallel_api_test(obs: str) -> None:
    env = make_env(characters=("kaito", "volt"), obs=obs, seed=0, round_seconds=10)
    parallel_api_test(env, num_cycles=400 if obs == "state" else 60)


def test_pixel_observations_have_the_documented_shape() -> None:
    env = make_env(obs="pixels", seed=1)
    obs, _ = env.reset()
    assert obs["p1"].shape == PIXEL_SHAPE
    assert obs["p1"].dtype.name == "uint8"


def test_it_rejects_an_unknown_character_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unknown character 'ryu'"):
        make_env(characters=("ryu", "kaito"))


def test_it_rejects_an_unknown_observation_type() -> None:
    with pytest.raises(ValueError, match="obs must be"):
        make_env(obs="ram")
