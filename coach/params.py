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


# The largest id a database here stores (SQLite's INTEGER, PostgreSQL's bigint): a larger number
# names nothing, and handed to a query (``pk__in``) it is an OverflowError, a 500.
MAX_ID = 2**63 - 1


def id_or_none(value: object) -> int | None:
    """The value as a positive integer id (at most ``MAX_ID``), or None."""
    if isinstance(value, bool):
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


# Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9): in a file name they can show
# "exe.mp4" as "mp4.exe" or reorder a page's text around it (Trojan Source, CVE-2021-42574).
_BIDI = dict.fromkeys([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_CONTROLS = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)])


def plain_name(value: str) -> str:
    """A name as typed or sent, without control or bidirectional-control characters."""
    return value.translate({**_BIDI, **_CONTROLS}).strip()
