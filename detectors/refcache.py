"""Decoded reference screenshots kept on disk, keyed by the hash of the file's bytes.

A profile names one or more reference screenshots, and every detection loads them again:
decoding a 1080p PNG took 43-57 ms here (``cv2.imdecode``, 1 MB files), about a third of a
detection of a 5 s 360p clip. The decoded pixels are kept as plain ``.npy`` files (read
with ``allow_pickle=False``: nothing is unpickled), named by the SHA-256 of the screenshot's
bytes (which loading a profile computes anyway for its version hash) and OpenCV's version (a
JPEG decoder's output may change between versions). So an edited screenshot is a new entry,
and an entry is never stale.

Where: ``$FILMROOM_REFERENCE_CACHE`` if set (empty turns the cache off), else
``$XDG_CACHE_HOME/filmroom/references`` (``~/.cache`` when that is unset). Entries are written
to a temporary name and renamed, so a reader never sees half a file, and processes sharing
the folder agree. The oldest entries (by last use) go when the folder holds more than
``KEPT_BYTES``. A folder that cannot be made or written, or an entry that cannot be read or
does not hold what an entry should, only means decoding the screenshot as before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np

ENV = "FILMROOM_REFERENCE_CACHE"
# At most this much in the folder (a 1080p screenshot's entry is 8 MB, a 4K one's 33 MB).
KEPT_BYTES = 512 * 1024**2
_PARTS = ("gray", "bgr")


def folder() -> Path | None:
    """The cache folder, or None when the cache is off."""
    chosen = os.environ.get(ENV)
    if chosen is not None:
        return Path(chosen) if chosen.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "filmroom" / "references"


def get(key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """The (gray, BGR) pixels kept under ``key`` (the screenshot bytes' hash, and the
    decoder's version), if any."""
    where = folder()
    if where is None:
        return None
    paths = [where / f"{key}.{part}.npy" for part in _PARTS]
    try:
        gray, bgr = (np.load(p, allow_pickle=False) for p in paths)
    except (OSError, ValueError, EOFError):
        return None  # absent, cut short, or not an array file: decode instead
    ok = (
        gray.dtype == np.uint8
        and bgr.dtype == np.uint8
        and gray.ndim == 2
        and bgr.shape == (*gray.shape, 3)
    )
    if not ok:
        return None
    for p in paths:
        with contextlib.suppress(OSError):
            os.utime(p)  # last use, for pruning
    return gray, bgr


def put(key: str, gray: np.ndarray, bgr: np.ndarray) -> None:
    """Keeps a screenshot's decoded pixels (best effort: a failure leaves nothing behind)."""
    where = folder()
    if where is None:
        return
    try:
        where.mkdir(parents=True, exist_ok=True)
        for part, pixels in zip(_PARTS, (gray, bgr), strict=True):
            fd, tmp = tempfile.mkstemp(dir=where, prefix=".part-", suffix=".npy")
            try:
                with os.fdopen(fd, "wb") as out:
                    np.save(out, np.ascontiguousarray(pixels), allow_pickle=False)
                os.replace(tmp, where / f"{key}.{part}.npy")
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        _prune(where)
    except OSError:
        return  # a read-only or full disk: the screenshot is decoded next time too


def _prune(where: Path) -> None:
    """Removes the least recently used entries while the folder holds over KEPT_BYTES."""
    entries = []
    for path in where.glob("*.npy"):
        with contextlib.suppress(OSError):
            info = path.stat()
            entries.append((info.st_mtime, info.st_size, path))
    total = sum(size for _, size, _ in entries)
    for _mtime, size, path in sorted(entries, key=lambda e: e[0]):
        if total <= KEPT_BYTES:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size
