"""Reading requests: a value that is not a whole number is simply no id, and a body that is not
JSON is a ValueError for the view to answer (never a 500)."""

from __future__ import annotations

import json

from django.http import HttpRequest
from django.http.request import RawPostDataException


def json_body(request: HttpRequest) -> object:
    """The request's body parsed as JSON (an empty body is ``{}``).

    Raises:
        ValueError: not JSON, not UTF-8, nested too deep, or a form whose fields Django has
            already read (its CSRF check does so for a browser's form post).
    """
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError, RawPostDataException) as exc:
        raise ValueError("not a JSON body") from exc


def id_or_none(value: object) -> int | None:
    """The value as a positive integer id, or None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
