import json

import numpy as np

from tournaments.agents import load_agent
from tournaments.agents.bc import BCArgs, train_bc

from .helpers import OBS_DIM, write_synthetic_dataset


def test_bc_learns_a_synthetic_policy_well_above_chance(tmp_path):
    data = write_synthetic_dataset(tmp_path / "d", episodes=4, ticks=250)
    args = BCArgs(datasets=[str(data)], total_steps=200, eval_every=100, hidden=32,
                  out=str(tmp_path / "out"))  # fmt: skip
    summary = train_bc(args)
    assert summary["heldout_agreement"] > summary["majority_baseline"] + 0.3
    assert (tmp_path / "out" / "metrics.csv").read_text().count("\n") == 3  # header + 2 evaluations
    agent = load_agent(tmp_path / "out" / "agent.zip")
    assert agent.recurrent and agent.frame_skip == 2  # the recording's decision interval
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["steps"] == 200
    assert 0 <= agent.act(np.zeros(OBS_DIM, np.float32)) < 5
