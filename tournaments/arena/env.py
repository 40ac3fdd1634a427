"""PettingZoo parallel environment over the arena game: agents ``"p1"`` and ``"p2"``."""

from __future__ import annotations

import random
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from .actions import N_ACTIONS
from .characters import MAX_HEALTH
from .game import FIGHT, ROUND_OVER, ROUND_SECONDS, Game
from .obs import OBS_SIZE, observe

AGENTS = ("p1", "p2")
PIXEL_SHAPE = (112, 128, 1)
"""Shape of ``obs="pixels"`` observations: the 256×224 screen, halved, grey, one channel."""
OBS_BOUND = 2.0
"""State observations are about [-1, 1]; they are clipped to ±OBS_BOUND."""


def _clip(obs: np.ndarray) -> np.ndarray:
    """Clip in place to the observation space (values normally stay within ±1.2)."""
    return np.clip(obs, -OBS_BOUND, OBS_BOUND, out=obs)


class ArenaParallelEnv(ParallelEnv):  # type: ignore[misc]
    """Two-player arena match as a PettingZoo ``ParallelEnv``; see ``make_env`` for arguments."""

    metadata = {"render_modes": ["rgb_array"], "name": "arena_v0", "render_fps": 60}

    def __init__(
        self,
        characters: tuple[str, str] = ("kaito", "kaito"),
        frame_skip: int = 4,
        obs: str = "state",
        render_mode: str | None = None,
        seed: int | None = None,
        max_rounds: int = 3,
        round_seconds: int = ROUND_SECONDS,
        render_scale: int = 1,
    ) -> None:
        if obs not in ("state", "pixels"):
            raise ValueError(f'obs must be "state" or "pixels", got {obs!r}')
        if render_mode not in (None, "rgb_array"):
            raise ValueError(f'render_mode must be None or "rgb_array", got {render_mode!r}')
        if frame_skip < 1:
            raise ValueError(f"frame_skip must be at least 1, got {frame_skip}")
        self.characters = (characters[0], characters[1])
        self.frame_skip = frame_skip
        self.obs_type = obs
        self.render_mode = render_mode
        self.render_scale = render_scale
        self.max_rounds = max_rounds
        self.round_seconds = round_seconds
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        if obs == "state":
            self._obs_space: spaces.Space = spaces.Box(
                -OBS_BOUND, OBS_BOUND, (OBS_SIZE,), dtype=np.float32
            )
        else:
            self._obs_space = spaces.Box(0, 255, PIXEL_SHAPE, dtype=np.uint8)
        self._act_space = spaces.Discrete(N_ACTIONS)
        self._seeder = random.Random(seed)
        # Validates the arguments at once (bad character names fail here, not at reset).
        self.game = self._new_game(0 if seed is None else seed)

    def _new_game(self, seed: int) -> Game:
        return Game(
            self.characters,
            seed=seed,
            max_rounds=self.max_rounds,
            round_seconds=self.round_seconds,
            # One banner tick keeps the K.O. state visible to step(), which rewards it and
            # then skips the banner at once: no dead time between rounds while training.
            banner_ticks=1,
        )

    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space (the same object for both agents)."""
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        """``Discrete(len(ACTIONS))`` for both agents."""
        return self._act_space

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Start a new match. A given ``seed`` makes this and the following resets repeatable."""
        if seed is not None:
            self._seeder = random.Random(seed)
        self.game = self._new_game(self._seeder.getrandbits(31))
        self.agents = list(AGENTS)
        infos = {a: self._info() for a in self.agents}
        return self._observe(), infos

    def step(
        self, actions: dict[str, int]
    ) -> tuple[
        dict[str, Any],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Hold both actions for ``frame_skip`` ticks (or until the round ends).

        A missing action is "noop". Rewards are the change in (own − opponent) health over the
        step, divided by the full health (1000), so a clean K.O. from full health sums to +1.
        """
        g = self.game
        a1 = int(actions.get("p1", 0))
        a2 = int(actions.get("p2", 0))
        before = g.p1.health - g.p2.health
        for _ in range(self.frame_skip):
            g.step(a1, a2)
            if g.phase != FIGHT:
                break
        delta = (g.p1.health - g.p2.health - before) / MAX_HEALTH
        round_over = g.phase == ROUND_OVER
        if round_over:
            g.skip_banner()
        done = g.done
        rewards = {"p1": delta, "p2": -delta}
        infos = {a: self._info() for a in self.agents}
        if round_over:
            for info in infos.values():
                info["round_winner"] = ("p1", "p2", "draw")[g.round_results[-1]]
        if done:
            for info in infos.values():
                info["winner"] = g.winner
        terminations = {a: done for a in self.agents}
        truncations = {a: False for a in self.agents}
        obs = self._observe()
        if done:
            self.agents = []
        return obs, rewards, terminations, truncations, infos

    def _info(self) -> dict[str, Any]:
        g = self.game
        return {"round": g.round, "wins": (g.p1.wins, g.p2.wins), "tick": g.tick}

    def _observe(self) -> dict[str, Any]:
        if self.obs_type == "state":
            return {
                "p1": _clip(observe(self.game, 0)),
                "p2": _clip(observe(self.game, 1)),
            }
        grey = _grey_screen(self.game)
        return {name: _pixels_for(self.game, i, grey) for i, name in enumerate(AGENTS)}

    def render(self) -> np.ndarray | None:
        """Return the current RGB frame (224·s, 256·s, 3) uint8 when render_mode="rgb_array"."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called with render_mode=None; nothing to render")
            return None
        from .render import render_frame

        return render_frame(self.game, scale=self.render_scale)

    def close(self) -> None:
        """Nothing to release."""


