"""Writes that span models: getting replays in, and the replay job.

Nothing a user sent is ever deleted by a failure: a file that is not a usable video still becomes
a replay, in state ``failed`` with a reason a person can read, and its bytes are kept.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image

from coach import storage
from coach.models import Team
from coach.params import plain_name
from coach.queue import enqueue
from detectors import sandbox
from detectors.clips import DISK_FULL, ClipError, make_review_proxy
from detectors.probe import ProbeError, sniff_container

from . import detection
from .decoding import decode_limits, probe_limits
from .models import GameProfile, Replay, StoredRecording, Upload

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


class DiskFullError(OSError):
    """Storing failed for want of space; the message is meant for the person who sent the file."""


def disk_full(exc: BaseException) -> bool:
    """Whether an error is a full disk or a file-size limit (ENOSPC, EFBIG, EDQUOT)."""
    return isinstance(exc, OSError) and exc.errno in DISK_FULL


def _atomic_place(source: Path, dest: Path, move: bool) -> None:
    """Puts bytes at ``dest`` all at once, replacing what is there, so a crash or a full disk
    never leaves half a file under its name; the source is kept until its copy is whole.

    Raises:
        DiskFullError: no room for the copy (the partial copy is removed, the source kept).
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = _private_tmp(dest, dest.suffix)  # two uploads of the same bytes at once: two names
    try:
        if move:
            shutil.move(source, tmp)  # a rename when both are on one filesystem
        else:
            shutil.copyfile(source, tmp)
        os.replace(tmp, dest)
    except OSError as exc:
        if move and tmp.exists() and not source.exists():
            os.replace(tmp, source)  # moved across filesystems, then failed: give it back
        tmp.unlink(missing_ok=True)
        if disk_full(exc):
            raise DiskFullError(exc.errno, f"the disk is full: {exc.strerror}") from exc
        raise


@contextmanager
def recording_lock(digest: str) -> Iterator[None]:
    """Holds the lock of the stored recording named ``digest`` until the block ends.

    Registering a replay of those bytes (``replay_ingest_file``) and removing them once no
    replay is left (``recording_release``) take it in turn: without it, a delete that found no
    other replay removed the folder just after another team's upload found it there and threw
    its own copy away. A row lock on PostgreSQL; on SQLite every transaction here begins
    IMMEDIATE, which takes the database's write lock.
    """
    StoredRecording.objects.get_or_create(sha256=digest)
    with transaction.atomic():
        StoredRecording.objects.select_for_update().get(sha256=digest)
        yield


