"""Where media lives: the local MEDIA_ROOT (the default) or S3-compatible object storage.

Decoders (PyAV, OpenCV) and FFmpeg work on file paths, so every machine keeps a working copy of
media under its MEDIA_ROOT. With local storage that copy *is* the record and every function here
is a no-op or a plain file answer, so the embedded set-up is exactly as fast as before. With
``MEDIA_STORAGE_URL`` set, Django's default storage (django-storages' S3 backend) is the record:

- ``fetch`` materializes a stored file locally before it is read (a worker on another machine
  decodes the original the web node received);
- ``publish`` stores a file written locally (an upload, a clip, a thumbnail) under the same name;
- ``serve`` answers a media request: the local ranged response, or a redirect to a presigned URL
  that expires soon (S3 answers Range requests itself, so the browser seeks as before). Callers
  check ownership first, as for local files;
- ``remove_tree`` deletes a folder from both;
- ``cache_trim`` keeps the working copy under ``FILMROOM_MEDIA_CACHE_BYTES``.

Stored names are content-derived (a replay's folder is its SHA-256, a clip's name its event and
window), so a working copy never holds stale bytes under a name: it can only be missing.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from coach.media import ranged_file_response

logger = logging.getLogger(__name__)

COPY_BLOCK = 1024 * 1024


class StorageError(Exception):
    """The media storage did not take a file; the message says which and why."""


def remote() -> bool:
    """Whether media is kept in a storage other than this machine's MEDIA_ROOT."""
    return not isinstance(storages["default"], FileSystemStorage)


def local_path(name: str | Path) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def name_of(path: Path) -> str:
    """The storage name of a file in the working copy (a path relative to MEDIA_ROOT)."""
    return Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()


def fetch(path: Path, *, name: str | None = None) -> Path:
    """Makes sure the working copy holds ``path`` (under MEDIA_ROOT) and returns it.

    A file missing from the storage too is left missing: the caller's usual "no such file"
    handling applies. The copy appears all at once, so a reader never sees half of it.

    Args:
        path: Where the copy goes.
        name: Its storage name, if not ``path`` relative to MEDIA_ROOT.
    """
    path = Path(path)
    if path.exists() or not remote():
        if path.exists() and remote():
            os.utime(path)  # recently used: the cache trim keeps it
        return path
    name = name or name_of(path)
    if not default_storage.exists(name):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.fetch")
    started = time.monotonic()
    with default_storage.open(name, "rb") as src, tmp.open("wb") as dst:
        shutil.copyfileobj(src, dst, COPY_BLOCK)
    os.replace(tmp, path)
    logger.info(
        "fetched %s (%d bytes, %.1f s)", name, path.stat().st_size, time.monotonic() - started
    )
    return path


def fetch_tree(folder: Path) -> Path:
    """``fetch`` for a whole small folder (a profile version's references), all at once."""
    folder = Path(folder)
    if folder.exists() or not remote():
        return folder
    prefix = name_of(folder)
    names = list(_stored_names(prefix))
    if not names:
        return folder
    tmp = folder.with_name(f".{folder.name}.{os.getpid()}.fetch")
    for name in names:
        fetch(tmp / name[len(prefix) + 1 :], name=name)
    try:
        os.replace(tmp, folder)
    except OSError:  # another process fetched it first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def publish_tree(folder: Path) -> None:
    """``publish`` for every file in a folder."""
    if remote():
        publish(*(p for p in sorted(Path(folder).rglob("*")) if p.is_file()))


def exists(path: Path) -> bool:
    """Whether the file is in the working copy or, with remote media, in the storage."""
    return Path(path).exists() or (remote() and default_storage.exists(name_of(path)))


def stored_size(path: Path) -> int | None:
    """The size of a file in the remote storage; None with local media or where it is missing."""
    if not remote():
        return None
    try:
        return default_storage.size(name_of(path))
    except Exception:  # noqa: BLE001 - missing, or the storage did not answer: not known
        return None


def publish(*paths: Path, replace: bool = True) -> None:
    """Stores files written in the working copy under their own names (remote media only).

    Args:
        paths: Files under MEDIA_ROOT.
        replace: False: skip a name the storage already holds (the same bytes, as names are
            content-derived: a second team's upload of a recording is not sent again).

    Raises:
        StorageError: the storage refused or could not be reached.
    """
    if not remote():
        return
    for path in paths:
        name = name_of(path)
        try:
            if not replace and default_storage.exists(name):
                continue
            with Path(path).open("rb") as fh:
                default_storage.save(name, File(fh))
        except Exception as exc:  # noqa: BLE001 - boto3's errors have no one base class
            raise StorageError(f"the media storage did not take {name}: {exc}") from exc


def _stored_names(prefix: str) -> Iterable[str]:
    folders, files = default_storage.listdir(prefix)
    for name in files:
        yield f"{prefix}/{name}"
    for folder in folders:
        yield from _stored_names(f"{prefix}/{folder}")


def remove(*paths: Path) -> None:
    """Deletes files from the working copy and the storage."""
    for path in paths:
        Path(path).unlink(missing_ok=True)
        if remote():
            default_storage.delete(name_of(path))


def remove_tree(folder: Path) -> None:
    """Deletes a folder under MEDIA_ROOT from the working copy and the storage."""
    media = Path(settings.MEDIA_ROOT).resolve()
    folder = Path(folder).resolve()
    if not folder.is_relative_to(media) or folder == media:
        return
    shutil.rmtree(folder, ignore_errors=True)
    if remote():
        for name in list(_stored_names(name_of(folder))):
            default_storage.delete(name)


def serve(request: HttpRequest, path: Path, content_type: str | None = None) -> HttpResponse:
    """Answers a media request for a file the caller has already checked the user may see.

    Local media: the file itself, ranged. Remote media: a redirect to a presigned URL that
    expires after ``expiry`` seconds of MEDIA_STORAGE_URL; the storage answers the Range
    requests, so a web node never streams video.
    """
    if not remote():
        return ranged_file_response(request, Path(path), content_type)
    params = {"ResponseContentType": content_type} if content_type else None
    response = HttpResponseRedirect(default_storage.url(name_of(path), parameters=params))
    response["Cache-Control"] = "private, no-store"  # the URL expires: never reuse a redirect
    return response


def cache_trim(keep: Iterable[Path] = ()) -> int:
    """Deletes least recently used files from the working copy of remote media.

    Only published media is trimmed (``replays/`` and ``clips/``), never a folder in ``keep``
    (a running job's). Local media is the record and is never trimmed.

    Returns:
        The number of bytes freed.
    """
    if not remote():
        return 0
    media = Path(settings.MEDIA_ROOT)
    kept = [Path(k).resolve() for k in keep]
    files = [
        (stat.st_mtime, stat.st_size, path)
        for top in ("replays", "clips")
        for path in (media / top).rglob("*")
        if path.is_file()
        and not path.name.startswith(".")
        and not any(path.resolve().is_relative_to(k) for k in kept)
        for stat in [path.stat()]
    ]
    total = sum(size for _, size, _ in files)
    freed = 0
    for _, size, path in sorted(files):
        if total - freed <= settings.FILMROOM_MEDIA_CACHE_BYTES:
            break
        path.unlink(missing_ok=True)
        freed += size
    return freed
