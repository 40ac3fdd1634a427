import numpy as np

from tournaments.agents import load_agent, open_dataset
from tournaments.agents.bc import BCArgs, train_bc
from tournaments.agents.record import record_bot_dataset
from tournaments.arena import PIXEL_SHAPE, make_env


def test_bc_from_pixel_recordings_builds_a_cnn_lstm_agent_that_acts_on_frames(tmp_path):
    path = record_bot_dataset(tmp_path / "px", bot="cpu_medium", opponent="random", matches=2,
                              max_rounds=1, round_seconds=4, obs="pixels")  # fmt: skip
    data = open_dataset(path)
    assert data.obs.dtype == np.uint8 and data.obs_shape == PIXEL_SHAPE
    args = BCArgs(datasets=[str(path)], window=6, batch_size=8, total_steps=6, eval_every=6,
                  hidden=32, holdout=0.5, out=str(tmp_path / "bc"))  # fmt: skip
    summary = train_bc(args)
    assert 0.0 <= summary["heldout_agreement"] <= 1.0
    agent = load_agent(tmp_path / "bc" / "agent.zip")
    assert agent.architecture == "cnn_lstm_policy" and agent.obs_type == "pixels"
    env = make_env(obs="pixels", seed=0)
    obs, _ = env.reset(seed=0)
    assert 0 <= agent.act(obs["p1"]) < 13
