import numpy as np
import pytest

from tournaments.arena.vector import make_vector_env


def test_the_numpy_batch_env_gives_the_same_observations_rewards_and_resets() -> None:
    n = 12
    kwargs = {"max_rounds": 1, "round_seconds": 3, "characters": ("kaito", "volt")}
    plain = make_vector_env(n, seed=5, **kwargs)
    fast = make_vector_env(n, seed=5, vectorized=True, **kwargs)
    obs_a, _ = plain.reset()
    obs_b, _ = fast.reset()
    assert np.array_equal(obs_a, obs_b)
    rng = np.random.default_rng(1)
    finished = 0
    for _ in range(150):
        actions = rng.integers(0, 13, (n, 2))
        obs_a, rew_a, term_a, _, infos_a = plain.step(actions)
        obs_b, rew_b, term_b, _, infos_b = fast.step(actions)
        assert np.array_equal(term_a, term_b)
        assert np.array_equal(rew_a, rew_b)
        assert np.array_equal(obs_a, obs_b)
        for i in np.flatnonzero(term_a):
            code = {"p1": 0, "p2": 1, "draw": 2}[infos_a[i]["winner"]]
            assert infos_b["winner"][i] == code
            assert np.array_equal(infos_a[i]["final_obs"], infos_b["final_obs"][i])
        finished += int(term_a.sum())
    assert finished > n  # every game ended and restarted at least once


def test_vectorized_batches_refuse_a_scripted_opponent() -> None:
    with pytest.raises(ValueError, match="two-player batches only"):
        make_vector_env(4, opponent="cpu_easy", vectorized=True)
