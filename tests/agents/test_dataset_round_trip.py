import json

import numpy as np
import pytest

from tournaments.agents import DatasetError, DatasetWriter, open_dataset

from .helpers import OBS_DIM, write_synthetic_dataset


def test_every_appended_tick_reads_back_in_order(tmp_path):
    rng = np.random.default_rng(1)
    obs = rng.normal(size=(150, OBS_DIM)).astype(np.float32)
    with DatasetWriter(tmp_path / "d", (OBS_DIM,), {"player": "alice"}, shard_ticks=64) as w:
        for t in range(150):
            w.append(
                obs[t], t % 13, [t % 2, 0, 1, 0, 0, 0, t % 3 == 0], kill=t == 99, death=t == 149
            )
            if t == 99:
                w.end_episode()
    data = open_dataset(tmp_path / "d")
    assert len(data) == 150 and data.obs_shape == (OBS_DIM,)
    assert np.array_equal(data.obs, obs)
    assert data.action.tolist() == [t % 13 for t in range(150)]
    assert data.keys[:, 0].tolist() == [t % 2 for t in range(150)]
    assert np.flatnonzero(data.kill).tolist() == [99] and np.flatnonzero(data.death).tolist() == [
        149
    ]
    assert data.episode.tolist() == [0] * 100 + [1] * 50
    assert data.meta == [{"player": "alice"}]
    assert len(json.loads((tmp_path / "d" / "header.json").read_text())["shards"]) == 3


def test_two_datasets_concatenate_with_distinct_episodes(tmp_path):
    a = write_synthetic_dataset(tmp_path / "a", episodes=2, ticks=30)
    b = write_synthetic_dataset(tmp_path / "b", episodes=3, ticks=30, seed=1)
    data = open_dataset([a, b])
    assert len(data) == 150 and data.n_episodes == 5


def test_an_unclosed_recording_opens_up_to_its_last_shard(tmp_path):
    w = DatasetWriter(tmp_path / "d", (OBS_DIM,), shard_ticks=10)
    for _ in range(25):
        w.append(np.zeros(OBS_DIM), 0, [0] * 7)
    assert len(open_dataset(tmp_path / "d")) == 20


def test_it_rejects_an_observation_of_the_wrong_shape(tmp_path):
    w = DatasetWriter(tmp_path / "d", (OBS_DIM,))
    with pytest.raises(DatasetError, match="observation shape"):
        w.append(np.zeros(OBS_DIM + 1), 0, [0] * 7)


def test_it_rejects_a_folder_that_is_not_a_dataset(tmp_path):
    with pytest.raises(DatasetError, match="missing header.json"):
        open_dataset(tmp_path)


def test_it_rejects_a_shard_name_that_leaves_the_folder(tmp_path):
    path = write_synthetic_dataset(tmp_path / "d", episodes=1, ticks=10)
    header = json.loads((path / "header.json").read_text())
    header["shards"][0]["file"] = "../elsewhere.npz"
    (path / "header.json").write_text(json.dumps(header))
    with pytest.raises(DatasetError, match="bad shard name"):
        open_dataset(path)
