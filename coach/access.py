"""Open sockets follow team membership: removing a member, or changing their role, reaches the
sockets they already have open.

A socket checks who may use it when it connects. Without this, a member removed from the team
(or a coach made a player) kept what their open sockets gave them: a co-review session's
drawings and playback, a replay's job status, a private tournament's bracket. Each such socket
also joins ``team-access-<team id>`` through the process hub (one subscription per process and
team); a change to a ``Membership`` row (the team pages, the admin, the shell) is announced there
once committed, and the sockets of that user look again: one no longer allowed closes with 4404,
as a refused connect does.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from coach import hub

logger = logging.getLogger(__name__)

EVENT = "team.access"


def group_name(team_id: int) -> str:
    return f"team-access-{team_id}"


def announce(team_id: int, user_id: int) -> None:
    """Tells the sockets of ``user_id`` in ``team_id`` to look again (best effort)."""
    try:
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(group_name(team_id), {"type": EVENT, "user": user_id})
    except Exception as exc:  # noqa: BLE001 - the change is made either way
        # Sockets hear only through the channel layer: with it unreachable (``manage.py demo``
        # before ``serve`` starts Redis) no socket is listening to be told.
        logger.debug("no open socket told of a membership change: %s", exc)


@receiver(post_save, sender="coach.Membership")
@receiver(post_delete, sender="coach.Membership")
def _membership_changed(sender, instance, **kwargs) -> None:
    team_id, user_id = instance.team_id, instance.user_id
    transaction.on_commit(lambda: announce(team_id, user_id))


class FollowsMembership:
    """For a consumer whose use depends on a team: ``watch_team(team_id)`` after connecting,
    ``unwatch_team()`` on disconnect, ``access_event(event)`` from its ``hub_event``, and
    ``access_changed()`` (its own check: close, or take back what the new role does not give)."""

    access_group: str | None = None

    async def watch_team(self, team_id: int) -> None:
        self.access_group = group_name(team_id)
        await hub.join(self.access_group, self)

    async def unwatch_team(self) -> None:
        if self.access_group:
            await hub.leave(self.access_group, self)
            self.access_group = None

    async def access_event(self, event: dict) -> bool:
        """Handles a hub event if it is a membership change; returns whether it was one."""
        if event.get("type") != EVENT:
            return False
        user = self.scope["user"]
        if getattr(user, "pk", None) == event.get("user"):
            await self.access_changed()
        return True

    async def access_changed(self) -> None:
        raise NotImplementedError
