"""The whole site on a real PostgreSQL (DATABASE_URL), as when one machine is not enough.

A throwaway PostgreSQL cluster is started in a temporary folder on a unix socket (no TCP port);
the site runs its migrations, demo data, job queue and uploads against it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.livesite import Site, upload
from tests.media import make_video

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_url():
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        pytest.skip("PostgreSQL is not installed: `apt-get install postgresql` to run this test")
    bin_dir = Path(initdb[-1]).parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="filmroom-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    data, sock = root / "data", root / "sock"

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True)

    run("mkdir", str(sock))
    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "filmroom")
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(root / "log"),
        "start",
        "-o",
        f"-k {sock} -c listen_addresses=''",
    )
    try:
        run(str(bin_dir / "createdb"), "-h", str(sock), "-U", "filmroom", "filmroom")
        yield f"postgres://filmroom@/filmroom?host={sock}"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_the_site_runs_on_postgresql(postgres_url, tmp_path):
    site = Site(tmp_path / "var")
    site.env["DATABASE_URL"] = postgres_url
    site.manage("migrate", "--noinput", "-v", "0")
    password = site.manage("demo").split("Demo login: player / ")[1].split()[0]
    engine = site.manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor)"
    )
    assert engine.strip().splitlines()[-1] == "postgresql"
    site.start()
    try:
        site.login("player", password)
        status = site.wait_done(1, timeout=120)
        assert (status["state"], status["events"]) == ("done", 4)  # detection wrote its events
        video = make_video(tmp_path / "fresh.mp4", seconds=2.0)
        state = upload(site, 1, "fresh.mp4", video.read_bytes(), chunk=50_000)
        replay_id = int(state["replay_url"].strip("/").split("/")[-1])
        assert site.wait_done(replay_id)["frame_count"] == 60
        again = upload(site, 1, "copy.mp4", video.read_bytes(), chunk=50_000)
        assert again["replay_url"] == state["replay_url"]  # SHA-256 dedup holds on PostgreSQL
    finally:
        site.interrupt()
    assert not (site.var / "filmroom.sqlite3").exists()
