import numpy as np

from tournaments.arena import OBS_SIZE
from tournaments.arena.vector import make_vector_env


def test_two_player_batches_have_a_leading_batch_and_player_axis() -> None:
    env = make_vector_env(3, seed=0)
    obs, infos = env.reset()
    assert obs.shape == (3, 2, OBS_SIZE) and len(infos) == 3
    obs, rewards, terminated, truncated, infos = env.step(np.zeros((3, 2), dtype=int))
    assert obs.shape == (3, 2, OBS_SIZE)
    assert rewards.shape == (3, 2) and terminated.shape == truncated.shape == (3,)


def test_a_finished_game_is_reset_automatically_with_its_result_in_infos() -> None:
    env = make_vector_env(2, seed=1, max_rounds=1, round_seconds=1, frame_skip=6)
    env.reset()
    finished = None
    for _ in range(20):
        _, _, terminated, _, infos = env.step(np.zeros((2, 2), dtype=int))
        if terminated.any():
            finished = infos
            break
    assert finished is not None
    assert finished[0]["winner"] == "draw"  # nobody moved: equal health at time-out
    assert finished[0]["final_obs"].shape == (2, OBS_SIZE)
    _, _, terminated, _, _ = env.step(np.zeros((2, 2), dtype=int))
    assert not terminated.any()  # the new game is running


def test_single_agent_batches_play_against_a_bot() -> None:
    env = make_vector_env(4, opponent="cpu_easy", seed=2)
    obs, _ = env.reset()
    assert obs.shape == (4, OBS_SIZE)
    rewards = np.zeros(4)
    for _ in range(100):
        obs, r, _, _, _ = env.step(np.full(4, 2))  # hold back (block)
        rewards += r
    assert obs.shape == (4, OBS_SIZE)
    assert (rewards <= 0).all() and (rewards < 0).any()  # blocking only: never gains health
