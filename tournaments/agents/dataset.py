"""Recorded play: per-tick observations, actions, key states and kill/death flags.

A dataset is a folder::

    header.json        format, obs shape/dtype, key names, free-form meta, shard list
    shard-00000.npz    obs (T, *obs_shape), action (T,) int16, keys (T, n_keys) uint8,
                       kill (T,) bool, death (T,) bool, episode (T,) int32

Shards are written every ``shard_ticks`` ticks (and the header rewritten), so a recording that
stops abruptly still opens up to its last full shard. Reading uses ``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DATASET_FORMAT = "film-room-dataset"
DATASET_VERSION = 1
HEADER_NAME = "header.json"
DEFAULT_KEY_NAMES = ("left", "right", "up", "down", "punch", "kick", "special")
_FIELDS = ("obs", "action", "keys", "kill", "death", "episode")


class DatasetError(ValueError):
    """A dataset folder is missing, malformed, or inconsistent with its header."""


class DatasetWriter:
    """Appends one tick at a time to a dataset folder.

    Example::

        writer = DatasetWriter("var/datasets/alice-001", obs_shape=(32,), meta={"player": "alice"})
        for each tick: writer.append(obs, action, keys, kill, death)
        writer.end_episode()   # between matches, if one writer records several
        writer.close()

    Args:
        path: Folder to create (must not already hold a dataset).
        obs_shape: Shape of one observation.
        meta: Free-form JSON-serialisable facts (player, characters, frame skip, obs type...).
        key_names: Names of the key-state columns.
        obs_dtype: Storage dtype of observations (``float32`` for state, ``uint8`` for pixels).
        shard_ticks: Ticks per shard file.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        obs_shape: Sequence[int],
        meta: Mapping[str, Any] | None = None,
        *,
        key_names: Sequence[str] = DEFAULT_KEY_NAMES,
        obs_dtype: str = "float32",
        shard_ticks: int = 4096,
    ) -> None:
        self.path = Path(path)
        if (self.path / HEADER_NAME).exists():
            raise DatasetError(f"{self.path} already holds a dataset")
        self.path.mkdir(parents=True, exist_ok=True)
        self.obs_shape = tuple(int(s) for s in obs_shape)
        self.obs_dtype = np.dtype(obs_dtype)
        self.key_names = list(key_names)
        self.meta = dict(meta or {})
        self.shard_ticks = int(shard_ticks)
        self._buf: dict[str, list[Any]] = {f: [] for f in _FIELDS}
        self._shards: list[dict[str, Any]] = []
        self._episode = 0
        self._ticks_in_episode = 0
        self.ticks = 0
        self.closed = False
        self._write_header()

    def append(
        self,
        obs: np.ndarray,
        action: int,
        keys: Sequence[bool] | np.ndarray,
        kill: bool = False,
        death: bool = False,
    ) -> None:
        """Records one tick.

        Args:
            obs: The observation shown to the player this tick.
            action: The env action the keys mapped to.
            keys: One boolean per key name (held down this tick).
            kill: The player won a round this tick.
            death: The player lost a round this tick.

        Raises:
            DatasetError: Wrong observation shape or key count, or the writer is closed.
        """
        if self.closed:
            raise DatasetError("writer is closed")
        o = np.asarray(obs, dtype=self.obs_dtype)
        if o.shape != self.obs_shape:
            raise DatasetError(f"observation shape {o.shape} != {self.obs_shape}")
        k = np.asarray(keys, dtype=np.uint8).reshape(-1)
        if k.shape[0] != len(self.key_names):
            raise DatasetError(f"expected {len(self.key_names)} key states, got {k.shape[0]}")
        self._buf["obs"].append(o)
        self._buf["action"].append(int(action))
        self._buf["keys"].append(k)
        self._buf["kill"].append(bool(kill))
        self._buf["death"].append(bool(death))
        self._buf["episode"].append(self._episode)
        self.ticks += 1
        self._ticks_in_episode += 1
        if len(self._buf["action"]) >= self.shard_ticks:
            self._flush()

    def end_episode(self) -> None:
        """Marks a match boundary: training windows never span two episodes."""
        if self._ticks_in_episode:
            self._episode += 1
            self._ticks_in_episode = 0

    def close(self) -> Path:
        """Writes the last shard and the final header; returns the dataset folder."""
        if not self.closed:
            self._flush()
            self.closed = True
            self._write_header()
        return self.path

    def __enter__(self) -> DatasetWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _flush(self) -> None:
        n = len(self._buf["action"])
        if n == 0:
            return
        name = f"shard-{len(self._shards):05d}.npz"
        np.savez_compressed(
            self.path / name,
            obs=np.stack(self._buf["obs"]).astype(self.obs_dtype, copy=False),
            action=np.asarray(self._buf["action"], dtype=np.int16),
            keys=np.stack(self._buf["keys"]),
            kill=np.asarray(self._buf["kill"], dtype=bool),
            death=np.asarray(self._buf["death"], dtype=bool),
            episode=np.asarray(self._buf["episode"], dtype=np.int32),
        )
        self._shards.append({"file": name, "ticks": n})
        self._buf = {f: [] for f in _FIELDS}
        self._write_header()

    def _write_header(self) -> None:
        header = {
            "format": DATASET_FORMAT,
            "version": DATASET_VERSION,
            "obs_shape": list(self.obs_shape),
            "obs_dtype": self.obs_dtype.name,
            "key_names": self.key_names,
            "meta": self.meta,
            "shards": self._shards,
            "ticks": sum(s["ticks"] for s in self._shards),
            "complete": self.closed,
        }
        tmp = self.path / (HEADER_NAME + ".tmp")
        tmp.write_text(json.dumps(header, indent=2))
        tmp.replace(self.path / HEADER_NAME)  # atomic: a reader never sees half a header


