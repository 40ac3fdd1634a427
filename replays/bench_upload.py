"""Benchmark: a large browser-style upload to the real site, and Daphne's peak memory.

    python -m replays.bench_upload [--gigabytes 4] [--chunk-mb 8]

Starts the whole site (embedded Redis, django-q2, Daphne) in a temporary folder, uploads a
file of the given size in chunks over loopback exactly as the upload page does, and prints the
throughput and how much the web server's peak memory grew, against the file's size.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from tests.livesite import Site, upload_chunks, vm_hwm_mb

SETUP = """
from django.contrib.auth import get_user_model
from coach.models import Membership, Team
user = get_user_model().objects.create_user("bench", password="bench-pw-1")
team = Team.objects.create(name="Bench")
Membership.objects.create(team=team, user=user)
print(team.pk)
"""


def file_chunks(path: Path, chunk: int):
    with path.open("rb") as fh:
        while piece := fh.read(chunk):
            yield piece


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--chunk-mb", type=int, default=8)
    args = parser.parse_args()
    size = int(args.gigabytes * 1024**3)
    with tempfile.TemporaryDirectory(prefix="filmroom-bench-") as tmp:
        source = Path(tmp) / "big.mp4"
        with source.open("wb") as fh:  # an mp4 header, then a sparse tail: cheap to read
            fh.write(b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
            fh.truncate(size)
        site = Site(Path(tmp) / "var")
        site.manage("migrate", "--noinput", "-v", "0")
        team = int(site.manage("shell", "-c", SETUP).strip().splitlines()[-1])
        site.start()
        try:
            site.login("bench", "bench-pw-1")
            web = next(p for p in site.family() if "daphne" in " ".join(p.cmdline()))
            before = vm_hwm_mb(web.pid)
            started = time.perf_counter()
            state = upload_chunks(
                site, team, "big.mp4", size, file_chunks(source, args.chunk_mb * 1024**2)
            )
            seconds = time.perf_counter() - started
            after = vm_hwm_mb(web.pid)
        finally:
            site.interrupt()
    assert state["state"] == "complete", state
    mb = size / 1024**2
    print(f"{'file':<28}{mb:>10.0f} MB")
    print(f"{'chunk':<28}{args.chunk_mb:>10d} MB")
    print(f"{'upload time':<28}{seconds:>10.1f} s   ({mb / seconds:.0f} MB/s)")
    print(f"{'Daphne peak RSS before':<28}{before:>10.0f} MB")
    print(f"{'Daphne peak RSS after':<28}{after:>10.0f} MB")
    print(f"{'growth / file size':<28}{(after - before) / mb:>10.4f}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
