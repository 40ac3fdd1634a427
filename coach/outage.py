"""A media storage that cannot be reached answers 503 with a reason, not a 500.

With remote media (``MEDIA_STORAGE_URL``) a page or file request may need the storage: whether a
thumbnail exists, a frame index fetched into this node's working copy. When the storage is down
boto3 raises (connection refused, timeouts, 5xx after its retries); that is not a bug of the page
but a passing outage, so the person gets "try again shortly" and a ``Retry-After``, JSON callers
get ``{"error": ...}``, and the log names the cause once per request.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from coach.storage import StorageError

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 30
MESSAGE = "The media storage cannot be reached just now; nothing was lost. Try again shortly."


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [StorageError]
    try:  # boto3 is only there for remote media
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        return tuple(errors)
    return (*errors, BotoCoreError, ClientError)


class StorageOutageMiddleware:
    """Turns a storage failure during a request into a 503 the page can explain."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.errors = _storage_errors()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, self.errors):
            return None
        logger.warning("media storage unavailable for %s: %s", request.path, exc)
        wants_json = "application/json" in request.headers.get(
            "Accept", ""
        ) or request.path.endswith(".json")
        if wants_json:
            response = JsonResponse({"error": MESSAGE}, status=503)
        else:
            html = render_to_string("503.html", {"message": MESSAGE}, request=request)
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
