"""Publishing a live match to its spectators: the channel group ``match-<id>`` and the latest tick.

The runner's per-tick callback (:class:`Broadcaster`) runs in the thread or worker playing the
match, never on Daphne's event loop. For every tick it stores the latest state in the ``live``
cache (late joiners start from it) and, every ``batch`` ticks, sends ONE pre-serialised message
to the group, so each spectator's consumer only relays text. Ordering rule: a tick is stored as
the latest BEFORE it is sent to the group, so a spectator that joins the group and then reads
the latest tick misses nothing.

Runs of one match: a match played again (its worker was taken for dead) is another run, with
the next ``attempt``, while the old one may still publish until it notices (about a second:
``matches.OWNERSHIP_CHECK_S``). So every group message carries its run's ``attempt`` and a
spectator's socket drops those of an older run than the newest it has seen; each run keeps its
latest tick under a key of its own attempt, and the cache names the newest attempt (only ever
raised), so readers never see the old run's ticks and its clean-up deletes its own key only.

Server → spectator messages (``ws/matches/<id>/``, documented in the README):
    ``{"type": "snapshot", "tick": n, "t": s, "state": {...}, "match": {...}}``
    ``{"type": "ticks", "ticks": [{"tick": n, "t": s, "state": {...}}, ...]}``
    ``{"type": "over", "winner": "p1"|"p2"|"draw", "ticks": n, "score": [p1, p2]}``
    ``{"type": "failed", "ticks": n, "reason": "..."}``  (stopped on an error after n ticks)
    ``{"type": "stopped", "ticks": n, "reason": "..."}``  (stopped before its end: its player
    left; no error)
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

from channels.layers import get_channel_layer
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from tournaments.arena import Game, frame_state

logger = logging.getLogger(__name__)

BATCH_TICKS = 3
"""Ticks per group message at 60 ticks/s: 20 messages a second, at most 50 ms held back."""
LATEST_TTL_S = 3600


def group_name(match_id: int) -> str:
    """The channel group of a match's spectators."""
    return f"match-{match_id}"


def latest_key(match_id: int, attempt: int) -> str:
    """The cache key of one run's latest tick."""
    return f"match-{match_id}-latest-{attempt}"


def attempt_key(match_id: int) -> str:
    """The cache key naming the newest run of a match (absent: its first)."""
    return f"match-{match_id}-attempt"


def dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"))


def tick_state(game: Game, game_index: int, score: tuple[int, int]) -> dict[str, Any]:
    """``frame_state`` plus which game of the match it is, the games won so far and, when the
    win-probability model is there, ``win_p1`` (p1's chance to win this game, 0..1)."""
    state = frame_state(game)
    state["game"] = game_index
    state["score"] = list(score)
    model = win_model()
    if model is not None:
        state["win_p1"] = round(model.p1_win(game), 3)
    return state


_WIN_MODEL: list[Any] = []


def win_model() -> Any:
    """The shipped win-probability model (``tournaments.arena.winprob``), loaded once; None
    when its weights are missing (the bar is then not drawn)."""
    if not _WIN_MODEL:
        from tournaments.arena.winprob import load_default

        _WIN_MODEL.append(load_default())
    return _WIN_MODEL[0]


def latest(match_id: int) -> dict[str, Any] | None:
    """The latest published tick of a live match's newest run: ``{"tick", "t", "state",
    "attempt"}``; None before that run's first tick."""
    cache = caches["live"]
    return cache.get(latest_key(match_id, cache.get(attempt_key(match_id)) or 1))


# KEYS[1] = the attempt key, ARGV = [attempt, ttl]: sets it unless it names a newer run already.
_RAISE_ATTEMPT = """
local now = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if now > tonumber(ARGV[1]) then return now end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return tonumber(ARGV[1])
"""
_raise_lock = threading.Lock()


def raise_attempt(cache: Any, match_id: int, attempt: int) -> int:
    """Names ``attempt`` as the match's newest run unless a newer one is named already (a stale
    run that starts late never hides the newer one's ticks); returns the newest attempt.

    One atomic step: a Lua script on Redis (the site's ``live`` cache), and a lock of this
    process on a cache of its own (the tests' local-memory cache)."""
    key = attempt_key(match_id)
    if isinstance(cache, RedisCache):
        full = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full, write=True)
        return int(client.eval(_RAISE_ATTEMPT, 1, full, attempt, LATEST_TTL_S))
    with _raise_lock:
        now = cache.get(key) or 0
        if now > attempt:
            return now
        cache.set(key, attempt, LATEST_TTL_S)
        return attempt


