"""`make run`'s lifecycle for real: a quiet first start, Ctrl-C while jobs run, `make clean` and
start again. Real processes (make, manage.py demo/serve, Redis, the cluster, Daphne)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.livesite import ROOT, Site

pytestmark = pytest.mark.slow
ALARMING = ("error", "traceback", "exception", "keyboardinterrupt")


def _run(site: Site, *args: str) -> str:
    """A manage.py command's stdout and stderr together, as a terminal shows them."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=site.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=True,
    )
    return done.stdout


def _alarming(output: str) -> list[str]:
    return [line for line in output.splitlines() if any(w in line.lower() for w in ALARMING)]


def _start(site: Site, until: str = "Film Room  http://") -> list[str]:
    """Starts `serve` in its own process group and returns what it printed up to the first line
    that starts with ``until``."""
    site.proc = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(site.port)],
        env=site.env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    for line in site.proc.stdout:
        lines.append(line)
        if line.startswith(until):
            return lines
    raise AssertionError(f"serve exited early: {''.join(lines)}")


def test_ctrl_c_says_what_it_waits_for_and_a_reset_starts_cleanly(tmp_path):
    site = Site(tmp_path / "var")
    try:
        first = _run(site, "migrate", "--noinput", "-v", "0") + _run(site, "demo")
        assert "Created demo data" in first
        started = _start(site)
        assert _alarming(first + "".join(started)) == []  # e.g. no "Error 2 connecting to"
        site.password = first.split("Demo login: player / ")[1].split()[0]
        site.login("player", site.password)
        deadline = time.monotonic() + 60
        while not any(site.json(f"/replays/{n}/status")["state"] == "running" for n in (1, 2, 3)):
            assert time.monotonic() < deadline, "no demo replay job started"
            time.sleep(0.1)
        family = site.family()

        os.killpg(site.proc.pid, signal.SIGINT)  # Ctrl-C while a replay job runs
        stopping = time.monotonic()
        rest = site.proc.stdout.read()
        site.proc.wait(timeout=30)
        took = time.monotonic() - stopping
        assert took < 30, f"stopping took {took:.1f} s"
        assert site.proc.returncode == 0
        assert "Stopping   workers: waiting for replay " in rest, rest
        assert rest.rstrip().endswith("Stopped.")
        assert _alarming(rest) == [], rest
        time.sleep(0.5)
        left = [p.pid for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert left == []

        # `make clean`, then what `make run` does: a fresh database, demo data and start.
        subprocess.run(["make", "-s", "clean", f"VAR={site.var}"], cwd=ROOT, check=True)
        assert not (site.var / "filmroom.sqlite3").exists()
        again = _run(site, "migrate", "--noinput", "-v", "0") + _run(site, "demo")
        assert "Created demo data" in again
        restarted = _start(site)
        assert _alarming(again + "".join(restarted)) == []
        site.interrupt()
        assert site.proc.returncode == 0
    finally:
        site.stop()


def test_ctrl_c_while_the_site_starts_stops_it_cleanly(tmp_path):
    """Ctrl-C right after the workers start (before Daphne listens) and right after the
    "Film Room" line: both stop every part and exit 0, never a KeyboardInterrupt."""
    site = Site(tmp_path / "var")
    _run(site, "migrate", "--noinput", "-v", "0")
    for when in ("Workers ", "Film Room  http://"):
        try:
            lines = _start(site, until=when)
            family = site.family()
            os.killpg(site.proc.pid, signal.SIGINT)
            rest = site.proc.stdout.read()
            site.proc.wait(timeout=30)
            out = "".join(lines) + rest
            assert site.proc.returncode == 0, out
            assert out.rstrip().endswith("Stopped."), out
            assert _alarming(out) == [], out
            time.sleep(0.5)
            left = [p.pid for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
            assert left == []
        finally:
            site.stop()
