"""The one match loop: every match in the project (tests, evaluation, the play page, tournaments,
exhibitions, videos) is stepped here.

Plain Python (no Django). A match is best-of-N games; a game is one ``Game`` (itself best of
``max_rounds`` rounds). Each side is a :class:`Player`: a policy ``obs -> action`` (a bot, an
agent) or a person's keys. Policies decide every ``decision_ticks`` ticks and hold the action.

Time budget: each decision may use ``budget_s`` of CPU time of the deciding thread
(``time.thread_time``, default 2 ms; the garbage collector is paused during the call so a
collection triggered by the other side is not billed to it). A policy that raises, returns an
invalid action or runs over its budget forfeits that game: the game ends at that tick, the other
side wins it, and the reason is logged and kept in the game's record (``forfeit``). As in Kaggle's
simulations (a per-step timeout plus an overage reserve), a decision's excess over the budget is
first drawn from a small reserve per game (``overage_s``, default 20 ms): one slow decision caused
by the machine (a page fault, a busy core) does not lose a game; a policy that is slow all the time
spends the reserve within a few decisions and forfeits.

Every game keeps its :class:`MatchRecord` (seed, characters, rules, action log), so
:func:`replay_result` reproduces a finished match exactly, forfeits included.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .actions import N_ACTIONS, action_from_keys
from .bots import BOT_NAMES, make_bot
from .game import BANNER_TICKS, ROUND_SECONDS, TICKS_PER_SECOND, Game
from .obs import observe
from .replay import MatchRecord, record_of, replay_match

logger = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 0.002
DEFAULT_OVERAGE_S = 0.020
"""CPU time one decision may take (thread CPU time)."""
MAX_GAME_TICKS = 200_000
"""Safety stop for one game; a best-of-three at 99 s per round ends long before."""
KEY_NAMES = ("left", "right", "up", "down", "punch", "kick", "special")

Policy = Callable[[np.ndarray], int]


class Forfeit(Exception):
    """Raised inside the loop when a side forfeits the game; ``side`` is 0 or 1."""

    def __init__(self, side: int, reason: str) -> None:
        super().__init__(reason)
        self.side, self.reason = side, reason


class Keys:
    """A person's key states, written by any thread (a websocket) and read by the loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys = dict.fromkeys(KEY_NAMES, False)

    def set(self, keys: dict[str, Any]) -> None:
        """Replaces the key states (unknown names are ignored, missing ones are released)."""
        with self._lock:
            self._keys = {name: bool(keys.get(name, False)) for name in KEY_NAMES}

    def get(self) -> dict[str, bool]:
        """A copy of the current key states."""
        with self._lock:
            return dict(self._keys)


@dataclass
class Player:
    """One side of a match.

    Attributes:
        name: shown to spectators and stored in the record.
        policy: ``obs -> action`` over the own-perspective state vector, or None for a person.
        keys: a person's keys (when ``policy`` is None).
        decision_ticks: the policy decides every this many ticks and holds its action.
        budget_s: CPU seconds one decision may take; None for no limit (people, trusted bots).
        overage_s: CPU seconds over budget a policy may add up in one game before it forfeits.
        reset: called with the game seed before each game (recurrent state, bot generators).
        observe: ``observe(game, side) -> obs`` (default: the own-perspective state vector).
        warm_up: an untimed call before the first game, in the thread that plays the match
            (torch's first call in a thread allocates and sets up; that is not thinking).
    """

    name: str
    policy: Policy | None = None
    keys: Keys | None = None
    decision_ticks: int = 4
    budget_s: float | None = DEFAULT_BUDGET_S
    overage_s: float = DEFAULT_OVERAGE_S
    reset: Callable[[int], None] | None = None
    observe: Callable[[Game, int], Any] | None = None
    warm_up: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if self.policy is None and self.keys is None:
            raise ValueError(f"player {self.name!r} needs a policy or keys")
        self.decision_ticks = max(1, int(self.decision_ticks))