class Broadcaster:
    """The runner's ``on_tick`` for a live match: stores and sends every tick, in order.

    Args:
        match_id: the match.
        attempt: which run of the match this is (a replay after a crash starts over).
        batch: ticks per group message.
        loop: the event loop of the web server when the match plays in one of its threads:
            sends are handed to it (in order) instead of running an event loop here.
    """

    def __init__(
        self,
        match_id: int,
        *,
        attempt: int = 1,
        batch: int = BATCH_TICKS,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.match_id = match_id
        self.group = group_name(match_id)
        self.attempt = attempt
        self.batch = max(1, batch)
        self.layer = get_channel_layer()
        self.cache = caches["live"]
        self.buffer: list[dict[str, Any]] = []
        self.game_index = 0
        self.score = [0, 0]
        self.last_tick = -1
        self.loop = loop
        self._cache_ok = True
        # In a worker: one event loop of our own for every send (the layer keeps its Redis
        # connections per loop; async_to_sync would make a new loop, and connection, per call).
        self._own_loop = None if loop else asyncio.new_event_loop()
        self._send = (
            self._on_loop(self.layer.group_send) if loop else self._here(self.layer.group_send)
        )

    def _here(self, func):
        def call(*args: Any) -> None:
            self._own_loop.run_until_complete(func(*args))

        return call

    def _on_loop(self, func):
        def call(*args: Any) -> None:
            # Wait for each send: they reach the group in the order the ticks were made.
            asyncio.run_coroutine_threadsafe(func(*args), self.loop).result(timeout=10)

        return call

    def send_group(self, message: dict[str, Any]) -> None:
        """Sends one message to the match's group, after the ticks sent before it."""
        self._send(self.group, message)

    def _store(self, item: dict[str, Any] | None) -> None:
        """Stores (or, None, deletes) this run's latest tick: its own attempt's key only."""
        if not self._cache_ok:
            return
        key = latest_key(self.match_id, self.attempt)
        try:
            if item is None:
                self.cache.delete(key)
            else:
                self.cache.set(key, item, LATEST_TTL_S)
        except Exception:  # noqa: BLE001 - without the cache late joiners start at tick 0
            logger.warning("match %s: the live cache is unreachable", self.match_id)
            self._cache_ok = False

    def start(self) -> None:
        """Names this run the match's newest and tells connected spectators that the match
        (re)starts from tick 0 (its ``attempt``: they drop older runs' messages from then on)."""
        self._store(None)
        if self._cache_ok:
            try:
                raise_attempt(self.cache, self.match_id, self.attempt)
            except Exception:  # noqa: BLE001 - without the cache late joiners start at tick 0
                logger.warning("match %s: the live cache is unreachable", self.match_id)
                self._cache_ok = False
        self._send(self.group, {"type": "match.restart", "attempt": self.attempt})

    def game_over(self, index: int, record: Any) -> None:
        """Counts a finished game (the next states carry the new score)."""
        if record.winner in ("p1", "p2"):
            self.score[0 if record.winner == "p1" else 1] += 1
        self.game_index = index + 1

    def __call__(self, game: Game, match_tick: int) -> None:
        if match_tick <= self.last_tick:  # a new game's opening state repeats the last tick
            return
        self.last_tick = match_tick
        item = {
            "tick": match_tick,
            "t": time.time(),
            "state": tick_state(game, self.game_index, tuple(self.score)),
        }
        self._last = {**item, "attempt": self.attempt}
        self._store(self._last)
        self.buffer.append(item)
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        """Sends the buffered ticks as one message."""
        if not self.buffer:
            return
        ticks, self.buffer = self.buffer, []
        self._send(
            self.group,
            {
                "type": "match.ticks",
                "attempt": self.attempt,
                "first": ticks[0]["tick"],
                "last": ticks[-1]["tick"],
                "text": dumps({"type": "ticks", "ticks": ticks}),
            },
        )

    def over(self, winner: str | None, ticks: int) -> None:
        """Sends what is left and the end of the match (late joiners get it from the cache)."""
        # The final score: the last tick's was taken before its game was counted.
        self._end("over", {"winner": winner, "ticks": ticks, "score": list(self.score)})

    def failed(self, reason: str, ticks: int) -> None:
        """Sends what is left and that the match stopped on an error after ``ticks``, with its
        ``reason`` as spectators may read it (``models.readable_reason``: no server path)."""
        self._end("failed", {"ticks": ticks, "reason": reason})

    def stopped(self, reason: str, ticks: int) -> None:
        """Sends what is left and that the match was stopped before its end after ``ticks``,
        without an error (a play-page player left), with why (``play.left_reason``)."""
        self._end("stopped", {"ticks": ticks, "reason": reason})

    def _end(self, kind: str, end: dict[str, Any]) -> None:
        """The last message of the match (``over``, ``failed`` or ``stopped``), kept with the
        latest tick."""
        self.flush()
        if getattr(self, "_last", None):
            last = {**self._last, "state": {**self._last["state"], "score": list(self.score)}}
            self._store({**last, kind: end})
        over = {"type": "match.over", "attempt": self.attempt, "text": dumps({"type": kind, **end})}
        self._send(self.group, over)

    def abandon(self) -> None:
        """Stops publishing a match another run now plays (it took the row over): the ticks
        still held back are dropped, and this run's latest tick is deleted (its own attempt's
        key: one step, never the other run's tick; late joiners read the other run's). No end
        is sent: the match goes on."""
        self.buffer = []
        self._store(None)

    def close(self) -> None:
        """Closes the worker's own event loop (and the layer's connections on it)."""
        if self._own_loop is not None:
            # channels_redis keeps one connection pool per event loop: drop this loop's.
            pools = getattr(self.layer, "_layers", None)
            mine = pools.pop(self._own_loop, None) if isinstance(pools, dict) else None
            if mine is not None:
                self._own_loop.run_until_complete(mine.flush())
            self._own_loop.close()
            self._own_loop = None
