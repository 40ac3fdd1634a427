"""A person's match in the site: their keys against a policy, recorded for imitation learning.

Plain Python (no Django). The match is played by the one runner
(``tournaments.arena.runner.run_match``) in a thread of its own, never on the web server's event
loop; the websocket only passes the person's keys in (:class:`~tournaments.arena.runner.Keys`,
thread-safe) and relays the ticks the loop publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tournaments.agents.dataset import DEFAULT_KEY_NAMES, DatasetWriter
from tournaments.arena import OBS_SIZE, Game, observe
from tournaments.arena.runner import GameLoop, Keys, MatchResult, Player, make_player, run_match

Policy = Callable[[np.ndarray], int]


class LiveMatch:
    """One game: p1 is a person's keys (or a policy, for scripted tests), p2 a policy or Player.

    With ``dataset`` set, every tick of p1's play is recorded: their observation, key states, the
    action those keys made, and whether they won (kill) or lost (death) a round.
    """

    def __init__(
        self,
        *,
        characters: tuple[str, str],
        seed: int,
        p2: Policy | Player | str,
        p2_frame_skip: int = 4,
        p1: Policy | None = None,
        p1_frame_skip: int = 1,
        p1_name: str = "person",
        dataset: Path | None = None,
        meta: dict | None = None,
        round_seconds: int | None = None,
        max_rounds: int = 3,
    ) -> None:
        self.characters = characters
        self.seed = seed
        self.keys = Keys()  # written by the websocket
        self._step_keys = Keys()  # what this tick's decision and recording both see
        self._keys_now = self.keys.get()
        self.p1 = p1
        self.p1_frame_skip = p1_frame_skip
        self.p1_name = p1_name
        self.p2 = make_player(p2, seed=seed + 1, decision_ticks=p2_frame_skip)
        self.rules: dict[str, Any] = {"max_rounds": max_rounds}
        if round_seconds:
            self.rules["round_seconds"] = round_seconds
        self.game: Game | None = None
        self.result: MatchResult | None = None
        self.ticks_played = 0
        """Ticks played so far, over the match: how far a match that raised got."""
        self._obs: np.ndarray | None = None
        self._wins = (0, 0)
        self.writer = (
            DatasetWriter(dataset, obs_shape=(OBS_SIZE,), meta=meta or {})
            if dataset is not None
            else None
        )

    @property
    def done(self) -> bool:
        """The match was played to its end (not stopped)."""
        return self.result is not None and self.result.winner is not None

    @property
    def winner(self) -> str | None:
        return self.result.winner if self.result else None

    def set_keys(self, keys: dict) -> None:
        """The person's key states (any thread)."""
        self.keys.set(keys)

    def _player1(self) -> Player:
        if self.p1 is None:
            return make_player(self._step_keys, name=self.p1_name)
        return make_player(self.p1, seed=self.seed, decision_ticks=self.p1_frame_skip,
                           name=self.p1_name, budget_s=None)  # fmt: skip

    def _before(self, loop: GameLoop) -> None:
        self.game = loop.game
        self._loop = loop
        self._keys_now = self.keys.get()
        self._step_keys.set(self._keys_now)
        if self.writer is not None:
            self._obs = observe(loop.game, 0)
            self._wins = (loop.game.p1.wins, loop.game.p2.wins)

    def _after(self, game: Game, tick: int) -> None:
        self.game = game
        if self.writer is None or self._obs is None:
            return
        keys = self._keys_now
        self.writer.append(
            self._obs,
            self._loop.held[0],
            [keys[k] for k in DEFAULT_KEY_NAMES],
            kill=game.p1.wins > self._wins[0],
            death=game.p2.wins > self._wins[1],
        )
        self._obs = None

    def run(
        self,
        *,
        realtime: bool = True,
        on_tick: Callable[[Game, int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> MatchResult:
        """Plays the match through the runner (blocking: call it from a thread of its own)."""

        def tick(game: Game, n: int) -> None:
            self.ticks_played = n
            self._after(game, n)
            if on_tick:
                on_tick(game, n)

        self.result = run_match(
            [self._player1(), self.p2],
            seed=self.seed,
            characters=self.characters,
            realtime=realtime,
            on_tick=tick,
            stop=stop,
            before_step=self._before,
            **self.rules,
        )
        return self.result

    def close(self) -> int:
        """Finishes the recording; returns how many ticks it holds."""
        if self.writer is None:
            return 0
        self.writer.close()
        return self.writer.ticks
