"""Training env over ``BatchGame``: N two-player matches in numpy, observations included.

Same stepping rules, observations and rewards as ``make_env`` (and, given the same seed, the
same games as ``make_vector_env(n, seed=s)``), but infos come as a dict of arrays.
"""

from __future__ import annotations

import random

import numpy as np
from gymnasium import spaces

from .actions import N_ACTIONS
from .batch import _MOVES_FLAT, _T, BatchGame
from .characters import CHARACTER_NAMES, MAX_HEALTH, MOVE_NAMES, SPECIAL, SUB
from .env import OBS_BOUND
from .game import (
    FIGHT,
    KNOCKDOWN_TICKS,
    MATCH_OVER,
    ROUND_OVER,
    ROUND_SECONDS,
    STAGE_LEFT,
    STAGE_RIGHT,
    STATE_NAMES,
)
from .obs import OBS_INDEX, OBS_SIZE

_MIRROR = (STAGE_LEFT + STAGE_RIGHT) * SUB
_CENTRE = _MIRROR / 2
_HALF = (STAGE_RIGHT - STAGE_LEFT) * SUB / 2
_WIDTH = (STAGE_RIGHT - STAGE_LEFT) * SUB
_N_STATES = len(STATE_NAMES)
_N_MOVES = len(MOVE_NAMES)
_BLOCK = OBS_INDEX["opp_x"]  # entries per fighter block
_SHARED = OBS_INDEX["dx"]


def observe_batch(b: BatchGame) -> np.ndarray:
    """Observations of every game for both players: float32 ``(n, 2, OBS_SIZE)``, the same
    values as ``observe(game, player)`` for each game."""
    out = np.zeros((b.n, 2, OBS_SIZE), np.float64)
    rows = np.arange(b.n)
    total = _MOVES_FLAT[b.char * 6 + np.where(b.move < 0, SPECIAL, b.move)][..., 2]
    for me in (0, 1):
        mirror = b.facing[:, me] < 0
        sign = np.where(mirror, -1.0, 1.0)
        o = out[:, me]
        for k, f in enumerate((me, 1 - me)):
            base = k * _BLOCK
            x = np.where(mirror, _MIRROR - b.x[:, f], b.x[:, f])
            o[:, base + 0] = (x - _CENTRE) / _HALF
            o[:, base + 1] = b.y[:, f] / (64 * SUB)
            o[:, base + 2] = sign * b.vx[:, f] / 64
            o[:, base + 3] = b.vy[:, f] / 160
            o[:, base + 4] = sign * b.facing[:, f]
            o[:, base + 5] = b.health[:, f] / MAX_HEALTH
            o[:, base + 6] = np.minimum(b.timer_f[:, f], KNOCKDOWN_TICKS) / KNOCKDOWN_TICKS
            o[:, base + 7] = np.where(b.move[:, f] >= 0, b.move_t[:, f] / total[:, f], 0.0)
            o[:, base + 8] = b.cooldown[:, f] / b.c_p_cooldown[:, f]
            o[:, base + 9] = b.back[:, f]
            o[:, base + 10] = b.down[:, f]
            o[:, base + 11] = b.wins[:, f] / 2
            hot = base + 12
            o[rows, hot + b.state[:, f]] = 1.0
            has = b.move[:, f] >= 0
            o[rows[has], hot + _N_STATES + b.move[has, f]] = 1.0
            o[rows, hot + _N_STATES + _N_MOVES + b.char[:, f]] = 1.0
        opp = 1 - me
        s = _SHARED
        o[:, s] = sign * (b.x[:, opp] - b.x[:, me]) / _WIDTH
        o[:, s + 1] = (b.y[:, opp] - b.y[:, me]) / (64 * SUB)
        o[:, s + 2] = b.timer / b.round_ticks
        own, theirs = b.p_alive[:, me], b.p_alive[:, opp]
        o[:, s + 3] = own
        o[:, s + 4] = np.where(own, sign * (b.p_x[:, me] - b.x[:, me]) / _WIDTH, 0.0)
        o[:, s + 5] = theirs
        o[:, s + 6] = np.where(theirs, sign * (b.p_x[:, opp] - b.x[:, me]) / _WIDTH, 0.0)
        bottom = _T["p_bottom"][b.char[:, opp]]
        o[:, s + 7] = np.where(theirs, (bottom - b.y[:, me]) / (64 * SUB), 0.0)
    return out.astype(np.float32)