@dataclass
class Dataset:
    """A loaded dataset (or several concatenated), as flat per-tick arrays.

    Episode ids are renumbered so they stay unique across concatenated datasets.
    """

    obs: np.ndarray
    action: np.ndarray
    keys: np.ndarray
    kill: np.ndarray
    death: np.ndarray
    episode: np.ndarray
    key_names: list[str]
    meta: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.action.shape[0])

    @property
    def obs_shape(self) -> tuple[int, ...]:
        """Shape of one observation."""
        return tuple(self.obs.shape[1:])

    @property
    def n_episodes(self) -> int:
        """Number of distinct episodes."""
        return int(np.unique(self.episode).size)


def open_dataset(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> Dataset:
    """Opens one dataset folder, or several with the same observation shape.

    Args:
        paths: A dataset folder or an iterable of folders.

    Returns:
        The concatenated :class:`Dataset`.

    Raises:
        DatasetError: Missing/malformed header or shard, or mismatched shapes.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    parts: dict[str, list[np.ndarray]] = {f: [] for f in _FIELDS}
    metas: list[dict[str, Any]] = []
    key_names: list[str] | None = None
    obs_shape: tuple[int, ...] | None = None
    next_episode = 0
    for path in paths:
        header, arrays = _read_one(Path(path))
        if obs_shape is not None and tuple(header["obs_shape"]) != obs_shape:
            raise DatasetError(f"{path}: obs shape {header['obs_shape']} != {list(obs_shape)}")
        if key_names is not None and header["key_names"] != key_names:
            raise DatasetError(f"{path}: key names differ from the first dataset")
        obs_shape, key_names = tuple(header["obs_shape"]), list(header["key_names"])
        if arrays["episode"].size:
            _, renumbered = np.unique(arrays["episode"], return_inverse=True)
            arrays["episode"] = renumbered.astype(np.int32) + next_episode
            next_episode = int(arrays["episode"].max()) + 1
        for f in _FIELDS:
            parts[f].append(arrays[f])
        metas.append(header["meta"])
    if obs_shape is None or key_names is None:
        raise DatasetError("no dataset given")
    return Dataset(
        **{f: np.concatenate(parts[f]) for f in _FIELDS}, key_names=key_names, meta=metas
    )


def _read_one(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        header = json.loads((path / HEADER_NAME).read_text())
    except FileNotFoundError:
        raise DatasetError(f"no dataset at {path} (missing {HEADER_NAME})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path / HEADER_NAME} is not valid JSON ({exc})") from None
    if not isinstance(header, dict) or header.get("format") != DATASET_FORMAT:
        raise DatasetError(f"{path} is not a {DATASET_FORMAT} folder")
    obs_shape = tuple(header["obs_shape"])
    n_keys = len(header["key_names"])
    chunks: dict[str, list[np.ndarray]] = {f: [] for f in _FIELDS}
    for shard in header["shards"]:
        name = str(shard["file"])
        # Shard names come from the header: keep them inside the folder.
        if "/" in name or "\\" in name or name.startswith("."):
            raise DatasetError(f"{path}: bad shard name {name!r}")
        try:
            with np.load(path / name, allow_pickle=False) as z:
                data = {f: z[f] for f in _FIELDS}
        except (OSError, KeyError, ValueError) as exc:
            raise DatasetError(f"{path / name}: unreadable shard ({exc})") from None
        n = int(shard["ticks"])
        if data["obs"].shape != (n, *obs_shape) or data["keys"].shape != (n, n_keys):
            raise DatasetError(f"{path / name}: arrays do not match the header")
        if any(data[f].shape != (n,) for f in ("action", "kill", "death", "episode")):
            raise DatasetError(f"{path / name}: arrays do not match the header")
        for f in _FIELDS:
            chunks[f].append(data[f])
    dtype = np.dtype(header.get("obs_dtype", "float32"))
    empty = {
        "obs": np.zeros((0, *obs_shape), dtype),
        "action": np.zeros(0, np.int16),
        "keys": np.zeros((0, n_keys), np.uint8),
        "kill": np.zeros(0, bool),
        "death": np.zeros(0, bool),
        "episode": np.zeros(0, np.int32),
    }
    arrays = {f: np.concatenate(chunks[f]) if chunks[f] else empty[f] for f in _FIELDS}
    return header, arrays
