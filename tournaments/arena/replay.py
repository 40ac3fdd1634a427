"""Playing a match between policies, recording it, and replaying the record bit for bit.

A match is fully described by (seed, characters, rules, per-tick action log): ``replay_match``
re-runs the log through a fresh ``Game`` and reaches the identical final state.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .game import BANNER_TICKS, DRAW, P1_WON, ROUND_SECONDS, TICKS_PER_SECOND, Game

AgentLike = Any  # a bot name, an object with act(obs) -> int, or a callable obs -> int
TickHook = Callable[[Game], None]


@dataclass
class MatchRecord:
    """Everything needed to reproduce a match, and its result.

    Attributes:
        seed: the game seed.
        characters: (p1, p2) character names.
        max_rounds: best of this many rounds.
        round_seconds: round timer.
        banner_ticks: ticks of K.O./winner banners after each round.
        actions: one byte per tick, ``p1_action * 16 + p2_action``.
        winner: ``"p1"``, ``"p2"`` or ``"draw"``.
        round_winners: per round, ``"p1"``, ``"p2"`` or ``"draw"``.
        round_end_ticks: per round, the tick at which it ended (the K.O. or time-out tick; the
            banners appear in the frame of that tick). Seconds = tick / 60.
        ticks: total ticks played (including banner ticks).
        final_hash: ``Game.state_hash()`` at the end.
        forfeit: None, or ``{"side": "p1"|"p2", "reason": str, "tick": n}`` when a side
            forfeited the game at tick n (see ``runner``); the other side is the winner.
    """

    seed: int
    characters: tuple[str, str]
    max_rounds: int
    round_seconds: int
    banner_ticks: int
    actions: bytes = b""
    winner: str | None = None
    round_winners: list[str] = field(default_factory=list)
    round_end_ticks: list[int] = field(default_factory=list)
    ticks: int = 0
    final_hash: str = ""
    forfeit: dict[str, Any] | None = None

    @property
    def round_end_times_s(self) -> list[float]:
        """Round-end (K.O.) times in seconds from the start of the match."""
        return [t / TICKS_PER_SECOND for t in self.round_end_ticks]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the action log base64-encoded)."""
        d = dict(self.__dict__)
        d["characters"] = list(self.characters)
        d["actions"] = base64.b64encode(self.actions).decode("ascii")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MatchRecord:
        """Inverse of ``to_dict``."""
        d = dict(d)
        d["characters"] = tuple(d["characters"])
        d["actions"] = base64.b64decode(d["actions"])
        return cls(**d)


def play_match(
    *,
    seed: int,
    agents: Sequence[AgentLike] = ("cpu_medium", "cpu_medium"),
    characters: tuple[str, str] = ("kaito", "brick"),
    max_rounds: int = 3,
    round_seconds: int = ROUND_SECONDS,
    banner_ticks: int = BANNER_TICKS,
    decision_ticks: int = 4,
    on_tick: TickHook | None = None,
) -> MatchRecord:
    """Play one game between two policies (through ``runner.run_match``) and return its record.

    No time budget here and a failing policy raises (scripts, tests, videos); tournaments and
    the site use ``runner.run_match`` directly, where a failing agent forfeits.

    Args:
        seed: game seed (bot names are also seeded from it).
        agents: (p1, p2): bot names, bot objects or callables ``obs_state -> action``; each
            sees its own-perspective state vector.
        characters: (p1, p2) character names.
        max_rounds: best of this many rounds.
        round_seconds: round timer.
        banner_ticks: ticks the K.O./winner banners stay up after each round.
        decision_ticks: agents decide every this many ticks and hold the action (like
            ``frame_skip`` in the envs).
        on_tick: called with the game before the first tick and after every tick (used to
            render frames).

    Returns:
        The match record.

    Raises:
        ValueError: for a bad pair of agents, decision_ticks, or an action out of range.
    """
    from .runner import make_player, run_match

    if len(agents) != 2:
        raise ValueError("agents must be a pair (p1, p2)")
    if decision_ticks < 1:
        raise ValueError(f"decision_ticks must be at least 1, got {decision_ticks}")
    players = [
        make_player(a, seed=seed + i, decision_ticks=decision_ticks, budget_s=None)
        for i, a in enumerate(agents)
    ]
    result = run_match(
        players,
        seed=seed,
        characters=characters,
        max_rounds=max_rounds,
        round_seconds=round_seconds,
        banner_ticks=banner_ticks,
        on_tick=(lambda game, _tick: on_tick(game)) if on_tick else None,
        on_error="raise",
    )
    return result.games[0]


def record_of(game: Game, log: bytes) -> MatchRecord:
    """The record of a match played on ``game`` with the per-tick action ``log``."""
    names = {P1_WON: "p1", DRAW: "draw"}
    return MatchRecord(
        seed=game.seed,
        characters=game.characters,
        max_rounds=game.max_rounds,
        round_seconds=game.round_seconds,
        banner_ticks=game.banner_ticks,
        actions=log,
        winner=game.winner,
        round_winners=[names.get(r, "p2") for r in game.round_results],
        round_end_ticks=list(game.round_end_ticks),
        ticks=game.tick,
        final_hash=game.state_hash(),
    )


def replay_match(record: MatchRecord, on_tick: TickHook | None = None) -> Game:
    """Re-run a record's action log from its seed and return the final game.

    ``replay_match(r).state_hash() == r.final_hash`` for every record ``play_match`` returns.
    """
    game = Game(
        record.characters,
        seed=record.seed,
        max_rounds=record.max_rounds,
        round_seconds=record.round_seconds,
        banner_ticks=record.banner_ticks,
    )
    if on_tick:
        on_tick(game)
    for byte in record.actions:
        game.step(byte >> 4, byte & 15)
        if on_tick:
            on_tick(game)
    return game
