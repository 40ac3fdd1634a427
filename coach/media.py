"""Serving private media files with HTTP Range support.

Browsers seek in a video only when the server answers Range requests (measured here: Chromium cannot
seek at all without them). Media is team-private, so it is served by views that check ownership
first and then call ``ranged_file_response``. The body is an async iterator so that Daphne streams
it; Django would otherwise read a sync iterator whole into memory under ASGI.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import AsyncIterator
from pathlib import Path

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


async def _read_range(path: Path, start: int, length: int) -> AsyncIterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            block = await asyncio.to_thread(fh.read, min(CHUNK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """The (start, end inclusive) of a single-range ``Range`` header, or None if unsatisfiable.

    Raises:
        ValueError: for a header that is not a single byte range (the caller sends the whole file).
    """
    match = _RANGE.match(header.strip())
    if not match or match.groups() == ("", ""):
        raise ValueError(header)
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        length = int(last)
        if length == 0:
            return None
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


def ranged_file_response(
    request: HttpRequest, path: Path, content_type: str | None = None
) -> HttpResponse:
    """Answers with the file, or the byte range the request asked for (206), or 416."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise Http404("file not found") from exc
    size = stat.st_size
    content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header and size:
        try:
            wanted = parse_range(header, size)
        except ValueError:  # not a single byte range: RFC 9110 lets us send the whole file
            wanted = False
        if wanted is None:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        if wanted:
            start, end = wanted
            status = 206
    length = end - start + 1 if size else 0
    response = StreamingHttpResponse(
        _read_range(path, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    response["Last-Modified"] = http_date(stat.st_mtime)
    response["Cache-Control"] = "private, max-age=3600"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    return response
