"""The whole site on a real PostgreSQL (DATABASE_URL), as when one machine is not enough.

A throwaway PostgreSQL cluster is started in a temporary folder on a unix socket (no TCP port);
the site runs its migrations, demo data, job queue and uploads against it.
"""

from __future__ import annotations

import os

import pytest

from tests.livesite import Site, upload
from tests.media import make_video
from tests.services import ADMIN_URL_VAR, Missing, postgres_bin, postgres_cluster, postgres_database

pytestmark = pytest.mark.slow


@pytest.fixture
def postgres_url():
    """A fresh database: on the scale-out profile's cluster, else on a cluster of its own."""
    if os.environ.get(ADMIN_URL_VAR):
        yield postgres_database(os.environ[ADMIN_URL_VAR], "site_on_postgres")
        return
    try:
        postgres_bin()
    except Missing as exc:
        pytest.skip(f"{exc} to run this test")
    with postgres_cluster() as admin_url:
        yield postgres_database(admin_url, "filmroom")


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
