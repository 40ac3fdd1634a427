"""The whole site as `make run` starts it: embedded Redis, the django-q2 cluster and Daphne.

Real processes on a loopback port; the test talks HTTP to them like a browser would.
"""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.livesite import upload, vm_hwm_mb
from tests.media import make_video

pytestmark = pytest.mark.slow


def test_the_site_runs_processes_uploads_and_stops_cleanly(site, tmp_path):
    site.start()
    site.login("player", site.password)
    assert site.wait_done(1)["state"] == "done"  # the demo replays, processed by the cluster
    assert site.wait_done(2)["state"] == "done"

    video = make_video(tmp_path / "fresh.mp4", seconds=3.0)
    state = upload(site, 1, "fresh.mp4", video.read_bytes(), chunk=20_000)
    replay_id = int(state["replay_url"].strip("/").split("/")[-1])
    status = site.wait_done(replay_id)
    assert (status["state"], status["frame_count"]) == ("done", 90)

    ranged = site.request(f"/replays/{replay_id}/video", headers={"Range": "bytes=100-199"})
    assert ranged.status == 206
    assert ranged.read() == video.read_bytes()[100:200]
    static = site.request("/static/vendor/plotly/plotly.min.js", headers={"Range": "bytes=0-9"})
    assert static.status == 206 and len(static.read()) == 10  # DEBUG is off: WhiteNoise serves

    family = site.family()
    site.interrupt()
    assert site.proc.returncode == 0
    time.sleep(0.5)
    assert [p.pid for p in family if p.is_running() and p.status() != "zombie"] == []
    assert not (site.var / "redis.sock").exists()


def test_a_large_upload_never_sits_in_memory(site, tmp_path):
    site.start()
    site.login("player", site.password)
    web = next(p for p in site.family() if "daphne" in " ".join(p.cmdline()))
    before = vm_hwm_mb(web.pid)
    size = 256 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    data = b"\x00\x00\x00\x18ftypmp42" + block * 256
    data = data[:size]
    state = upload(site, 1, "big.mp4", data, chunk=8 * 1024 * 1024)
    assert state["state"] == "complete"
    grew = vm_hwm_mb(web.pid) - before
    assert grew < 64, f"Daphne's peak memory grew {grew:.0f} MB for a 256 MB upload"
    site.interrupt()


def test_it_starts_after_a_run_that_was_killed_hard(site):
    site.start()
    left_behind = site.family()[1:]
    next(p for p in left_behind if "redis-server" in p.name()).kill()  # its socket stays
    site.proc.send_signal(signal.SIGKILL)
    site.proc.wait()
    time.sleep(1)
    assert (site.var / "redis.sock").exists()
    site.start()
    running = [p.pid for p in left_behind if p.is_running() and p.status() != "zombie"]
    assert running == []  # the new start ended what the killed run left behind
    site.login("player", site.password)
    assert site.json("/replays/1/status")["state"] in ("queued", "running", "done")
    site.interrupt()
    assert site.proc.returncode == 0
