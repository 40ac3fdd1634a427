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

from coach import hub
from coach.access import FollowsMembership

from .models import Tournament
from .tournament_selectors import tournament_payload


def _payload_for(user, tournament_id: int) -> dict | None:
    tournament = Tournament.objects.watchable_by(user).filter(pk=tournament_id).first()
    return tournament_payload(tournament) if tournament else None


@database_sync_to_async
def _may_watch(user, tournament_id: int) -> bool:
    return Tournament.objects.watchable_by(user).filter(pk=tournament_id).exists()


@database_sync_to_async
def _private_team(tournament_id: int) -> int | None:
    """The team whose members alone may watch it (None: public, anyone may)."""
    return (
        Tournament.objects.filter(pk=tournament_id, public=False)
        .values_list("team_id", flat=True)
        .first()
    )


class TournamentConsumer(FollowsMembership, hub.HoldsEarlyMessages, AsyncWebsocketConsumer):
    """A tournament page's socket. Like match spectators, it takes no channel-layer channel of its
    own: the process joins ``tournament-<id>`` once (``coach.hub``) for all its sockets, so a
    crowd costs Redis nothing more and closing a socket never waits on a cancelled Redis read."""

    channel_layer_alias = "tournament-spectators-use-the-hub"

    async def connect(self) -> None:
        self.group = None
        tournament_id = self.scope["url_route"]["kwargs"]["tournament_id"]
        if not await _may_watch(self.scope["user"], tournament_id):
            await self.accept()  # then close: a refused handshake is a bare 403
            await self.close(code=4404)
            return
        # In the group before the bracket is read, so no result falls between the two; what
        # comes meanwhile waits and follows the bracket (each carries the newer state).
        self.hold()
        self.group = f"tournament-{tournament_id}"
        await hub.join(self.group, self)
        payload = await database_sync_to_async(_payload_for)(self.scope["user"], tournament_id)
        await self.accept()
        if payload is None:  # deleted meanwhile
            await self.close(code=4404)
            return
        if (team_id := await _private_team(tournament_id)) is not None:
            await self.watch_team(team_id)
        await self.send(text_data=json.dumps(payload, separators=(",", ":")))
        await self.release()

    async def hub_event(self, event: dict) -> None:
        """A message of the tournament's group, from this process's hub."""
        if await self.access_event(event) or self.held(event):
            return
        if event.get("type") == "tournament.message":
            await self.tournament_message(event)

    async def tournament_message(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["message"], separators=(",", ":")))

    async def disconnect(self, code: int) -> None:
        await self.unwatch_team()
        if self.group:
            await hub.leave(self.group, self)

    async def access_changed(self) -> None:
        tournament_id = self.scope["url_route"]["kwargs"]["tournament_id"]
        if not await _may_watch(self.scope["user"], tournament_id):
            await self.close(code=4404)
