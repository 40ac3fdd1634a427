"""One channel-layer subscription per web-server process and group, fanned out in memory.

With channel groups alone, every spectator is a member of ``match-<id>`` and every batch of
ticks is copied into Redis once per spectator and read back once per spectator. Here the
process joins the group ONCE (its hub's channel) and hands each message to its local
consumers, so the cost in Redis is per process, not per spectator. Co-review sockets
(``coreview-<replay>``) use it too. No socket holds a channel-layer receive of its own, so
closing one never waits on channels_redis cancelling a blocked read.
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
        self.pending: list[dict[str, Any]] = []
        self.wake = asyncio.Event()
        await self.layer.group_add(self.group, self.channel)
        self.task = asyncio.create_task(self._receive())
        self.fanout = asyncio.create_task(self._fanout())
        self.ready.set()

    async def _receive(self) -> None:
        while True:
            event = await self.layer.receive(self.channel)
            self.pending.append(event)  # (not before the await: the list is swapped meanwhile)
            self.wake.set()

    async def _fanout(self) -> None:
        # Everything that arrived while the last fan-out ran goes out as ONE message per
        # spectator: when the process falls behind, batches grow instead of the backlog.
        while True:
            await self.wake.wait()
            self.wake.clear()
            events, self.pending = self.pending, []
            for event in coalesce(events):
                for member in list(self.members):
                    try:
                        await member.hub_event(event)
                    except Exception:  # noqa: BLE001 - one closed socket never stops the others
                        logger.exception("relaying %s to a spectator failed", event.get("type"))
            await asyncio.sleep(0)

    async def stop(self) -> None:
        for task in (self.task, getattr(self, "fanout", None)):
            if task is not None:
                task.cancel()
        if self.channel is not None:
            await self.layer.group_discard(self.group, self.channel)


TICKS_HEAD, TICKS_TAIL = '{"type":"ticks","ticks":[', "]}"


def coalesce(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merges runs of consecutive ``match.ticks`` events of one run of the match (their
    ``attempt``) into one (their ticks in order)."""
    out: list[dict[str, Any]] = []
    for event in events:
        last = out[-1] if out else None
        if (
            last is not None
            and event.get("type") == "match.ticks" == last.get("type")
            and event.get("attempt") == last.get("attempt")
            and event["text"].startswith(TICKS_HEAD)
            and last["text"].endswith(TICKS_TAIL)
        ):
            inner = event["text"][len(TICKS_HEAD) : -len(TICKS_TAIL)]
            text = last["text"][: -len(TICKS_TAIL)] + "," + inner + TICKS_TAIL
            out[-1] = {**last, "last": event["last"], "text": text}
        else:
            out.append(event)
    return out


class HoldsEarlyMessages:
    """For a socket that joins its group before it reads what it sends first (so no change
    falls between the two): the group's messages that arrive meanwhile wait, and follow that
    first message in order. ``hold()`` before joining, ``held(event)`` at the top of
    ``hub_event``, ``release()`` once the first message is sent."""

    waiting: list[dict[str, Any]] | None = None

    def hold(self) -> None:
        self.waiting = []

    def held(self, event: dict[str, Any]) -> bool:
        if self.waiting is None:
            return False
        self.waiting.append(event)
        return True

    async def release(self) -> None:
        waiting, self.waiting = self.waiting or [], None
        for event in waiting:
            await self.hub_event(event)  # type: ignore[attr-defined]


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
