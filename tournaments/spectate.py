"""What a spectator needs from the database: the match if they may watch it, snapshots, replays.

Sync functions (the consumer calls them through ``database_sync_to_async``; views directly).
"""

from __future__ import annotations

import time
from typing import Any

from tournaments.arena import Game, MatchRecord, replay_match

from .broadcast import latest, tick_state
from .matches import match_info
from .models import Match

PUBLIC_TTL_S = 2.0
_public: dict[int, tuple[float, Match, dict[str, Any]]] = {}
"""Recently read public matches and their spectator info: a crowd arriving at once costs one
database read per process, not one per spectator."""


def match_for(user, match_id: Any, *, recent: bool = False) -> Match | None:
    """The match if ``user`` may watch it (public, or their team's), else None.

    ``recent``: a public match read in the last 2 s will do (spectators' sockets; the live
    state itself comes from the cache, not from this row).
    """
    try:
        pk = int(match_id)
    except (TypeError, ValueError):
        return None
    hit = _public.get(pk) if recent else None
    if hit is not None and time.monotonic() - hit[0] < PUBLIC_TTL_S:
        return hit[1]
    match = Match.objects.select_related("p1_agent", "p2_agent").filter(pk=pk).first()
    if match is None or not match.visible_to(user):
        return None
    if match.public:
        _public[pk] = (time.monotonic(), match, match_info(match))
    return match


def _info(match: Match) -> dict[str, Any]:
    hit = _public.get(match.pk)
    if hit is not None and hit[1] is match and time.monotonic() - hit[0] < PUBLIC_TTL_S:
        return hit[2]
    return match_info(match)


def _score(games: list[dict[str, Any]]) -> tuple[int, int]:
    return (
        sum(g.get("winner") == "p1" for g in games),
        sum(g.get("winner") == "p2" for g in games),
    )


def snapshot(match: Match) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ``snapshot`` message for a spectator joining now, and the ``over`` message when the
    match has ended (None otherwise)."""
    now = latest(match.pk) if match.live else None
    if now is not None:  # a live match: the worker's latest tick (and its end, once over)
        snap = {"type": "snapshot", "tick": now["tick"], "t": time.time(), "state": now["state"],
                "match": _info(match)}  # fmt: skip
        over = now.get("over")
        return snap, ({"type": "over", **over} if over else None)
    match.refresh_from_db()
    info = match_info(match)
    if match.state == Match.DONE and match.games:
        last = match.games[-1]
        game = replay_match(MatchRecord.from_dict(last))
        state = tick_state(game, len(match.games) - 1, _score(match.games))
        over = {"type": "over", "winner": match.winner, "ticks": match.ticks,
                "score": list(_score(match.games))}  # fmt: skip
        return {"type": "snapshot", "tick": match.ticks, "t": time.time(), "state": state,
                "match": info}, over  # fmt: skip
    return {"type": "snapshot", "tick": 0, "t": time.time(), "state": opening_state(match),
            "match": info}, None  # fmt: skip


def opening_state(match: Match) -> dict[str, Any]:
    """The state before the first tick of the match."""
    game = Game(
        tuple(match.characters), seed=match.seed, max_rounds=match.max_rounds,
        round_seconds=match.round_seconds,
    )  # fmt: skip
    return tick_state(game, 0, (0, 0))


def replay_frames(match: Match, step: int = 1) -> list[dict[str, Any]]:
    """Every tick of a finished match, replayed from its record: ``[{"tick", "state"}, ...]``."""
    frames: list[dict[str, Any]] = []
    base = 0
    score = [0, 0]
    for index, data in enumerate(match.games):
        record = MatchRecord.from_dict(data)

        def hook(game: Game, base: int = base, index: int = index) -> None:
            tick = base + game.tick
            if tick % step == 0 and not (frames and frames[-1]["tick"] == tick):
                frames.append({"tick": tick, "state": tick_state(game, index, tuple(score))})

        replay_match(record, on_tick=hook)
        base += record.ticks
        if record.winner in ("p1", "p2"):
            score[0 if record.winner == "p1" else 1] += 1
    return frames
