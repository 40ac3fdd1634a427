"""Throwaway PostgreSQL and Redis servers from Debian's packages, for the scale-out tests.

A PostgreSQL cluster in a temporary folder listening on a unix socket only (no TCP port), run as
the ``postgres`` user when we are root (PostgreSQL refuses to run as root), and a standalone
``redis-server`` on a free loopback port with no persistence. Both are stopped and their folders
removed when the ``with`` block ends, however it ends.

``python -m tests.services [pytest args]`` is the scale-out test profile (``make test-scaleout``):
it starts both, runs pytest with DATABASE_URL and REDIS_URL pointing at them, and stops both.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REDIS_SERVER = "/usr/bin/redis-server"
# The profile's pytest sees these; the scale-out tests take a fresh database and Redis db from them.
ADMIN_URL_VAR = "FILMROOM_TEST_POSTGRES"
REDIS_URL_VAR = "FILMROOM_TEST_REDIS"


class Missing(RuntimeError):
    """A server this needs is not installed; the message says which package to install."""


def postgres_bin() -> Path:
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        raise Missing("PostgreSQL is not installed: `apt-get install postgresql`")
    return Path(initdb[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def postgres_cluster() -> Iterator[str]:
    """Yields the URL of a fresh cluster's ``postgres`` database (user ``filmroom``, superuser)."""
    bin_dir = postgres_bin()
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="filmroom-pg-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    data, sock = root / "data", root / "sock"

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True)

    started = False
    try:
        run("mkdir", str(sock))
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "filmroom")
        run(
            str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "log"), "start",
            "-o", f"-k {sock} -c listen_addresses='' -c max_connections=200 -c fsync=off",
        )  # fmt: skip
        started = True
        yield f"postgres://filmroom@/postgres?host={sock}"
    finally:
        if started:
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(root, ignore_errors=True)


def postgres_database(admin_url: str, name: str, template: str = "template1") -> str:
    """Creates database ``name`` on the cluster (a copy of ``template``) and returns its URL."""
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return admin_url.replace("/postgres?", f"/{name}?")


def redis_binary() -> str:
    if not Path(REDIS_SERVER).exists():
        raise Missing("redis-server is not installed: `apt-get install redis-server`")
    return REDIS_SERVER


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """Yields ``redis://127.0.0.1:<port>`` of a standalone redis-server (Debian's package)."""
    binary = redis_binary()
    root = Path(tempfile.mkdtemp(prefix="filmroom-redis-"))
    port = free_port()
    args = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", str(root), "--loglevel", "warning",
    ]  # fmt: skip
    log = (root / "redis.log").open("ab")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not _redis_pong(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                log_text = (root / "redis.log").read_text()
                raise RuntimeError(f"redis-server did not start: {log_text}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _stop_on_term(signum, frame) -> None:
    raise SystemExit(128 + signum)  # unwinds the with-blocks, so both servers stop


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    signal.signal(signal.SIGHUP, _stop_on_term)
    with postgres_cluster() as admin_url, redis_server() as redis_url:
        env = {
            **os.environ,
            ADMIN_URL_VAR: admin_url,
            REDIS_URL_VAR: redis_url,
            "DATABASE_URL": postgres_database(admin_url, "filmroom"),
            "REDIS_URL": f"{redis_url}/0",
        }
        print(f"PostgreSQL {env['DATABASE_URL']}\nRedis      {env['REDIS_URL']}", flush=True)
        pytest = subprocess.Popen([sys.executable, "-m", "pytest", *argv], env=env)
        try:
            return pytest.wait()
        finally:  # stopped from outside: pytest goes first, then the servers it was using
            if pytest.poll() is None:
                pytest.terminate()
                try:
                    pytest.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    pytest.kill()
                    pytest.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
