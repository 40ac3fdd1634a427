"""Imports every recording under a folder into a team, skipping bytes the team already has."""

from __future__ import annotations

import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from coach.models import Team
from detectors.probe import sniff_container
from replays.models import GameProfile
from replays.services import DiskFullError, replay_ingest_file

RECORDING_SUFFIXES = {".mp4", ".m4v", ".mov", ".mkv", ".webm"}


class Bar:
    """A one-line progress bar on a terminal; silent when output is not a terminal."""

    def __init__(self, total: int, stream=sys.stderr) -> None:
        self.total, self.done, self.stream = max(total, 1), 0, stream
        self.live = stream.isatty()

    def advance(self, amount: int, label: str) -> None:
        self.done += amount
        if self.live:
            filled = int(30 * self.done / self.total)
            pct = 100 * self.done / self.total
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {pct:5.1f}%  {label[:40]:<40}"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import recordings (mp4, mkv, webm, mov; recognised by content) from DIR, recursively."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--team", required=True, help="team slug or name")
        parser.add_argument("--profile", help="game profile name to detect with")
        parser.add_argument("--uploader", help="username recorded as uploader")

    def handle(
        self,
        *args,
        directory: Path,
        team: str,
        profile: str | None,
        uploader: str | None,
        **options,
    ) -> None:
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder")
        the_team = Team.objects.filter(Q(slug=team) | Q(name=team)).first()
        if the_team is None:
            raise CommandError(f"no team called {team!r}")
        the_profile = None
        if profile:
            the_profile = GameProfile.objects.usable_by_team(the_team).filter(name=profile).first()
            if the_profile is None:
                raise CommandError(f"no game profile called {profile!r} for team {the_team}")
        user = None
        if uploader:
            user = get_user_model().objects.filter(username=uploader).first()
            if user is None:
                raise CommandError(f"no user called {uploader!r}")
        files = sorted(p for p in directory.rglob("*") if p.is_file())
        bar = Bar(sum(p.stat().st_size for p in files))
        imported, known, skipped = [], [], []
        for path in files:
            with path.open("rb") as fh:
                # Named or shaped like a recording: a broken one becomes a failed replay.
                is_video = (
                    sniff_container(fh.read(512)) is not None
                    or path.suffix.lower() in RECORDING_SUFFIXES
                )
            if not is_video:
                skipped.append(path)
            else:
                try:
                    replay, created = replay_ingest_file(
                        team=the_team,
                        uploader=user,
                        source=path,
                        original_name=path.name,
                        move=False,
                        profile=the_profile,
                    )
                except DiskFullError as exc:  # the next files would not fit either
                    bar.close()
                    self._report(imported, skipped, directory)
                    raise CommandError(
                        f"{exc.strerror} while importing {path.relative_to(directory)}: "
                        f"imported {len(imported)} before it; nothing of it was stored, "
                        "free some space and run the command again"
                    ) from exc
                (imported if created else known).append(replay)
            bar.advance(path.stat().st_size, path.name)
        bar.close()
        self._report(imported, skipped, directory)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(imported)}, already known {len(known)}, "
                f"skipped {len(skipped)} (not videos) into {the_team}."
            )
        )

    def _report(self, imported: list, skipped: list[Path], directory: Path) -> None:
        for replay in imported:
            self.stdout.write(f"  new     #{replay.pk} {replay.original_name}")
        for path in skipped:
            self.stdout.write(f"  skipped {path.relative_to(directory)} (not a video)")