def make_player(
    spec: Any,
    *,
    seed: int = 0,
    name: str | None = None,
    decision_ticks: int = 4,
    budget_s: float | None = DEFAULT_BUDGET_S,
) -> Player:
    """A :class:`Player` from a bot name, a bot/agent object (``act``), a callable or a Player.

    Args:
        spec: ``"random"``/``"cpu_easy"``/``"cpu_medium"``/``"cpu_hard"``, an object with
            ``act(obs)``, a callable ``obs -> action``, a :class:`Keys`, or a Player (returned).
        seed: seeds a bot made from its name.
        name: the player's name (default: the bot name or the object's ``name``).
        decision_ticks: ticks per decision.
        budget_s: CPU budget per decision (None: unlimited); built-in bots named by a string
            have none.
    """
    if isinstance(spec, Player):
        return spec
    if isinstance(spec, Keys):
        return Player(name or "person", keys=spec, decision_ticks=1, budget_s=None)
    if isinstance(spec, str):
        if spec not in BOT_NAMES:
            raise ValueError(f"unknown bot {spec!r}; one of {', '.join(BOT_NAMES)}")
        spec = make_bot(spec, seed=seed)
        # The built-in bots are the project's own code: trusted, never timed out. Timing them would
        # let a busy machine hand their games to the other side.
        budget_s = None
    act = getattr(spec, "act", spec)
    if not callable(act):
        raise ValueError(f"player {spec!r} is neither a bot name nor callable obs -> action")
    reset = getattr(spec, "reset", None)
    return Player(
        name or str(getattr(spec, "name", None) or getattr(act, "__name__", "agent")),
        policy=act,
        decision_ticks=decision_ticks,
        budget_s=budget_s,
        reset=_resetter(reset) if callable(reset) else None,
    )


def _resetter(reset: Callable[..., Any]) -> Callable[[int], None]:
    def call(seed: int) -> None:
        try:
            reset(seed)
        except TypeError:  # reset() without a seed (agents)
            reset()

    return call


class GameLoop:
    """One game stepped tick by tick: decisions, budgets, forfeits and the action log.

    Args:
        players: (p1, p2).
        game: a fresh :class:`Game`.
        on_error: ``"forfeit"`` (a failing policy loses the game) or ``"raise"``.
    """

    def __init__(self, players: Sequence[Player], game: Game, *, on_error: str = "forfeit") -> None:
        if len(players) != 2:
            raise ValueError("players must be a pair (p1, p2)")
        self.players = tuple(players)
        self.game = game
        self.on_error = on_error
        self.held = [0, 0]
        self.log = bytearray()
        self.forfeit: dict[str, Any] | None = None
        self.cpu_s = [0.0, 0.0]
        self.overage_left = [p.overage_s for p in self.players]
        self.decisions = [0, 0]

    @property
    def done(self) -> bool:
        """The game is over (decided, forfeited, or at the safety stop)."""
        return self.forfeit is not None or self.game.done or self.game.tick >= MAX_GAME_TICKS

    def _decide(self, side: int) -> int:
        player, game = self.players[side], self.game
        if player.policy is None:
            keys = player.keys.get()  # type: ignore[union-attr]
            facing_right = (game.p1 if side == 0 else game.p2).facing > 0
            return action_from_keys(**keys, facing_right=facing_right)
        obs = (player.observe or observe)(game, side)
        enabled = gc.isenabled()
        gc.disable()
        c0 = time.thread_time()
        try:
            raw = player.policy(obs)
        except Exception as exc:  # noqa: BLE001 - any failure of an agent is its forfeit
            raise Forfeit(side, f"raised {type(exc).__name__}: {exc}") from exc
        finally:
            spent = time.thread_time() - c0
            if enabled:
                gc.enable()
        self.cpu_s[side] += spent
        self.decisions[side] += 1
        if player.budget_s is not None and spent > player.budget_s:
            self.overage_left[side] -= spent - player.budget_s
            if self.overage_left[side] < 0:
                raise Forfeit(
                    side,
                    f"decision took {spent * 1000:.2f} ms CPU, over its "
                    f"{player.budget_s * 1000:.2f} ms budget, with its "
                    f"{player.overage_s * 1000:.0f} ms reserve for the game spent",
                )
        try:
            action = int(raw)
        except (TypeError, ValueError) as exc:
            raise Forfeit(side, f"returned {raw!r}, not an action") from exc
        if not 0 <= action < N_ACTIONS:
            raise Forfeit(side, f"returned action {action}, outside 0..{N_ACTIONS - 1}")
        return action

    def step(self) -> None:
        """Advances one tick (asking each policy whose decision tick it is)."""
        game = self.game
        try:
            for side in (0, 1):
                player = self.players[side]
                if player.policy is None or game.tick % player.decision_ticks == 0:
                    self.held[side] = self._decide(side)
        except Forfeit as exc:
            if self.on_error == "raise":
                raise ValueError(f"{self.players[exc.side].name}: {exc.reason}") from exc
            side = "p1" if exc.side == 0 else "p2"
            self.forfeit = {"side": side, "reason": exc.reason, "tick": game.tick}
            logger.warning(
                "%s (%s) forfeits game (seed %s) at tick %s: %s",
                self.players[exc.side].name, side, game.seed, game.tick, exc.reason,
            )  # fmt: skip
            return
        game.step(self.held[0], self.held[1])
        self.log.append(self.held[0] * 16 + self.held[1])

    def record(self) -> MatchRecord:
        """The game's record so far (a forfeit names the other side the winner)."""
        record = record_of(self.game, bytes(self.log))
        if self.forfeit is not None:
            record.winner = "p2" if self.forfeit["side"] == "p1" else "p1"
            record.forfeit = dict(self.forfeit)
        return record


