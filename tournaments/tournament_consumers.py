"""Websocket ``ws/tournaments/<id>/``: spectators of a tournament get the bracket as it advances.

Server → spectator messages (JSON):
    {"type": "bracket", "tournament": {...}, "entrants": {...}, "bracket": {...},
     "matches": {...}, "live": [match ids], "viewer": {...}}   on connect and after every result
    {"type": "match_started", "key": "W1-2", "match": <Match id>}  when a game begins
Nothing is read from the spectator. A private tournament's socket is closed (4404) for anyone
outside its team, like a missing one.
"""

from __future__ import annotations

import json

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from .models import Tournament
from .tournament_selectors import tournament_payload


def _payload_for(user, tournament_id: int) -> dict | None:
    tournament = Tournament.objects.watchable_by(user).filter(pk=tournament_id).first()
    return tournament_payload(tournament) if tournament else None


class TournamentConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = None
        tournament_id = self.scope["url_route"]["kwargs"]["tournament_id"]
        payload = await database_sync_to_async(_payload_for)(self.scope["user"], tournament_id)
        if payload is None:
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        self.group = f"tournament-{tournament_id}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))

    async def tournament_message(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["message"], separators=(",", ":")))

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
