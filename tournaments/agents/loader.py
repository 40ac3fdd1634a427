"""Batches of time windows for behaviour cloning, and a background prefetcher.

``WindowBatches`` cuts a dataset into windows of ``window`` decisions, one every ``stride`` ticks
(stride = the frame skip the agent will act at), never across an episode boundary.
``PrefetchLoader`` wraps any iterable of batches and prepares the next ones in a background
thread while the model trains; it yields exactly what the wrapped iterable yields, in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .dataset import Dataset


def window_starts(
    episode: np.ndarray, window: int, stride: int, aligned: bool = False
) -> np.ndarray:
    """Returns every tick index at which a full window fits inside one episode.

    Args:
        episode: Per-tick episode ids (contiguous runs).
        window: Decisions per window.
        stride: Ticks between two decisions.
        aligned: Only starts a multiple of ``stride`` ticks after their episode's first tick,
            i.e. the ticks at which an agent acting every ``stride`` ticks decides.
    """
    span = (window - 1) * stride
    n = episode.shape[0]
    if n <= span:
        return np.zeros(0, dtype=np.int64)
    first = np.arange(n - span)
    keep = episode[first] == episode[first + span]
    if aligned:
        # Tick index of each episode's first tick, broadcast to every tick of the episode.
        change = np.flatnonzero(np.diff(episode)) + 1
        episode_start = np.zeros(n, dtype=np.int64)
        episode_start[change] = change
        episode_start = np.maximum.accumulate(episode_start)
        keep &= (first - episode_start[first]) % stride == 0
    return first[keep]


class WindowBatches:
    """An iterable of ``(obs, action)`` batches of shape (B, W, *obs_shape) and (B, W).

    Each iteration is one epoch; with ``shuffle`` the order depends only on ``seed`` and the
    epoch number, so two iterators built alike yield the same batches.

    Args:
        data: The dataset.
        starts: Window start indices to draw from (e.g. a train or held-out split).
        window: Decisions per window.
        stride: Ticks between decisions.
        batch_size: Windows per batch (the last batch may be smaller).
        shuffle: Shuffle windows each epoch.
        seed: Shuffle seed.
    """

    def __init__(
        self,
        data: Dataset,
        starts: np.ndarray,
        *,
        window: int,
        stride: int,
        batch_size: int,
        shuffle: bool = True,
        seed: int = 0,
    ) -> None:
        self.obs = data.obs
        self.action = data.action
        self.starts = np.asarray(starts, dtype=np.int64)
        self.offsets = np.arange(window, dtype=np.int64) * stride
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.seed = seed
        self.epoch = 0

    def __len__(self) -> int:
        return -(-len(self.starts) // self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        order = self.starts
        if self.shuffle:
            order = np.random.default_rng((self.seed, self.epoch)).permutation(self.starts)
        self.epoch += 1
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size, None] + self.offsets  # (B, W) tick indices
            obs = self.obs[idx]  # (B, W, *obs_shape); pixel frames stay uint8 (4x smaller)
            if obs.dtype != np.uint8:
                obs = obs.astype(np.float32, copy=False)
            yield np.ascontiguousarray(obs), self.action[idx].astype(np.int64)


_END = object()


class PrefetchLoader:
    """Iterates over ``source`` in a background thread, ``depth`` items ahead.

    Numpy gathers release the GIL, so batch preparation overlaps with the training step.
    Errors in the worker are re-raised in the consumer. Each ``iter()`` starts a new pass.

    Args:
        source: Any re-iterable of batches (e.g. :class:`WindowBatches`).
        depth: How many batches may wait ready in the queue.
    """

    def __init__(self, source: Iterable[Any], depth: int = 4) -> None:
        self.source = source
        self.depth = depth

    def __len__(self) -> int:
        return len(self.source)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        q: queue.Queue[Any] = queue.Queue(maxsize=self.depth)
        stop = threading.Event()

        def work() -> None:
            try:
                for item in self.source:
                    while not stop.is_set():
                        try:
                            q.put(item, timeout=0.1)
                            break
                        except queue.Full:
                            continue
                    if stop.is_set():
                        return
                q.put(_END)
            except BaseException as exc:  # handed to the consumer, not lost in the thread
                q.put(_Failure(exc))

        thread = threading.Thread(target=work, name="prefetch", daemon=True)
        thread.start()
        try:
            while True:
                item = q.get()
                if item is _END:
                    return
                if isinstance(item, _Failure):
                    raise item.exc
                yield item
        finally:
            stop.set()  # the consumer stopped early: let the worker exit
            thread.join(timeout=1.0)


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc
