"""Demo data for a first run: a team with a coach and a player, and a few short replays."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import imageio_ffmpeg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from coach.models import Membership, Team

from .services import replay_ingest_file

DEMO_TEAM = "Demo Team"


def demo_login_file() -> Path:
    return Path(settings.VAR_DIR) / "demo_login.txt"


def make_sample_video(path: Path, *, seconds: float, pattern: str, size: str = "1280x720") -> Path:
    """Writes a short H.264 recording from one of FFmpeg's test sources."""
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-loglevel",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        f"{pattern}=size={size}:rate=30",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-movflags",
        "+faststart",
        str(path),
    ]
    subprocess.run(cmd, check=True)
    return path


@transaction.atomic
def demo_setup() -> tuple[str, bool]:
    """Creates the demo team, users and replays once; returns (password, created)."""
    User = get_user_model()
    login_file = demo_login_file()
    if Team.objects.filter(name=DEMO_TEAM).exists() and login_file.exists():
        return login_file.read_text().strip(), False
    password = secrets.token_urlsafe(9)
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM, defaults={"slug": "demo"})
    for username, role in (("coach", Membership.COACH), ("player", Membership.PLAYER)):
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.save()
        Membership.objects.get_or_create(team=team, user=user, defaults={"role": role})
    login_file.write_text(password)
    player = User.objects.get(username="player")
    folder = Path(settings.VAR_DIR) / "demo-media"
    folder.mkdir(parents=True, exist_ok=True)
    for name, pattern, seconds in (
        ("warmup_scrim.mp4", "testsrc2", 12),
        ("ranked_match_3.mp4", "smptehdbars", 8),
    ):
        video = make_sample_video(folder / name, seconds=seconds, pattern=pattern)
        replay_ingest_file(team=team, uploader=player, source=video, original_name=name, move=False)
    return password, True
