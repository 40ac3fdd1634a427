"""Two Daphne processes behind one round-robin port serve the same live match: spectators on
either see a snapshot, every tick after it in order, and the same end, published once by the
worker that plays the match through the shared Redis channel layer."""

from __future__ import annotations

import asyncio
import json
import socket
import time

import pytest
from websockets.asyncio.client import connect

from tests.livesite import free_port

pytestmark = [pytest.mark.slow, pytest.mark.scaleout]

CREATE = """
from tournaments.matches import match_create
match = match_create(p1="cpu_hard", p2="cpu_easy", live=True, public=True, kind="exhibition",
                     seed=4, max_rounds=1, round_seconds=2)
print(match.pk)
"""

RUN = """
import json, os
from tournaments.matches import match_run
done = match_run(int(os.environ["MATCH_ID"]))
won = [g["winner"] for g in done.games]
score = [won.count("p1"), won.count("p2")]
print(json.dumps({"winner": done.winner, "ticks": done.ticks, "score": score}))
"""


class RoundRobinPort:
    """One loopback port in front of several backends, as a load balancer would be: connection
    i is piped to backend i mod n, byte for byte."""

    def __init__(self, backends: list[int]) -> None:
        self.backends, self.routed = backends, []
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader, writer) -> None:
        backend = self.backends[len(self.routed) % len(self.backends)]
        self.routed.append(backend)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", backend)
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    @staticmethod
    async def _pipe(reader, writer) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()


def wait_for_port(port: int, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            assert proc.poll() is None, "Daphne exited"
            assert time.monotonic() < deadline, "Daphne did not open its port"
            time.sleep(0.2)


async def watch(
    uri: str, origin: str, snapshots: list | None = None, ticking: asyncio.Event | None = None
) -> list[dict]:
    """Everything one spectator receives, up to and including ``over``."""
    messages = []
    async with connect(uri, origin=origin, open_timeout=30) as ws:
        while True:
            msg = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
            messages.append(msg)
            if snapshots is not None and msg["type"] == "snapshot":
                snapshots.append(msg)
            if ticking is not None and msg["type"] == "ticks":
                ticking.set()
            if msg["type"] == "over":
                return messages


async def test_spectators_on_two_daphne_nodes_see_the_same_live_match(nodes):
    match_id = int((await asyncio.to_thread(nodes.manage, "shell", "-c", CREATE)).split()[-1])
    ports = [free_port(), free_port()]
    for i, port in enumerate(ports):
        proc, log = nodes.spawn(
            f"daphne{i}", "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
            "coach.asgi:application",
        )  # fmt: skip
        await asyncio.to_thread(wait_for_port, port, proc)
    front = RoundRobinPort(ports)
    await front.start()
    uri = f"ws://127.0.0.1:{front.port}/ws/matches/{match_id}/"
    origin = f"http://127.0.0.1:{front.port}"
    try:
        ticking, snapshots = asyncio.Event(), []
        early = [asyncio.create_task(watch(uri, origin, snapshots, ticking)) for _ in range(4)]
        deadline = time.monotonic() + 60
        while len(snapshots) < 4:  # all four are in before the match starts
            assert time.monotonic() < deadline, f"{len(snapshots)} of 4 spectators got in"
            await asyncio.sleep(0.05)
        run = asyncio.create_task(
            asyncio.to_thread(nodes.manage, "shell", "-c", RUN, env={"MATCH_ID": str(match_id)})
        )
        await asyncio.wait_for(ticking.wait(), timeout=60)
        late = [asyncio.create_task(watch(uri, origin)) for _ in range(2)]  # join mid-match
        seen = await asyncio.wait_for(asyncio.gather(*early, *late), timeout=120)
        done = json.loads((await run).strip().splitlines()[-1])
    finally:
        await front.stop()

    assert sorted(front.routed) == sorted(ports * 3)  # three spectators on each node
    for i, msgs in enumerate(seen):
        snap = msgs[0]
        assert snap["type"] == "snapshot" and snap["match"]["id"] == match_id
        assert all(m["type"] == "ticks" for m in msgs[1:-1])
        ticks = [t["tick"] for m in msgs[1:-1] for t in m["ticks"]]
        assert ticks == list(range(snap["tick"] + 1, done["ticks"] + 1)), i  # in order, no gap
        assert msgs[-1] == {"type": "over", **done}  # winner, ticks and the final score
    assert all(msgs[0]["tick"] == 0 for msgs in seen[:4])
    assert all(msgs[0]["tick"] > 0 for msgs in seen[4:])  # the late ones joined mid-match
    # Both nodes relayed the very same states: the last tick's state is one and the same.
    assert len({json.dumps(msgs[-2]["ticks"][-1], sort_keys=True) for msgs in seen}) == 1
    for proc in nodes.procs:
        assert proc.poll() is None
    assert "Traceback" not in "".join((nodes.var / f"daphne{i}.log").read_text() for i in range(2))
