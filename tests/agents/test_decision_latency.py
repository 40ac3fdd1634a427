import time

import numpy as np
import pytest
import torch

from tournaments.agents import load_agent, make_config, save_agent
from tournaments.agents.registry import ARCHITECTURES, build_network

N_ACTIONS = 13
# The arena's observations: the state vector, and the grey half-size screen.
OBS_SHAPES = {"state": (70,), "pixels": (112, 128, 1)}


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
    arch = ARCHITECTURES[architecture]
    hp, shape = dict(arch.defaults), OBS_SHAPES[arch.obs]
    model = build_network(architecture, shape, N_ACTIONS, hp)
    config = make_config(
        architecture=architecture, hyperparameters=hp, obs_type=arch.obs, obs_shape=shape,
        n_actions=N_ACTIONS, frame_skip=4, characters=[], algo="test",
    )  # fmt: skip
    save_agent(tmp_path / "a.zip", model, config)
    agent = load_agent(tmp_path / "a.zip")
    rng = np.random.default_rng(0)
    if arch.obs == "state":
        obs = rng.uniform(-1, 1, (220, *shape)).astype(np.float32)
    else:
        obs = rng.integers(0, 256, (220, *shape), dtype=np.uint8)
    for o in obs[:20]:  # warm-up
        agent.act(o)
    # CPU time of this thread (torch runs single-threaded here): the decision's own cost,
    # not inflated by whatever else the shared test machine is running.
    start = time.thread_time()
    for o in obs[20:]:
        agent.act(o)
    mean_ms = (time.thread_time() - start) / 200 * 1000
    assert mean_ms < 2.0, f"{architecture}: {mean_ms:.3f} ms per decision"
