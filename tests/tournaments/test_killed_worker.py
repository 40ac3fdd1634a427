"""A worker killed mid-match in a real cluster: the match is played again from its seed and its
on_finish runs exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import time

import psutil
import pytest

from tests.livesite import Site

pytestmark = pytest.mark.slow

CREATE = (
    "from tournaments.matches import match_create, match_enqueue; "
    "m = match_create(p1='cpu_hard', p2='cpu_medium', live=True, public=True, seed=11, "
    "max_rounds=1, round_seconds=5, kind='exhibition'); "
    "match_enqueue(m, task='tests.tournaments.finish_task.run_and_log_finish'); print(m.pk)"
)


def _row(db, match_id):
    return db.execute(
        "select state, worker_pid, attempts, winner, ticks from tournaments_match where id = ?",
        (match_id,),
    ).fetchone()


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_worker_killed_mid_match_is_replaced_and_the_match_finishes_once(tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    site.start()
    try:
        match_id = int(site.manage("shell", "-c", CREATE).split()[-1])
        db = sqlite3.connect(tmp_path / "var" / "filmroom.sqlite3", timeout=20)
        _, pid, attempts, _, _ = _wait(
            lambda: (r := _row(db, match_id)) and r[0] == "running" and r, 60, "the match to start"
        )
        assert attempts == 1 and psutil.Process(pid).ppid() != os.getpid()
        time.sleep(1.5)  # well into the first round (live: 60 ticks/s)
        os.kill(pid, signal.SIGKILL)
        state, pid2, attempts, winner, ticks = _wait(
            lambda: (r := _row(db, match_id)) and r[0] == "done" and r, 90, "the replayed match"
        )
        assert attempts == 2 and pid2 != pid and winner in ("p1", "p2", "draw") and ticks > 300
        finished = db.execute(
            "select count(*) from auth_group where name = ?", (f"finished-{match_id}",)
        ).fetchone()[0]
        assert finished == 1
        time.sleep(2)  # no late duplicate either
        assert _row(db, match_id)[2] == 2
        assert (
            db.execute(
                "select count(*) from auth_group where name = ?", (f"finished-{match_id}",)
            ).fetchone()[0]
            == 1
        )
        db.close()
    finally:
        site.interrupt()
