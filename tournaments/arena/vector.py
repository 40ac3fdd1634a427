"""A batch of arena matches stepped together, with automatic reset, for training loops.

This is a synchronous batch of independent games (one Python simulation each): the same
throughput per core as a single env, but one call per step and ready-made numpy arrays.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from .batch_env import ArenaBatchEnv
from .bots import make_bot
from .env import ArenaParallelEnv
from .obs import observe
from .single import Opponent


class ArenaVectorEnv:
    """``n`` arena matches; see ``make_vector_env`` for the arguments and shapes."""

    def __init__(
        self,
        n: int,
        opponent: Opponent | None = None,
        side: str = "p1",
        seed: int | None = None,
        **make_env_kwargs: Any,
    ) -> None:
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        if side not in ("p1", "p2"):
            raise ValueError(f'side must be "p1" or "p2", got {side!r}')
        self.num_envs = n
        self.envs = [ArenaParallelEnv(**make_env_kwargs) for _ in range(n)]
        self.single_observation_space = self.envs[0].observation_space("p1")
        self.single_action_space = self.envs[0].action_space("p1")
        self.side = side
        self._me = 0 if side == "p1" else 1
        if isinstance(opponent, str):
            self.opponents: list[Any] | None = [make_bot(opponent, seed=i) for i in range(n)]
        elif opponent is not None:
            self.opponents = [opponent] * n
        else:
            self.opponents = None
        self._seeder = random.Random(seed)
        self._obs: list[dict[str, Any]] = [{} for _ in range(n)]

    def _pack(self, obs: dict[str, Any]) -> Any:
        if self.opponents is None:
            return np.stack([obs["p1"], obs["p2"]])
        return obs[self.side]

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Reset every match; returns observations and one info dict per match."""
        if seed is not None:
            self._seeder = random.Random(seed)
        infos = []
        for i, env in enumerate(self.envs):
            self._obs[i], info = env.reset(seed=self._seeder.getrandbits(31))
            infos.append(info)
        return np.stack([self._pack(o) for o in self._obs]), infos

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Step every match; a finished match is reset at once (its last observation is in
        ``infos[i]["final_obs"]`` and the result in ``infos[i]["winner"]``)."""
        actions = np.asarray(actions)
        two = self.opponents is None
        n = self.num_envs
        out_obs = []
        rewards = np.zeros((n, 2) if two else n, dtype=np.float32)
        terminated = np.zeros(n, dtype=bool)
        truncated = np.zeros(n, dtype=bool)
        infos: list[dict[str, Any]] = []
        for i, env in enumerate(self.envs):
            if two:
                act = {"p1": int(actions[i, 0]), "p2": int(actions[i, 1])}
            else:
                assert self.opponents is not None
                bot = self.opponents[i]
                opp = getattr(bot, "act", bot)(observe(env.game, 1 - self._me))
                act = {self.side: int(actions[i]), ("p2" if self._me == 0 else "p1"): int(opp)}
            obs, rew, term, trunc, info = env.step(act)
            if two:
                rewards[i] = (rew["p1"], rew["p2"])
                info_i: dict[str, Any] = dict(info["p1"])
            else:
                rewards[i] = rew[self.side]
                info_i = dict(info[self.side])
            terminated[i] = term["p1"]
            truncated[i] = trunc["p1"]
            if term["p1"] or trunc["p1"]:
                info_i["final_obs"] = self._pack(obs)
                obs, _ = env.reset(seed=self._seeder.getrandbits(31))
            self._obs[i] = obs
            out_obs.append(self._pack(obs))
            infos.append(info_i)
        return np.stack(out_obs), rewards, terminated, truncated, infos

    def close(self) -> None:
        """Nothing to release."""


def make_vector_env(
    n: int,
    opponent: Opponent | None = None,
    side: str = "p1",
    seed: int | None = None,
    vectorized: bool = False,
    **make_env_kwargs: Any,
) -> ArenaVectorEnv | ArenaBatchEnv:
    """Create ``n`` arena matches stepped together, auto-resetting.

    Args:
        n: number of matches.
        opponent: None for two-player batches; or a bot name / callable for single-agent
            batches in which the agent plays ``side`` (each match gets its own bot instance
            when a name is given).
        side: the agent's side in single-agent batches.
        seed: seeds the sequence of match seeds.
        **make_env_kwargs: passed to ``make_env`` (characters, frame_skip, obs, ...).

    Returns:
        The batch. Shapes: two-player: obs ``(n, 2, *obs_shape)``, actions ``(n, 2)``, rewards
        ``(n, 2)``; single-agent: obs ``(n, *obs_shape)``, actions ``(n,)``, rewards ``(n,)``;
        terminated/truncated ``(n,)``; infos a list of n dicts.

        With ``vectorized=True`` the n games are simulated together in numpy
        (``ArenaBatchEnv``: two-player, ``obs="state"`` only, infos a dict of arrays); given
        the same seed it plays exactly the same games as the default batch.
    """
    if vectorized:
        if opponent is not None:
            raise ValueError("vectorized=True supports two-player batches only (opponent=None)")
        obs = make_env_kwargs.pop("obs", "state")
        if obs != "state" or make_env_kwargs.get("render_mode"):
            raise ValueError('vectorized=True supports obs="state" without rendering only')
        return ArenaBatchEnv(n, seed=seed, **make_env_kwargs)
    return ArenaVectorEnv(n, opponent=opponent, side=side, seed=seed, **make_env_kwargs)
