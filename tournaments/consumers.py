"""Websockets of the arena: playing (a person against an agent or a house bot) and spectating.

Neither consumer runs a game loop: matches are stepped by the one runner in a worker (spectated
matches) or in a thread of their own (the play page), which publish ticks to the channel group
``match-<id>``; the consumers join groups and relay.

Play (``ws/play/<opponent>/``; opponent = an agent id, a bot name or ``copycat``), browser → server:
    {"type": "start", "character": "kaito", "opponent_character": "brick"}   (again: a rematch)
    {"type": "keys", "keys": {"left": bool, "right": bool, "up": bool, "down": bool,
                              "punch": bool, "kick": bool, "special": bool}}
server → browser:
    {"type": "ready", "agent": name, "characters": [...]}
    {"type": "frame", "state": {...}}          one per tick (see tournaments.arena.frame_state)
    {"type": "over", "winner": "p1"|"p2"|"draw", "ticks": n, "dataset": id, "match": id}
    {"type": "error", "message": "..."}
    {"type": "error", "message": "the match stopped on an error (<reason>); start again",
     "reason": "<reason>", "ticks": n}     a match that broke mid-play (spectators get "failed")
A player who leaves mid-match (the socket closes) stops it: spectators get "stopped".
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import threading
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import close_old_connections

from coach import hub
from coach.access import FollowsMembership
from coach.reasons import without_server_paths
from tournaments.arena import CHARACTER_NAMES
from tournaments.arena.runner import KEY_NAMES

from . import play, spectate
from .broadcast import Broadcaster, dumps, group_name
from .live import LiveMatch
from .models import error_reason, readable_reason

logger = logging.getLogger(__name__)


class PlayConsumer(AsyncWebsocketConsumer):
    rules: dict = {}
    """Game rules for play matches (``round_seconds``, ``max_rounds``); defaults when empty."""

    # No channel of its own: the match's group comes through the hub (``coach.hub``), and the
    # end of a match is sent to the group addressed to ``member`` (see MatchConsumer's note).
    channel_layer_alias = "play-uses-the-hub"

    async def connect(self) -> None:
        self.member = f"play.{uuid.uuid4().hex}"
        self.opponent = await database_sync_to_async(play.opponent_for)(
            self.scope["user"], self.scope["url_route"]["kwargs"]["agent_id"]
        )
        self.match: LiveMatch | None = None
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.group: str | None = None
        await self.accept()  # then close: a refused handshake is a bare 403 the page cannot read
        if self.opponent is None:
            await self.close(code=4404)
            return
        await self.send_json(
            {"type": "ready", "agent": self.opponent.name, "characters": list(CHARACTER_NAMES)}
        )

    async def send_json(self, data: dict) -> None:
        await self.send(text_data=dumps(data))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except (ValueError, RecursionError):  # not JSON, or nested deeper than Python recurses
            await self.send_json({"type": "error", "message": "messages must be JSON objects"})
            return
        if not isinstance(message, dict):
            await self.send_json({"type": "error", "message": "messages must be JSON objects"})
            return
        if message.get("type") == "keys":
            keys = message.get("keys")
            if not _valid_keys(keys):
                names = ", ".join(KEY_NAMES)
                await self.send_json(
                    {"type": "error", "message": f"keys must map {names} to true or false"}
                )
            elif self.match is not None:
                self.match.set_keys(keys)
        elif message.get("type") != "start":
            shown = str(message.get("type"))[:20]
            await self.send_json(
                {"type": "error", "message": f"unknown message type {shown!r}: send start or keys"}
            )
        else:
            if self.match is not None:
                await self.send_json({"type": "error", "message": "a match is already on"})
                return
            if self.thread is not None:  # the last match's thread is storing its result
                await asyncio.get_running_loop().run_in_executor(None, self.thread.join, 10)
            chars = (message.get("character"), message.get("opponent_character"))
            if not all(c in CHARACTER_NAMES for c in chars):
                await self.send_json({"type": "error", "message": "unknown character"})
                return
            await self.start(chars)

    async def start(self, chars: tuple[str, str]) -> None:
        try:
            match = await database_sync_to_async(play.start_match)(
                self.scope["user"], self.opponent, chars, random.randrange(1 << 30), **self.rules
            )
        except ValueError as exc:
            await self.send_json({"type": "error", "message": str(exc)})
            return
        except Exception:  # the server's fault (its database, say): logged, the player told
            logger.exception("a play match could not be started")
            await self.send_json({"type": "error", "message": play.NOT_STARTED})
            return
        if self.group:
            await hub.leave(self.group, self)
        self.group = group_name(match.match_id)
        await hub.join(self.group, self)
        self.match = match
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self.play,
            args=(match, asyncio.get_running_loop(), self.stopping),
            name=f"play-match-{match.match_id}",
            daemon=True,
        )
        self.thread.start()

    def play(
        self, match: LiveMatch, loop: asyncio.AbstractEventLoop, stop: threading.Event
    ) -> None:
        """The game loop, in its own thread: plays at 60 ticks/s and publishes every tick."""
        broadcaster = Broadcaster(match.match_id, batch=1, loop=loop)
        try:
            result = match.run(realtime=True, on_tick=broadcaster, stop=stop.is_set)
            dataset = play.finish_match(self.scope["user"], self.opponent, match)
            if match.done:
                broadcaster.over(result.winner, result.ticks)
                over = {"type": "over", "winner": result.winner, "ticks": result.ticks,
                        "dataset": str(dataset.pk) if dataset else None,
                        "match": match.match_id}  # fmt: skip
                forfeit = next((g.forfeit for g in result.games if g.forfeit), None)
                if forfeit:  # said on the page: a win in 20 ticks needs its reason
                    who = self.opponent.name if forfeit["side"] == "p2" else "You"
                    over["forfeit"] = f"{who} forfeited at tick {forfeit['tick']}: " + (
                        without_server_paths(str(forfeit["reason"]))
                    )
                broadcaster.send_group(
                    {"type": "play.over", "to": self.member, "text": dumps(over)}
                )
            else:  # its player left: spectators are told, or their page waits on "Live"
                self.tell_stopped(broadcaster, match)
        except Exception as exc:
            logger.exception("play match %s stopped on an error", match.match_id)
            try:  # its web process lives on, so no orphan sweep would ever end it
                play.fail_match(match, exc)
            except Exception:  # noqa: BLE001 - the player is told all the same
                logger.exception("play match %s could not be marked failed", match.match_id)
            reason = readable_reason(error_reason(exc))
            try:  # its spectators too, or their page waits for a tick that never comes
                broadcaster.failed(reason, match.ticks_played)
            except Exception:  # noqa: BLE001 - the player is told all the same
                logger.exception("play match %s: its spectators were not told", match.match_id)
            error = play.stopped_message(reason, match.ticks_played)
            error_event = {"type": "play.over", "to": self.member, "text": dumps(error)}
            broadcaster.send_group(error_event)
        finally:
            close_old_connections()

    @staticmethod
    def tell_stopped(broadcaster: Broadcaster, match: LiveMatch) -> None:
        """Tells the spectators of a match its player left that it stopped, and after how many
        ticks (the row says so too: ``play.finish_match``)."""
        try:
            broadcaster.stopped(play.left_reason(match.p1_name), match.ticks_played)
        except Exception:  # noqa: BLE001 - late joiners still read it from the row
            logger.exception("play match %s: its spectators were not told", match.match_id)

    async def hub_event(self, event: dict) -> None:
        """A message of the match's group, from this process's hub."""
        if event.get("type") == "match.ticks":
            await self.match_ticks(event)
        elif event.get("type") == "play.over" and event.get("to") == self.member:
            await self.play_over(event)

    async def match_ticks(self, event: dict) -> None:
        for tick in json.loads(event["text"])["ticks"]:
            if tick["tick"] > 0:  # one frame per tick played (not the opening state)
                await self.send_json({"type": "frame", "state": tick["state"]})

    async def play_over(self, event: dict) -> None:
        self.match = None
        await self.send(text_data=event["text"])

    async def disconnect(self, code: int) -> None:
        self.stopping.set()
        if self.thread is not None:  # keep what was played so far (the thread stores it)
            await asyncio.get_running_loop().run_in_executor(None, self.thread.join, 10)
        if self.group:
            await hub.leave(self.group, self)


class MatchConsumer(FollowsMembership, hub.HoldsEarlyMessages, AsyncWebsocketConsumer):
    """A spectator of one match: joins ``match-<id>`` and relays what the match's loop publishes.

    No game loop here: the loop runs in a worker (or a thread) and publishes pre-serialised
    messages; this only sends a snapshot on connect and then every later tick, in order. The
    process joins the group once for all its spectators (``coach.hub``); messages that
    arrive while the snapshot is being read wait, and are filtered by tick after it.

    A match played again (its worker taken for dead) is a new run, with the next ``attempt``,
    while the old run may publish for up to a second more: every group message carries its
    run's attempt; those of an older run than the newest seen (snapshot or message) are
    dropped, and a newer run's first message brings a fresh snapshot (it starts over).
    """

    # No channel-layer channel of its own: everything comes through the hub. (An alias with no
    # layer configured makes Channels skip it.) A spectator's own channel only waited for
    # nothing, and cancelling that wait when the spectator left could hang in channels_redis's
    # receive past Daphne's 10 s ("took too long to shut down and was killed").
    channel_layer_alias = "match-spectators-use-the-hub"

    async def connect(self) -> None:
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        self.match = await database_sync_to_async(spectate.match_for)(
            self.scope["user"], match_id, recent=True
        )
        if self.match is None:
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        self.group = group_name(self.match.pk)
        self.sent = -1
        self.attempt = 1  # the run of the match this socket follows: the newest seen
        self.hold()  # group messages that arrive before the snapshot
        await hub.join(self.group, self)
        if not self.match.public and self.match.team_id is not None:
            await self.watch_team(self.match.team_id)  # a private match: its team's only
        await self.accept()
        await self.send_snapshot()
        await self.release()

    async def send_snapshot(self) -> None:
        snap, over, attempt = await database_sync_to_async(spectate.snapshot)(self.match)
        self.sent = snap["tick"]
        self.attempt = max(self.attempt, attempt)
        await self.send(text_data=dumps(snap))
        if over is not None:
            await self.send(text_data=dumps(over))

    async def disconnect(self, code: int) -> None:
        await self.unwatch_team()
        if getattr(self, "group", None):
            await hub.leave(self.group, self)

    async def access_changed(self) -> None:
        still = await database_sync_to_async(spectate.match_for)(
            self.scope["user"], self.match.pk, recent=True
        )
        if still is None:
            await self.close(code=4404)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # spectators only listen

    async def hub_event(self, event: dict) -> None:
        """A message of the match's group, from this process's hub."""
        if await self.access_event(event) or self.held(event):
            return
        handler = {"match.ticks": self.match_ticks, "match.restart": self.match_restart,
                   "match.over": self.match_over}.get(event.get("type"))  # fmt: skip
        if handler is None:
            return
        attempt = event.get("attempt", 1)
        if attempt < self.attempt:
            return  # from a run whose match another run has taken over since
        if attempt > self.attempt:  # the match played again: start over from the new run's
            self.attempt = attempt
            await self.send_snapshot()
        await handler(event)

    async def match_ticks(self, event: dict) -> None:
        if event["last"] <= self.sent:
            return
        if event["first"] > self.sent:
            await self.send(text_data=event["text"])
        else:  # joined in the middle of this batch: only the ticks after the snapshot
            ticks = [t for t in json.loads(event["text"])["ticks"] if t["tick"] > self.sent]
            await self.send(text_data=dumps({"type": "ticks", "ticks": ticks}))
        self.sent = event["last"]

    async def match_restart(self, event: dict) -> None:
        pass  # a newer run's restart brought its snapshot (hub_event); this run's needs none

    async def match_over(self, event: dict) -> None:
        await self.send(text_data=event["text"])


def _valid_keys(keys: object) -> bool:
    """A ``keys`` message's map: key names the game knows, each true or false."""
    return isinstance(keys, dict) and all(
        name in KEY_NAMES and isinstance(held, bool) for name, held in keys.items()
    )
