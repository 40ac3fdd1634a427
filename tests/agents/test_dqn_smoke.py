import csv

import numpy as np

from tournaments.agents import load_agent
from tournaments.agents.dqn import DQNArgs, train_dqn


def _tiny_run(tmp_path, **kw) -> tuple[dict, DQNArgs]:
    args = DQNArgs(
        seed=3, total_steps=300, learning_starts=100, batch_size=32, eval_every=150,
        eval_games=1, max_rounds=1, hidden=(32,), out=str(tmp_path / "run"), **kw,
    )  # fmt: skip
    return train_dqn(args), args


def test_a_few_hundred_steps_write_checkpoints_metrics_and_an_agent_that_acts(tmp_path):
    summary, args = _tiny_run(tmp_path, opponent="random")
    run = tmp_path / "run"
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert [int(r["step"]) for r in rows] == [150, 300]
    assert all(r["loss"] != "" and 0.0 <= float(r["win_rate"]) <= 1.0 for r in rows)
    assert sorted(p.name for p in (run / "checkpoints").iterdir()) == [
        "step-000000150", "step-000000300",
    ]  # fmt: skip
    agent = load_agent(run / "agent.zip")
    assert agent.config["training"]["algo"] == "dqn" and summary["steps"] == 300
    obs = np.zeros(agent.obs_shape, np.float32)
    assert 0 <= agent.act(obs) < agent.config["n_actions"]


def test_self_play_trains_against_a_frozen_copy(tmp_path):
    summary, _ = _tiny_run(tmp_path, opponent="self", eval_opponent="random", selfplay_refresh=100)
    assert summary["opponent"] == "self" and summary["eval_opponent"] == "random"
    assert (tmp_path / "run" / "agent" / "model.safetensors").is_file()
