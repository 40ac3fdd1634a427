"""Websocket play: a person plays an agent in the browser; the server runs the game at 60 Hz.

Messages (JSON), browser → server:
    {"type": "start", "character": "kaito", "opponent_character": "brick"}
    {"type": "keys", "keys": {"left": bool, "right": bool, "up": bool, "down": bool,
                              "punch": bool, "kick": bool, "special": bool}}
server → browser:
    {"type": "ready", "agent": name, "characters": [...]}
    {"type": "frame", "state": {...}}          one per tick (see tournaments.live.frame_state)
    {"type": "over", "winner": "p1"|"p2"|"draw", "ticks": n, "dataset": id}
    {"type": "error", "message": "..."}
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from tournaments.arena import CHARACTER_NAMES, frame_state

from . import play, spectate
from .broadcast import dumps, group_name
from .live import LiveMatch

TICK_S = 1 / 60


class PlayConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope["user"]
        self.agent = await database_sync_to_async(play.agent_for)(
            user, self.scope["url_route"]["kwargs"]["agent_id"]
        )
        self.match: LiveMatch | None = None
        self.loop_task: asyncio.Task | None = None
        if self.agent is None:
            await self.close(code=4404)
            return
        await self.accept()
        await self.send_json(
            {"type": "ready", "agent": self.agent.name, "characters": list(CHARACTER_NAMES)}
        )

    async def send_json(self, data: dict) -> None:
        await self.send(text_data=json.dumps(data, separators=(",", ":")))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
        except json.JSONDecodeError:
            await self.send_json({"type": "error", "message": "messages must be JSON"})
            return
        if message.get("type") == "keys" and self.match is not None:
            self.match.set_keys(message.get("keys") or {})
        elif message.get("type") == "start" and self.loop_task is None:
            chars = (message.get("character"), message.get("opponent_character"))
            if not all(c in CHARACTER_NAMES for c in chars):
                await self.send_json({"type": "error", "message": "unknown character"})
                return
            self.match = await database_sync_to_async(play.start_match)(
                self.scope["user"], self.agent, chars, random.randrange(1 << 30)
            )
            self.loop_task = asyncio.create_task(self.run())

    async def run(self) -> None:
        match = self.match
        next_tick = time.monotonic()
        while not match.done:
            match.step()
            await self.send_json({"type": "frame", "state": frame_state(match.game)})
            next_tick += TICK_S
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
        dataset = await database_sync_to_async(play.finish_match)(
            self.scope["user"], self.agent, match
        )
        self.match = None
        await self.send_json(
            {
                "type": "over",
                "winner": match.game.winner,
                "ticks": match.game.tick,
                "dataset": str(dataset.pk),
            }
        )

    async def disconnect(self, code: int) -> None:
        if self.loop_task is not None and not self.loop_task.done():
            self.loop_task.cancel()
        if self.match is not None:  # keep what was played so far
            await database_sync_to_async(play.finish_match)(
                self.scope["user"], self.agent, self.match
            )
            self.match = None


class MatchConsumer(AsyncWebsocketConsumer):
    """A spectator of one match: joins ``match-<id>`` and relays what the match's loop publishes.

    No game loop here: the loop runs in a worker (or a thread) and publishes pre-serialised
    messages; this only sends a snapshot on connect and then every later tick, in order.
    """

    async def connect(self) -> None:
        match_id = self.scope["url_route"]["kwargs"]["match_id"]
        self.match = await database_sync_to_async(spectate.match_for)(self.scope["user"], match_id)
        if self.match is None:
            await self.close(code=4404)
            return
        self.group = group_name(self.match.pk)
        self.sent = -1
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_snapshot()

    async def send_snapshot(self) -> None:
        snap, over = await database_sync_to_async(spectate.snapshot)(self.match)
        self.sent = snap["tick"]
        await self.send(text_data=dumps(snap))
        if over is not None:
            await self.send(text_data=dumps(over))

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        pass  # spectators only listen

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
        if event.get("attempt", 1) > 1:  # played again after a crash: start over from tick 0
            await self.send_snapshot()

    async def match_over(self, event: dict) -> None:
        await self.send(text_data=event["text"])
