"""A real Film Room site in subprocesses (embedded Redis, django-q2 cluster, Daphne).

Used by the live tests and the upload benchmark: it talks HTTP to the site like a browser.
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
import urllib.request
from collections.abc import Iterable
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site_env(var: Path) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "MEDIA_ROOT", "DEBUG", "SECRET_KEY")
    }
    # One evaluation match per opponent keeps the demo agent from holding the workers for long.
    return {
        **env,
        "FILMROOM_VAR": str(var),
        "PYTHONUNBUFFERED": "1",
        "Q_WORKERS": "2",
        "AGENT_EVALUATION_GAMES": "1",
    }


class Site:
    def __init__(self, var: Path) -> None:
        self.var, self.port = var, free_port()
        self.env = site_env(var)
        self.proc: subprocess.Popen | None = None
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.jar = jar

    def manage(self, *args: str) -> str:
        return subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    def shell(self, code: str, *, stderr: int = subprocess.STDOUT) -> subprocess.Popen:
        """``manage.py shell -c code`` against this site, started (its output on ``.stdout``)."""
        return subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
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

    def request(
        self,
        path: str,
        data: bytes | None = None,
        method: str | None = None,
        headers: dict | None = None,
    ):
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        req = urllib.request.Request(
            self.url(path),
            data=data,
            method=method,
            headers={"X-CSRFToken": csrf, **(headers or {})},
        )
        return self.opener.open(req, timeout=30)

    def login(self, username: str, password: str) -> None:
        self.request("/accounts/login/").read()
        csrf = next(c.value for c in self.jar if c.name == "csrftoken")
        form = f"username={username}&password={password}&csrfmiddlewaretoken={csrf}"
        self.request(
            "/accounts/login/",
            form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).read()

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

    def stop(self) -> None:
        """Stops a started site in order (Ctrl-C stops workers and Redis too), else kills it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.interrupt()
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)


def upload_chunks(site: Site, team: int, name: str, size: int, chunks: Iterable[bytes]) -> dict:
    """Sends a file to the site the way the upload page does: chunk after chunk, with offsets."""
    up = site.json("/replays/uploads/", {"team": team, "filename": name, "size": size})
    offset, state = 0, up
    for piece in chunks:
        request = site.request(
            f"/replays/uploads/{up['id']}",
            piece,
            method="PUT",
            headers={"Upload-Offset": str(offset)},
        )
        state = json.load(request)
        offset += len(piece)
    return state


def upload(site: Site, team: int, name: str, data: bytes, chunk: int) -> dict:
    pieces = (data[offset : offset + chunk] for offset in range(0, len(data), chunk))
    return upload_chunks(site, team, name, len(data), pieces)


def vm_hwm_mb(pid: int) -> float:
    """Peak resident memory (MB) of a process so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")
