"""Abandoned chunked uploads: their part files are removed after a while without data.

A browser that closes mid-upload leaves ``MEDIA_ROOT/uploads/<id>.part`` behind. Every hour the
django-q2 cluster (schedule ``remove-abandoned-uploads``, made by a migration) and on demand
``manage.py cleanup_uploads`` remove the part files that received nothing for
``FILMROOM_UPLOAD_ABANDONED_HOURS`` (24 by default: a resumable upload may pause overnight) and
mark their uploads expired, so a late PUT is told to start again. Replays are never touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import Upload


@dataclass
class Cleanup:
    """What one pass removed."""

    uploads: int = 0
    files: int = 0
    bytes: int = 0


def uploads_remove_abandoned(hours: float | None = None) -> Cleanup:
    """Removes part files idle for ``hours`` (the setting by default); see the module doc."""
    hours = settings.FILMROOM_UPLOAD_ABANDONED_HOURS if hours is None else hours
    cutoff = time.time() - hours * 3600
    busy = timezone.now() - timedelta(minutes=2)
    done = Cleanup()
    folder = Path(settings.MEDIA_ROOT) / "uploads"
    for part in sorted(folder.glob("*.part")) if folder.is_dir() else []:
        try:
            stat = part.stat()
        except FileNotFoundError:
            continue
        if stat.st_mtime > cutoff:
            continue
        upload = Upload.objects.filter(pk=_id_of(part)).first() if _id_of(part) else None
        if upload is not None:
            if upload.state != Upload.OPEN:
                continue  # complete: its part file was moved into a replay already
            if upload.writing_since and upload.writing_since > busy:
                continue  # a PUT is writing it right now
            Upload.objects.filter(pk=upload.pk, state=Upload.OPEN).update(state=Upload.EXPIRED)
            done.uploads += 1
        part.unlink(missing_ok=True)
        done.files += 1
        done.bytes += stat.st_size
    return done


def _id_of(part: Path) -> str | None:
    import uuid

    try:
        return str(uuid.UUID(part.stem))
    except ValueError:
        return None


def uploads_cleanup_task() -> str:
    """The hourly django-q2 schedule's entry point (no arguments: the setting decides)."""
    done = uploads_remove_abandoned()
    return f"removed {done.files} part file(s), {done.bytes} bytes"