assert len(CHARACTER_NAMES) + _N_STATES + _N_MOVES + 12 == _BLOCK


class ArenaBatchEnv:
    """``n`` two-player matches simulated together in numpy, with automatic reset.

    Args:
        n: number of matches.
        characters: (p1, p2) names, the same in every match.
        frame_skip: ticks per step (a match's step stops early when its round ends).
        seed: seeds the sequence of match seeds (as ``make_vector_env``'s ``seed``).
        max_rounds: best of this many rounds.
        round_seconds: round timer.
    """

    def __init__(
        self,
        n: int,
        characters: tuple[str, str] = ("kaito", "kaito"),
        frame_skip: int = 4,
        seed: int | None = None,
        max_rounds: int = 3,
        round_seconds: int = ROUND_SECONDS,
    ) -> None:
        if frame_skip < 1:
            raise ValueError(f"frame_skip must be at least 1, got {frame_skip}")
        self.num_envs = n
        self.frame_skip = frame_skip
        self._seeder = random.Random(seed)
        self.game = BatchGame(
            n, characters, max_rounds=max_rounds, round_seconds=round_seconds, banner_ticks=1
        )  # one banner tick, skipped by step() after rewarding the K.O. (as ArenaParallelEnv)
        self.single_observation_space = spaces.Box(
            -OBS_BOUND, OBS_BOUND, (OBS_SIZE,), dtype=np.float32
        )
        self.single_action_space = spaces.Discrete(N_ACTIONS)

    def _seeds(self, count: int) -> list[int]:
        # Two-level seeding, exactly as ArenaVectorEnv -> ArenaParallelEnv.reset(seed).
        return [random.Random(self._seeder.getrandbits(31)).getrandbits(31) for _ in range(count)]

    def _obs(self) -> np.ndarray:
        return np.clip(observe_batch(self.game), -OBS_BOUND, OBS_BOUND)

    def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Start new matches everywhere; returns obs ``(n, 2, OBS_SIZE)`` and infos."""
        if seed is not None:
            self._seeder = random.Random(seed)
        g = self.game
        g.reset_games(np.ones(g.n, bool), self._seeds(g.n))
        return self._obs(), self._infos()

    def _infos(self) -> dict[str, np.ndarray]:
        g = self.game
        return {"round": g.round.copy(), "wins": g.wins.copy(), "tick": g.tick.copy()}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """Step every match with ``actions`` ``(n, 2)``.

        Returns:
            obs ``(n, 2, OBS_SIZE)``, rewards ``(n, 2)``, terminated ``(n,)``, truncated
            ``(n,)``, and infos: ``round``, ``wins``, ``tick``, ``round_winner`` and
            ``winner`` (codes: -1 none, 0 p1, 1 p2, 2 draw), ``final_obs`` (the last
            observation of each match that ended; zeros elsewhere). Finished matches are
            already reset in the returned obs.
        """
        g = self.game
        actions = np.asarray(actions)
        before = g.health[:, 0] - g.health[:, 1]
        active = np.ones(g.n, bool)
        for _ in range(self.frame_skip):
            g.step(actions, active)
            active &= g.phase == FIGHT
            if not active.any():
                break
        delta = (g.health[:, 0] - g.health[:, 1] - before) / MAX_HEALTH
        round_over = g.phase == ROUND_OVER
        last = g.results[np.arange(g.n), np.maximum(g.n_results - 1, 0)]
        g.skip_banner(round_over)
        done = g.phase == MATCH_OVER
        rewards = np.stack([delta, -delta], axis=1).astype(np.float32)
        infos = self._infos()
        infos["round_winner"] = np.where(round_over, last, -1)
        winner = np.full(g.n, -1)
        if done.any():
            wins = g.wins[done]
            winner[done] = np.where(
                wins[:, 0] > wins[:, 1], 0, np.where(wins[:, 1] > wins[:, 0], 1, 2)
            )
        infos["winner"] = winner
        obs = self._obs()
        infos["final_obs"] = np.where(done[:, None, None], obs, 0.0).astype(np.float32)
        if done.any():
            g.reset_games(done, self._seeds(int(done.sum())))
            obs = np.where(done[:, None, None], self._obs(), obs)
        truncated = np.zeros(g.n, bool)
        return obs, rewards, done, truncated, infos

    def close(self) -> None:
        """Nothing to release."""
