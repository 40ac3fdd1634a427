"""Gymnasium single-agent wrapper: one side of an arena match against a fixed opponent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gymnasium
import numpy as np

from .bots import make_bot
from .env import ArenaParallelEnv
from .obs import observe

Opponent = Callable[[np.ndarray], int] | str


class ArenaSingleEnv(gymnasium.Env):  # type: ignore[misc]
    """Plays ``side`` against ``opponent``; see ``make_single_env``."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 60}

    def __init__(self, opponent: Opponent = "cpu_medium", side: str = "p1", **kwargs: Any) -> None:
        if side not in ("p1", "p2"):
            raise ValueError(f'side must be "p1" or "p2", got {side!r}')
        self.env = ArenaParallelEnv(**kwargs)
        self.side = side
        self.other = "p2" if side == "p1" else "p1"
        self._other_index = 1 if side == "p1" else 0
        if isinstance(opponent, str):
            opponent = make_bot(opponent)
        if not callable(opponent) and not hasattr(opponent, "act"):
            raise ValueError("opponent must be a bot name or a callable obs -> action")
        self.opponent = opponent
        self.observation_space = self.env.observation_space(side)
        self.action_space = self.env.action_space(side)
        self.render_mode = self.env.render_mode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Start a new match; a seed also reseeds a scripted opponent."""
        super().reset(seed=seed)
        obs, infos = self.env.reset(seed=seed, options=options)
        reset = getattr(self.opponent, "reset", None)
        if callable(reset):
            reset(seed)
        return obs[self.side], infos[self.side]

    def step(self, action: int) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Act for ``side``; the opponent acts on its own state observation."""
        # The opponent always sees the state vector (bots need it), whatever ``obs`` is.
        opp_obs = observe(self.env.game, self._other_index)
        act = getattr(self.opponent, "act", self.opponent)
        actions = {self.side: int(action), self.other: int(act(opp_obs))}
        obs, rewards, terms, truncs, infos = self.env.step(actions)
        return (
            obs[self.side],
            float(rewards[self.side]),
            bool(terms[self.side]),
            bool(truncs[self.side]),
            infos[self.side],
        )

    def render(self) -> np.ndarray | None:
        """The current RGB frame (see ``ArenaParallelEnv.render``)."""
        return self.env.render()


def make_single_env(
    opponent: Opponent = "cpu_medium", side: str = "p1", **make_env_kwargs: Any
) -> ArenaSingleEnv:
    """Create a Gymnasium env in which the agent plays ``side`` against ``opponent``.

    Args:
        opponent: a bot name (``"random"``, ``"cpu_easy"``, ``"cpu_medium"``, ``"cpu_hard"``),
            a bot object, or any callable ``obs -> action``. It always receives the STATE
            observation from its own perspective.
        side: ``"p1"`` or ``"p2"``.
        **make_env_kwargs: passed to ``make_env`` (characters, frame_skip, obs, render_mode,
            seed, max_rounds, round_seconds).

    Returns:
        A ``gymnasium.Env`` whose episode is one match.
    """
    return ArenaSingleEnv(opponent=opponent, side=side, **make_env_kwargs)
