from __future__ import annotations

from pathlib import Path

import pytest

from tournaments.agents.agent_file import make_config, save_agent
from tournaments.agents.registry import build_network
from tournaments.arena import N_ACTIONS, OBS_SIZE


def agent_zip(tmp_path: Path, *, metrics: bool = True) -> Path:
    """A small untrained MLP agent packed as the site accepts it."""
    config = make_config(
        architecture="mlp_q",
        hyperparameters={"hidden": [32]},
        obs_type="state",
        obs_shape=(OBS_SIZE,),
        n_actions=N_ACTIONS,
        frame_skip=4,
        characters=["kaito", "brick"],
        algo="dqn",
    )
    model = build_network("mlp_q", OBS_SIZE, N_ACTIONS, {"hidden": [32]})
    csv = tmp_path / "metrics.csv"
    csv.write_text("step,win_rate,loss,epsilon\n1000,0.2,0.5,0.9\n2000,0.45,0.3,0.5\n")
    path = save_agent(tmp_path / "agent.zip", model, config, metrics_csv=csv if metrics else None)
    return path


@pytest.fixture
def agent_file(tmp_path) -> Path:
    return agent_zip(tmp_path)


@pytest.fixture
def agent(users, sync_jobs, agent_file, settings):
    from tournaments.services import agent_upload

    settings.FILMROOM_AGENT_EVALUATION_GAMES = 1
    with agent_file.open("rb") as fh:
        made = agent_upload(team=users["team"], owner=users["owner"], name="Rookie", upload=fh)
    made.refresh_from_db()
    return made


@pytest.fixture
def memory_layer(settings):
    """Channels' in-memory layer: a tournament's bracket messages without Redis."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
