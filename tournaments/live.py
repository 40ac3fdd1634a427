"""A live arena match in the site: the game, who plays each side, and what the browser draws.

Plain Python (no Django): the websocket consumer drives a ``LiveMatch`` tick by tick and sends
``tournaments.arena.frame_state`` to the browser, which draws it (static/js/arena.js).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from tournaments.agents.dataset import DEFAULT_KEY_NAMES, DatasetWriter
from tournaments.arena import OBS_SIZE, Game, MatchRecord, action_from_keys, observe
from tournaments.arena.replay import record_of

Policy = Callable[[np.ndarray], int]


class LiveMatch:
    """A match stepped one tick at a time; p1 is a person's keys or a policy, p2 a policy.

    With ``dataset`` set, every tick of the person's play is recorded: their observation, key
    states, the action those keys made, and whether they won (kill) or lost (death) a round.
    """

    def __init__(
        self,
        *,
        characters: tuple[str, str],
        seed: int,
        p2: Policy,
        p2_frame_skip: int,
        p1: Policy | None = None,
        p1_frame_skip: int = 1,
        dataset: Path | None = None,
        meta: dict | None = None,
    ) -> None:
        self.game = Game(characters, seed=seed)
        self.policies = (p1, p2)
        self.skips = (max(1, p1_frame_skip), max(1, p2_frame_skip))
        self.held = [0, 0]
        self.keys = dict.fromkeys(DEFAULT_KEY_NAMES, False)
        self.actions = bytearray()
        self.writer = (
            DatasetWriter(dataset, obs_shape=(OBS_SIZE,), meta=meta or {})
            if dataset is not None
            else None
        )

    @property
    def done(self) -> bool:
        return self.game.done

    def set_keys(self, keys: dict) -> None:
        for name in DEFAULT_KEY_NAMES:
            self.keys[name] = bool(keys.get(name, False))

    def step(self) -> None:
        game = self.game
        for side in (0, 1):
            policy = self.policies[side]
            if policy is not None and game.tick % self.skips[side] == 0:
                self.held[side] = int(policy(observe(game, side)))
        human_obs = observe(game, 0) if self.writer else None
        if self.policies[0] is None:
            self.held[0] = action_from_keys(**self.keys, facing_right=game.p1.facing > 0)
        wins = (game.p1.wins, game.p2.wins)
        game.step(self.held[0], self.held[1])
        self.actions.append(self.held[0] * 16 + self.held[1])
        if self.writer is not None:
            self.writer.append(
                human_obs,
                self.held[0],
                [self.keys[k] for k in DEFAULT_KEY_NAMES],
                kill=game.p1.wins > wins[0],
                death=game.p2.wins > wins[1],
            )

    def record(self) -> MatchRecord:
        return record_of(self.game, bytes(self.actions))

    def close(self) -> int:
        """Finishes the recording; returns how many ticks it holds."""
        if self.writer is None:
            return 0
        self.writer.close()
        return self.writer.ticks
