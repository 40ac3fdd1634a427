"""Writes that span models: getting replays in, and the replay job.

Nothing a user sent is ever deleted by a failure: a file that is not a usable video still becomes
a replay, in state ``failed`` with a reason a person can read, and its bytes are kept.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image

from coach.models import Team
from coach.queue import enqueue
from detectors.clips import ClipError, make_review_proxy
from detectors.probe import ProbeError, probe, read_frame, sniff_container

from . import detection
from .models import GameProfile, Replay, Upload

logger = logging.getLogger(__name__)

HASH_BLOCK = 1024 * 1024
# The review proxy: a key frame every REVIEW_KEYINT frames (python -m replays.bench_review).
REVIEW_KEYINT = 6
REVIEW_CRF = 23


class UploadError(Exception):
    """An upload request that cannot be honoured; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400, **extra: object) -> None:
        super().__init__(message)
        self.status = status
        self.extra = extra


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _atomic_place(source: Path, dest: Path, move: bool) -> None:
    """Puts bytes at ``dest`` all at once, so a crash never leaves half a file under its name."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if move:
            source.unlink()
        return
    tmp = dest.with_suffix(dest.suffix + ".tmp")
    if move:
        shutil.move(source, tmp)  # a rename when both are on one filesystem
    else:
        shutil.copyfile(source, tmp)
    os.replace(tmp, dest)


def replay_ingest_file(
    *,
    team: Team,
    uploader,
    source: Path,
    original_name: str,
    move: bool,
    profile: GameProfile | None = None,
    sha256: str | None = None,
    enqueue: bool = True,
) -> tuple[Replay, bool]:
    """Registers a file as a team's replay, or finds the replay those bytes already are.

    Args:
        team: The owning team.
        uploader: The user who sent it.
        source: The file on disk.
        original_name: Its name as the user knew it (shown, never trusted).
        move: Move the file into storage (uploads) rather than copy it (imports).
        profile: The game profile to detect with.
        sha256: Its hash if already known.
        enqueue: Hand the job to the workers now (False: the next ``serve`` start does).

    Returns:
        The replay and whether it was created (False: the same bytes were already there).
    """
    digest = sha256 or sha256_of(source)
    existing = Replay.objects.filter(team=team, sha256=digest).first()
    if existing:
        if move:
            source.unlink(missing_ok=True)
        return existing, False
    with source.open("rb") as fh:
        container = sniff_container(fh.read(512)) or "bin"
    relative = Path("replays") / digest[:2] / digest / f"source.{container}"
    _atomic_place(source, Path(settings.MEDIA_ROOT) / relative, move)
    title = Path(original_name).stem.replace("_", " ").strip()[:200] or digest[:12]
    try:
        with transaction.atomic():
            replay = Replay.objects.create(
                team=team,
                uploader=uploader,
                title=title,
                original_name=original_name[:255],
                sha256=digest,
                size_bytes=(Path(settings.MEDIA_ROOT) / relative).stat().st_size,
                file=str(relative),
                profile=profile,
            )
    except IntegrityError:  # the same bytes arrived twice at once
        return Replay.objects.get(team=team, sha256=digest), False
    if enqueue:
        transaction.on_commit(lambda: replay_enqueue(replay))
    return replay, True


def replay_enqueue(replay: Replay) -> None:
    """Hands the replay's job to the django-q2 cluster (or runs it here in sync mode).

    If the queue cannot be reached the replay simply stays ``queued``:
    ``replays_requeue_pending`` hands it out when the workers start.
    """
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED, progress=0, stage="queued")
    enqueue("replays.tasks.process_replay", replay.pk, name=f"replay-{replay.pk}", group="replays")


def replays_requeue_pending() -> int:
    """Enqueues every replay left queued or running (e.g. by a stop); returns how many.

    Called when the embedded site starts, before any worker runs, so a ``running`` replay here
    is one whose worker is gone.
    """
    pending = list(Replay.objects.filter(state__in=[Replay.QUEUED, Replay.RUNNING]))
    for replay in pending:
        replay_enqueue(replay)
    return len(pending)


def replay_process(*, replay_id: int) -> None:
    """The replay job: probe and index, thumbnail, then detection and clips.

    Idempotent: run twice, or retried after its worker died, it leaves the same result as once,
    since every step overwrites its own outputs. Never raises for a bad file; an unexpected error
    marks the replay failed with the reason instead of crashing the worker.
    """
    replay = Replay.objects.filter(pk=replay_id).first()
    if replay is None:
        return
    replay.mark_running()
    try:
        if not _probe_step(replay):
            return
        replay.set_progress(0.2, "making a thumbnail")
        _thumbnail_step(replay)
        replay.set_progress(0.25, "making the review proxy")
        _proxy_step(replay)
        version = replay.profile.latest if replay.profile else None
        if version is not None:
            # Incremental: events already made by this profile version and detector stay.
            if not detection.up_to_date(replay, version) and not detection.replay_detect(
                replay, version
            ):
                return
            if reason := detection.replay_cut_clips(replay):
                replay.mark_failed(reason)
                return
        replay.mark_done()
    except Exception as exc:  # noqa: BLE001 - a job must leave a readable state, never a crash
        logger.exception("replay %s failed", replay_id)
        replay.mark_failed(f"processing stopped unexpectedly: {exc}")


def _probe_step(replay: Replay) -> bool:
    result = probe(replay.path)
    for name in (
        "container",
        "codec",
        "width",
        "height",
        "fps",
        "frame_count",
        "has_audio",
        "start_s",
    ):
        setattr(replay, name, getattr(result, name))
    replay.duration_s = result.duration_s or result.declared_duration_s
    replay.save()
    if not result.ok:
        replay.mark_failed(result.reason)
        return False
    tmp = replay.frame_index_path.with_suffix(".tmp.npy")
    np.save(tmp, result.frame_times)
    os.replace(tmp, replay.frame_index_path)
    return True


def _proxy_step(replay: Replay) -> None:
    """Makes the review proxy once per stored file (same bytes, same proxy); without one the
    page steps on the original, exactly but slower."""
    import json
    import time

    if replay.proxy_info() is not None:
        return
    tmp = replay.proxy_path.with_suffix(".part.mp4")
    started = time.monotonic()
    try:
        clock = make_review_proxy(replay.path, tmp, keyint=REVIEW_KEYINT, crf=REVIEW_CRF)
    except ClipError as exc:
        logger.warning("no review proxy for replay %s: %s", replay.pk, exc)
        tmp.unlink(missing_ok=True)
        return
    os.replace(tmp, replay.proxy_path)
    info = {
        "start_s": clock.start_s,
        "keyint": REVIEW_KEYINT,
        "bytes": replay.proxy_path.stat().st_size,
        "seconds": round(time.monotonic() - started, 2),
    }
    replay.proxy_info_path.write_text(json.dumps(info))


def _thumbnail_step(replay: Replay) -> None:
    times = replay.frame_times()
    try:
        rgb = read_frame(replay.path, float(times[len(times) // 10]))
    except ProbeError as exc:
        logger.warning("no thumbnail for replay %s: %s", replay.pk, exc)
        return
    image = Image.fromarray(rgb)
    image.thumbnail((480, 270))
    tmp = replay.thumbnail_path.with_suffix(".tmp.jpg")
    image.save(tmp, "JPEG", quality=85)
    os.replace(tmp, replay.thumbnail_path)


# Uploads ----------------------------------------------------------------------------------------


def _gib(size: int) -> str:
    """A size in GB of 1024³ bytes, as precise as needed to tell two sizes apart."""
    text = f"{size / 1024**3:.2f} GB"
    return text if size % 1024**2 == 0 else f"{text} ({size:,} bytes)"


def upload_start(
    *, team: Team, uploader, filename: str, size_bytes: int, profile: GameProfile | None = None
) -> Upload:
    """Opens an upload after checking its declared size against the limit."""
    limit = settings.FILMROOM_UPLOAD_MAX_BYTES
    if size_bytes < 0:
        raise UploadError("the file size is missing")
    if size_bytes > limit:
        raise UploadError(f"the file is {_gib(size_bytes)}; the limit is {_gib(limit)}", status=413)
    upload = Upload.objects.create(
        team=team,
        uploader=uploader,
        filename=filename[:255] or "replay",
        size_bytes=size_bytes,
        profile=profile,
    )
    upload.part_path.parent.mkdir(parents=True, exist_ok=True)
    upload.part_path.touch()
    if size_bytes == 0:  # nothing to send: it becomes a replay that says it is empty
        upload_finish(upload=upload)
    return upload


def upload_append(*, upload: Upload, offset: int, chunks: Iterable[bytes]) -> Replay | None:
    """Writes one chunk at ``offset``; when the file is whole, turns it into a replay.

    A chunk must start where the last accepted one ended (the client asks for the offset and
    resumes after a broken connection). Data is streamed to disk piece by piece.

    Returns:
        The replay once the last chunk is in, else None.
    """
    _upload_claim(upload, offset)
    written = 0
    try:
        with upload.part_path.open("r+b") as fh:
            fh.seek(offset)
            for piece in chunks:
                written += len(piece)
                if offset + written > upload.size_bytes:
                    raise UploadError("the chunk runs past the declared file size")
                fh.write(piece)
                _upload_heartbeat(upload)
        upload.received_bytes = offset + written
    finally:  # a broken chunk keeps the offset it started at; the writer's claim ends either way
        upload.writing_since = None
        upload.save(update_fields=["received_bytes", "writing_since"])
    if upload.received_bytes < upload.size_bytes:
        return None
    return upload_finish(upload=upload)


# A PUT that is writing refreshes its claim this often; a claim not refreshed for the stale
# time was left by a request that died, and the next PUT may take the upload over.
_CLAIM_HEARTBEAT = timedelta(seconds=20)
_CLAIM_STALE = timedelta(seconds=90)


def _upload_claim(upload: Upload, offset: int) -> None:
    """Makes this request the upload's only writer (one atomic UPDATE, any database, any node).

    Raises:
        UploadError: 409 when the upload is complete, expired, written by another request right
            now, or expects another offset (the client asks for the offset and resumes).
    """
    now = timezone.now()
    free = Q(writing_since__isnull=True) | Q(writing_since__lt=now - _CLAIM_STALE)
    claimed = Upload.objects.filter(
        free, pk=upload.pk, state=Upload.OPEN, received_bytes=offset
    ).update(writing_since=now)
    upload.refresh_from_db()
    if claimed:
        upload.heartbeat_at = now
        return
    if upload.state == Upload.COMPLETE:
        raise UploadError("this upload is already complete", status=409, offset=upload.size_bytes)
    if upload.state == Upload.EXPIRED:
        raise UploadError(
            "this upload was abandoned (no data for a long time) and removed: start it again",
            status=410,
        )
    if offset != upload.received_bytes:
        raise UploadError(
            f"expected the chunk at byte {upload.received_bytes}, got {offset}",
            status=409,
            offset=upload.received_bytes,
        )
    raise UploadError(
        "another request is sending a chunk of this upload right now: wait for it to end, "
        "then ask for the offset",
        status=409,
        offset=upload.received_bytes,
    )


def _upload_heartbeat(upload: Upload) -> None:
    now = timezone.now()
    if now - upload.heartbeat_at >= _CLAIM_HEARTBEAT:
        Upload.objects.filter(pk=upload.pk).update(writing_since=now)
        upload.heartbeat_at = now


def upload_finish(*, upload: Upload) -> Replay:
    with upload.part_path.open("r+b") as fh:
        fh.truncate(upload.size_bytes)  # drop the tail of a chunk that broke off and was re-sent
    replay, _created = replay_ingest_file(
        team=upload.team,
        uploader=upload.uploader,
        source=upload.part_path,
        original_name=upload.filename,
        move=True,
        profile=upload.profile,
    )
    upload.state, upload.replay = Upload.COMPLETE, replay
    upload.save(update_fields=["state", "replay"])
    return replay


# Managing replays --------------------------------------------------------------------------------

TAG_FIELDS = ("map", "opponent", "game")


class ReplayEditError(Exception):
    """A rename or tag that cannot be saved; the message says why."""


def replay_update(
    *, replay: Replay, title: str, map: str = "", opponent: str = "", game: str = ""
) -> Replay:
    """Renames and tags a replay (map, opponent, game), trimmed; a title is required.

    Raises:
        ReplayEditError: The title is empty or a value is too long.
    """
    values = {
        "title": title.strip(),
        "map": map.strip(),
        "opponent": opponent.strip(),
        "game": game.strip(),
    }
    if not values["title"]:
        raise ReplayEditError("A replay needs a title.")
    for name, value in values.items():
        limit = Replay._meta.get_field(name).max_length
        if len(value) > limit:
            raise ReplayEditError(f"The {name} is longer than {limit} characters.")
    for name, value in values.items():
        setattr(replay, name, value)
    replay.save(update_fields=list(values))
    return replay


class ReplayDeleteError(Exception):
    """A replay that cannot be deleted now; the message says why."""


def replay_delete(*, replay: Replay) -> None:
    """Deletes a replay, its events, clips, notes (with their exports) and files.

    The stored recording (named by its SHA-256, with its frame index and thumbnail) stays while
    another team still has a replay of the same bytes. Files go once the deletion is committed,
    so a rolled-back delete never loses a file.

    Raises:
        ReplayDeleteError: Its job is running right now.
    """
    if replay.state == Replay.RUNNING:
        raise ReplayDeleteError("It is being processed right now: delete it when the job ends.")
    folders = [Path(settings.MEDIA_ROOT) / "clips" / str(replay.pk)]
    shared = Replay.objects.filter(sha256=replay.sha256).exclude(pk=replay.pk).exists()
    if not shared:
        folders.append(replay.folder)
    note_ids = list(replay.notes.values_list("pk", flat=True))
    with transaction.atomic():
        replay.delete()
        transaction.on_commit(lambda: _remove_folders(folders))
        transaction.on_commit(lambda: _remove_note_exports(note_ids))


def _remove_note_exports(note_ids: list[int]) -> None:
    from coach.notes.exports import exports_remove  # the notes app owns its export folders

    for note_id in note_ids:
        exports_remove(note_id)


def _remove_folders(folders: list[Path]) -> None:
    media = Path(settings.MEDIA_ROOT).resolve()
    for folder in folders:
        if folder.resolve().is_relative_to(media) and folder.resolve() != media:
            shutil.rmtree(folder, ignore_errors=True)
