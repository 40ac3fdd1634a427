"""The whole site as `make run` starts it: embedded Redis, the django-q2 cluster and Daphne.

Real processes on a loopback port; the test talks HTTP to them like a browser would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.media import make_video

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_env(var: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "DEBUG", "SECRET_KEY")}
    return {**env, "FILMROOM_VAR": str(var), "PYTHONUNBUFFERED": "1", "Q_WORKERS": "1"}


class Site:
    def __init__(self, var: Path) -> None:
        self.var, self.port = var, free_port()
        self.env = site_env(var)
        self.proc: subprocess.Popen | None = None
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.jar = jar

    def manage(self, *args: str) -> str:
        return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=self.env,
                              cwd=ROOT, capture_output=True, text=True, check=True).stdout

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
        deadline = time.monotonic() + 60
        for line in self.proc.stdout:
            if "Film Room  http://" in line:
                return
            assert time.monotonic() < deadline, "the site did not start"
        raise AssertionError(f"serve exited early with {self.proc.wait()}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def request(self, path: str, data: bytes | None = None, method: str | None = None,
                headers: dict | None = None):
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        req = urllib.request.Request(self.url(path), data=data, method=method,
                                     headers={"X-CSRFToken": csrf, **(headers or {})})
        return self.opener.open(req, timeout=30)

    def login(self, username: str, password: str) -> None:
        self.request("/accounts/login/").read()
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        form = f"username={username}&password={password}&csrfmiddlewaretoken={csrf}"
        self.request("/accounts/login/", form.encode(), headers={
            "Content-Type": "application/x-www-form-urlencoded"}).read()

    def json(self, path: str, body: dict | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        return json.load(self.request(path, data, headers={"Content-Type": "application/json"}))

    def wait_done(self, replay_id: int, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.json(f"/replays/{replay_id}/status")
            if status["state"] in ("done", "failed"):
                return status
            time.sleep(0.3)
        raise AssertionError(f"replay {replay_id} still {status}")

    def family(self) -> list[psutil.Process]:
        return [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(True)]

    def interrupt(self) -> None:
        os.killpg(self.proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        self.proc.wait(timeout=30)


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path / "var")
    site.manage("migrate", "--noinput", "-v", "0")
    out = site.manage("demo")
    site.password = out.split("Demo login: player / ")[1].split()[0]
    yield site
    if site.proc and site.proc.poll() is None:
        os.killpg(site.proc.pid, signal.SIGKILL)


def upload(site: Site, team: int, name: str, data: bytes, chunk: int) -> dict:
    up = site.json("/replays/uploads/", {"team": team, "filename": name, "size": len(data)})
    for offset in range(0, len(data), chunk):
        state = json.load(site.request(f"/replays/uploads/{up['id']}", data[offset:offset + chunk],
                                       method="PUT", headers={"Upload-Offset": str(offset)}))
    return state


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


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
    site.proc.send_signal(signal.SIGKILL)
    for p in site.family()[1:]:
        if "redis-server" in p.name():
            p.kill()  # leave a stale socket behind
    site.proc.wait()
    time.sleep(1)
    assert (site.var / "redis.sock").exists()
    site.start()
    site.login("player", site.password)
    assert site.json("/replays/1/status")["state"] in ("queued", "running", "done")
    site.interrupt()
    assert site.proc.returncode == 0