def make_env(
    characters: tuple[str, str] = ("kaito", "kaito"),
    frame_skip: int = 4,
    obs: str = "state",
    render_mode: str | None = None,
    seed: int | None = None,
    max_rounds: int = 3,
    **kwargs: Any,
) -> ArenaParallelEnv:
    """Create a two-player arena match as a PettingZoo ``ParallelEnv``.

    Args:
        characters: (p1, p2) character names; see ``CHARACTER_NAMES``.
        frame_skip: game ticks per ``step`` (the action is held; 60 ticks = 1 s).
        obs: ``"state"`` (float32 vector, ``OBS_SIZE`` long, own perspective) or ``"pixels"``
            (uint8 ``PIXEL_SHAPE`` grey screen, mirrored for a fighter facing left).
        render_mode: None or ``"rgb_array"``.
        seed: seeds the sequence of matches that ``reset()`` starts.
        max_rounds: rounds of the match (best of ``max_rounds``; odd).
        **kwargs: ``round_seconds`` (default 99) and ``render_scale`` (default 1).

    Returns:
        The environment; call ``reset()`` first.
    """
    return ArenaParallelEnv(
        characters=characters,
        frame_skip=frame_skip,
        obs=obs,
        render_mode=render_mode,
        seed=seed,
        max_rounds=max_rounds,
        **kwargs,
    )


def _grey_screen(game: Game) -> np.ndarray:
    from .render import render_frame

    frame = render_frame(game)
    return frame[::2, ::2].mean(axis=2, dtype=np.float32).astype(np.uint8)[:, :, None]


def _pixels_for(game: Game, side: int, grey: np.ndarray) -> np.ndarray:
    me = game.p1 if side == 0 else game.p2
    # Mirror the screen for a fighter facing left, as the state vector does.
    return np.ascontiguousarray(grey[:, ::-1]) if me.facing < 0 else grey


def observe_pixels(game: Game, side: int) -> np.ndarray:
    """The ``obs="pixels"`` observation of ``side`` (0 = p1): the screen halved, grey, mirrored
    for a fighter facing left."""
    return _pixels_for(game, side, _grey_screen(game))