@dataclass
class MatchResult:
    """A finished (or stopped) best-of-N match.

    Attributes:
        seed: the match seed (game ``i`` is played with seed ``seed + i``).
        players: the two names.
        characters: (p1, p2).
        best_of: games in the match (first to ``best_of // 2 + 1`` wins).
        games: each game's record (with ``forfeit`` when a side forfeited it).
        winner: ``"p1"``, ``"p2"``, ``"draw"``, or None when stopped before the end.
        ticks: ticks played over all games.
    """

    seed: int
    players: tuple[str, str]
    characters: tuple[str, str]
    best_of: int
    games: list[MatchRecord] = field(default_factory=list)
    winner: str | None = None
    ticks: int = 0

    @property
    def forfeits(self) -> list[dict[str, Any]]:
        """The forfeits, each with its game index."""
        return [{**g.forfeit, "game": i} for i, g in enumerate(self.games) if g.forfeit]

    def score(self) -> tuple[int, int]:
        """Games won by p1 and p2."""
        return (
            sum(g.winner == "p1" for g in self.games),
            sum(g.winner == "p2" for g in self.games),
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (each game's action log base64-encoded)."""
        return {
            "seed": self.seed,
            "players": list(self.players),
            "characters": list(self.characters),
            "best_of": self.best_of,
            "games": [g.to_dict() for g in self.games],
            "winner": self.winner,
            "ticks": self.ticks,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MatchResult:
        """Inverse of ``to_dict``."""
        return cls(
            seed=d["seed"],
            players=tuple(d["players"]),
            characters=tuple(d["characters"]),
            best_of=d["best_of"],
            games=[MatchRecord.from_dict(g) for g in d["games"]],
            winner=d.get("winner"),
            ticks=d.get("ticks", 0),
        )


TickCallback = Callable[[Game, int], None]
"""``on_tick(game, match_tick)``: called before a game's first tick and after every tick."""


def run_match(
    players: Sequence[Any],
    *,
    seed: int,
    characters: tuple[str, str] = ("kaito", "brick"),
    best_of: int = 1,
    max_rounds: int = 3,
    round_seconds: int = ROUND_SECONDS,
    banner_ticks: int = BANNER_TICKS,
    on_tick: TickCallback | None = None,
    on_game_over: Callable[[int, MatchRecord], None] | None = None,
    realtime: bool = False,
    tick_rate: float = TICKS_PER_SECOND,
    stop: Callable[[], bool] | None = None,
    on_error: str = "forfeit",
    before_step: Callable[[GameLoop], None] | None = None,
) -> MatchResult:
    """Plays a best-of-``best_of`` match and returns its result and records.

    Args:
        players: (p1, p2): :class:`Player` objects or anything :func:`make_player` accepts
            (bots are seeded from ``seed``: p1 with ``seed``, p2 with ``seed + 1``).
        seed: the match seed; game ``i`` uses ``seed + i``.
        characters: (p1, p2) character names.
        best_of: odd number of games; the first to win a majority wins the match. Drawn games
            count for nobody; a match level at the end is a ``"draw"``.
        max_rounds: rounds per game.
        round_seconds: the round timer.
        banner_ticks: K.O./winner banner ticks after each round.
        on_tick: ``on_tick(game, match_tick)`` before each game's first tick and after every
            tick (``match_tick`` counts from 0 over the whole match): broadcast, render, record.
        on_game_over: ``on_game_over(index, record)`` after each game.
        realtime: pace the loop at ``tick_rate`` ticks per second (else as fast as possible).
        tick_rate: ticks per second when ``realtime``.
        stop: polled every tick; True ends the match early (``winner`` None).
        on_error: ``"forfeit"`` (default) or ``"raise"`` (a failing policy raises ValueError).
        before_step: called with the :class:`GameLoop` before every tick (recorders read the
            observation there; the action taken is ``loop.held`` in the next ``on_tick``).

    Returns:
        The :class:`MatchResult`.
    """
    if best_of < 1 or best_of % 2 == 0:
        raise ValueError(f"best_of must be odd and at least 1, got {best_of}")
    pair = [make_player(p, seed=seed + i) for i, p in enumerate(players)]
    if len(pair) != 2:
        raise ValueError("players must be a pair (p1, p2)")
    result = MatchResult(
        seed=seed,
        players=(pair[0].name, pair[1].name),
        characters=(characters[0], characters[1]),
        best_of=best_of,
    )
    need = best_of // 2 + 1
    period = 1.0 / tick_rate
    next_at = time.monotonic()
    match_tick = 0
    for player in pair:
        if player.warm_up is not None:
            try:
                player.warm_up()
            except Exception:  # noqa: BLE001 - the first real decision raises and forfeits
                pass
    for index in range(best_of):
        game = Game(
            characters,
            seed=seed + index,
            max_rounds=max_rounds,
            round_seconds=round_seconds,
            banner_ticks=banner_ticks,
        )
        result.characters = game.characters
        for side, player in enumerate(pair):
            if player.reset is not None:
                player.reset(game.seed + side)
        loop = GameLoop(pair, game, on_error=on_error)
        if on_tick:
            on_tick(game, match_tick)
        while not loop.done:
            if stop is not None and stop():
                result.games.append(loop.record())
                result.ticks = match_tick
                return result
            if before_step:
                before_step(loop)
            loop.step()
            if loop.forfeit is not None:
                break
            match_tick += 1
            if on_tick:
                on_tick(game, match_tick)
            if realtime:
                next_at += period
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                elif delay < -1.0:  # far behind (a stall): don't race to catch up
                    next_at = time.monotonic()
        record = loop.record()
        result.games.append(record)
        if on_game_over:
            on_game_over(index, record)
        wins = result.score()
        if max(wins) >= need or (best_of - index - 1) < abs(wins[0] - wins[1]):
            break
    wins = result.score()
    result.winner = "p1" if wins[0] > wins[1] else "p2" if wins[1] > wins[0] else "draw"
    result.ticks = match_tick
    return result


def replay_result(result: MatchResult, on_tick: TickCallback | None = None) -> list[Game]:
    """Re-runs every game of a result from its seed and action log; returns the final games.

    ``replay_result(r)[i].state_hash() == r.games[i].final_hash`` for every game, forfeits
    included (a forfeited game ends at its forfeit tick).
    """
    games = []
    match_tick = 0
    for record in result.games:

        def hook(game: Game, base: int = match_tick) -> None:
            if on_tick:
                on_tick(game, base + game.tick)

        games.append(replay_match(record, on_tick=hook if on_tick else None))
        match_tick += record.ticks
    return games
