"""Reading requests: a value that is not a whole number is simply no id, and a body that is not
JSON is a ValueError for the view to answer (never a 500)."""

from __future__ import annotations

import json
import re
import unicodedata

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
# The line and paragraph separators (U+2028/9) break a line as a newline does; the rest show
# nothing, so a name made of them looks empty and a name holding one looks like the name without
# it: the soft hyphen, the Mongolian vowel separator, the zero width space, the word joiner and
# the invisible maths operators (U+2060-4), the byte order mark (zero width no-break space).
_INVISIBLE = dict.fromkeys([0x2028, 0x2029, 0x00AD, 0x180E, 0x200B, *range(0x2060, 0x2065), 0xFEFF])
_DROPPED = {**_BIDI, **_CONTROLS, **_INVISIBLE}
# The zero width non-joiner and joiner (U+200C/D) are part of a name between the characters they
# join or keep apart: an emoji sequence (a family, a skin tone with a job, the rainbow flag) or a
# Persian or Indic word. Elsewhere (an end of the name, beside a space, an ASCII character or
# another invisible character) they change nothing one can see, and go.
_JOINERS = "\u200c\u200d"
# Characters that draw nothing though they are letters or symbols: the Hangul fillers, the blank
# braille pattern; with the variation selectors and the combining grapheme joiner, which only
# change the character before them, a name of nothing else looks empty.
_BLANK = "\u115f\u1160\u3164\uffa0\u2800"
_MODIFIERS = re.compile("[\u034f\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def _joins(char: str) -> bool:
    """Whether a joiner beside ``char`` can change how the name looks."""
    return char > "\x7f" and char not in _BLANK and unicodedata.category(char)[0] in "LMS"


def _looks_empty(text: str) -> bool:
    return all(
        c.isspace() or c in _BLANK or unicodedata.category(c) == "Cf" or _MODIFIERS.match(c)
        for c in text
    )


def plain_name(value: str) -> str:
    """A name as typed or sent, without control, bidirectional-control or invisible characters.

    The zero width joiner and non-joiner stay only between two non-ASCII letters, marks or
    symbols (inside an emoji sequence, a Persian or Indic word); a name with nothing visible left
    is empty, so the callers' "a name is needed" checks refuse it.
    """
    text = value.translate(_DROPPED)
    text = "".join(
        char
        for i, char in enumerate(text)
        if char not in _JOINERS
        or (0 < i < len(text) - 1 and _joins(text[i - 1]) and _joins(text[i + 1]))
    )
    if _looks_empty(text):
        return ""
    return text.strip().strip(_BLANK).strip()
