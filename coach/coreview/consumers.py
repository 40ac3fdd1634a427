"""``ws/coreview/<replay_id>/``: a live co-review session on one replay (see the README).

Every socket of a team member joins the group ``coreview-<replay_id>`` and hears when a session
starts, changes or ends. Playback (frame, play, pause) is taken from the session's leader only;
drawings, "notes-changed" and "sync" (a follower asks where the leader is) from anyone in the
session; each is relayed with ``group_send`` to the others who joined it. The consumer only
relays: no loop runs here, and the database is reached through the small helpers below.

Like the match spectators, a socket takes no channel-layer channel of its own: the process joins
the group once (``coach.hub``) and hands each message to its sockets. Cancelling a
socket's own channel-layer receive when it closed could hang in channels_redis past Daphne's
10 s ("took too long to shut down and was killed"); a socket is known by ``member`` instead.
"""

from __future__ import annotations

import json
import math
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from coach import hub
from coach.access import FollowsMembership

from . import services

MAX_SHAPE_CHARS = 16_000
MAX_FRAME = 10**8
PLAYBACK = ("frame", "play", "pause")


def group_name(replay_id: int) -> str:
    return f"coreview-{replay_id}"


@database_sync_to_async
def replay_and_role(user, replay_id: int) -> tuple[int, bool, int] | None:
    """(replay id, whether the user may lead, the replay's team id), or None: not theirs."""
    replay = services.replay_for(user, replay_id)
    return (replay.pk, replay.team.is_coached_by(user), replay.team_id) if replay else None


@database_sync_to_async
def start(user, replay_id: int, channel_name: str) -> int:
    replay = services.replay_for(user, replay_id)
    if replay is None:  # no longer in the team
        raise services.SessionError("this replay is no longer yours to review")
    return services.live_session_start(replay=replay, leader=user, channel_name=channel_name).pk


@database_sync_to_async
def join(user, replay_id: int, channel_name: str) -> int:
    return services.live_session_join(replay_id=replay_id, user=user, channel_name=channel_name).pk


@database_sync_to_async
def leave(channel_name: str) -> bool:
    return services.live_session_leave(channel_name=channel_name) is not None


@database_sync_to_async
def end(user, replay_id: int) -> None:
    services.live_session_end(replay_id=replay_id, user=user)


state = database_sync_to_async(services.session_state)


def playback(message: dict) -> dict:
    """The frame/play/pause message to relay, or ValueError if it is malformed."""
    frame = message.get("frame")
    if not isinstance(frame, int) or isinstance(frame, bool) or not 0 <= frame < MAX_FRAME:
        raise ValueError("frame must be a frame number")
    out = {"type": message["type"], "frame": frame}
    if message["type"] != "frame":
        t = message.get("time")
        if not isinstance(t, int | float) or isinstance(t, bool) or not math.isfinite(t) or t < 0:
            raise ValueError("time must be the media time in seconds")
        out["time"] = float(t)
    return out


def drawing(message: dict) -> dict:
    shape = message.get("shape")
    if shape is not None and not isinstance(shape, dict):
        raise ValueError("shape must be an object or null")
    if len(json.dumps(shape)) > MAX_SHAPE_CHARS:
        raise ValueError("the drawing is too large")
    return {"type": "drawing", "shape": shape, "done": bool(message.get("done"))}


class CoReviewConsumer(FollowsMembership, AsyncWebsocketConsumer):
    # No channel of its own (see the module's docstring): an alias with no layer makes Channels
    # skip it; group messages come through the hub, and ``member`` names this socket.
    channel_layer_alias = "coreview-uses-the-hub"

    async def connect(self) -> None:
        self.group, self.session_id, self.leading = None, None, False
        self.member = f"coreview.{uuid.uuid4().hex}"
        user = self.scope["user"]
        found = await replay_and_role(user, int(self.scope["url_route"]["kwargs"]["replay_id"]))
        if found is None:
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        self.replay_id, self.can_lead, team_id = found
        self.group = group_name(self.replay_id)
        await hub.join(self.group, self)
        await self.watch_team(team_id)
        await self.accept()
        you = {**services.person(user), "can_lead": self.can_lead}
        await self.send_json({"type": "hello", "you": you, "session": await state(self.replay_id)})

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        await self.unwatch_team()
        await hub.leave(self.group, self)
        was_in = self.session_id is not None
        if await leave(self.member) and was_in:  # always: its row may outlive its session
            await self.broadcast_state()

    async def hub_event(self, event: dict) -> None:
        """A message of the replay's group, from this process's hub."""
        if await self.access_event(event):
            return
        if event.get("type") == "coreview.session":
            await self.coreview_session(event)
        elif event.get("type") == "coreview.relay":
            await self.coreview_relay(event)

    async def send_json(self, data: dict) -> None:
        await self.send(text_data=json.dumps(data, separators=(",", ":")))

    async def error(self, message: str) -> None:
        await self.send_json({"type": "error", "message": message})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            message = json.loads(text_data or "")
            kind = message["type"]
        except (ValueError, RecursionError, TypeError, KeyError, IndexError):  # not an object
            await self.error('messages are JSON objects with a "type"')
            return
        user = self.scope["user"]
        try:
            if kind == "start":
                self.session_id = await start(user, self.replay_id, self.member)
                self.leading = True
                await self.broadcast_state()
            elif kind == "join":
                self.session_id = await join(user, self.replay_id, self.member)
                self.leading = False
                await self.broadcast_state()
            elif kind == "leave" and self.session_id is not None:
                await leave(self.member)
                self.session_id, self.leading = None, False
                await self.broadcast_state()
            elif kind == "end":
                await end(user, self.replay_id)
                await self.broadcast_state()
            elif kind in PLAYBACK:
                if not self.leading:
                    raise services.SessionError("only the session's leader steers playback")
                await self.relay(playback(message))
            elif kind in ("drawing", "notes-changed", "sync"):
                if self.session_id is None:
                    raise services.SessionError("join the live session first")
                await self.relay(drawing(message) if kind == "drawing" else {"type": kind})
            else:
                await self.error(f"unknown message type {kind!r}")
        except (services.SessionError, ValueError) as exc:
            await self.error(str(exc))

    async def access_changed(self) -> None:
        """Removed from the team: closed (leaving the session). Made a player while leading:
        the session ends, as it does when its leader ends it."""
        found = await replay_and_role(self.scope["user"], self.replay_id)
        if found is None:
            await self.close(code=4404)
            return
        self.can_lead = found[1]
        if self.leading and not self.can_lead:
            try:
                await end(self.scope["user"], self.replay_id)
            except services.SessionError:
                pass  # it had ended already
            self.session_id, self.leading = None, False
            await self.broadcast_state()
            await self.error("you are no longer a coach of this team: the live session ended")

    async def relay(self, message: dict) -> None:
        message["from"] = self.scope["user"].pk
        await get_channel_layer().group_send(
            self.group,
            {
                "type": "coreview.relay",
                "session": self.session_id,
                "sender": self.member,
                "message": message,
            },
        )

    async def broadcast_state(self) -> None:
        await get_channel_layer().group_send(
            self.group, {"type": "coreview.session", "session": await state(self.replay_id)}
        )

    async def coreview_session(self, event: dict) -> None:
        session = event["session"]
        if session is None or session["id"] != self.session_id:
            self.session_id, self.leading = None, False  # ended, or replaced by a new one
        await self.send_json({"type": "session", "session": session})

    async def coreview_relay(self, event: dict) -> None:
        if event["sender"] != self.member and event["session"] == self.session_id:
            await self.send_json(event["message"])
