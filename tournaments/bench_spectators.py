"""``python -m tournaments.bench_spectators [--clients 200] [--seconds 20]``: spectators of one
live match on a real site.

Starts the site (``tests.livesite``: Redis, the django-q2 cluster, Daphne) on loopback, creates a
live match, connects the spectators (the ``websockets`` client library) and then starts the
match. Each client checks that every tick after its snapshot arrives, in order, and notes the
delay from the tick's ``t`` (when the worker made it) to its arrival. A first pass with ONE
spectator is the baseline of the same run. Prints p50/p95/p99/max delay, missing ticks per
client, and the server's CPU time and memory (Daphne, workers, Redis).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil
import websockets

from tests.livesite import Site

CREATE = (
    "from tournaments.matches import match_create; "
    "m = match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed={seed}, "
    "max_rounds=1, round_seconds={seconds}, kind='exhibition'); print(m.pk)"
)
START = (
    "from tournaments.matches import match_enqueue; from tournaments.models import Match; "
    "match_enqueue(Match.objects.get(pk={pk}))"
)


TICK_RE = re.compile(r'\{"tick":(\d+),"t":([0-9.]+),"state"')


class Client:
    def __init__(self) -> None:
        self.delays: list[float] = []
        self.missing = 0
        self.ticks = 0
        self.over = False
        self.error = ""

    async def watch(self, url: str, connected: asyncio.Event, limit_s: float) -> None:
        try:
            origin = url.replace("ws://", "http://").split("/ws/")[0]
            async with websockets.connect(
                url, origin=origin, max_size=2**24, open_timeout=30, ping_timeout=None
            ) as ws:
                snap = json.loads(await ws.recv())
                last = snap["tick"]
                connected.set()
                deadline = time.monotonic() + limit_s
                while time.monotonic() < deadline:
                    raw = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                    now = time.time()
                    if raw.startswith('{"type":"ticks"'):
                        # Only each tick's number and time are needed: a regex, not a full
                        # parse, keeps the clients' CPU (on the server's cores) low.
                        for tick, made in TICK_RE.findall(raw):
                            self.missing += max(0, int(tick) - last - 1)
                            last = int(tick)
                            self.ticks += 1
                            self.delays.append(now - float(made))
                        continue
                    msg = json.loads(raw)
                    if msg["type"] == "over":
                        self.missing += max(0, msg["ticks"] - last)
                        self.over = True
                        return
        except Exception as exc:  # noqa: BLE001 - reported in the table
            self.error = f"{type(exc).__name__}: {exc}"
            connected.set()


def _server_usage(site: Site) -> dict[str, tuple[float, float]]:
    """CPU seconds and resident MB per kind of server process."""
    usage: dict[str, list[float]] = {}
    for proc in site.family():
        try:
            cmd = " ".join(proc.cmdline())
            if "daphne" in cmd or "redis" in cmd:
                kind = "daphne" if "daphne" in cmd else "redis"
            else:
                kind = "workers" if "qcluster" in cmd or "multiprocessing" in cmd else "serve"
            cpu = proc.cpu_times()
            row = usage.setdefault(kind, [0.0, 0.0])
            row[0] += cpu.user + cpu.system
            row[1] += proc.memory_info().rss / 2**20
        except psutil.Error:
            continue
    return {k: (v[0], v[1]) for k, v in usage.items()}


async def _pass(site: Site, clients: int, seconds: int, seed: int) -> dict:
    pk = int(site.manage("shell", "-c", CREATE.format(seed=seed, seconds=seconds)).split()[-1])
    url = f"ws://127.0.0.1:{site.port}/ws/matches/{pk}/"
    watchers = [Client() for _ in range(clients)]
    events = [asyncio.Event() for _ in watchers]
    limit = seconds + 60.0
    tasks = []
    for w, e in zip(watchers, events, strict=True):
        tasks.append(asyncio.create_task(w.watch(url, e, limit)))
        await asyncio.sleep(0.02)  # a crowd arriving over 4 s, not one burst
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), 60)
    me = psutil.Process()
    before, t0, mine0 = _server_usage(site), time.monotonic(), sum(me.cpu_times()[:2])
    await asyncio.to_thread(site.manage, "shell", "-c", START.format(pk=pk))
    await asyncio.gather(*tasks)
    wall = time.monotonic() - t0
    after = _server_usage(site)
    clients_cpu = (sum(me.cpu_times()[:2]) - mine0) / wall
    delays = np.array([d for w in watchers for d in w.delays]) * 1000
    cpu = {k: (after[k][0] - before.get(k, (0, 0))[0]) / wall for k in after}
    return {
        "clients": clients,
        "connected": sum(not w.error for w in watchers),
        "finished": sum(w.over for w in watchers),
        "errors": sorted({w.error for w in watchers if w.error})[:3],
        "ticks": max((w.ticks for w in watchers), default=0),
        "missing_max": max((w.missing for w in watchers), default=0),
        "missing_total": sum(w.missing for w in watchers),
        "p50": float(np.percentile(delays, 50)) if delays.size else float("nan"),
        "p95": float(np.percentile(delays, 95)) if delays.size else float("nan"),
        "p99": float(np.percentile(delays, 99)) if delays.size else float("nan"),
        "max": float(delays.max()) if delays.size else float("nan"),
        "cpu": cpu,
        "clients_cpu": clients_cpu,
        "load": os.getloadavg()[0],
        "rss": {k: v[1] for k, v in after.items()},
    }


def _line(r: dict) -> str:
    cpu = " ".join(f"{k} {v:.0%}" for k, v in sorted(r["cpu"].items()))
    rss = " ".join(f"{k} {v:.0f}" for k, v in sorted(r["rss"].items()))
    return (
        f"| {r['clients']} | {r['connected']}/{r['finished']} | {r['ticks']} | {r['p50']:.1f} | "
        f"{r['p95']:.1f} | {r['p99']:.1f} | {r['max']:.1f} | {r['missing_max']} | {cpu} | {rss} "
        f"| {r['clients_cpu']:.0%} | {r['load']:.1f} |"
    )


async def _main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-spectators-") as tmp:
        site = Site(Path(tmp) / "var")
        site.manage("migrate", "--noinput", "-v", "0")
        site.start()
        try:
            base = await _pass(site, 1, args.seconds, seed=1)
            crowd = await _pass(site, args.clients, args.seconds, seed=2)
        finally:
            site.interrupt()
    print(f"{psutil.cpu_count()} CPUs; one live match (60 ticks/s, {args.seconds} s round), "
          "loopback websockets")  # fmt: skip
    print(
        "| spectators | connected/saw the end | ticks per client | p50 ms | p95 ms | p99 ms "
        "| max ms | missing ticks (worst client) | server CPU (of one core) | server RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(_line(base))
    print(_line(crowd))
    for r in (base, crowd):
        if r["errors"]:
            print(f"errors with {r['clients']}: {r['errors']}")
    ratio = crowd["p95"] / base["p95"] if base["p95"] else float("nan")
    met = crowd["p95"] <= 100 and crowd["missing_total"] == 0
    print(f"p95 with {args.clients} spectators vs 1: {ratio:.2f}x; "
          f"target p95 <= 100 ms and no missing tick: {'met' if met else 'NOT met'}")  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tournaments.bench_spectators")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=20, help="round timer of the match")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 500 or not 2 <= args.seconds <= 99:
        parser.error("--clients must be 1..500 and --seconds 2..99")
    return asyncio.run(_main(args))


if __name__ == "__main__":
    sys.exit(main())
