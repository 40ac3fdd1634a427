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

from .models import Replay
from .progress import group_name


@database_sync_to_async
def visible_status(user, replay_id: int) -> dict | None:
    replay = Replay.objects.visible_to(user).filter(pk=replay_id).first()
    return replay.status_dict() if replay else None


class ReplayProgressConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = None
        replay_id = int(self.scope["url_route"]["kwargs"]["replay_id"])
        status = await visible_status(self.scope["user"], replay_id)
        if status is None:
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        self.group = group_name(replay_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps({"type": "status", **status, "eta_s": None}))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def replay_status(self, event: dict) -> None:
        await self.send(text_data=json.dumps({**event, "type": "status"}))
