import time

import numpy as np
import pytest
import torch

from tournaments.agents import load_agent, make_config, save_agent
from tournaments.agents.registry import ARCHITECTURES, build_network

OBS_DIM = 70  # the arena's state vector
N_ACTIONS = 13


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as a match worker runs
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_a_decision_of_each_shipped_architecture_takes_under_2_ms(
    tmp_path, one_thread, architecture
):
    hp = dict(ARCHITECTURES[architecture].defaults)
    model = build_network(architecture, OBS_DIM, N_ACTIONS, hp)
    config = make_config(
        architecture=architecture, hyperparameters=hp, obs_type="state", obs_shape=(OBS_DIM,),
        n_actions=N_ACTIONS, frame_skip=4, characters=[], algo="test",
    )  # fmt: skip
    save_agent(tmp_path / "a.zip", model, config)
    agent = load_agent(tmp_path / "a.zip")
    obs = np.random.default_rng(0).uniform(-1, 1, (220, OBS_DIM)).astype(np.float32)
    for o in obs[:20]:  # warm-up
        agent.act(o)
    start = time.perf_counter()
    for o in obs[20:]:
        agent.act(o)
    mean_ms = (time.perf_counter() - start) / 200 * 1000
    assert mean_ms < 2.0, f"{architecture}: {mean_ms:.3f} ms per decision"
