"""Small builders shared by the agent tests: tiny networks, configs and datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from tournaments.agents.agent_file import make_config
from tournaments.agents.dataset import DatasetWriter
from tournaments.agents.registry import build_network

OBS_DIM = 12
N_ACTIONS = 5


def tiny_mlp(seed: int = 0) -> tuple[torch.nn.Module, dict]:
    """A small random mlp_q network and its config."""
    torch.manual_seed(seed)
    hp = {"hidden": [16, 16]}
    model = build_network("mlp_q", OBS_DIM, N_ACTIONS, hp)
    config = make_config(
        architecture="mlp_q", hyperparameters=hp, obs_type="state", obs_shape=(OBS_DIM,),
        n_actions=N_ACTIONS, frame_skip=4, characters=["kaito", "kaito"], algo="dqn",
    )  # fmt: skip
    return model, config


def tiny_lstm(seed: int = 0) -> tuple[torch.nn.Module, dict]:
    """A small random lstm_policy network and its config."""
    torch.manual_seed(seed)
    hp = {"hidden": 16, "layers": 1}
    model = build_network("lstm_policy", OBS_DIM, N_ACTIONS, hp)
    config = make_config(
        architecture="lstm_policy", hyperparameters=hp, obs_type="state", obs_shape=(OBS_DIM,),
        n_actions=N_ACTIONS, frame_skip=4, characters=[], algo="bc",
    )  # fmt: skip
    return model, config


def write_synthetic_dataset(
    path: Path, episodes: int = 3, ticks: int = 200, shard_ticks: int = 64, seed: int = 0
) -> Path:
    """Random observations whose action is a fixed function of the observation (learnable)."""
    rng = np.random.default_rng(seed)
    with DatasetWriter(path, (OBS_DIM,), {"frame_skip": 2, "n_actions": N_ACTIONS},
                       shard_ticks=shard_ticks) as w:  # fmt: skip
        for _ in range(episodes):
            for t in range(ticks):
                obs = rng.normal(size=OBS_DIM).astype(np.float32)
                action = int(np.argmax(obs[:N_ACTIONS]))
                keys = np.zeros(7, bool)
                keys[action % 7] = True
                w.append(obs, action, keys, kill=t == ticks - 1, death=False)
            w.end_episode()
    return path
