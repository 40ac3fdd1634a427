import numpy as np
import pytest

from tournaments.agents import open_dataset
from tournaments.agents.loader import PrefetchLoader, WindowBatches, window_starts

from .helpers import write_synthetic_dataset


def test_windows_never_span_two_episodes():
    episode = np.array([0] * 10 + [1] * 10)
    starts = window_starts(episode, window=3, stride=2)
    assert starts.tolist() == list(range(0, 6)) + list(range(10, 16))


def test_the_prefetching_loader_yields_the_same_batches_as_a_plain_loader(tmp_path):
    data = open_dataset(write_synthetic_dataset(tmp_path / "d"))
    starts = window_starts(data.episode, 5, 2)

    def batches():
        return WindowBatches(data, starts, window=5, stride=2, batch_size=16, seed=7)

    plain = list(batches())
    prefetched = list(PrefetchLoader(batches(), depth=3))
    assert len(plain) == len(prefetched) > 5
    for (o1, a1), (o2, a2) in zip(plain, prefetched, strict=True):
        assert np.array_equal(o1, o2) and np.array_equal(a1, a2)
    obs, act = plain[0]
    assert obs.shape == (16, 5, data.obs.shape[1]) and act.shape == (16, 5)


def test_a_window_holds_every_stride_th_tick_and_its_actions(tmp_path):
    data = open_dataset(write_synthetic_dataset(tmp_path / "d"))
    starts = window_starts(data.episode, 5, 3)
    obs, act = next(
        iter(WindowBatches(data, starts, window=5, stride=3, batch_size=4, shuffle=False))
    )
    ticks = starts[1] + np.arange(5) * 3
    assert (
        np.array_equal(obs[1], data.obs[ticks]) and act[1].tolist() == data.action[ticks].tolist()
    )


def test_the_prefetching_loader_passes_on_worker_errors():
    def broken():
        yield 1
        raise RuntimeError("disk on fire")

    class Source:
        def __iter__(self):
            return broken()

    with pytest.raises(RuntimeError, match="disk on fire"):
        list(PrefetchLoader(Source()))


def test_aligned_windows_start_only_on_decision_ticks_of_each_episode():
    episode = np.array([0] * 10 + [1] * 11)
    starts = window_starts(episode, window=2, stride=3, aligned=True)
    assert starts.tolist() == [0, 3, 6, 10, 13, 16]
