"""One channel-layer subscription per web-server process and match, fanned out in memory.

With channel groups alone, every spectator is a member of ``match-<id>`` and every batch of
ticks is copied into Redis once per spectator and read back once per spectator. Here the
process joins the group ONCE (its hub's channel) and hands each message to its local spectator
consumers, so the cost in Redis is per process, not per spectator.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


class Member(Protocol):
    async def hub_event(self, event: dict[str, Any]) -> None: ...


class Hub:
    """The local spectators of one group, and the task relaying the group's messages to them."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.members: set[Member] = set()
        self.layer = get_channel_layer()
        self.ready = asyncio.Event()
        self.channel: str | None = None
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        self.channel = await self.layer.new_channel()
        await self.layer.group_add(self.group, self.channel)
        self.task = asyncio.create_task(self._relay())
        self.ready.set()

    async def _relay(self) -> None:
        while True:
            event = await self.layer.receive(self.channel)
            for member in list(self.members):
                try:
                    await member.hub_event(event)
                except Exception:  # noqa: BLE001 - one closed socket never stops the others
                    logger.exception("relaying %s to a spectator failed", event.get("type"))

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)


_hubs: dict[str, Hub] = {}


async def join(group: str, member: Member) -> None:
    """Adds a spectator; returns once this process's hub is in the group."""
    hub = _hubs.get(group)
    if hub is None or hub.layer is not get_channel_layer():
        hub = _hubs[group] = Hub(group)
        hub.members.add(member)
        await hub.start()
    else:
        hub.members.add(member)
        await hub.ready.wait()


async def leave(group: str, member: Member) -> None:
    """Removes a spectator; the last one out takes the hub out of the group."""
    hub = _hubs.get(group)
    if hub is None:
        return
    hub.members.discard(member)
    if not hub.members:
        _hubs.pop(group, None)
        await hub.stop()
