"""The replay page's live job status: ``ws/replays/<id>/`` relays the group ``replay-<id>``.

Server → browser only (see ``replays.progress`` for the message). On connect the socket gets
the current status at once, so a page never misses a state written before it subscribed.
Only members of the replay's team (and staff) may connect; anyone else's socket is closed with
code 4404, like the 404 the HTTP views answer.
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from coach import hub
from coach.access import FollowsMembership

from .models import Replay
from .progress import group_name


@database_sync_to_async
def visible_status(user, replay_id: int) -> dict | None:
    replay = Replay.objects.visible_to(user).filter(pk=replay_id).first()
    return {**replay.status_dict(), "team": replay.team_id} if replay else None


class ReplayProgressConsumer(FollowsMembership, hub.HoldsEarlyMessages, AsyncWebsocketConsumer):
    """Takes no channel-layer channel of its own: the process joins ``replay-<id>`` once
    (``coach.hub``) for all its sockets, so closing one never waits on a cancelled Redis read
    (which now and then held a closed socket's consumer for Daphne's 10 s)."""

    channel_layer_alias = "replay-progress-uses-the-hub"

    async def connect(self) -> None:
        self.group = None
        self.replay_id = replay_id = int(self.scope["url_route"]["kwargs"]["replay_id"])
        if await visible_status(self.scope["user"], replay_id) is None:
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        self.hold()  # (a later message carries the newer state)
        self.group = group_name(replay_id)
        await hub.join(self.group, self)
        status = await visible_status(self.scope["user"], replay_id)
        await self.accept()
        if status is None:  # deleted meanwhile
            await self.close(code=4404)
            return
        await self.watch_team(status.pop("team"))
        await self.send(text_data=json.dumps({"type": "status", **status, "eta_s": None}))
        await self.release()

    async def hub_event(self, event: dict) -> None:
        """A message of the replay's group, from this process's hub."""
        if await self.access_event(event) or self.held(event):
            return
        if event.get("type") == "replay.status":
            await self.replay_status(event)

    async def disconnect(self, code: int) -> None:
        await self.unwatch_team()
        if self.group:
            await hub.leave(self.group, self)

    async def access_changed(self) -> None:
        """Removed from the replay's team: the socket closes as a refused connect does."""
        if await visible_status(self.scope["user"], self.replay_id) is None:
            await self.close(code=4404)

    async def replay_status(self, event: dict) -> None:
        await self.send(text_data=json.dumps({**event, "type": "status"}))
