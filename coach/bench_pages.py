"""``python -m coach.bench_pages [--clients 16] [--seconds 10]``: page latency under load.

Starts the whole site (``tests.livesite``: Redis, the django-q2 cluster, Daphne) in a temporary
folder, gives a team two processed replays, a coach and a playlist, then a SECOND process (the
load generator, this module with ``--generate``) requests the pages a team uses every day over
loopback as a logged-in player: first with one client (the baseline of the same run), then with
``--clients`` concurrent clients. Prints p50/p95/max per page, requests per second and errors,
and the p95 ratio loaded vs alone. Traffic is bounded: ``--seconds`` per pass and at most
``--max-requests`` requests per pass.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import psutil

from tests.livesite import Site

SETUP = """
from pathlib import Path
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
from detectors.synth import make_match
from replays.services import replay_ingest_file
from replays.profiles.services import profile_import
from coach.demo import _zip_profile
import json

team = Team.objects.create(name="Bench", slug="bench")
user = get_user_model().objects.create_user("bench", password="bench-pass-1")
Membership.objects.create(team=team, user=user, role=Membership.PLAYER)
folder = Path({folder!r}); folder.mkdir(parents=True, exist_ok=True)
ids = []
for n in range(2):
    m = make_match(folder / f"m{{n}}", duration_s=12, fps=30, size=(1280, 720),
                   kills=(3.0, 8.0), deaths=(5.5,), allies=(), name="shooter", seed=n)
    if n == 0:
        version, _ = profile_import(team=team, name="Shooter", upload=_zip_profile(m.profile),
                                    filename="shooter.zip")
    replay, _ = replay_ingest_file(team=team, uploader=user, source=m.video,
                                   original_name=f"match{{n}}.mp4", move=False,
                                   profile=version.profile)
    ids.append(replay.pk)
print(json.dumps(ids))
"""


def _pages(replays: list[int]) -> list[str]:
    """What a player opens every day: dashboard, lists, a replay's review page and its data."""
    first = replays[0]
    return [
        "/",
        "/replays/",
        f"/replays/{first}/",
        f"/replays/{first}/frames.json",
        f"/replays/{first}/status",
        "/tournaments/",
        "/playlists/",
        "/arena/agents/",
    ]


def _generate(args: argparse.Namespace) -> int:
    """The load generator (a separate process): prints one JSON line of timings per page."""
    pages = args.pages.split(",")
    headers = {"Cookie": args.cookie}
    deadline = time.monotonic() + args.seconds
    lock = threading.Lock()
    times: dict[str, list[float]] = {p: [] for p in pages}
    errors: dict[str, int] = {}
    sent = [0]

    def client(k: int) -> None:
        n = k
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= args.max_requests:
                    return
                sent[0] += 1
            page = pages[n % len(pages)]
            n += 1
            t0 = time.perf_counter()
            try:
                req = urllib.request.Request(f"{args.base}{page}", headers=headers)
                with urllib.request.urlopen(req, timeout=30) as resp:
                    resp.read()
                    status = resp.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError as exc:
                status = type(exc).__name__
            took = (time.perf_counter() - t0) * 1000
            with lock:
                if status == 200:
                    times[page].append(took)
                else:
                    errors[f"{page} {status}"] = errors.get(f"{page} {status}", 0) + 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    print(json.dumps({"times": times, "errors": errors, "wall": wall}))
    return 0


def _pass(site: Site, cookie: str, pages: list[str], clients: int, args) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "coach.bench_pages",
            "--generate",
            "--base",
            site.url(""),
            "--cookie",
            cookie,
            "--pages",
            ",".join(pages),
            "--clients",
            str(clients),
            "--seconds",
            str(args.seconds),
            "--max-requests",
            str(args.max_requests),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=args.seconds + 120,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def _main(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        site = Site(Path(tmp) / "var")
        site.manage("migrate", "--noinput", "-v", "0")
        site.start()
        try:
            ids = json.loads(
                site.manage("shell", "-c", SETUP.format(folder=str(Path(tmp) / "media-src")))
                .strip()
                .splitlines()[-1]
            )
            site.login("bench", "bench-pass-1")
            for pk in ids:
                site.wait_done(pk, timeout=180)
            cookie = "; ".join(f"{c.name}={c.value}" for c in site.jar)
            pages = _pages(ids)
            load0 = os.getloadavg()[0]
            base = _pass(site, cookie, pages, 1, args)
            crowd = _pass(site, cookie, pages, args.clients, args)
            load1 = os.getloadavg()[0]
        finally:
            site.stop()
    print(
        f"{psutil.cpu_count()} CPUs; the whole site on loopback, load from a second process; "
        f"{args.seconds} s per pass; 1-min load average {load0:.1f} before, {load1:.1f} after"
    )
    print(
        f"| page | p50 ms (1 client) | p95 ms (1 client) | p50 ms ({args.clients}) "
        f"| p95 ms ({args.clients}) | max ms ({args.clients}) | p95 ratio |"
    )
    print("|---|---|---|---|---|---|---|")
    for page in pages:
        b, c = base["times"][page], crowd["times"][page]
        ratio = _pct(c, 95) / _pct(b, 95) if b and c else float("nan")
        print(
            f"| `{page}` | {_pct(b, 50):.1f} | {_pct(b, 95):.1f} | {_pct(c, 50):.1f} | "
            f"{_pct(c, 95):.1f} | {max(c, default=float('nan')):.1f} | {ratio:.2f}x |"
        )
    all_b = [t for p in pages for t in base["times"][p]]
    all_c = [t for p in pages for t in crowd["times"][p]]
    rps_b, rps_c = len(all_b) / base["wall"], len(all_c) / crowd["wall"]
    print(
        f"all pages: p95 {_pct(all_b, 95):.1f} ms alone, {_pct(all_c, 95):.1f} ms with "
        f"{args.clients} clients ({_pct(all_c, 95) / _pct(all_b, 95):.2f}x); "
        f"{rps_b:.0f} vs {rps_c:.0f} requests/s"
    )
    errors = {**base["errors"], **crowd["errors"]}
    print(f"errors: {errors or 'none'}")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coach.bench_pages")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--max-requests", type=int, default=5000)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--cookie", help=argparse.SUPPRESS)
    parser.add_argument("--pages", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= 64 or not 1 <= args.seconds <= 120:
        parser.error("--clients must be 1..64 and --seconds 1..120")
    return _generate(args) if args.generate else _main(args)


if __name__ == "__main__":
    sys.exit(main())