def recording_folder(digest: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "replays" / digest[:2] / digest


def recording_release(digest: str) -> bool:
    """Removes a stored recording (its bytes, frame index, thumbnail, proxy) if no replay of any
    team uses it any more; returns whether it did. Called after a replay's delete commits."""
    with recording_lock(digest):
        if Replay.objects.filter(sha256=digest).exists():
            return False
        storage.remove_tree(recording_folder(digest))
    return True


def stored_copy_matches(path: Path, digest: str, size: int) -> bool:
    """Whether the stored copy is whole and unchanged: its size, then its SHA-256 (one read,
    as much as hashing the upload cost). With remote media and no working copy here, the stored
    object's size only (hashing it would fetch it whole)."""
    try:
        if path.stat().st_size != size:
            return False
    except FileNotFoundError:
        return storage.stored_size(path) == size
    return sha256_of(path) == digest


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

    The bytes are stored once for every team (named by their SHA-256). A stored copy that no
    longer matches them (truncated, removed, changed on disk) is replaced by this file's.

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
    size = source.stat().st_size
    with source.open("rb") as fh:
        container = sniff_container(fh.read(512)) or "bin"
    original_name = plain_name(original_name)
    title = Path(original_name).stem.replace("_", " ").strip()[:200] or digest[:12]
    with recording_lock(digest):
        # Registered before its bytes are placed: from here on the row keeps the stored copy
        # (a delete of another team's replay of these bytes sees it, under the same lock).
        replay = Replay.objects.filter(team=team, sha256=digest).first()
        created = replay is None
        if created:
            relative = Path("replays") / digest[:2] / digest / f"source.{container}"
            replay = Replay.objects.create(
                team=team,
                uploader=uploader,
                title=title,
                original_name=original_name[:255],
                sha256=digest,
                size_bytes=size,
                file=str(relative),
                profile=profile,
            )
    try:
        stored = _store_bytes(replay, source, move)
    except (DiskFullError, storage.StorageError):
        if created:  # nothing was made: the sender's retry starts again
            Replay.objects.filter(pk=replay.pk).delete()
            with recording_lock(digest):  # the storage did not take it: the local copy only
                if not Replay.objects.filter(sha256=digest).exists():
                    shutil.rmtree(recording_folder(digest), ignore_errors=True)
        raise
    if created and enqueue:
        transaction.on_commit(lambda: replay_enqueue(replay))
    elif stored and replay.state == Replay.FAILED:  # it may have failed for want of this copy
        replay_run_again(replay)
    return replay, created


def _store_bytes(replay: Replay, source: Path, move: bool) -> bool:
    """Makes the replay's stored copy ``source``'s bytes, unless it already holds them (the same
    bytes uploaded before); ``source`` is gone afterwards when ``move``. Returns whether it
    stored them (False: the stored copy already held them).

    Raises:
        DiskFullError, storage.StorageError: not stored (``source`` is kept).
    """
    path = replay.path
    there = path.exists() or storage.exists(path)
    if there and stored_copy_matches(path, replay.sha256, replay.size_bytes):
        if move:
            source.unlink(missing_ok=True)
        storage.publish(path, replace=False)
        return False
    if there:
        logger.warning("replay %s: its stored copy did not match its bytes: replaced", replay.pk)
    elif replay.state != Replay.QUEUED or replay.attempts:
        logger.warning("replay %s: its stored copy was missing: stored again", replay.pk)
    _atomic_place(source, path, move)
    try:
        storage.publish(path, replace=there)
    except storage.StorageError:
        if move:  # give the bytes back to the sender's upload: a retry finishes it
            shutil.copyfile(path, source)
        raise
    return True


def replay_enqueue(replay: Replay) -> None:
    """Hands the replay's job to the django-q2 cluster (or runs it here in sync mode).

    If the queue cannot be reached the replay simply stays ``queued``:
    ``replays_requeue_pending`` hands it out when the workers start.
    """
    Replay.objects.filter(pk=replay.pk).update(state=Replay.QUEUED, progress=0, stage="queued")
    enqueue("replays.tasks.process_replay", replay.pk, name=f"replay-{replay.pk}", group="replays")


def replay_run_again(replay: Replay, **changes: object) -> bool:
    """Queues the replay's job again, with ``changes`` (e.g. ``profile``) saved, unless it is
    queued or running already, its file cannot be used (``unusable``), or the profile it would
    run with is still at the version whose own error failed it (``Replay.profile_at_fault``:
    it would fail the same way); returns whether it did.

    The check and the claim are one conditional UPDATE: two requests at once (a double click on
    *Process again*, two tabs) start one job, not two racing on the same files.
    """
    profile = changes["profile"] if "profile" in changes else replay.profile
    version = profile.latest if isinstance(profile, GameProfile) else None
    candidates = Replay.objects.filter(pk=replay.pk, unusable=False).exclude(
        state__in=[Replay.QUEUED, Replay.RUNNING]
    )
    if version is not None:
        candidates = candidates.exclude(state=Replay.FAILED, failed_with=version)
    claimed = candidates.update(
        state=Replay.QUEUED, progress=0, stage="queued", restarts=0, failed_with=None, **changes
    )
    if claimed:
        replay.failed_with = None
        for field, value in changes.items():
            setattr(replay, field, value)
        enqueue(
            "replays.tasks.process_replay", replay.pk, name=f"replay-{replay.pk}", group="replays"
        )
    return bool(claimed)


def replays_requeue_pending() -> int:
    """Enqueues every replay left queued or running (e.g. by a stop); returns how many.

    Called when the embedded site starts, before any worker runs, so a ``running`` replay here
    is one whose worker is gone.
    """
    pending = list(Replay.objects.filter(state__in=[Replay.QUEUED, Replay.RUNNING]))
    for replay in pending:
        replay_enqueue(replay)
    return len(pending)


# Times a run is handed out again after its worker died before it fails instead.
MAX_RESTARTS = 2


def replays_requeue_orphans() -> int:
    """Hands out again every running replay whose worker process is gone; returns how many.

    Run by each django-q2 worker as it starts, so a worker killed mid-job (SIGKILL, out of
    memory) is replaced and its replay finishes. The job is idempotent: events are replaced, not
    added, and clips already cut are kept. Only one sweeper claims each replay.

    A run whose worker dies every time (a file that makes it run out of memory) was handed out
    for ever: each new worker took it and died, and its replacement took it again. After
    ``MAX_RESTARTS`` it fails instead, saying so; *Process again* (a person's choice, after the
    limits were raised, say) starts a new run with its own restarts.
    """
    import psutil

    count = 0
    for replay in Replay.objects.filter(state=Replay.RUNNING):
        pid = replay.worker_pid
        try:
            alive = bool(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            alive = False
        if alive:
            continue
        orphan = Replay.objects.filter(pk=replay.pk, state=Replay.RUNNING, worker_pid=pid)
        if replay.restarts >= MAX_RESTARTS:
            runs = replay.restarts + 1
            if orphan.update(
                state=Replay.FAILED,
                stage="",
                worker_pid=None,
                processed_at=timezone.now(),
                failure_reason=f"processing stopped {runs} times without finishing: its worker "
                "was killed each time (out of memory?), so it is not started again by itself",
            ):
                logger.warning("replay %s: its worker died %s times; failed", replay.pk, runs)
                replay.refresh_from_db()
                replay.publish_status()
            continue
        claimed = orphan.update(state=Replay.QUEUED, worker_pid=None, restarts=F("restarts") + 1)
        if claimed:
            replay_enqueue(replay)
            count += 1
    return count


def replay_process(*, replay_id: int) -> None:
    """The replay job: probe and index, thumbnail, then detection and clips.

    Idempotent: run twice, or retried after its worker died, it leaves the same result as once,
    since every step overwrites its own outputs. Never raises for a bad file; an unexpected error
    marks the replay failed with the reason instead of crashing the worker.
    """
    replay = Replay.objects.filter(pk=replay_id).first()
    if replay is None or not replay.mark_running():
        return  # deleted, or another worker claimed it between our read and our claim
    replay_run_claimed(replay)


def replay_run_claimed(replay: Replay) -> None:
    """The job's steps, on a replay this process claimed (``Replay.mark_running``)."""
    try:
        storage.fetch(replay.path)  # remote media: decode a local copy
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
        _run_failed(replay, exc)
    finally:
        trim_working_copy()


def _run_failed(replay: Replay, exc: Exception) -> None:
    """Ends a run that raised: quietly when its replay was deleted meanwhile (its team deleted,
    say: every write then fails), removing what it wrote; else marks it failed with the reason."""
    replay_id = replay.pk
    if not Replay.objects.filter(pk=replay_id).exists():
        logger.info("replay %s was deleted while it was processed: its job stopped", replay_id)
        replay_files_remove([(replay_id, replay.sha256)])
        return
    if disk_full(exc):
        logger.warning("replay %s: the disk is full (%s)", replay_id, replay.stage)
        replay.mark_failed(disk_full_reason(exc, replay.stage))
        return
    logger.exception("replay %s failed", replay_id)
    replay.mark_failed(f"processing stopped unexpectedly: {exc}")


def trim_working_copy(also_keep: Iterable[Path] = ()) -> None:
    """Keeps this machine's copy of remote media bounded, sparing the replays still running
    (and ``also_keep``: a clip just cut for a viewer)."""
    if not storage.remote():  # local media is the record: never trimmed
        return
    running = Replay.objects.filter(state=Replay.RUNNING)
    keep = [*also_keep, *(r.folder for r in running)] + [
        Path(settings.MEDIA_ROOT) / "clips" / str(r.pk) for r in running
    ]
    if freed := storage.cache_trim(keep):
        logger.info("media working copy trimmed by %d bytes", freed)


def disk_full_reason(exc: OSError, doing: str = "") -> str:
    """'the disk is full: No space left on device (while making the review proxy)'."""
    text = exc.strerror or str(exc)
    text = text if text.startswith("the disk is full") else f"the disk is full: {text}"
    return f"{text} (while {doing})" if doing else text


def _probe_step(replay: Replay) -> bool:
    """Probes the file in a limited child process (``detectors.sandbox``): a decoder that
    crashes or hangs on it fails this replay with the reason, never the worker."""
    try:
        result = sandbox.probe(replay.path, limits=probe_limits(replay.size_bytes))
    except sandbox.DecodeFailed as exc:
        replay.mark_failed(f"reading the video failed: {exc}")
        return False
    if not result.ok:
        return _probe_failed(replay, result)
    for name in PROBE_FACTS:
        setattr(replay, name, getattr(result, name))
    replay.duration_s = result.duration_s or result.declared_duration_s
    replay.warning = result.warning
    # Only what the probe found: a whole-row save wrote back every field as this job read it,
    # undoing a rename or tag a person saved meanwhile.
    replay.save(update_fields=[*PROBE_FACTS, "duration_s", "warning"])
    tmp = _private_tmp(replay.frame_index_path, ".npy")
    try:
        np.save(tmp, result.frame_times)
        os.replace(tmp, replay.frame_index_path)
    finally:
        tmp.unlink(missing_ok=True)
    storage.publish(replay.frame_index_path)
    return True


# What a probe says about the file (besides its duration and warning), stored on the replay.
PROBE_FACTS = (
    "container",
    "codec",
    "width",
    "height",
    "fps",
    "frame_count",
    "has_audio",
    "start_s",
)


def _probe_failed(replay: Replay, result) -> bool:
    """Marks the replay failed with the probe's reason, keeping what an earlier probe learned.

    A probe that fails says nothing about the file (zeros, empty codec): a re-probe of a replay
    read fine before (its stored copy damaged, or unreadable for a while) wiped its duration,
    codec and size facts. Those stay; a replay never read fine gets what this probe learned
    (the container and codec of an unsupported video, say). Bytes that read fine before and are
    refused now are not the sender's fault (they are named by their hash): no longer what was
    sent, so *Process again* stays for a restored copy, rather than ``unusable``.
    """
    known_before = replay.frame_count > 0
    if not known_before:
        fields = [name for name in PROBE_FACTS if getattr(result, name)]
        for name in fields:
            setattr(replay, name, getattr(result, name))
        if duration := result.duration_s or result.declared_duration_s:
            replay.duration_s = duration
            fields.append("duration_s")
        if fields:
            replay.save(update_fields=fields)
    reason = result.reason
    if known_before and result.bad_file:
        reason += " (it was read fine before: the stored copy has changed since)"
    replay.mark_failed(reason, unusable=result.bad_file and not known_before)
    return False


def _private_tmp(path: Path, suffix: str) -> Path:
    """A temporary name beside ``path`` that no other job writes: replays of the same bytes
    share a folder, and two jobs on them at once collided on one fixed temporary name."""
    return path.with_name(f".{path.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp{suffix}")


# A temporary file untouched this long whose process is gone was left by a killed job.
LEFTOVER_AGE_S = 600


def _remove_leftovers(folder: Path) -> None:
    """Removes the temporary files of killed jobs (a SIGKILL, the machine's Ctrl-C mid-proxy left
    a part-written proxy the size of the recording): each name holds its writer's pid."""
    import psutil

    now = time.time()
    for path in folder.glob(".*.tmp*"):
        pids = [int(p) for p in re.findall(r"\.(\d+)\.", path.name)]
        try:
            old = now - path.stat().st_mtime > LEFTOVER_AGE_S
        except FileNotFoundError:
            continue
        if pids and old and not any(psutil.pid_exists(pid) for pid in pids):
            logger.info("removing %s, left by a job that was stopped", path)
            path.unlink(missing_ok=True)


def _proxy_step(replay: Replay) -> None:
    """Makes the review proxy once per stored file (same bytes, same proxy); without one the
    page steps on the original, exactly but slower."""
    import json

    _remove_leftovers(replay.folder)
    if replay.proxy_info() is not None:
        return
    tmp = _private_tmp(replay.proxy_path, ".mp4")  # two jobs on the same bytes: one folder
    started = time.monotonic()
    try:
        clock = make_review_proxy(replay.path, tmp, keyint=REVIEW_KEYINT, crf=REVIEW_CRF)
    except ClipError as exc:
        tmp.unlink(missing_ok=True)
        if "the disk is full" in str(exc):  # the clips would not fit either: say so now
            logger.warning("replay %s: %s", replay.pk, exc)
            raise DiskFullError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from exc
        logger.warning("no review proxy for replay %s: %s", replay.pk, exc)
        return
    os.replace(tmp, replay.proxy_path)
    info = {
        "start_s": clock.start_s,
        "keyint": REVIEW_KEYINT,
        "bytes": replay.proxy_path.stat().st_size,
        "seconds": round(time.monotonic() - started, 2),
    }
    replay.proxy_info_path.write_text(json.dumps(info))
    storage.publish(replay.proxy_path, replay.proxy_info_path)  # the info last: it says "ready"


def _thumbnail_step(replay: Replay) -> None:
    times = replay.frame_times()
    try:
        rgb = sandbox.read_frame(
            replay.path, float(times[len(times) // 10]), limits=decode_limits(replay.duration_s)
        )
    except (ProbeError, sandbox.DecodeFailed) as exc:
        logger.warning("no thumbnail for replay %s: %s", replay.pk, exc)
        return
    image = Image.fromarray(rgb)
    image.thumbnail((480, 270))
    tmp = _private_tmp(replay.thumbnail_path, ".jpg")
    try:
        image.save(tmp, "JPEG", quality=85)
        os.replace(tmp, replay.thumbnail_path)
    finally:
        tmp.unlink(missing_ok=True)
    storage.publish(replay.thumbnail_path)


# Uploads ----------------------------------------------------------------------------------------


def _gib(size: int) -> str:
    """A size in GB of 1024³ bytes, as precise as needed to tell two sizes apart."""
    text = f"{size / 1024**3:.2f} GB"
    return text if size % 1024**2 == 0 else f"{text} ({size:,} bytes)"


def upload_size(value: object) -> int:
    """The start request's ``size``: a whole number of bytes, 0 or more, sent as a JSON number or
    a string of ASCII digits. Never coerced: ``1.5`` and ``true`` were read as 1 byte.

    Raises:
        UploadError: 400 for anything else (a negative number, a fraction, a boolean, other
            digits), 413 for more digits than any limit has.
    """
    if value is None:
        raise UploadError("the file size is missing")
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        digits = value.strip().lstrip("0") or "0"
        if len(digits) > 30:  # past any limit (and int() refuses 4,300 digits: it was a 500)
            limit = settings.FILMROOM_UPLOAD_MAX_BYTES
            raise UploadError(
                f"the file size has {len(digits):,} digits; the limit is {_gib(limit)}", status=413
            )
        value = int(digits)
    if type(value) is not int or value < 0:
        raise UploadError(
            "size must be the file's size in bytes, a whole number (0 or more),"
            f" not {str(value)[:30]!r}"
        )
    return value


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
        filename=plain_name(filename)[:255] or "replay",
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
    except OSError as exc:
        if not disk_full(exc):
            raise
        # Give the space back: the client resumes from the last whole chunk once there is room.
        with upload.part_path.open("r+b") as fh:
            fh.truncate(upload.received_bytes)
        raise UploadError(
            f"the disk is full: the server could not store this chunk ({exc.strerror}); "
            f"{upload.received_bytes:,} bytes are kept, resume when there is room",
            status=507,
            offset=upload.received_bytes,
        ) from exc
    finally:  # a broken chunk keeps the offset it started at; the writer's claim ends either way
        upload.writing_since = None
        upload.save(update_fields=["received_bytes", "writing_since"])
    if upload.received_bytes < upload.size_bytes:
        return None
    # The uploader may have been removed from the team while this chunk arrived: the bytes stay
    # in the part file (the cleanup removes it once abandoned), but no replay is made.
    upload_check_allowed(upload)
    return upload_finish(upload=upload)


NOT_A_MEMBER = "you are no longer a member of this upload's team, so it cannot go on"


def upload_check_allowed(upload: Upload) -> None:
    """Whether the uploader may still upload into the upload's team (a member, or staff).

    Checked by every request on an upload (but Cancel) and again before its last chunk makes the
    replay: a member removed since the upload began gets no further into the team's data.

    Raises:
        UploadError: 403 when they may not.
    """
    if not Team.objects.visible_to(upload.uploader).filter(pk=upload.team_id).exists():
        raise UploadError(NOT_A_MEMBER, status=403)


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
    if upload.state == Upload.CANCELLED:
        raise UploadError("this upload was cancelled and its bytes removed", status=410)
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


def upload_cancel(*, upload: Upload) -> None:
    """Stops an open upload for good and removes the bytes it received.

    The claim is the one a chunk takes (one atomic UPDATE), so a chunk being written right now
    is never cut off half-way: the cancel is refused (409) until it ends.

    Raises:
        UploadError: 409 when the upload is complete (it is a replay now: delete that) or a
            chunk is being written; cancelling one already cancelled or expired does nothing.
    """
    now = timezone.now()
    free = Q(writing_since__isnull=True) | Q(writing_since__lt=now - _CLAIM_STALE)
    # A whole file is being made a replay (its last chunk's request finishes it): too late.
    partial = Q(received_bytes__lt=F("size_bytes"))
    if Upload.objects.filter(free, partial, pk=upload.pk, state=Upload.OPEN).update(
        state=Upload.CANCELLED, writing_since=None
    ):
        upload.part_path.unlink(missing_ok=True)
    upload.refresh_from_db()
    if upload.state == Upload.COMPLETE or upload.received_bytes >= upload.size_bytes:
        replay = upload.replay
        raise UploadError(
            "all of this upload's bytes have arrived, so it is a replay now (or about to be):"
            " delete the replay instead",
            status=409,
            replay_url=replay.get_absolute_url() if replay else None,
        )
    if upload.state == Upload.OPEN:
        raise UploadError(
            "a chunk of this upload is being written right now: cancel again when it ends",
            status=409,
        )


def _upload_heartbeat(upload: Upload) -> None:
    now = timezone.now()
    if now - upload.heartbeat_at >= _CLAIM_HEARTBEAT:
        Upload.objects.filter(pk=upload.pk).update(writing_since=now)
        upload.heartbeat_at = now


def upload_finish(*, upload: Upload) -> Replay:
    with upload.part_path.open("r+b") as fh:
        fh.truncate(upload.size_bytes)  # drop the tail of a chunk that broke off and was re-sent
    try:
        replay, _created = replay_ingest_file(
            team=upload.team,
            uploader=upload.uploader,
            source=upload.part_path,
            original_name=upload.filename,
            move=True,
            profile=upload.profile,
        )
    except storage.StorageError as exc:  # all bytes are here: an empty PUT at the end retries
        logger.warning("upload %s not stored: %s", upload.pk, exc)
        raise UploadError(
            "the file arrived whole but could not be stored; try again shortly",
            status=503,
            offset=upload.size_bytes,
        ) from exc
    except DiskFullError as exc:  # the whole file stays in its part file: finishing can be retried
        raise UploadError(
            f"{exc.strerror} while storing the upload; its bytes are kept: retry when there"
            " is room",
            status=507,
            offset=upload.received_bytes,
        ) from exc
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
        "title": plain_name(title),
        "map": plain_name(map),
        "opponent": plain_name(opponent),
        "game": plain_name(game),
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
    another team still has a replay of the same bytes, one uploaded meanwhile included (see
    ``recording_lock``). Files go once the deletion is committed, so a rolled-back delete never
    loses a file.

    Raises:
        ReplayDeleteError: Its job is running right now.
    """
    running = ReplayDeleteError("It is being processed right now: delete it when the job ends.")
    if replay.state == Replay.RUNNING:
        raise running
    note_ids = list(replay.notes.values_list("pk", flat=True))
    with transaction.atomic():
        # The state as it is now, not as this request read it: a worker may have claimed the
        # job since, and deleting under it removed the files it was writing (its clips came
        # back in a folder of their own, for good). The check is an UPDATE, so it holds the
        # row (and SQLite's write lock) until the delete commits: a worker's claim waits for
        # it, then finds no row and does not start (``Replay.mark_running``).
        if (
            not Replay.objects.filter(pk=replay.pk)
            .exclude(state=Replay.RUNNING)
            .update(state=F("state"))
        ):
            if Replay.objects.filter(pk=replay.pk).exists():
                raise running
            return  # deleted by another request meanwhile
        deleted = [(replay.pk, replay.sha256)]  # delete() sets the instance's pk to None
        replay.delete()
        transaction.on_commit(lambda: replay_files_remove(deleted))
        transaction.on_commit(lambda: _remove_note_exports(note_ids))


def replay_files_remove(replays: Iterable[tuple[int, str]]) -> None:
    """Removes the files of deleted replays, given as ``(id, sha256)``: their clips, and each
    stored recording no other replay uses (``recording_release``)."""
    for pk, digest in replays:
        storage.remove_tree(Path(settings.MEDIA_ROOT) / "clips" / str(pk))
        recording_release(digest)


def _remove_note_exports(note_ids: list[int]) -> None:
    from coach.notes.exports import exports_remove  # the notes app owns its export folders

    for note_id in note_ids:
        exports_remove(note_id)
