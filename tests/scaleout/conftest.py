"""Several Film Room nodes (worker clusters, Daphne processes) on one shared PostgreSQL and Redis.

Under ``make test-scaleout`` the profile's PostgreSQL cluster and redis-server are reused (each
test takes a database and a Redis db of its own); under ``make test`` a session starts its own.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from tests.livesite import ROOT, site_env
from tests.services import (
    ADMIN_URL_VAR,
    REDIS_URL_VAR,
    Missing,
    postgres_bin,
    postgres_cluster,
    postgres_database,
    redis_binary,
    redis_server,
)


@pytest.fixture(scope="session")
def shared_services():
    """(PostgreSQL admin URL, Redis base URL) of the servers every node of a test shares."""
    if os.environ.get(ADMIN_URL_VAR) and os.environ.get(REDIS_URL_VAR):
        yield os.environ[ADMIN_URL_VAR], os.environ[REDIS_URL_VAR]
        return
    try:
        postgres_bin(), redis_binary()
    except Missing as exc:
        pytest.skip(f"{exc} to run the scale-out tests")
    with postgres_cluster() as admin_url, redis_server() as redis_url:
        yield admin_url, redis_url


class Nodes:
    """Processes of one site spread over "machines": same settings, database, Redis and media.

    Every process gets the same environment, as N machines would from one deployment recipe;
    only the process, not the machine, differs here.
    """

    def __init__(self, var: Path, database_url: str, redis_url: str) -> None:
        self.var = var
        self.env = {
            **site_env(var),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "scale-out-test-secret-shared-by-every-node",
            "Q_LOG_LEVEL": "INFO",
        }
        self.procs: list[subprocess.Popen] = []

    def manage(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env={**self.env, **(env or {})},
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def spawn(self, name: str, *args: str) -> tuple[subprocess.Popen, Path]:
        """Starts a long-running process; its output goes to ``var/<name>.log``."""
        log = self.var / f"{name}.log"
        with log.open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, *args],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        return proc, log

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
                proc.wait()


def wait_for_line(log: Path, text: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert proc.poll() is None, f"{log.name} exited: {log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"no {text!r} in {log.name}: {log.read_text()[-3000:]}"
        time.sleep(0.2)


REDIS_DBS = itertools.cycle(range(1, 15))
TEMPLATE = "scaleout_migrated"


@pytest.fixture(scope="session")
def migrated(shared_services, tmp_path_factory):
    """A migrated database that each test's database is copied from (migrating once)."""
    admin_url, redis_url = shared_services
    var = tmp_path_factory.mktemp("migrate")
    Nodes(var, postgres_database(admin_url, TEMPLATE), f"{redis_url}/15").manage(
        "migrate", "--noinput", "-v", "0"
    )
    return admin_url, redis_url


@pytest.fixture
def nodes(migrated, tmp_path, request):
    """A fresh database and Redis db for one test, and the processes it starts, stopped after."""
    admin_url, redis_url = migrated
    index = next(REDIS_DBS)  # db 0 is the profile's own, 15 the migration's
    client = redis.Redis.from_url(f"{redis_url}/{index}")
    client.flushdb()
    name = "node_" + request.node.name.removeprefix("test_")[:40]
    database_url = postgres_database(admin_url, name, template=TEMPLATE)
    made = Nodes(tmp_path / "var", database_url, f"{redis_url}/{index}")
    made.var.mkdir()
    yield made
    made.stop()
    client.flushdb()
    client.close()
