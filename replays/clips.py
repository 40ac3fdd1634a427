"""Each event's clip file, cut the first time anybody opens it and kept from then on.

Cutting every clip in the replay job cost several times what detection did (issue #9), while
most clips are never watched. So the job makes only the thumbnails and the ``Clip`` rows (the
window and where the file will be: ``replays.detection.replay_cut_clips``), and every reader of a
clip's video goes through ``clip_file``: it cuts the clip under a per-clip lock when the file is
missing, stores it through ``coach.storage`` (local media or S3), and returns the working copy.

Names are content-derived (event kind, frame and window), so a file under a clip's name is
always the right one: a moved event or a new window is a new name, and the old file is removed
where the row changes (``_remove_stale_clip_files``, ``_drop_clip``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

from coach import storage
from detectors.clips import ClipError, cut_clip
from detectors.probe import ProbeError, clock_of
from detectors.smartcut import SmartCutError, read_packets

from .models import Clip
from .services import trim_working_copy

logger = logging.getLogger(__name__)


class ClipUnavailable(Exception):
    """The clip could not be cut now; the message is for the person who opened it.

    Attributes:
        status: The HTTP status to answer with: 410 when the replay's video is gone (opening
            again will not help), 503 when the cut failed (the next open tries again).
    """

    def __init__(self, message: str, status: int = 503) -> None:
        super().__init__(message)
        self.status = status


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock for cutting ``path``: concurrent first opens cut it once.

    The lock file (hidden, beside the clip) is removed once the cut is done; a waiter that
    then wakes on the removed file takes the lock again on a fresh one.
    """
    lock = path.with_name(f".{path.name}.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed this lock file: lock the current one
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)
        os.close(fd)


def clip_file(clip: Clip, *, source_index: tuple[object, object] | None = None) -> Path:
    """The clip's MP4 in the working copy, cut now if nobody has opened it before.

    Every reader of a clip's video (the clip view, so the review page, the playlist player and
    anything else that links to it) comes through here. The cut takes a few seconds (see the
    README's clip benchmark); a second open, here or on another machine with remote media,
    finds the stored file. A failed cut leaves its reason on ``Clip.error`` (shown on the
    replay page) and no file, so the next open tries again.

    Args:
        clip: The clip.
        source_index: ``(clock_of(source), read_packets(source) or None)`` of the replay's video
            when the caller has them (the job cutting every clip reads them once per replay).

    Raises:
        ClipUnavailable: the replay's video is gone, the cut failed, or the event moved while
            it ran (the reason in words; the status says which: 410, 503, 409).
    """
    path = clip.path
    if storage.exists(path):
        return storage.fetch(path)
    try:
        with _locked(path):
            if storage.exists(path):  # cut by whoever held the lock before us
                return storage.fetch(path)
            _cut(clip, source_index)
            if not Clip.objects.filter(file=clip.file).exists():
                # The event moved (or the clip window changed) while this cut ran: the row that
                # named this file is gone, and the removal of its file came before the file.
                storage.remove(path)
                raise ClipUnavailable(
                    "The event moved while this clip was being cut: open its clip again.", 409
                )
    except OSError as exc:  # the lock file or the working copy: a full disk, say
        _failed(
            clip,
            f"This clip could not be cut: {exc.strerror or exc}. Opening it again tries again.",
        )
    return path


def _cut(clip: Clip, source_index: tuple[object, object] | None) -> None:
    replay = clip.event.replay
    source = storage.fetch(replay.path)
    if not source.is_file():
        _failed(clip, "The replay's video is gone, so this clip cannot be cut.", 410)
    started = time.monotonic()
    try:
        if source_index is not None:
            clock, packets = source_index
        else:
            clock = clock_of(source)
            try:  # H.264 is stream-copied from its first IDR with the packet index
                packets = read_packets(source)
            except SmartCutError:
                packets = None
        cut_clip(source, clip.path, clip.start_s, clip.end_s, clock=clock, packets=packets)
        storage.publish(clip.path)
    except (ClipError, ProbeError, storage.StorageError) as exc:
        clip.path.unlink(missing_ok=True)  # published or not at all: the next open cuts again
        logger.warning("no clip for %s: %s", clip.event, exc)
        _failed(clip, f"This clip could not be cut: {exc}. Opening it again tries again.")
    logger.debug("cut %s in %.2f s", clip.file, time.monotonic() - started)
    # Remote media: the copy of the original fetched to cut from stays within the budget.
    trim_working_copy(also_keep=[clip.path])
    if clip.error:
        clip.error = ""
        Clip.objects.filter(pk=clip.pk).update(error="")


def _failed(clip: Clip, message: str, status: int = 503) -> NoReturn:
    clip.error = message[: Clip._meta.get_field("error").max_length]
    Clip.objects.filter(pk=clip.pk).update(error=clip.error)
    raise ClipUnavailable(message, status)
