"""What a spectator needs from the database: the match if they may watch it, snapshots, replays.

Sync functions (the consumer calls them through ``database_sync_to_async``; views directly).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
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


def spectator_info(match: Match) -> dict[str, Any]:
    """The ``match`` object spectators get (``matches.match_info``: the sides named as the
    bracket names them), from the public cache when this very row was just read."""
    hit = _public.get(match.pk)
    if hit is not None and hit[1] is match and time.monotonic() - hit[0] < PUBLIC_TTL_S:
        return hit[2]
    return match_info(match)


def _score(games: list[dict[str, Any]]) -> tuple[int, int]:
    return (
        sum(g.get("winner") == "p1" for g in games),
        sum(g.get("winner") == "p2" for g in games),
    )


def snapshot(match: Match) -> tuple[dict[str, Any], dict[str, Any] | None, int]:
    """The ``snapshot`` message for a spectator joining now, the ``over`` (or ``failed``, or
    ``stopped``) message when the match has ended (None otherwise), and which run of the match
    the snapshot is of (its ``attempt``, at least 1: the socket drops older runs' messages)."""
    now = latest(match.pk) if match.live else None
    if now is not None:  # a live match: the worker's latest tick (and its end, once over)
        snap = {"type": "snapshot", "tick": now["tick"], "t": time.time(), "state": now["state"],
                "match": spectator_info(match)}  # fmt: skip
        kind = next((k for k in ("over", "failed", "stopped") if now.get(k)), None)
        return snap, ({"type": kind, **now[kind]} if kind else None), now.get("attempt", 1)
    snap, end = _snapshot_from_row(match)
    return snap, end, max(1, match.attempts)


def _snapshot_from_row(match: Match) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """``snapshot``'s answer when no run's latest tick is cached: from the row, read again."""
    match.refresh_from_db()
    info = match_info(match)
    tick, state = 0, None
    if match.replayable:  # its last tick, from the record (a stopped match's: where it stopped)
        game = replay_match(MatchRecord.from_dict(match.games[-1]))
        tick, state = match.ticks, tick_state(game, len(match.games) - 1, _score(match.games))
    end = None
    if match.state == Match.DONE and match.games:
        end = {"type": "over", "winner": match.winner, "ticks": match.ticks,
               "score": list(_score(match.games))}  # fmt: skip
    elif match.failure_text:  # failed or stopped, its last tick no longer cached: say so
        kind = "stopped" if match.state == Match.STOPPED else "failed"
        end = {"type": kind, "ticks": match.ticks, "reason": match.failure_text}
    return {"type": "snapshot", "tick": tick, "t": time.time(),
            "state": state or opening_state(match), "match": info}, end  # fmt: skip


def opening_state(match: Match) -> dict[str, Any]:
    """The state before the first tick of the match."""
    game = Game(
        tuple(match.characters), seed=match.seed, max_rounds=match.max_rounds,
        round_seconds=match.round_seconds,
    )  # fmt: skip
    return tick_state(game, 0, (0, 0))


def replay_frames(match: Match, step: int = 1) -> list[dict[str, Any]]:
    """Every tick of a finished match (a stopped one's up to the stop), replayed from its
    record: ``[{"tick", "state"}, ...]``."""
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


# A finished match's frames, as the JSON array ``frames.json`` serves, kept on this machine's disk
# (``var/cache/match-frames``): replaying a best-of-5 tick by tick takes about 0.6 s of CPU and
# makes 13 MB, and a crowd pressing *Watch the replay* at once held every web thread. The file is
# named by what makes it (the match's record of its games), so a match played again gets a new
# one; the newest FRAMES_CACHE_FILES are kept.
FRAMES_CACHE_FILES = 200
FRAMES_FORMAT = 1  # bump when what a frame holds changes (tick_state): old files are not used
_building: dict[str, threading.Lock] = {}
_building_guard = threading.Lock()


def frames_cache_dir() -> Path:
    from django.conf import settings

    return Path(settings.VAR_DIR) / "cache" / "match-frames"


def replay_frames_file(match: Match) -> Path:
    """The path of the match's frames as a JSON array, made once (one maker per match at a time
    in this process; the others wait for its file)."""
    folder = frames_cache_dir()
    # Named by the record it replays (not only the id: a database made again reuses ids).
    record = json.dumps(match.games, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(record).hexdigest()[:24]
    path = folder / f"match-{match.pk}-{digest}-f{FRAMES_FORMAT}.json"
    with _building_guard:
        lock = _building.setdefault(path.name, threading.Lock())
    try:
        with lock:
            if path.exists():
                os.utime(path)  # recently used: kept by the trim
                return path
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
            try:
                with tmp.open("w") as fh:
                    json.dump(replay_frames(match), fh, separators=(",", ":"))
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
            _trim(folder)
            return path
    finally:
        with _building_guard:
            _building.pop(path.name, None)


def _trim(folder: Path) -> None:
    files = []
    for entry in folder.glob("match-*.json"):
        try:
            files.append((entry.stat().st_mtime, entry))
        except FileNotFoundError:
            continue
    for _, old in sorted(files, reverse=True)[FRAMES_CACHE_FILES:]:
        old.unlink(missing_ok=True)
