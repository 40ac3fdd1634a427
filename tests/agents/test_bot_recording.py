import numpy as np
import pytest

from tournaments.agents import open_dataset
from tournaments.agents.bc import BCArgs, train_bc
from tournaments.agents.dataset import DEFAULT_KEY_NAMES
from tournaments.agents.record import keys_for_action, record_bot_dataset
from tournaments.arena import ACTIONS, action_from_keys


@pytest.mark.parametrize("facing_right", [True, False])
def test_recorded_keys_map_back_to_the_same_action(facing_right):
    for action in range(len(ACTIONS)):
        keys = dict(zip(DEFAULT_KEY_NAMES, keys_for_action(action, facing_right), strict=True))
        assert action_from_keys(**keys, facing_right=facing_right) == action


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    path = tmp_path_factory.mktemp("rec") / "cpu_medium"
    return record_bot_dataset(path, bot="cpu_medium", opponent="random", matches=6,
                              round_seconds=15, seed=1)  # fmt: skip


def test_a_bot_recording_has_a_row_per_tick_and_round_flags(recording):
    data = open_dataset(recording)
    assert data.n_episodes == 6 and data.obs_shape == (70,)
    rounds = int(data.kill.sum() + data.death.sum())
    assert 6 * 2 <= rounds <= 6 * 3  # best of three: 2 or 3 decided rounds per match
    assert data.meta[0]["source"] == "bot:cpu_medium" and data.meta[0]["frame_skip"] == 4


def test_bc_on_a_tiny_bot_recording_beats_the_majority_baseline(recording, tmp_path):
    args = BCArgs(datasets=[str(recording)], total_steps=150, eval_every=150, hidden=64,
                  holdout=0.34, out=str(tmp_path / "bc"))  # fmt: skip
    summary = train_bc(args)
    assert summary["heldout_agreement"] > summary["majority_baseline"] + 0.15
    assert np.isfinite(summary["final_loss"])
